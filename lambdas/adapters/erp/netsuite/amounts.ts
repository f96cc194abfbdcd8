/**
 * NetSuite takes amounts in major units ("1234.56"); the domain keeps integer minor units. The
 * conversion is string arithmetic on the digits, never `amount / 100`, so no amount ever passes
 * through a binary float on its way into the ERP.
 */
import { ZERO_DECIMAL_CURRENCIES } from '../../../domain/money';

/** ISO 4217 currencies with three decimals (Stripe amounts are in thousandths for these). */
const THREE_DECIMAL_CURRENCIES = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Digits after the decimal point of a currency's major unit. */
export function currencyExponent(currency: string): number {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL_CURRENCIES.has(c)) return 0;
  return THREE_DECIMAL_CURRENCIES.has(c) ? 3 : 2;
}

/** 123456 usd → "1234.56"; -5 usd → "-0.05"; 500 jpy → "500". */
export function toDecimalString(minorUnits: number, currency: string): string {
  if (!Number.isSafeInteger(minorUnits)) throw new RangeError(`not an integer amount: ${minorUnits}`);
  const exponent = currencyExponent(currency);
  const sign = minorUnits < 0 ? '-' : '';
  const digits = String(Math.abs(minorUnits)).padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * "1234.5" usd → 123450. Exact: rejects more decimals than the currency has rather than rounding,
 * because a sub-cent amount from the ERP is a mismatch to reconcile, not a value to round away.
 */
export function fromDecimalString(text: string, currency: string): number {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal amount: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ''] = m;
  const exponent = currencyExponent(currency);
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent) {
    throw new RangeError(`${text} has more decimals than ${currency.toUpperCase()} allows`);
  }
  const minor = Number(whole + fraction.padEnd(exponent, '0').slice(0, exponent));
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount out of range: ${text}`);
  return sign && minor !== 0 ? -minor : minor;
}

/**
 * An amount destined for a NetSuite request body. `toNetSuiteJson` writes it as a bare JSON number
 * with exactly these digits (JSON.stringify alone could only write it as a float or a string).
 */
export class NetSuiteAmount {
  readonly text: string;
  constructor(minorUnits: number, currency: string) {
    this.text = toDecimalString(minorUnits, currency);
  }
}

const MARK = '\u0000amount:';
const MARKED = /"\\u0000amount:(-?\d+(?:\.\d+)?)"/g;

/** JSON for a NetSuite request: NetSuiteAmount values become number literals with their exact digits. */
export function toNetSuiteJson(body: unknown): string {
  return JSON.stringify(body, (_key, value: unknown) =>
    value instanceof NetSuiteAmount ? MARK + value.text : value,
  ).replace(MARKED, '$1');
}
