/**
 * DESIGN.md §5 — invoice finalized: Dr accounts_receivable (total);
 * Cr deferred_revenue for service-period lines, revenue for point-in-time lines (net of discounts);
 * Cr tax_payable. One line per invoice line so every ledger line traces to its source line.
 */
import type { Invoice, JournalEntry, JournalLine } from '../model';
import { sum } from '../money';
import { assertBalanced, line, nonZero, type LineContext } from './journal';

export function journalForInvoice(invoice: Invoice, idempotencyKey: string): JournalEntry {
  const ctx: LineContext = {
    currency: invoice.currency,
    sourceEventId: invoice.source.eventId,
    correlationId: invoice.correlationId,
  };
  const label = invoice.number ?? invoice.source.id;
  const revenueLines: JournalLine[] = invoice.lines.flatMap((l) => {
    const account = l.recognition === 'ratable' ? 'deferred_revenue' : 'revenue';
    const extra = { sourceLineRef: l.lineRef, servicePeriod: l.servicePeriod };
    return [
      line(ctx, account, 'credit', l.netAmount, `${label} ${l.description}`, extra),
      line(ctx, 'tax_payable', 'credit', l.tax, `${label} tax on ${l.description}`, extra),
    ];
  });
  const receivable = sum(invoice.lines.map((l) => l.netAmount + l.tax));
  const entry: JournalEntry = {
    schemaVersion: 'v1',
    entryId: idempotencyKey,
    idempotencyKey,
    kind: 'invoice',
    documentRef: invoice.invoiceRef,
    subsidiary: invoice.subsidiary,
    effectiveDate: invoice.issuedAt.slice(0, 10),
    memo: `Invoice ${label} to ${invoice.customerRef}`,
    sourceEventId: invoice.source.eventId,
    correlationId: invoice.correlationId,
    lines: nonZero([
      line(ctx, 'accounts_receivable', 'debit', receivable, `Invoice ${label}`),
      ...revenueLines,
    ]),
  };
  assertBalanced(entry);
  return entry;
}
