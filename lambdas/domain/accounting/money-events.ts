/**
 * DESIGN.md §5 posting rules for everything after the invoice: voids, write-offs, credit memos,
 * refunds, disputes and payouts. Each returns one balanced entry keyed by its idempotency key.
 */
import { BusinessError } from '../errors';
import {
  type CreditMemo,
  type Dispute,
  type Invoice,
  type JournalEntry,
  type Payout,
  postingKeys,
  type Refund,
  type WriteOff,
} from '../model';
import { sum } from '../money';
import { balancedEntry, reversalOf } from './entry';
import { journalForInvoice } from './invoice';
import { line } from './journal';

const idOf = (ref: string) => ref.replace(/^stripe:/, '');

/** invoice.voided: the invoice entry, mirrored. */
export function journalForInvoiceVoid(
  invoice: Invoice,
  voidedAt: string,
  sourceEventId: string,
): JournalEntry {
  const id = idOf(invoice.invoiceRef);
  return reversalOf(journalForInvoice(invoice, postingKeys.invoice(id)), {
    idempotencyKey: postingKeys.invoiceVoid(id),
    kind: 'invoice_void',
    effectiveAt: voidedAt,
    memo: `Void of invoice ${invoice.number ?? id}`,
    sourceEventId,
  });
}

/** invoice.marked_uncollectible: Dr bad_debt / Cr accounts_receivable for what is still owed. */
export function journalForWriteOff(w: WriteOff): JournalEntry {
  const memo = `Uncollectible: ${w.invoiceRef}`;
  return balancedEntry(
    header(
      postingKeys.writeOff(idOf(w.invoiceRef)),
      'write_off',
      w.invoiceRef,
      w,
      w.writtenOffAt,
      memo,
      w.source.eventId,
    ),
    (ctx) => [
      line(ctx, 'bad_debt', 'debit', w.amount, memo),
      line(ctx, 'accounts_receivable', 'credit', w.amount, memo),
    ],
  );
}

/**
 * credit_note.created: per credited line, Dr the revenue account the original line was booked to
 * (deferred_revenue for ratable lines, revenue for point-in-time) and Dr tax_payable; Cr AR for the
 * total. A refunded credit note is then settled by its refund (Dr AR / Cr clearing), so the pair nets
 * to revenue against clearing.
 */
export function journalForCreditMemo(cm: CreditMemo): JournalEntry {
  const label = cm.number ?? idOf(cm.creditMemoRef);
  const total = sum(cm.lines.map((l) => l.amount + l.tax));
  if (total !== cm.total) {
    throw new BusinessError(
      'credit_note_total_mismatch',
      `credit note ${label}: lines add up to ${total} but its total is ${cm.total} ${cm.currency.toUpperCase()}`,
    );
  }
  return balancedEntry(
    header(
      postingKeys.creditMemo(idOf(cm.creditMemoRef)),
      'credit_memo',
      cm.creditMemoRef,
      cm,
      cm.issuedAt,
      `Credit note ${label} on ${cm.invoiceRef}`,
      cm.source.eventId,
    ),
    (ctx) => [
      ...cm.lines.flatMap((l) => {
        const extra = { sourceLineRef: l.invoiceLineRef ?? l.lineRef, servicePeriod: l.servicePeriod };
        const account = l.recognition === 'ratable' ? 'deferred_revenue' : 'revenue';
        return [
          line(ctx, account, 'debit', l.amount, `${label} ${l.description}`, extra),
          line(ctx, 'tax_payable', 'debit', l.tax, `${label} tax on ${l.description}`, extra),
        ];
      }),
      line(ctx, 'accounts_receivable', 'credit', cm.total, `Credit note ${label}`),
    ],
  );
}

export function journalForCreditMemoVoid(
  cm: CreditMemo,
  voidedAt: string,
  sourceEventId: string,
): JournalEntry {
  const id = idOf(cm.creditMemoRef);
  return reversalOf(journalForCreditMemo(cm), {
    idempotencyKey: postingKeys.creditMemoVoid(id),
    kind: 'credit_memo_void',
    effectiveAt: voidedAt,
    memo: `Void of credit note ${cm.number ?? id}`,
    sourceEventId,
  });
}

/** Refund: money leaves the Stripe balance back to the customer: Dr AR / Cr stripe_clearing. */
export function journalForRefund(r: Refund): JournalEntry {
  const memo = `Refund ${idOf(r.refundRef)}${r.chargeRef ? ` of ${r.chargeRef}` : ''}`;
  return balancedEntry(
    header(
      postingKeys.refund(idOf(r.refundRef)),
      'refund',
      r.refundRef,
      r,
      r.createdAt,
      memo,
      r.source.eventId,
    ),
    (ctx) => [
      line(ctx, 'accounts_receivable', 'debit', r.amount, memo),
      line(ctx, 'stripe_clearing', 'credit', r.amount, memo),
    ],
  );
}

/** A refund that failed after it was booked: the refund entry, mirrored. */
export function journalForRefundFailure(r: Refund, failedAt: string, sourceEventId: string): JournalEntry {
  return reversalOf(journalForRefund(r), {
    idempotencyKey: postingKeys.refundFailure(idOf(r.refundRef)),
    kind: 'refund_failure',
    effectiveAt: failedAt,
    memo: `Refund ${idOf(r.refundRef)} failed: funds returned to the Stripe balance`,
    sourceEventId,
  });
}

/** Dispute opened: the payment is withdrawn (Dr AR / Cr clearing) and the dispute fee charged. */
export function journalForDisputeOpened(d: Dispute): JournalEntry {
  const memo = `Dispute ${idOf(d.disputeRef)} on ${d.chargeRef}`;
  return balancedEntry(
    header(
      postingKeys.disputeOpened(idOf(d.disputeRef)),
      'dispute_opened',
      d.disputeRef,
      d,
      d.createdAt,
      memo,
      d.source.eventId,
    ),
    (ctx) => [
      line(ctx, 'accounts_receivable', 'debit', d.amount, `${memo}: funds withdrawn`),
      line(ctx, 'stripe_clearing', 'credit', d.amount, `${memo}: funds withdrawn`),
      line(ctx, 'merchant_fees', 'debit', d.fee, `${memo}: dispute fee`),
      line(ctx, 'stripe_clearing', 'credit', d.fee, `${memo}: dispute fee`),
    ],
  );
}

/**
 * Dispute closed: won → funds reinstated (Dr clearing / Cr AR), plus any dispute fee Stripe gave
 * back (Dr clearing / Cr merchant_fees); lost → written off (Dr bad_debt / Cr AR).
 */
export function journalForDisputeClosed(d: Dispute, closedAt: string): JournalEntry {
  if (d.outcome === 'open') throw new Error(`dispute ${d.disputeRef} is not closed`);
  const won = d.outcome === 'won';
  const memo = `Dispute ${idOf(d.disputeRef)} ${won ? 'won: funds reinstated' : 'lost: written off'}`;
  return balancedEntry(
    header(
      postingKeys.disputeClosed(idOf(d.disputeRef)),
      won ? 'dispute_won' : 'dispute_lost',
      d.disputeRef,
      d,
      closedAt,
      memo,
      d.source.eventId,
    ),
    (ctx) => [
      line(ctx, won ? 'stripe_clearing' : 'bad_debt', 'debit', d.amount, memo),
      line(ctx, 'accounts_receivable', 'credit', d.amount, memo),
      ...(won
        ? [
            line(ctx, 'stripe_clearing', 'debit', d.feeRefunded, `${memo}: dispute fee returned`),
            line(ctx, 'merchant_fees', 'credit', d.feeRefunded, `${memo}: dispute fee returned`),
          ]
        : []),
    ],
  );
}

/** Balance transaction types whose Stripe fee is first recognised when the payout settles them. */
const FEE_AT_PAYOUT = new Set(['charge', 'payment']);

/**
 * payout.paid: one deposit per payout. The card fees of the charges it settles go to
 * merchant_fees, the payout amount to bank, both out of stripe_clearing. Refunds and disputes in
 * the payout were booked against clearing when they happened (dispute fees included), so only their
 * net is part of the payout amount. The payout must equal the net of its transactions to the cent.
 *
 * Transactions Stripe converted (a CAD charge paid out in USD) were booked to clearing in their own
 * currency: that clearing is relieved in its currency against fx_gain_loss, and fx_gain_loss takes
 * their converted amount in the payout currency. Each currency balances; in the functional currency
 * fx_gain_loss is left with the realised exchange difference.
 */
export function journalForDeposit(p: Payout): JournalEntry {
  const settled = p.transactions.filter((t) => t.type !== 'payout');
  const net = sum(settled.map((t) => t.net));
  if (net !== p.amount) {
    throw new BusinessError(
      'payout_mismatch',
      `payout ${idOf(p.payoutRef)} of ${p.amount} ${p.currency.toUpperCase()} does not equal the net ${net} of its ${settled.length} balance transactions`,
    );
  }
  const converted = (t: (typeof settled)[number]) => !!t.presentment && t.presentment.currency !== p.currency;
  // What each transaction took out of (or put into) clearing when it was booked: gross for charges, whose
  // fee is first booked here; net for refunds and disputes, booked in full when they happened.
  const clearingOf = (t: (typeof settled)[number]) => (FEE_AT_PAYOUT.has(t.type) ? t.amount : t.net);
  const fees = sum(settled.filter((t) => FEE_AT_PAYOUT.has(t.type)).map((t) => t.fee));
  const sameCurrency = sum(settled.filter((t) => !converted(t)).map(clearingOf));
  const foreign = settled.filter(converted);
  const memo = `Payout ${idOf(p.payoutRef)}`;
  return balancedEntry(
    header(
      postingKeys.deposit(idOf(p.payoutRef)),
      'deposit',
      p.payoutRef,
      p,
      p.arrivalDate,
      memo,
      p.source.eventId,
    ),
    (ctx) => [
      line(ctx, 'bank', 'debit', p.amount, `${memo}: deposit`),
      line(ctx, 'merchant_fees', 'debit', fees, `${memo}: Stripe fees`),
      line(ctx, 'stripe_clearing', 'credit', sameCurrency, `${memo}: settled from the Stripe balance`),
      ...foreign.flatMap((t) => {
        const presented = t.presentment as { currency: string; amount: number };
        const inOwnCurrency = { ...ctx, currency: presented.currency };
        const what = `${memo}: ${t.sourceRef ?? t.id} converted ${presented.currency.toUpperCase()}→${p.currency.toUpperCase()}`;
        return [
          line(ctx, 'fx_gain_loss', 'credit', clearingOf(t), what),
          line(inOwnCurrency, 'fx_gain_loss', 'debit', presented.amount, what),
          line(inOwnCurrency, 'stripe_clearing', 'credit', presented.amount, what),
        ];
      }),
    ],
  );
}

/** payout.failed after it was deposited: the bank returns the funds to the Stripe balance. */
export function journalForDepositFailure(p: Payout, failedAt: string, sourceEventId: string): JournalEntry {
  const memo = `Payout ${idOf(p.payoutRef)} failed: returned to the Stripe balance`;
  return balancedEntry(
    {
      ...header(
        postingKeys.depositFailure(idOf(p.payoutRef)),
        'deposit_failure',
        p.payoutRef,
        p,
        failedAt,
        memo,
        sourceEventId,
      ),
    },
    (ctx) => [
      line(ctx, 'stripe_clearing', 'debit', p.amount, memo),
      line(ctx, 'bank', 'credit', p.amount, memo),
    ],
  );
}

function header(
  idempotencyKey: string,
  kind: JournalEntry['kind'],
  documentRef: string,
  doc: { subsidiary: string; currency: string; correlationId: string },
  effectiveAt: string,
  memo: string,
  sourceEventId: string,
) {
  return {
    idempotencyKey,
    kind,
    documentRef,
    subsidiary: doc.subsidiary,
    currency: doc.currency,
    effectiveAt,
    memo,
    sourceEventId,
    correlationId: doc.correlationId,
  };
}
