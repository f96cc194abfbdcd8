import { randomInt } from 'node:crypto';

/** Base62 in ASCII order, so comparing two encodings with `<` compares the numbers they encode. */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function randomChars(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHABET[randomInt(62)];
  return out;
}

let lastMs = 0;
let seq = 0;

/**
 * A Stripe-looking id (`cus_…`, 24 characters after the prefix) that sorts by creation time.
 *
 * Lists are ordered `created` desc then id desc, and `created` has one-second resolution, so
 * objects created within the same second must still come out newest first: the id starts with
 * the creation millisecond and a per-millisecond sequence (real Stripe ids are time-ordered too).
 */
export function newId(prefix: string): string {
  const now = Math.max(Date.now(), lastMs);
  seq = now === lastMs ? seq + 1 : 0;
  lastMs = now;
  if (seq >= 62 ** 3) {
    lastMs += 1;
    seq = 0;
  }
  return `${prefix}_${base62(lastMs, 7)}${base62(seq, 3)}${randomChars(14)}`;
}

/** `req_…` as Stripe's Request-Id header. */
export function newRequestId(): string {
  return `req_${randomChars(14)}`;
}
