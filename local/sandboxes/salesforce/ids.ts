/**
 * Salesforce record ids: a 3-character key prefix (the object), a 2-character pod, and a base-62
 * counter, 15 characters case-sensitive; the 18-character form appends a checksum of the letter
 * casing (salesforceId18) so it survives case-insensitive systems. The API always answers with 18
 * characters and accepts either form.
 */
import { salesforceId18 } from '../../../lambdas/domain/crm/events';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The pod of the demo org's ids (`00D5g…`). */
export const POD = '5g';

export function base62(n: number, width: number): string {
  let s = '';
  let v = n;
  do {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  if (s.length > width) throw new Error(`id counter ${n} does not fit ${width} base-62 characters`);
  return s.padStart(width, '0');
}

/** `<prefix><pod>0000<5 base-62 chars>` + checksum: the n-th id of a key prefix (18 characters). */
export function recordId(prefix: string, n: number): string {
  if (!/^[0-9A-Za-z]{3}$/.test(prefix)) throw new Error(`bad key prefix ${prefix}`);
  return salesforceId18(`${prefix}${POD}0000${base62(n, 6)}`);
}

const ID_SHAPE = /^[0-9A-Za-z]{15}(?:[A-Z0-5]{3})?$/;

/** The 18-character form of a 15- or 18-character id, or undefined if `value` is not shaped like one. */
export function normalizeId(value: string): string | undefined {
  if (!ID_SHAPE.test(value)) return undefined;
  const id18 = salesforceId18(value.slice(0, 15));
  // An 18-character id whose checksum does not match its casing is not an id.
  if (value.length === 18 && id18 !== value) {
    // Salesforce accepts the 18-char form case-insensitively: rebuild the casing from the checksum.
    return fromCaseInsensitive(value);
  }
  return id18;
}

/** Restores the casing of an 18-character id typed in the wrong case, from its checksum. */
function fromCaseInsensitive(value: string): string | undefined {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = alphabet.indexOf(value.charAt(15 + chunk).toUpperCase());
    if (bits < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const c = value.charAt(chunk * 5 + i);
      out += bits & (1 << i) ? c.toUpperCase() : c.toLowerCase();
    }
  }
  const id18 = salesforceId18(out);
  return id18.toUpperCase() === value.toUpperCase() ? id18 : undefined;
}
