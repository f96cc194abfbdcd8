/**
 * Reconciliation facts: what billing says each money document is, and what the ERP has posted for
 * it, reduced to the few fields the comparison needs (key, amount, currency, tax, date) so a
 * million of them stream through a Lambda.
 *
 * Both sides use the same document key — `<document>:<billing id>`, e.g. `invoice:in_123`,
 * `payment:in_123`, `credit_note:cn_1`, `refund:re_1`, `payout:po_1` — and the same shard function,
 * so a shard holds both sides of every document it owns.
 */
import { createHash } from 'node:crypto';
import type { JournalEntry } from '../model';
import { sum } from '../money';

export const DOCUMENTS = ['invoice', 'payment', 'credit_note', 'refund', 'payout'] as const;
export type DocumentType = (typeof DOCUMENTS)[number];

/** A billing document as the billing system has it now. */
export interface BillingFact {
  key: string;
  document: DocumentType;
  /** Billing status: invoice draft/open/paid/uncollectible/void, refund succeeded/failed…, payout paid/failed… */
  status: string;
  currency: string;
  /** Minor units: invoice total, amount paid, credit note total, refund amount, payout amount. */
  amount: number;
  /** Minor units of tax (invoices and credit notes), else null. */
  tax: number | null;
  /** ISO date the posting is dated (finalized, paid, effective, created, arrival). */
  date: string;
}

/** One ERP posting: the document posted, or its reversal (void, failed refund, failed payout). */
export interface ErpFact {
  key: string;
  document: DocumentType;
  role: 'post' | 'reversal';
  /** The ERP's id for the posting (ledger entry id, NetSuite internal id). */
  erpId: string;
  currency: string;
  amount: number;
  tax: number | null;
  /** ISO date the ERP booked it on. */
  date: string;
  /** Set when the source was dated in a closed period and the posting moved to the next open one. */
  lateFromClosedPeriod?: string;
}

export const factKey = (document: DocumentType, id: string): string => `${document}:${id}`;

/** Shard of a key: stable across runs, processes and languages (first 4 bytes of SHA-256). */
export function shardOfKey(key: string, shards: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % shards;
}

// ---------------------------------------------------------------------------------------------
// Billing side: Stripe objects → facts (pure; the adapter lists the objects)
// ---------------------------------------------------------------------------------------------

type StripeObject = Record<string, unknown>;

const isoDate = (unix: unknown): string | null =>
  typeof unix === 'number' ? new Date(unix * 1000).toISOString().slice(0, 10) : null;
const num = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const taxOf = (o: StripeObject): number => {
  const taxes = o.total_taxes;
  if (Array.isArray(taxes)) return taxes.reduce((s: number, t: { amount?: unknown }) => s + num(t.amount), 0);
  return num(o.tax);
};
const transitions = (o: StripeObject): Record<string, unknown> =>
  (o.status_transitions as Record<string, unknown> | null) ?? {};

/**
 * The facts one Stripe object stands for. An invoice is two documents: the invoice (dated when it
 * was finalized, as the posting flow dates it) and, once money arrived, its payment (dated paid_at).
 */
export function billingFactsOf(o: StripeObject): BillingFact[] {
  const id = str(o.id);
  const currency = str(o.currency).toLowerCase();
  const status = str(o.status);
  switch (o.object) {
    case 'invoice': {
      const t = transitions(o);
      const facts: BillingFact[] = [
        {
          key: factKey('invoice', id),
          document: 'invoice',
          status,
          currency,
          amount: num(o.total),
          tax: taxOf(o),
          date: isoDate(t.finalized_at ?? o.created) ?? '',
        },
      ];
      if (num(o.amount_paid) > 0 && typeof t.paid_at === 'number') {
        facts.push({
          key: factKey('payment', id),
          document: 'payment',
          status,
          currency,
          amount: num(o.amount_paid),
          tax: null,
          date: isoDate(t.paid_at) ?? '',
        });
      }
      return facts;
    }
    case 'credit_note':
      return [
        {
          key: factKey('credit_note', id),
          document: 'credit_note',
          status,
          currency,
          amount: num(o.total),
          tax: taxOf(o),
          date: isoDate(o.effective_at ?? o.created) ?? '',
        },
      ];
    case 'refund':
      return [
        {
          key: factKey('refund', id),
          document: 'refund',
          status,
          currency,
          amount: num(o.amount),
          tax: null,
          date: isoDate(o.created) ?? '',
        },
      ];
    case 'payout':
      return [
        {
          key: factKey('payout', id),
          document: 'payout',
          status,
          currency,
          amount: num(o.amount),
          tax: null,
          date: isoDate(o.arrival_date ?? o.created) ?? '',
        },
      ];
    default:
      return [];
  }
}

/**
 * The Stripe events a day's reconciliation lists (≤ 20, Stripe's `types` limit): everything that makes
 * or changes a reconciled document. `payout.created` is left out: a payout is posted when it is paid.
 */
export const RECONCILED_EVENT_TYPES = [
  'invoice.finalized',
  'invoice.paid',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'credit_note.created',
  'credit_note.voided',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'charge.refund.updated',
  'payout.paid',
  'payout.failed',
] as const;

/**
 * The latest snapshot of each object in a stream of events listed newest first (as Stripe lists
 * them): the state the day left it in. Memory: one id per object of the slice.
 */
export async function* latestSnapshots(
  eventsNewestFirst: AsyncIterable<StripeObject>,
): AsyncGenerator<StripeObject> {
  const seen = new Set<string>();
  for await (const event of eventsNewestFirst) {
    const object = (event.data as { object?: StripeObject } | undefined)?.object;
    const id = object ? str(object.id) : '';
    if (!object || !id || seen.has(id)) continue;
    seen.add(id);
    yield object;
  }
}

// ---------------------------------------------------------------------------------------------
// ERP side: journal entries → facts
// ---------------------------------------------------------------------------------------------

/** Journal kinds reconciled against billing documents; the rest (disputes, write-offs, revenue releases) are not. */
const KIND_TO_FACT: Partial<Record<JournalEntry['kind'], { document: DocumentType; role: ErpFact['role'] }>> =
  {
    invoice: { document: 'invoice', role: 'post' },
    invoice_void: { document: 'invoice', role: 'reversal' },
    payment: { document: 'payment', role: 'post' },
    credit_memo: { document: 'credit_note', role: 'post' },
    credit_memo_void: { document: 'credit_note', role: 'reversal' },
    refund: { document: 'refund', role: 'post' },
    refund_failure: { document: 'refund', role: 'reversal' },
    deposit: { document: 'payout', role: 'post' },
    deposit_failure: { document: 'payout', role: 'reversal' },
  };

/** Account whose movement is the document's amount (AR for invoices and credits, clearing for refunds, bank for payouts). */
const AMOUNT_ACCOUNT: Record<DocumentType, JournalEntry['lines'][number]['account']> = {
  invoice: 'accounts_receivable',
  payment: 'accounts_receivable',
  credit_note: 'accounts_receivable',
  refund: 'stripe_clearing',
  payout: 'bank',
};

/** The billing id a document ref names: `stripe:in_1` → in_1, `stripe:in_1:payment` → in_1. */
const billingIdOf = (documentRef: string): string => documentRef.replace(/^stripe:/, '').split(':')[0];

/**
 * The fact a journal entry stands for, or null for kinds not reconciled. Keyed by the document it
 * posts (documentRef), not by its entry id, so a document posted twice under two ids shows as a
 * duplicate. Amount and tax are the gross movements on the document's own accounts.
 */
export function erpFactOf(entry: JournalEntry): ErpFact | null {
  const mapped = KIND_TO_FACT[entry.kind];
  if (!mapped) return null;
  const account = AMOUNT_ACCOUNT[mapped.document];
  const sumOf = (acc: string, side: 'debit' | 'credit') =>
    sum(entry.lines.filter((l) => l.account === acc).map((l) => l[side]));
  const net = (acc: string) => Math.abs(sumOf(acc, 'debit') - sumOf(acc, 'credit'));
  const hasTax = mapped.document === 'invoice' || mapped.document === 'credit_note';
  return {
    key: factKey(mapped.document, billingIdOf(entry.documentRef)),
    document: mapped.document,
    role: mapped.role,
    erpId: entry.entryId,
    currency: entry.lines[0]?.currency ?? '',
    amount: net(account),
    tax: hasTax ? net('tax_payable') : null,
    date: entry.effectiveDate,
    ...(entry.lateFromClosedPeriod ? { lateFromClosedPeriod: entry.lateFromClosedPeriod } : {}),
  };
}

/** Facts sort by key, then (ERP) role and id, so both sides of a shard merge-join in one pass. */
export const compareFacts = (a: { key: string }, b: { key: string }): number =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
