/**
 * Stripe money events (voids, write-offs, credit notes, refunds, disputes, payouts, customers) →
 * the ordered postings that make the ledger right. Pure: whatever must be read from Stripe
 * (the credited invoice, a payout's balance transactions) is passed in by the handler.
 *
 * Order tolerance: a posting that depends on an earlier document carries that document's posting
 * first, with the same idempotency key its own flow uses (e.g. a void posts the invoice, then its
 * reversal), so events may arrive in any order and none posts twice.
 */
import * as z from 'zod';
import {
  journalForCreditMemo,
  journalForCreditMemoVoid,
  journalForDeposit,
  journalForDepositFailure,
  journalForDisputeClosed,
  journalForDisputeOpened,
  journalForInvoiceVoid,
  journalForRefund,
  journalForRefundFailure,
  journalForWriteOff,
} from '../accounting/money-events';
import { journalForInvoice } from '../accounting/invoice';
import { type MappingConfig, subsidiaryFor } from '../config';
import { type EventEnvelope, isoFromUnix } from '../envelope';
import { BusinessError } from '../errors';
import type {
  CreditMemo,
  CreditMemoVoid,
  Customer,
  Dispute,
  Invoice,
  JournalEntry,
  Payout,
  Refund,
} from '../model';
import { postingKeys } from '../model';
import { sum } from '../money';
import { assertApiVersion, mapStripeInvoiceEvent } from './stripe-invoice';

/** One step of a flow: a journal entry to post (with the document it records) or an ERP customer. */
export type Posting =
  | {
      type: 'journal';
      idempotencyKey: string;
      entry: JournalEntry;
      /** The canonical document, for ERP adapters that post documents (NetSuite) rather than journals. */
      document: { kind: JournalEntry['kind']; data: unknown };
      /** Post only if this posting exists (reversals of something that may never have been booked). */
      requires?: string;
    }
  | { type: 'customer'; idempotencyKey: string; customer: Customer };

export interface MappedMoneyEvent {
  postings: Posting[];
}

// Stripe ids are opaque: routing needs the object type (checked by `object`) and a non-empty id, never
// a prefix. Prefixes change (disputes are `du_…`, older ones `dp_…`; charges `ch_…` or `py_…`; refunds
// `re_…` or `pyr_…`) and a prefix check would park real money as malformed.
const id = z.string().min(1);
const idOf = z.union([id, z.object({ id }).transform((o) => o.id)]);
const journal = (entry: JournalEntry, data: unknown, requires?: string): Posting => ({
  type: 'journal',
  idempotencyKey: entry.idempotencyKey,
  entry,
  document: { kind: entry.kind, data },
  ...(requires ? { requires } : {}),
});
const src = (e: EventEnvelope, objectId: string) => ({
  system: 'stripe' as const,
  id: objectId,
  eventId: e.eventId,
  eventType: e.eventType,
});

function parse<T>(schema: z.ZodType<T>, e: EventEnvelope, what: string): T {
  const r = schema.safeParse(e.object);
  if (!r.success) {
    throw new BusinessError(
      `malformed_${what}`,
      `event ${e.eventId} does not carry a Stripe ${what} we can read: ${z.prettifyError(r.error)}`,
    );
  }
  return r.data;
}

// ----------------------------------------------------------------------------------------------
// Invoices: voided, marked uncollectible
// ----------------------------------------------------------------------------------------------

const InvoiceState = z.object({
  id: z.string(),
  amount_remaining: z.number().int(),
  status_transitions: z
    .object({
      voided_at: z.number().int().nullable().optional(),
      marked_uncollectible_at: z.number().int().nullable().optional(),
    })
    .partial()
    .optional(),
});

export function mapInvoiceVoided(
  e: EventEnvelope,
  config: MappingConfig,
  apiVersion: string,
): MappedMoneyEvent {
  const { invoicePosting } = mapStripeInvoiceEvent(e, config, apiVersion);
  const state = parse(InvoiceState, e, 'invoice');
  const voidedAt = isoFromUnix(state.status_transitions?.voided_at ?? Date.parse(e.created) / 1000);
  const invoice = invoicePosting.invoice;
  return {
    postings: [
      journal(journalForInvoice(invoice, invoicePosting.idempotencyKey), invoice),
      journal(journalForInvoiceVoid(invoice, voidedAt, e.eventId), {
        invoiceRef: invoice.invoiceRef,
        voidedAt,
      }),
    ],
  };
}

export function mapInvoiceUncollectible(
  e: EventEnvelope,
  config: MappingConfig,
  apiVersion: string,
): MappedMoneyEvent {
  const { invoicePosting } = mapStripeInvoiceEvent(e, config, apiVersion);
  const state = parse(InvoiceState, e, 'invoice');
  const invoice = invoicePosting.invoice;
  const writeOff = {
    schemaVersion: 'v1' as const,
    invoiceRef: invoice.invoiceRef,
    source: src(e, state.id),
    subsidiary: invoice.subsidiary,
    currency: invoice.currency,
    amount: state.amount_remaining,
    writtenOffAt: isoFromUnix(
      state.status_transitions?.marked_uncollectible_at ?? Date.parse(e.created) / 1000,
    ),
    correlationId: invoice.correlationId,
  };
  return {
    postings: [
      journal(journalForInvoice(invoice, invoicePosting.idempotencyKey), invoice),
      journal(journalForWriteOff(writeOff), writeOff),
    ],
  };
}

// ----------------------------------------------------------------------------------------------
// Credit notes
// ----------------------------------------------------------------------------------------------

const Tax = z.object({ amount: z.number().int(), tax_behavior: z.string() });
const StripeCreditNote = z.object({
  id,
  object: z.literal('credit_note'),
  number: z.string().nullable(),
  currency: z.string(),
  customer: idOf,
  invoice: idOf,
  created: z.number().int(),
  effective_at: z.number().int().nullable().optional(),
  type: z.enum(['pre_payment', 'post_payment']).or(z.string()),
  status: z.string(),
  total: z.number().int(),
  voided_at: z.number().int().nullable().optional(),
  lines: z.object({
    has_more: z.boolean(),
    data: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        description: z.string().nullable(),
        amount: z.number().int(),
        discount_amounts: z.array(z.object({ amount: z.number().int() })).default([]),
        taxes: z.array(Tax).nullable().default([]),
        invoice_line_item: z.string().nullable().optional(),
      }),
    ),
  }),
});

/**
 * A credit note reverses revenue on the account its invoice line was booked to, so the credited
 * invoice (read from Stripe by the handler, as the event only names it) is mapped too — and posted
 * first if it has not been, under the invoice flow's own key.
 */
export function mapCreditNote(
  e: EventEnvelope,
  creditedInvoice: EventEnvelope,
  config: MappingConfig,
  apiVersion: string,
): MappedMoneyEvent {
  const cn = parse(StripeCreditNote, e, 'credit_note');
  if (cn.lines.has_more) {
    throw new BusinessError(
      'incomplete_credit_note_lines',
      `credit note ${cn.id} has more lines than the event carries`,
    );
  }
  const { invoicePosting } = mapStripeInvoiceEvent(creditedInvoice, config, apiVersion);
  const invoice = invoicePosting.invoice;
  const creditMemo = toCreditMemo(cn, invoice, e);
  const postings: Posting[] = [
    journal(journalForInvoice(invoice, invoicePosting.idempotencyKey), invoice),
    journal(journalForCreditMemo(creditMemo), creditMemo),
  ];
  if (e.eventType === 'credit_note.voided' || cn.status === 'void') {
    const voidedAt = isoFromUnix(cn.voided_at ?? Date.parse(e.created) / 1000);
    postings.push(
      journal(journalForCreditMemoVoid(creditMemo, voidedAt, e.eventId), {
        creditMemoRef: creditMemo.creditMemoRef,
        voidedAt,
        // The schedules need the credited lines to restore what the credit note took off them.
        creditMemo,
      } satisfies CreditMemoVoid),
    );
  }
  return { postings };
}

function toCreditMemo(cn: z.infer<typeof StripeCreditNote>, invoice: Invoice, e: EventEnvelope): CreditMemo {
  if (`stripe:${cn.invoice}` !== invoice.invoiceRef) {
    throw new Error(`credit note ${cn.id} credits ${cn.invoice}, not ${invoice.invoiceRef}`);
  }
  const originals = new Map(invoice.lines.map((l) => [l.lineRef, l]));
  return {
    schemaVersion: 'v1',
    creditMemoRef: `stripe:${cn.id}`,
    source: src(e, cn.id),
    number: cn.number,
    invoiceRef: invoice.invoiceRef,
    customerRef: `stripe:${cn.customer}`,
    subsidiary: invoice.subsidiary,
    currency: cn.currency.toLowerCase(),
    issuedAt: isoFromUnix(cn.effective_at ?? cn.created),
    type: cn.type === 'pre_payment' ? 'pre_payment' : 'post_payment',
    total: cn.total,
    correlationId: invoice.correlationId,
    lines: cn.lines.data.map((l) => {
      const invoiceLineRef = l.invoice_line_item ? `stripe:${l.invoice_line_item}` : null;
      const original = invoiceLineRef ? originals.get(invoiceLineRef) : undefined;
      if (invoiceLineRef && !original) {
        throw new BusinessError(
          'unknown_credited_line',
          `credit note ${cn.id} credits ${invoiceLineRef}, which is not on ${invoice.invoiceRef}`,
        );
      }
      const inclusive = sum(
        (l.taxes ?? []).filter((t) => t.tax_behavior === 'inclusive').map((t) => t.amount),
      );
      return {
        lineRef: `stripe:${l.id}`,
        invoiceLineRef,
        description: l.description ?? original?.description ?? 'credit',
        amount: l.amount - sum(l.discount_amounts.map((d) => d.amount)) - inclusive,
        tax: sum((l.taxes ?? []).map((t) => t.amount)),
        // A custom line (no invoice line) gives back revenue already earned.
        recognition: original?.recognition ?? 'point_in_time',
        servicePeriod: original?.servicePeriod ?? null,
        item: original?.item,
        taxCode: original?.taxCode,
        dimensions: original?.dimensions,
      };
    }),
  };
}

// ----------------------------------------------------------------------------------------------
// Refunds
// ----------------------------------------------------------------------------------------------

const StripeRefund = z.object({
  id,
  object: z.literal('refund'),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  charge: idOf.nullable(),
  created: z.number().int(),
  status: z.enum(['pending', 'succeeded', 'failed', 'canceled', 'requires_action']),
});

export function mapRefund(e: EventEnvelope, config: MappingConfig): MappedMoneyEvent {
  return { postings: refundPostings(parse(StripeRefund, e, 'refund'), e, config) };
}

function refundPostings(r: z.infer<typeof StripeRefund>, e: EventEnvelope, config: MappingConfig): Posting[] {
  const refund: Refund = {
    schemaVersion: 'v1',
    refundRef: `stripe:${r.id}`,
    source: src(e, r.id),
    chargeRef: r.charge ? `stripe:${r.charge}` : null,
    subsidiary: subsidiaryFor(config, r.currency).id,
    currency: r.currency.toLowerCase(),
    amount: r.amount,
    status: r.status,
    createdAt: isoFromUnix(r.created),
    correlationId: e.correlationId,
  };
  const postings = [journal(journalForRefund(refund), refund)];
  if (r.status === 'failed' || r.status === 'canceled') {
    postings.push(journal(journalForRefundFailure(refund, e.created, e.eventId), refund));
  }
  return postings;
}

const StripeChargeRefunds = z.object({
  id,
  object: z.literal('charge'),
  refunds: z
    .object({ data: z.array(StripeRefund) })
    .nullable()
    .optional(),
});

/**
 * A money event's postings run one at a time inside one Express execution (PostMoneyEventFlow), whose
 * 5-minute limit nothing can catch: at most this many fit its worst case (test/infra/express-budget.test.ts).
 * Every mapper but charge.refunded's yields at most 3 (a voided credit note: invoice, credit memo, void).
 */
export const MAX_POSTINGS_PER_MONEY_EVENT = 3;

/** charge.refunded carries the refunds only when expanded; each posts under the refund's own key. */
export function mapChargeRefunded(e: EventEnvelope, config: MappingConfig): MappedMoneyEvent {
  const charge = parse(StripeChargeRefunds, e, 'charge');
  const postings = (charge.refunds?.data ?? []).flatMap((r) => refundPostings(r, e, config));
  if (postings.length > MAX_POSTINGS_PER_MONEY_EVENT)
    // Each refund also arrives as its own refund.created / refund.updated event, posted under the same
    // key: nothing is lost by not posting them here, and an execution that would outrun Express is.
    throw new BusinessError(
      'too_many_refunds_in_one_event',
      `charge ${charge.id} carries ${charge.refunds?.data.length ?? 0} refunds (${postings.length} postings, ` +
        `more than the ${MAX_POSTINGS_PER_MONEY_EVENT} one posting flow can post within its time limit): each ` +
        'refund posts from its own refund.created event — check they are posted (q2c reconcile), then discard this one',
    );
  return { postings };
}

// ----------------------------------------------------------------------------------------------
// Disputes
// ----------------------------------------------------------------------------------------------

const StripeDispute = z.object({
  id,
  object: z.literal('dispute'),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  charge: idOf,
  created: z.number().int(),
  status: z.string(),
  balance_transactions: z
    .array(z.object({ amount: z.number().int(), fee: z.number().int(), created: z.number().int() }))
    .default([]),
});

export function mapDispute(e: EventEnvelope, config: MappingConfig): MappedMoneyEvent {
  const d = parse(StripeDispute, e, 'dispute');
  const outcome = d.status === 'won' ? 'won' : d.status === 'lost' ? 'lost' : 'open';
  const dispute: Dispute = {
    schemaVersion: 'v1',
    disputeRef: `stripe:${d.id}`,
    source: src(e, d.id),
    chargeRef: `stripe:${d.charge}`,
    subsidiary: subsidiaryFor(config, d.currency).id,
    currency: d.currency.toLowerCase(),
    amount: d.amount,
    // The fee comes with the withdrawal; a reinstatement may refund it, which Stripe books separately.
    fee: sum(d.balance_transactions.filter((t) => t.amount < 0).map((t) => t.fee)),
    // A won dispute's reinstatement may carry the fee back (a negative fee).
    feeRefunded: -sum(d.balance_transactions.filter((t) => t.amount > 0 && t.fee < 0).map((t) => t.fee)),
    status: d.status,
    outcome,
    createdAt: isoFromUnix(d.created),
    correlationId: e.correlationId,
  };
  const postings = [journal(journalForDisputeOpened(dispute), dispute)];
  if (outcome !== 'open' && e.eventType === 'charge.dispute.closed') {
    postings.push(journal(journalForDisputeClosed(dispute, e.created), dispute));
  }
  return { postings };
}

// ----------------------------------------------------------------------------------------------
// Payouts
// ----------------------------------------------------------------------------------------------

const StripePayout = z.object({
  id,
  object: z.literal('payout'),
  amount: z.number().int(),
  currency: z.string(),
  arrival_date: z.number().int(),
  status: z.enum(['paid', 'failed', 'pending', 'in_transit', 'canceled']),
});

export const StripeBalanceTransaction = z.object({
  id: z.string(),
  type: z.string(),
  amount: z.number().int(),
  fee: z.number().int(),
  net: z.number().int(),
  currency: z.string(),
  source: idOf.nullable(),
  /** Filled in by the billing adapter when Stripe converted it: the source's own signed amount. */
  presentment: z.object({ currency: z.string(), amount: z.number().int() }).nullable().optional(),
});
export type StripeBalanceTransaction = z.infer<typeof StripeBalanceTransaction>;

/** payout.paid → one deposit; payout.failed → the deposit reversed, if it was ever booked. */
export function mapPayout(
  e: EventEnvelope,
  transactions: readonly StripeBalanceTransaction[],
  config: MappingConfig,
): MappedMoneyEvent {
  const p = parse(StripePayout, e, 'payout');
  const currency = p.currency.toLowerCase();
  const foreign = transactions.find((t) => t.currency.toLowerCase() !== currency);
  if (foreign) {
    throw new BusinessError(
      'payout_currency_mix',
      `payout ${p.id} in ${currency.toUpperCase()} lists ${foreign.id} in ${foreign.currency.toUpperCase()}; balance transactions are always in the payout currency`,
    );
  }
  const payout: Payout = {
    schemaVersion: 'v1',
    payoutRef: `stripe:${p.id}`,
    source: src(e, p.id),
    subsidiary: subsidiaryFor(config, currency).id,
    currency,
    amount: p.amount,
    fees: sum(transactions.filter((t) => t.type === 'charge' || t.type === 'payment').map((t) => t.fee)),
    arrivalDate: isoFromUnix(p.arrival_date),
    status: p.status,
    transactions: transactions.map((t) => ({
      id: t.id,
      type: t.type,
      amount: t.amount,
      fee: t.fee,
      net: t.net,
      sourceRef: t.source ? `stripe:${t.source}` : null,
      presentment: t.presentment
        ? { currency: t.presentment.currency.toLowerCase(), amount: t.presentment.amount }
        : null,
    })),
    correlationId: e.correlationId,
  };
  if (p.status === 'paid') return { postings: [journal(journalForDeposit(payout), payout)] };
  if (p.status === 'failed') {
    return {
      postings: [
        journal(journalForDepositFailure(payout, e.created, e.eventId), payout, postingKeys.deposit(p.id)),
      ],
    };
  }
  return { postings: [] };
}

// ----------------------------------------------------------------------------------------------
// Customers
// ----------------------------------------------------------------------------------------------

const StripeCustomer = z.object({
  id,
  object: z.literal('customer'),
  name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  currency: z.string().nullable().optional(),
  address: z.object({ country: z.string().nullable().optional() }).nullable().optional(),
});

/** The ERP customer, booked by the subsidiary of its currency, else of its country, else the first. */
export function mapCustomer(e: EventEnvelope, config: MappingConfig): MappedMoneyEvent {
  const c = parse(StripeCustomer, e, 'customer');
  const country = c.address?.country ?? null;
  const currency = c.currency ? c.currency.toLowerCase() : null;
  const subsidiary =
    (currency ? subsidiaryFor(config, currency) : undefined) ??
    config.subsidiaries.find((s) => country && s.countries.includes(country)) ??
    config.subsidiaries[0];
  const customer: Customer = {
    schemaVersion: 'v1',
    customerRef: `stripe:${c.id}`,
    source: src(e, c.id),
    externalId: `stripe:${c.id}`,
    name: c.name ?? null,
    email: c.email ?? null,
    country,
    currency,
    subsidiary: subsidiary.id,
    updatedAt: e.created,
    correlationId: e.correlationId,
  };
  return {
    postings: [{ type: 'customer', idempotencyKey: `${postingKeys.customer(c.id)}:${e.eventId}`, customer }],
  };
}

// ----------------------------------------------------------------------------------------------
// Dispatch
// ----------------------------------------------------------------------------------------------

/** What Stripe must be asked before an event can be mapped (webhooks name these but do not carry them). */
export interface MoneyEventReads {
  /** The invoice a credit note credits, as the API renders it. */
  creditedInvoice?: Record<string, unknown>;
  /** The balance transactions a payout settles. */
  payoutTransactions?: StripeBalanceTransaction[];
}

export function readsNeeded(e: EventEnvelope): { creditedInvoice?: string; payout?: string } {
  if (e.eventType.startsWith('credit_note.')) {
    const invoice = e.object.invoice;
    if (typeof invoice !== 'string')
      throw new BusinessError('malformed_credit_note', `credit note event ${e.eventId} names no invoice`);
    return { creditedInvoice: invoice };
  }
  if (e.eventType.startsWith('payout.')) return { payout: String(e.object.id) };
  return {};
}

// The event types this module maps live in their own side-effect-free module, so that lib/topology.ts
// (imported by every handler) does not pull this module's zod schemas into every Lambda bundle.
export { MONEY_EVENT_TYPES } from './money-event-types';

export function mapMoneyEvent(
  e: EventEnvelope,
  config: MappingConfig,
  apiVersion: string,
  reads: MoneyEventReads = {},
): MappedMoneyEvent {
  assertApiVersion(e, apiVersion);
  switch (e.eventType) {
    case 'invoice.voided':
      return mapInvoiceVoided(e, config, apiVersion);
    case 'invoice.marked_uncollectible':
      return mapInvoiceUncollectible(e, config, apiVersion);
    case 'credit_note.created':
    case 'credit_note.voided':
      if (!reads.creditedInvoice) throw new Error(`${e.eventType} needs the credited invoice read first`);
      // Rendered by the SDK in its pinned API version: the version the mapper reads.
      return mapCreditNote(e, { ...e, apiVersion, object: reads.creditedInvoice }, config, apiVersion);
    case 'refund.created':
    case 'refund.updated':
      return mapRefund(e, config);
    case 'charge.refunded':
      return mapChargeRefunded(e, config);
    case 'charge.dispute.created':
    case 'charge.dispute.closed':
      return mapDispute(e, config);
    case 'payout.paid':
    case 'payout.failed':
      if (!reads.payoutTransactions)
        throw new Error(`${e.eventType} needs the payout's balance transactions read first`);
      return mapPayout(e, reads.payoutTransactions, config);
    case 'customer.created':
    case 'customer.updated':
      return mapCustomer(e, config);
    default:
      throw new BusinessError('unsupported_event_type', `${e.eventType} is routed here but has no mapper`);
  }
}
