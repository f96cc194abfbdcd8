/** DESIGN.md §5 — payment succeeded: Dr stripe_clearing / Cr accounts_receivable. */
import type { JournalEntry, Payment } from '../model';
import { assertBalanced, line, nonZero, type LineContext } from './journal';

export function journalForPayment(payment: Payment, idempotencyKey: string): JournalEntry {
  const ctx: LineContext = {
    currency: payment.currency,
    sourceEventId: payment.source.eventId,
    correlationId: payment.correlationId,
  };
  const memo = `Payment of ${payment.invoiceRef}`;
  const entry: JournalEntry = {
    schemaVersion: 'v1',
    entryId: idempotencyKey,
    idempotencyKey,
    kind: 'payment',
    documentRef: payment.paymentRef,
    subsidiary: payment.subsidiary,
    effectiveDate: payment.paidAt.slice(0, 10),
    memo,
    sourceEventId: payment.source.eventId,
    correlationId: payment.correlationId,
    lines: nonZero([
      line(ctx, 'stripe_clearing', 'debit', payment.amount, memo),
      line(ctx, 'accounts_receivable', 'credit', payment.amount, memo),
    ]),
  };
  assertBalanced(entry);
  return entry;
}
