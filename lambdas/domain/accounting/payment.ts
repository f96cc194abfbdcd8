/** DESIGN.md §5 — payment succeeded: Dr stripe_clearing / Cr accounts_receivable. */
import type { JournalEntry, Payment } from '../model';
import { balancedEntry } from './entry';
import { line } from './journal';

export function journalForPayment(payment: Payment, idempotencyKey: string): JournalEntry {
  const memo = `Payment of ${payment.invoiceRef}`;
  return balancedEntry(
    {
      idempotencyKey,
      kind: 'payment',
      documentRef: payment.paymentRef,
      subsidiary: payment.subsidiary,
      currency: payment.currency,
      effectiveAt: payment.paidAt,
      memo,
      sourceEventId: payment.source.eventId,
      correlationId: payment.correlationId,
    },
    (ctx) => [
      line(ctx, 'stripe_clearing', 'debit', payment.amount, memo),
      line(ctx, 'accounts_receivable', 'credit', payment.amount, memo),
    ],
  );
}
