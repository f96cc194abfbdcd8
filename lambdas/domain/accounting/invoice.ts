/**
 * DESIGN.md §5 — invoice finalized: Dr accounts_receivable (total);
 * Cr deferred_revenue for service-period lines, revenue for point-in-time lines (net of discounts);
 * Cr tax_payable. One line per invoice line so every ledger line traces to its source line.
 */
import type { Invoice, JournalEntry } from '../model';
import { sum } from '../money';
import { balancedEntry } from './entry';
import { line } from './journal';

export function journalForInvoice(invoice: Invoice, idempotencyKey: string): JournalEntry {
  const label = invoice.number ?? invoice.source.id;
  return balancedEntry(
    {
      idempotencyKey,
      kind: 'invoice',
      documentRef: invoice.invoiceRef,
      subsidiary: invoice.subsidiary,
      currency: invoice.currency,
      effectiveAt: invoice.issuedAt,
      memo: `Invoice ${label} to ${invoice.customerRef}`,
      sourceEventId: invoice.source.eventId,
      correlationId: invoice.correlationId,
    },
    (ctx) => [
      line(
        ctx,
        'accounts_receivable',
        'debit',
        sum(invoice.lines.map((l) => l.netAmount + l.tax)),
        `Invoice ${label}`,
      ),
      ...invoice.lines.flatMap((l) => {
        const account = l.recognition === 'ratable' ? 'deferred_revenue' : 'revenue';
        const extra = { sourceLineRef: l.lineRef, servicePeriod: l.servicePeriod };
        return [
          {
            ...line(ctx, account, 'credit', l.netAmount, `${label} ${l.description}`, extra),
            dimensions: l.dimensions,
          },
          line(ctx, 'tax_payable', 'credit', l.tax, `${label} tax on ${l.description}`, extra),
        ];
      }),
    ],
  );
}
