/** Money is integer minor units with an ISO 4217 currency (lowercase, as Stripe sends it). Never floats. */
export interface Money {
  amount: number;
  currency: string;
}

export function assertMinorUnits(amount: number, what: string): number {
  if (!Number.isSafeInteger(amount))
    throw new RangeError(`${what} must be an integer in minor units, got ${amount}`);
  return amount;
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, v) => total + v, 0);
}

/** Formats minor units for people (2-decimal currencies; zero-decimal ones are shown as is). */
export function formatMoney(amount: number, currency: string): string {
  const zeroDecimal = ZERO_DECIMAL_CURRENCIES.has(currency.toLowerCase());
  const major = zeroDecimal ? String(amount) : (amount / 100).toFixed(2);
  return `${major} ${currency.toUpperCase()}`;
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
