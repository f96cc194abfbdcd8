/**
 * The canonical Deal: what the deal-to-subscription flow reads from Salesforce (opportunity, account,
 * billing contact, the primary quote's billing terms and lines), independent of the SOQL that loaded
 * it. Amounts are integer minor units of the opportunity currency, converted from Salesforce's
 * decimals in string arithmetic (never through floating-point multiplication).
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ZERO_DECIMAL_CURRENCIES } from '../money';

const Id18 = z.string().regex(/^[a-zA-Z0-9]{18}$/, 'not an 18-character Salesforce id');
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

export const DealLine = z.object({
  id: Id18,
  productCode: z.string().nullable(),
  productName: z.string().nullable(),
  /** Salesforce Quantity is a decimal; validation refuses fractions Stripe cannot bill. */
  quantity: z.number().nonnegative(),
  /** Net unit price (sales price less the line discount), minor units. */
  unitPrice: z.number().int().nonnegative(),
  /** Price book list price, minor units (informational: the billed price comes from the mapping). */
  listPrice: z.number().int().nonnegative().nullable(),
});
export type DealLine = z.infer<typeof DealLine>;

export const DealQuote = z.object({
  id: Id18,
  name: z.string().nullable(),
  /** Q2C_Subscription_Start__c (UTC date); null → the close date. */
  startDate: IsoDate.nullable(),
  billingFrequency: z.enum(['Monthly', 'Annual']).nullable(),
  trialDays: z.number().int().nonnegative(),
  termMonths: z.number().int().positive().nullable(),
  coupon: z.string().min(1).nullable(),
  cancellation: z.enum(['At period end', 'Immediately with credit']).nullable(),
  lines: z.array(DealLine),
});
export type DealQuote = z.infer<typeof DealQuote>;

export const Deal = z.object({
  opportunity: z.object({
    id: Id18,
    name: z.string(),
    type: z.string().nullable(),
    stage: z.string(),
    isWon: z.boolean(),
    /** SystemModstamp: later versions win, equal or older ones are duplicates/stale. */
    version: z.string().datetime({ offset: true }),
    closeDate: IsoDate.nullable(),
    /** Lowercase ISO 4217. */
    currency: z.string().regex(/^[a-z]{3}$/),
    /** Q2C_Original_Opportunity__c: the deal an amendment, renewal or cancellation changes. */
    originalOpportunityId: Id18.nullable(),
  }),
  account: z.object({
    id: Id18,
    name: z.string(),
    /** Account.Q2C_Stripe_Customer_Id__c, written back once the customer exists. */
    stripeCustomerId: z.string().nullable(),
    billingAddress: z.object({
      line1: z.string().nullable(),
      city: z.string().nullable(),
      postalCode: z.string().nullable(),
      state: z.string().nullable(),
      /** ISO 3166 alpha-2 when Salesforce holds one (state/country picklists), else as entered. */
      country: z.string().nullable(),
    }),
  }),
  billingContact: z.object({ name: z.string().nullable(), email: z.string().nullable() }).nullable(),
  /** The synced primary quote (Opportunity.SyncedQuoteId); null when there is none. */
  quote: DealQuote.nullable(),
});
export type Deal = z.infer<typeof Deal>;

/** Minor-unit exponent as Stripe counts it (zero-decimal currencies have none). */
export function currencyExponent(currency: string): number {
  return ZERO_DECIMAL_CURRENCIES.has(currency.toLowerCase()) ? 0 : 2;
}

/** Digits of a decimal as a bigint scaled by 10^scale: "49.9" at scale 4 → 499000n. Throws on anything else. */
function scaledDecimal(value: number | string, scale: number): { scaled: bigint; dropped: string } {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new RangeError(`not a decimal: ${String(value)}`);
  const [, sign, whole, fraction = ''] = m;
  const kept = fraction.slice(0, scale).padEnd(scale, '0');
  const digits = BigInt(whole + kept);
  return { scaled: sign === '-' ? -digits : digits, dropped: fraction.slice(scale) };
}

/** A JSON number as its shortest exact decimal text (no exponent notation). */
function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const text = String(n);
  if (!/e/i.test(text)) return text;
  // 1e21 or 1e-7: expand the exponent by moving the decimal point in the digit string.
  const [mantissa, exp] = text.toLowerCase().split('e');
  const negative = mantissa.startsWith('-');
  const [intPart, fracPart = ''] = mantissa.replace('-', '').split('.');
  const digits = intPart + fracPart;
  const point = intPart.length + Number(exp);
  const body =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + body;
}

/**
 * A Salesforce currency amount (decimal number or string) in integer minor units of `currency`,
 * rounded half away from zero when Salesforce holds more decimals than the currency has.
 */
export function decimalToMinor(value: number | string, currency: string): number {
  const exponent = currencyExponent(currency);
  const { scaled, dropped } = scaledDecimal(value, exponent);
  const roundUp = dropped.length > 0 && dropped.charCodeAt(0) >= 53; // first dropped digit ≥ 5
  const rounded = roundUp ? scaled + (scaled < 0n ? -1n : 1n) : scaled;
  return Number(rounded);
}

/**
 * Net unit price of a quote line: UnitPrice (minor units) less Discount percent (a decimal, e.g. 12.5),
 * computed exactly and rounded half away from zero.
 */
export function discountedUnitPrice(unitPrice: number, discountPercent: number | string | null): number {
  if (discountPercent === null || discountPercent === '' || Number(discountPercent) === 0) return unitPrice;
  const { scaled: pct } = scaledDecimal(discountPercent, 6); // percent × 10^6
  const denominator = 100n * 1_000_000n;
  const numerator = BigInt(unitPrice) * (denominator - pct);
  const half = denominator / 2n;
  return Number((numerator + (numerator >= 0n ? half : -half)) / denominator);
}

/**
 * What billing depends on, as a stable hash: everything in the deal except its version. Our own
 * write-back (and any edit of fields billing does not read) bumps SystemModstamp without changing it,
 * so a newer version with the same fingerprint is a duplicate, not a change.
 */
export function dealFingerprint(deal: Deal): string {
  // Neither the version nor what we write back ourselves (the Account's Stripe customer id).
  const { version: _version, ...opportunity } = deal.opportunity;
  const { stripeCustomerId: _customer, ...account } = deal.account;
  return createHash('sha256')
    .update(stableJson({ ...deal, opportunity, account }))
    .digest('hex')
    .slice(0, 32);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

/** The opportunity's correlation id helper lives with the CRM events; re-exported for callers of the deal. */
export { correlationIdForOpportunity, salesforceId18 } from './events';
