/**
 * Canonical entities (schema v1). Vendor events are mapped into these; ERP adapters post them.
 * Defined with zod so the same definition validates at runtime and generates the JSON Schemas
 * published in schemas/v1 (npm run schemas; a test keeps them in sync).
 */
import * as z from 'zod';

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

export const CreditMemoLine = z.object({
  lineRef: z.string(),
  invoiceLineRef: z.string().nullable().describe('The invoice line credited, e.g. stripe:il_123'),
  description: z.string(),
  amount: minorUnits.describe('Revenue credited: line amount net of discounts, excluding tax'),
  tax: minorUnits,
  recognition: Recognition.describe('Of the original invoice line: which revenue account is reversed'),
  servicePeriod: ServicePeriod.nullable(),
  /** ERP enrichment of the original invoice line (optional in v1). */
  item: z.string().optional(),
  taxCode: z.string().nullable().optional(),
  dimensions: Dimensions.optional(),
});

export const CreditMemo = z.object({
  schemaVersion: z.literal('v1'),
  creditMemoRef: z.string().describe('e.g. stripe:cn_123'),
  source: sourceOf,
  number: z.string().nullable(),
  invoiceRef: z.string(),
  customerRef: z.string(),
  subsidiary: z.string(),
  currency,
  issuedAt: isoTimestamp,
  type: z.enum(['pre_payment', 'post_payment']),
  lines: z.array(CreditMemoLine),
  total: minorUnits,
  correlationId: z.string(),
});

export const Refund = z.object({
  schemaVersion: z.literal('v1'),
  refundRef: z.string().describe('e.g. stripe:re_123'),
  source: sourceOf,
  chargeRef: z.string().nullable(),
  subsidiary: z.string(),
  currency,
  amount: minorUnits.nonnegative(),
  status: z.enum(['pending', 'succeeded', 'failed', 'canceled', 'requires_action']),
  createdAt: isoTimestamp,
  correlationId: z.string(),
});

export const Dispute = z.object({
  schemaVersion: z.literal('v1'),
  disputeRef: z.string().describe('e.g. stripe:dp_123'),
  source: sourceOf,
  chargeRef: z.string(),
  subsidiary: z.string(),
  currency,
  amount: minorUnits.nonnegative(),
  fee: minorUnits.nonnegative().describe('Dispute fee withdrawn by Stripe'),
  feeRefunded: minorUnits
    .nonnegative()
    .default(0)
    .describe('Dispute fee Stripe gave back when the dispute was won (some card networks)'),
  status: z.string(),
  outcome: z.enum(['open', 'won', 'lost']),
  createdAt: isoTimestamp,
  correlationId: z.string(),
});

export const PayoutTransaction = z.object({
  id: z.string(),
  type: z.string(),
  amount: minorUnits,
  fee: minorUnits,
  net: minorUnits,
  sourceRef: z.string().nullable(),
  /** When Stripe converted it: the source's own signed amount in the currency it was booked in. */
  presentment: z.object({ currency, amount: minorUnits }).nullable().optional(),
});

export const Payout = z.object({
  schemaVersion: z.literal('v1'),
  payoutRef: z.string().describe('e.g. stripe:po_123'),
  source: sourceOf,
  subsidiary: z.string(),
  currency,
  amount: minorUnits.describe('Deposited to the bank'),
  fees: minorUnits.nonnegative().describe('Stripe fees of the balance transactions the payout settles'),
  arrivalDate: isoTimestamp,
  status: z.enum(['paid', 'failed', 'pending', 'in_transit', 'canceled']),
  transactions: z.array(PayoutTransaction),
  correlationId: z.string(),
});

export const WriteOff = z.object({
  schemaVersion: z.literal('v1'),
  invoiceRef: z.string(),
  source: sourceOf,
  subsidiary: z.string(),
  currency,
  amount: minorUnits.nonnegative().describe('Amount remaining on the invoice, written off to bad debt'),
  writtenOffAt: isoTimestamp,
  correlationId: z.string(),
});

export const Customer = z.object({
  schemaVersion: z.literal('v1'),
  customerRef: z.string().describe('e.g. stripe:cus_123'),
  source: sourceOf,
  externalId: z.string().describe('ERP external id, e.g. stripe:cus_123'),
  name: z.string().nullable(),
  email: z.string().nullable(),
  country: z.string().nullable(),
  currency: currency.nullable(),
  subsidiary: z.string(),
  updatedAt: isoTimestamp,
  correlationId: z.string(),
});

export const Product = z.object({
  schemaVersion: z.literal('v1'),
  productRef: z.string().describe('e.g. stripe:prod_123'),
  name: z.string(),
  item: z.string().describe('ERP item'),
  recognition: Recognition,
  dimensions: Dimensions.optional(),
});

export const Subscription = z.object({
  schemaVersion: z.literal('v1'),
  subscriptionRef: z.string().describe('e.g. stripe:sub_123'),
  customerRef: z.string(),
  status: z.string(),
  currency,
  items: z.array(
    z.object({
      itemRef: z.string(),
      priceRef: z.string(),
      productRef: z.string(),
      quantity: z.number().int().nonnegative(),
    }),
  ),
  currentPeriod: ServicePeriod.nullable(),
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
  /** The same line in the subsidiary's functional currency (fixed rate table; absent when equal). */
  functional: z
    .object({ currency, debit: minorUnits.nonnegative(), credit: minorUnits.nonnegative() })
    .optional(),
  dimensions: Dimensions.optional(),
});

export const JournalEntry = z.object({
  schemaVersion: z.literal('v1'),
  entryId: z.string().describe('Deterministic: equals the idempotency key of the posting'),
  idempotencyKey: z.string(),
  kind: z.enum([
    'invoice',
    'payment',
    'invoice_void',
    'write_off',
    'credit_memo',
    'credit_memo_void',
    'refund',
    'refund_failure',
    'dispute_opened',
    'dispute_won',
    'dispute_lost',
    'deposit',
    'deposit_failure',
    'revenue_release',
  ]),
  documentRef: z.string(),
  subsidiary: z.string(),
  effectiveDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  memo: z.string(),
  sourceEventId: z.string(),
  correlationId: z.string(),
  lines: z.array(JournalLine),
  /** Set when the source was dated in a closed period and the entry moved to the first open one. */
  lateFromClosedPeriod: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .optional(),
});

export type ServicePeriod = z.infer<typeof ServicePeriod>;
export type InvoiceLine = z.infer<typeof InvoiceLine>;
export type Invoice = z.infer<typeof Invoice>;
export type Payment = z.infer<typeof Payment>;
export type AccountKey = z.infer<typeof AccountKey>;
export type JournalLine = z.infer<typeof JournalLine>;
export type JournalEntry = z.infer<typeof JournalEntry>;
export type JournalKind = JournalEntry['kind'];
export type CreditMemo = z.infer<typeof CreditMemo>;
export type CreditMemoLine = z.infer<typeof CreditMemoLine>;
/** The document of a credit_memo_void posting: the credit note it voids, whose lines the schedules restore. */
export interface CreditMemoVoid {
  creditMemoRef: string;
  voidedAt: string;
  creditMemo: CreditMemo;
}
export type Refund = z.infer<typeof Refund>;
export type Dispute = z.infer<typeof Dispute>;
export type Payout = z.infer<typeof Payout>;
export type WriteOff = z.infer<typeof WriteOff>;
export type Customer = z.infer<typeof Customer>;
export type Dimensions = z.infer<typeof Dimensions>;
export type Product = z.infer<typeof Product>;
export type Subscription = z.infer<typeof Subscription>;

/** Idempotency keys are derived from the source, never random (DESIGN.md §1). */
export const postingKeys = {
  invoice: (invoiceId: string) => `stripe:invoice:${invoiceId}:post`,
  payment: (invoiceId: string) => `stripe:invoice:${invoiceId}:payment`,
  invoiceVoid: (invoiceId: string) => `stripe:invoice:${invoiceId}:void`,
  writeOff: (invoiceId: string) => `stripe:invoice:${invoiceId}:write_off`,
  creditMemo: (creditNoteId: string) => `stripe:credit_note:${creditNoteId}:post`,
  creditMemoVoid: (creditNoteId: string) => `stripe:credit_note:${creditNoteId}:void`,
  refund: (refundId: string) => `stripe:refund:${refundId}:post`,
  refundFailure: (refundId: string) => `stripe:refund:${refundId}:failed`,
  disputeOpened: (disputeId: string) => `stripe:dispute:${disputeId}:opened`,
  disputeClosed: (disputeId: string) => `stripe:dispute:${disputeId}:closed`,
  deposit: (payoutId: string) => `stripe:payout:${payoutId}:deposit`,
  depositFailure: (payoutId: string) => `stripe:payout:${payoutId}:failed`,
  customer: (customerId: string) => `stripe:customer:${customerId}:upsert`,
};
