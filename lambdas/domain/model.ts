/**
 * Canonical entities (schema v1). Vendor events are mapped into these; ERP adapters post them.
 * Defined with zod so the same definition validates at runtime and generates the JSON Schemas
 * published in schemas/v1 (npm run schemas; a test keeps them in sync).
 */
import { z } from 'zod';

const minorUnits = z.number().int().describe('Integer amount in minor units of the currency');
const currency = z
  .string()
  .regex(/^[a-z]{3}$/)
  .describe('ISO 4217 code, lowercase');
const isoTimestamp = z.string().datetime().describe('ISO 8601 UTC timestamp');

export const Dimensions = z
  .object({
    department: z.string().optional(),
    class: z.string().optional(),
    location: z.string().optional(),
    region: z.string().optional(),
  })
  .describe('ERP classification dimensions (NetSuite department/class/location, reporting region)');

export const ServicePeriod = z
  .object({ start: isoTimestamp, end: isoTimestamp })
  .describe('Service period; end is exclusive (Stripe: the start of the next period)');

export const Recognition = z
  .enum(['ratable', 'point_in_time'])
  .describe('ratable: deferred and released over the service period; point_in_time: revenue at issue');

export const InvoiceLine = z.object({
  lineRef: z.string().describe('Source line id, e.g. stripe:il_123'),
  description: z.string(),
  productRef: z.string().nullable(),
  priceRef: z.string().nullable(),
  quantity: z.number().int().nonnegative(),
  amount: minorUnits.describe('Gross line amount before discounts, excluding exclusive tax'),
  discount: minorUnits,
  netAmount: minorUnits.describe('Revenue amount: amount − discount − inclusive tax'),
  tax: minorUnits,
  recognition: Recognition,
  servicePeriod: ServicePeriod.nullable(),
  proration: z.boolean(),
  /** ERP enrichment from config/mapping.json (optional in v1: added without breaking readers). */
  item: z.string().optional(),
  taxCode: z.string().nullable().optional(),
  dimensions: Dimensions.optional(),
});

const sourceOf = z.object({
  system: z.literal('stripe'),
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
});

export const Invoice = z.object({
  schemaVersion: z.literal('v1'),
  invoiceRef: z.string().describe('Canonical reference, e.g. stripe:in_123'),
  source: sourceOf,
  number: z.string().nullable(),
  customerRef: z.string(),
  subscriptionRef: z.string().nullable(),
  subsidiary: z.string(),
  currency,
  issuedAt: isoTimestamp,
  subtotal: minorUnits,
  discountTotal: minorUnits,
  taxTotal: minorUnits,
  total: minorUnits,
  lines: z.array(InvoiceLine),
  correlationId: z.string(),
  paymentTerms: z.string().optional(),
  dueAt: isoTimestamp.nullable().optional(),
});

export const Payment = z.object({
  schemaVersion: z.literal('v1'),
  paymentRef: z.string().describe('Canonical reference of the settlement, e.g. stripe:in_123:payment'),
  invoiceRef: z.string(),
  source: sourceOf,
  customerRef: z.string(),
  subsidiary: z.string(),
  currency,
  amount: minorUnits,
  paidAt: isoTimestamp,
  correlationId: z.string(),
});

export const AccountKey = z.enum([
  'accounts_receivable',
  'stripe_clearing',
  'bank',
  'deferred_revenue',
  'revenue',
  'tax_payable',
  'merchant_fees',
  'bad_debt',
  'fx_gain_loss',
]);

export const JournalLine = z.object({
  account: AccountKey,
  debit: minorUnits.nonnegative(),
  credit: minorUnits.nonnegative(),
  currency,
  memo: z.string(),
  sourceEventId: z.string(),
  correlationId: z.string(),
  sourceLineRef: z.string().nullable(),
  servicePeriod: ServicePeriod.nullable(),
});

export const JournalEntry = z.object({
  schemaVersion: z.literal('v1'),
  entryId: z.string().describe('Deterministic: equals the idempotency key of the posting'),
  idempotencyKey: z.string(),
  kind: z.enum(['invoice', 'payment']),
  documentRef: z.string(),
  subsidiary: z.string(),
  effectiveDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  memo: z.string(),
  sourceEventId: z.string(),
  correlationId: z.string(),
  lines: z.array(JournalLine),
});

export type ServicePeriod = z.infer<typeof ServicePeriod>;
export type InvoiceLine = z.infer<typeof InvoiceLine>;
export type Invoice = z.infer<typeof Invoice>;
export type Payment = z.infer<typeof Payment>;
export type AccountKey = z.infer<typeof AccountKey>;
export type JournalLine = z.infer<typeof JournalLine>;
export type JournalEntry = z.infer<typeof JournalEntry>;

/** Idempotency keys are derived from the source, never random (DESIGN.md §1). */
export const postingKeys = {
  invoice: (invoiceId: string) => `stripe:invoice:${invoiceId}:post`,
  payment: (invoiceId: string) => `stripe:invoice:${invoiceId}:payment`,
};
