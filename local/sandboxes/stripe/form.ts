/**
 * Stripe's v1 bracket encoding, parsed back into nested values.
 *
 * stripe-node (`stringifyRequestData`) sends `metadata[k]=v`, `items[0][price]=p`, `expand[0]=data.source`
 * (indexed arrays) and `created[gte]=…`, with brackets left unencoded; curl users send `expand[]=x` and
 * `%5B`/`%5D`. Values stay strings, as on the wire: the API coerces per parameter (see `coerce`), and an
 * empty string means "unset" (the SDK encodes `null` as `''`).
 */
import { invalidBoolean, invalidInteger, invalidRequest } from './errors';

/** Wire values are strings; `coerceParams` turns typed parameters into numbers and booleans. */
export type FormValue = string | number | boolean | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

const MAX_DEPTH = 10;
/** Keys that would reach Object.prototype through a plain object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw invalidRequest(`Invalid request: could not decode '${s}'.`);
  }
}

/** `items[0][price]` → ['items', '0', 'price']; `expand[]` → ['expand', '']. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return [key];
  const segments = [key.slice(0, open)];
  const rest = key.slice(open);
  const re = /\[([^[\]]*)\]/g;
  let consumed = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m.index !== consumed) return [key];
    segments.push(m[1]);
    consumed = re.lastIndex;
  }
  return consumed === rest.length ? segments : [key];
}

function isDigits(s: string): boolean {
  return /^\d+$/.test(s);
}

function assign(root: Record<string, unknown>, segments: string[], value: string, fullKey: string): void {
  if (segments.length > MAX_DEPTH)
    throw invalidRequest(`Invalid request: '${fullKey}' is nested too deeply.`);
  let node: Record<string, unknown> = root;
  for (let i = 0; i < segments.length; i++) {
    let seg = segments[i];
    if (FORBIDDEN_KEYS.has(seg)) throw invalidRequest(`Invalid request: '${fullKey}' is not a valid key.`);
    const last = i === segments.length - 1;
    // `[]` appends: give it the next free index so it shares the indexed-array path below.
    if (seg === '' && i > 0) seg = String(Object.keys(node).length);
    if (last) {
      if (typeof node[seg] === 'object') {
        throw invalidRequest(`Invalid request: '${fullKey}' is both a value and a hash.`, { param: fullKey });
      }
      node[seg] = value;
      return;
    }
    const next = node[seg];
    if (next === undefined) node[seg] = Object.create(null) as Record<string, unknown>;
    else if (typeof next !== 'object') {
      throw invalidRequest(`Invalid request: '${fullKey}' is both a value and a hash.`, { param: fullKey });
    }
    node = node[seg] as Record<string, unknown>;
  }
}

/** Objects whose keys are all indices become arrays, in index order. */
function finalize(node: unknown): FormValue {
  if (typeof node === 'string') return node;
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 0 && keys.every(isDigits)) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => finalize(obj[k]));
  }
  const out: FormObject = {};
  for (const k of keys) out[k] = finalize(obj[k]);
  return out;
}

/** Parses an `application/x-www-form-urlencoded` body or a query string (with or without `?`). */
export function parseForm(input: string): FormObject {
  const root = Object.create(null) as Record<string, unknown>;
  const text = input.startsWith('?') ? input.slice(1) : input;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    if (key === '') continue;
    assign(root, splitKey(key), value, key);
  }
  return finalize(root) as FormObject;
}

export function isFormObject(v: unknown): v is FormObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// Coercion: Stripe's API types each parameter; the wire carries strings.
// ---------------------------------------------------------------------------------------------

export type ParamType = 'integer' | 'boolean';
/** Paths to typed parameters: `amount`, `recurring.interval_count`, `items[].quantity`. */
export type ParamTypes = Record<string, ParamType>;

export function toInteger(value: FormValue, param: string): number {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw invalidInteger(param, String(value));
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw invalidInteger(param, value);
  return n;
}

export function toBoolean(value: FormValue, param: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidBoolean(param, String(value));
}

/** Stripe names nested params in bracket form in errors: `items[0][quantity]`. */
function paramName(trail: string[]): string {
  return (
    trail[0] +
    trail
      .slice(1)
      .map((s) => `[${s}]`)
      .join('')
  );
}

function coerceAt(node: FormValue, path: string[], type: ParamType, trail: string[]): FormValue {
  if (path.length === 0) {
    // '' stays '': it means "unset" and the caller turns it into null.
    if (node === '') return node;
    const name = paramName(trail);
    return type === 'integer' ? toInteger(node, name) : toBoolean(node, name);
  }
  const [head, ...rest] = path;
  const isArray = head.endsWith('[]');
  const key = isArray ? head.slice(0, -2) : head;
  if (!isFormObject(node) || node[key] === undefined) return node;
  const child = node[key];
  if (isArray) {
    if (!Array.isArray(child)) return node;
    node[key] = child.map((el, i) => coerceAt(el, rest, type, [...trail, key, String(i)]));
  } else {
    node[key] = coerceAt(child, rest, type, [...trail, key]);
  }
  return node;
}

/**
 * Converts the typed parameters in place (numbers and booleans end up as JSON numbers/booleans
 * in the stored object, as the API returns them). Throws Stripe's `Invalid integer: …` errors.
 */
export function coerceParams(params: FormObject, types: ParamTypes | undefined): FormObject {
  if (!types) return params;
  for (const [path, type] of Object.entries(types)) coerceAt(params, path.split('.'), type, []);
  return params;
}
