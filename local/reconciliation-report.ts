/** The reconciliation summary as the CLI prints it. */
import Table from 'cli-table3';
import type { ReconciliationSummary } from '../lambdas/domain/reconciliation/report';

export function reconciliationTable(
  summary: ReconciliationSummary,
  files?: { json: string; csv: string },
): string {
  const table = new Table({
    head: ['Finding', 'Unexplained', 'Explained'],
    style: { head: [], border: [] },
    colAligns: ['left', 'right', 'right'],
  });
  for (const [kind, c] of Object.entries(summary.byKind)) table.push([kind, c.unexplained, c.explained]);
  const verdict = summary.clean
    ? `CLEAN ✓ (${summary.findings} explained finding(s))`
    : `${summary.unexplained} UNEXPLAINED ✗`;
  return [
    `Reconciliation ${summary.period} (run ${summary.runId}): ${summary.billingDocuments} billing documents vs ${summary.erpPostings} ERP postings — ${verdict}`,
    ...(summary.findings > 0 ? [table.toString()] : []),
    ...(files ? [`Report: ${files.json}`, `        ${files.csv}`] : []),
  ].join('\n');
}
