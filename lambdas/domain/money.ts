/** Money is integer minor units with an ISO 4217 currency (lowercase, as Stripe sends it). Never floats. */
export interface Money {
  amount: number;
  currency: string;
}

/**
 * Totals over amounts (trial balance, waterfall, reconciliation, reports) are bigint: JavaScript
 * numbers are exact only up to 2^53 − 1 minor units (≈ 90 trillion USD), and a ledger's running
 * total passes any bound given volume. One document's amounts stay numbers (Stripe caps them far
 * below 2^53), so `sum` is for one document: it adds exactly and refuses a result it cannot hold.
 */
export function sum(values: readonly number[]): number {
  const total = exactTotal(values);
  if (total > MAX_SAFE || total < -MAX_SAFE) {
    throw new RangeError(`a document total of ${total} minor units is beyond exact number arithmetic`);
  }
  return Number(total);
}

/** Exact total of any number of integer amounts, whatever the volume. */
export function exactTotal(values: Iterable<number | bigint>): bigint {
  let total = 0n;
  for (const v of values) total += typeof v === 'bigint' ? v : BigInt(v);
  return total;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A total on the JSON wire (ops API, `--json`, reports): a JSON number while it is exact as one
 * (|n| ≤ 2^53 − 1, which keeps every documented shape unchanged), else a decimal string of the
 * exact value. Readers take either with `amountFromJson`.
 */
export type JsonAmount = number | string;
export function amountToJson(n: bigint): JsonAmount {
  return n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : n.toString();
}

/** Reads a JSON amount (number or decimal string) back to its exact value. */
export function amountFromJson(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new RangeError(`not an exact integer amount: ${String(v)}`);
}

/** JSON.stringify replacer: bigint totals go on the wire as `amountToJson` renders them. */
export const bigintJsonReplacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? amountToJson(value) : value;

/** Formats minor units for people, in integer arithmetic: 2702615 usd → "27,026.15 USD". */
export function formatMoney(amount: number | bigint, currency: string): string {
  const n = typeof amount === 'bigint' ? amount : BigInt(amount);
  const sign = n < 0n ? '-' : '';
  const abs = n < 0n ? -n : n;
  const group = (v: bigint) => v.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const text = ZERO_DECIMAL_CURRENCIES.has(currency.toLowerCase())
    ? group(abs)
    : `${group(abs / 100n)}.${(abs % 100n).toString().padStart(2, '0')}`;
  return `${sign}${text} ${currency.toUpperCase()}`;
}

/** Currencies Stripe treats as zero-decimal (amounts are already whole units). */
export const ZERO_DECIMAL_CURRENCIES = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
