/** Money is integer minor units with an ISO 4217 currency (lowercase, as Stripe sends it). Never floats. */
export interface Money {
  amount: number;
  currency: string;
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, v) => total + v, 0);
}

/** Formats minor units for people, in integer arithmetic: 2702615 usd → "27,026.15 USD". */
export function formatMoney(amount: number, currency: string): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  const group = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const text = ZERO_DECIMAL_CURRENCIES.has(currency.toLowerCase())
    ? group(abs)
    : `${group(Math.trunc(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
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
