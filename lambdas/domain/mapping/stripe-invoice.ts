/**
 * Stripe invoice (API version 2026-10-28.endive shapes) → canonical Invoice and Payment.
 * Pure: the mapping configuration is passed in. Anything we cannot map faithfully is a
 * BusinessError with a reason a finance person can act on; nothing is guessed or dropped.
 */
import * as z from 'zod';
import { type MappingConfig, productFor, type SubsidiaryConfig, subsidiaryFor, taxCodeFor } from '../config';
import { type EventEnvelope, isoFromUnix } from '../envelope';
import { BusinessError } from '../errors';
import { type Invoice, type InvoiceLine, type Payment, postingKeys } from '../model';
import { sum } from '../money';

const idOf = z.union([z.string(), z.object({ id: z.string() }).transform((o) => o.id)]);

const StripeLine = z.object({
  id: z.string(),
  amount: z.number().int(),
  description: z.string().nullable(),
  quantity: z.number().int().nullable(),
  period: z.object({ start: z.number().int(), end: z.number().int() }),
  discount_amounts: z
    .array(z.object({ amount: z.number().int() }))
    .nullable()
    .optional(),
  taxes: z
    .array(
      z.object({
        amount: z.number().int(),
        tax_behavior: z.string(),
        tax_rate_details: z.object({ tax_rate: z.string() }).nullable().optional(),
      }),
    )
    .nullable()
    .optional(),
  pricing: z
    .object({
      price_details: z.object({ price: idOf, product: z.string() }).optional(),
    })
    .nullable()
    .optional(),
  parent: z
    .object({
      type: z.string(),
      subscription_item_details: z.object({ proration: z.boolean() }).nullable().optional(),
      invoice_item_details: z.object({ proration: z.boolean() }).nullable().optional(),
    })
    .nullable()
    .optional(),
});

const StripeInvoice = z.object({
  // Opaque id: routing needs `object: 'invoice'` and a non-empty id, not a prefix.
  id: z.string().min(1),
  object: z.literal('invoice'),
  status: z.string().nullable(),
  number: z.string().nullable(),
  currency: z.string(),
  customer: idOf,
  created: z.number().int(),
  status_transitions: z
    .object({ finalized_at: z.number().int().nullable(), paid_at: z.number().int().nullable() })
    .partial()
    .optional(),
  subtotal: z.number().int(),
  total: z.number().int(),
  amount_paid: z.number().int(),
  due_date: z.number().int().nullable().optional(),
  parent: z
    .object({ subscription_details: z.object({ subscription: idOf.nullable() }).nullable().optional() })
    .nullable()
    .optional(),
  lines: z.object({ data: z.array(StripeLine), has_more: z.boolean() }),
});
type StripeInvoice = z.infer<typeof StripeInvoice>;
type StripeLine = z.infer<typeof StripeLine>;

export interface InvoicePosting {
  idempotencyKey: string;
  invoice: Invoice;
}
export interface PaymentPosting {
  idempotencyKey: string;
  payment: Payment;
}
export interface MappedInvoiceEvent {
  invoicePosting: InvoicePosting;
  /** Present when the event says the invoice is paid (invoice.paid / payment_succeeded). */
  paymentPosting?: PaymentPosting;
}

export function mapStripeInvoiceEvent(
  envelope: EventEnvelope,
  config: MappingConfig,
  supportedApiVersion: string,
): MappedInvoiceEvent {
  assertApiVersion(envelope, supportedApiVersion);
  const stripe = parseInvoice(envelope);
  const invoice = toCanonicalInvoice(stripe, envelope, config);
  const mapped: MappedInvoiceEvent = {
    invoicePosting: { idempotencyKey: postingKeys.invoice(stripe.id), invoice },
  };
  if (isPaidEvent(envelope.eventType) && stripe.amount_paid > 0) {
    mapped.paymentPosting = {
      idempotencyKey: postingKeys.payment(stripe.id),
      payment: toCanonicalPayment(stripe, invoice, envelope),
    };
  }
  return mapped;
}

const isPaidEvent = (type: string) => type === 'invoice.paid' || type === 'invoice.payment_succeeded';

export function assertApiVersion(envelope: EventEnvelope, supported: string): void {
  if (envelope.apiVersion !== supported) {
    throw new BusinessError(
      'unsupported_api_version',
      `event ${envelope.eventId} was rendered with Stripe API version ${envelope.apiVersion ?? 'unknown'}; ` +
        `this release maps ${supported}. Create the webhook endpoint with api_version=${supported}, then replay.`,
    );
  }
}

function parseInvoice(envelope: EventEnvelope): StripeInvoice {
  const result = StripeInvoice.safeParse(envelope.object);
  if (!result.success) {
    throw new BusinessError(
      'malformed_invoice',
      `event ${envelope.eventId} does not carry a Stripe invoice we can read: ${z.prettifyError(result.error)}`,
    );
  }
  const invoice = result.data;
  if (invoice.status === 'draft') {
    throw new BusinessError(
      'draft_invoice',
      `invoice ${invoice.id} is still a draft; only finalized invoices post`,
    );
  }
  if (invoice.lines.has_more) {
    throw new BusinessError(
      'incomplete_invoice_lines',
      `invoice ${invoice.id} has more lines than the event carries; posting a partial invoice would misstate revenue`,
    );
  }
  return invoice;
}

function toCanonicalInvoice(stripe: StripeInvoice, envelope: EventEnvelope, config: MappingConfig): Invoice {
  const currency = stripe.currency.toLowerCase();
  const subsidiary = subsidiaryFor(config, currency);
  const lines = stripe.lines.data.map((l) => toCanonicalLine(l, config, subsidiary));
  const taxTotal = sum(lines.map((l) => l.tax));
  const exclusiveTax = sum(stripe.lines.data.map((l) => taxOf(l, 'exclusive')));
  const discountTotal = sum(lines.map((l) => l.discount));
  const expectedTotal = sum(lines.map((l) => l.amount - l.discount)) + exclusiveTax;
  if (expectedTotal !== stripe.total) {
    throw new BusinessError(
      'invoice_total_mismatch',
      `invoice ${stripe.id}: lines add up to ${expectedTotal} but the invoice total is ${stripe.total} ` +
        `${currency.toUpperCase()} (credits or adjustments this release does not map yet)`,
    );
  }
  const subscription = stripe.parent?.subscription_details?.subscription ?? null;
  return {
    schemaVersion: 'v1',
    invoiceRef: `stripe:${stripe.id}`,
    source: { system: 'stripe', id: stripe.id, eventId: envelope.eventId, eventType: envelope.eventType },
    number: stripe.number,
    customerRef: `stripe:${stripe.customer}`,
    subscriptionRef: subscription ? `stripe:${subscription}` : null,
    subsidiary: subsidiary.id,
    currency,
    issuedAt: isoFromUnix(stripe.status_transitions?.finalized_at ?? stripe.created),
    subtotal: stripe.subtotal,
    discountTotal,
    taxTotal,
    total: stripe.total,
    lines,
    correlationId: envelope.correlationId,
    paymentTerms: subsidiary.paymentTerms,
    dueAt: stripe.due_date ? isoFromUnix(stripe.due_date) : null,
  };
}

function taxOf(line: StripeLine, behavior: 'exclusive' | 'inclusive'): number {
  return sum((line.taxes ?? []).filter((t) => t.tax_behavior === behavior).map((t) => t.amount));
}

function toCanonicalLine(line: StripeLine, config: MappingConfig, subsidiary: SubsidiaryConfig): InvoiceLine {
  const lineRef = `stripe:${line.id}`;
  const discount = sum((line.discount_amounts ?? []).map((d) => d.amount));
  const details = line.parent?.subscription_item_details ?? line.parent?.invoice_item_details ?? null;
  const price = line.pricing?.price_details ?? null;
  const product = productFor(config, price?.product ?? null, lineRef);
  const taxCodes = [
    ...new Set(
      (line.taxes ?? []).flatMap((t) =>
        t.tax_rate_details ? [taxCodeFor(config, t.tax_rate_details.tax_rate, lineRef)] : [],
      ),
    ),
  ];
  // The product's rule decides; a ratable product billed for no duration (Stripe shows one-off
  // items with period.start === period.end) has nothing to spread and is recognised at issue.
  const hasPeriod = line.period.end > line.period.start;
  const ratable = product.recognition === 'ratable' && hasPeriod;
  return {
    lineRef,
    description: line.description ?? product.name,
    productRef: price ? `stripe:${price.product}` : null,
    priceRef: price ? `stripe:${price.price}` : null,
    quantity: line.quantity ?? 1,
    amount: line.amount,
    discount,
    netAmount: line.amount - discount - taxOf(line, 'inclusive'),
    tax: taxOf(line, 'exclusive') + taxOf(line, 'inclusive'),
    recognition: ratable ? 'ratable' : 'point_in_time',
    servicePeriod: ratable
      ? { start: isoFromUnix(line.period.start), end: isoFromUnix(line.period.end) }
      : null,
    proration: details?.proration ?? false,
    item: product.item,
    taxCode: taxCodes.length ? taxCodes.join('+') : null,
    dimensions: {
      department: product.department,
      class: product.class,
      location: product.location,
      region: subsidiary.region,
    },
  };
}

function toCanonicalPayment(stripe: StripeInvoice, invoice: Invoice, envelope: EventEnvelope): Payment {
  return {
    schemaVersion: 'v1',
    paymentRef: `stripe:${stripe.id}:payment`,
    invoiceRef: invoice.invoiceRef,
    source: { system: 'stripe', id: stripe.id, eventId: envelope.eventId, eventType: envelope.eventType },
    customerRef: invoice.customerRef,
    subsidiary: invoice.subsidiary,
    currency: invoice.currency,
    amount: stripe.amount_paid,
    paidAt: isoFromUnix(stripe.status_transitions?.paid_at ?? Date.parse(envelope.created) / 1000),
    correlationId: envelope.correlationId,
  };
}
