/** Human-readable tables for the CLI and the demo: what finance ops would want to read. */
import Table, { type TableConstructorOptions } from 'cli-table3';
import type { RecordedEntry } from '../lambdas/adapters/erp/ledger/ledger-adapter';
import type { TrialBalanceRow } from '../lambdas/domain/accounting/trial-balance';
import type { ParkedException } from '../lambdas/domain/exceptions';
import type { WaterfallRow } from '../lambdas/domain/revenue/waterfall';
import { amountFromJson, formatMoney } from '../lambdas/domain/money';

// No ANSI colours: the output is read in terminals, CI logs and pasted into tickets alike.
const PLAIN = { head: [], border: [] };
/** Rows without separators between them: long journals stay readable. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

function newTable(head: string[], options: Omit<TableConstructorOptions, 'head'> = {}): Table.Table {
  return new Table({ head, style: PLAIN, chars: COMPACT, ...options });
}

const amount = (minor: number | bigint, currency: string) =>
  minor === 0 || minor === 0n ? '' : formatMoney(minor, currency);

export function trialBalanceTable(rows: readonly TrialBalanceRow[]): string {
  const table = newTable(['Account', 'Currency', 'Debit', 'Credit', 'Balance'], {
    colAligns: ['left', 'left', 'right', 'right', 'right'],
  });
  const totals = new Map<string, { debit: bigint; credit: bigint }>();
  for (const r of rows) {
    table.push([
      r.account,
      r.currency.toUpperCase(),
      amount(r.debit, r.currency),
      amount(r.credit, r.currency),
      formatBalance(r),
    ]);
    const t = totals.get(r.currency) ?? { debit: 0n, credit: 0n };
    t.debit += r.debit;
    t.credit += r.credit;
    totals.set(r.currency, t);
  }
  for (const [currency, t] of totals) {
    const mark = t.debit === t.credit ? 'balanced ✓' : 'UNBALANCED ✗';
    table.push([
      `Total ${currency.toUpperCase()}`,
      '',
      formatMoney(t.debit, currency),
      formatMoney(t.credit, currency),
      mark,
    ]);
  }
  return table.toString();
}

function formatBalance(r: TrialBalanceRow): string {
  const net = r.debit - r.credit;
  if (net === 0n) return '0';
  return `${formatMoney(net > 0n ? net : -net, r.currency)} ${net > 0n ? 'Dr' : 'Cr'}`;
}

export function journalTable(entries: readonly RecordedEntry[]): string {
  const table = newTable(['Date', 'Entry', 'Account', 'Debit', 'Credit', 'Source event', 'Correlation'], {
    colAligns: ['left', 'left', 'left', 'right', 'right', 'left', 'left'],
  });
  const byDate = [...entries].sort(
    (a, b) => a.effectiveDate.localeCompare(b.effectiveDate) || a.entryId.localeCompare(b.entryId),
  );
  for (const e of byDate) {
    e.lines.forEach((l, i) => {
      table.push([
        i === 0 ? e.effectiveDate : '',
        i === 0 ? `${e.kind} ${e.documentRef}` : '',
        l.account,
        amount(l.debit, l.currency),
        amount(l.credit, l.currency),
        i === 0 ? l.sourceEventId : '',
        i === 0 ? l.correlationId : '',
      ]);
    });
  }
  return table.toString();
}

export interface QueueView {
  queue: string;
  depth: number;
  messages: (ParkedException & { messageId: string })[];
}

export function queuesTable(queues: readonly QueueView[]): string {
  const table = newTable(['Queue', 'Class', 'Event', 'Reason'], {
    colWidths: [14, 12, 30, 70],
    wordWrap: true,
  });
  for (const q of queues) {
    if (q.depth === 0) table.push([q.queue, '', '', 'empty']);
    for (const m of q.messages)
      table.push([q.queue, m.classification, `${m.eventType ?? '?'} ${m.sourceEventId ?? ''}`, m.reason]);
  }
  return table.toString();
}

export function waterfallTable(period: string, rows: readonly WaterfallRow[]): string {
  const table = newTable(
    [
      'Subsidiary',
      `Deferred at start of ${period}`,
      'Billed',
      'Adjustments',
      'Recognised',
      'Deferred at end',
    ],
    {
      colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
    },
  );
  const m = (n: bigint, c: string) => formatMoney(n, c);
  for (const r of rows) {
    table.push([
      r.subsidiary,
      m(r.openingDeferred, r.currency),
      m(r.billed, r.currency),
      m(r.adjustments, r.currency),
      m(r.recognised, r.currency),
      m(r.closingDeferred, r.currency),
    ]);
  }
  return table.toString();
}

export interface StatusView {
  metrics: import('./metrics').MetricSeriesJson[];
  executions: { inFlight: number; started: number; succeeded: number; failed: number };
  queues: { queue: string; depth: number }[];
}

/** `q2c status`: the Finance Ops dashboard as a table — counts, amounts by currency, latencies, backlog. */
export function statusTable(view: StatusView): string {
  const table = newTable(['Metric', 'Dimensions', 'Count / sum', 'p50', 'p95'], {
    colAligns: ['left', 'left', 'right', 'right', 'right'],
  });
  for (const m of view.metrics) {
    const dims = Object.entries(m.dimensions)
      .filter(([k]) => k !== 'service')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const money = m.name.endsWith('MinorUnits') && m.dimensions.currency;
    const total = money ? formatMoney(amountFromJson(m.sum), m.dimensions.currency) : String(m.sum);
    const timing = m.unit === 'Milliseconds';
    table.push([m.name, dims, total, timing ? `${m.p50} ms` : '', timing ? `${m.p95} ms` : '']);
  }
  for (const q of view.queues) table.push([`Queue depth: ${q.queue}`, '', String(q.depth), '', '']);
  const e = view.executions;
  table.push(['Executions', '', `${e.succeeded} ok · ${e.failed} failed · ${e.inFlight} running`, '', '']);
  return table.toString();
}

/** The demo's deals as Salesforce now shows them (the fields the deal flow wrote back). */
export function dealsTable(
  deals: readonly {
    name: string;
    channel: string;
    closeDate: string;
    billingStatus: string | null;
    subscriptionId: string | null;
    syncError: string | null;
  }[],
): string {
  const table = newTable(['Closed', 'Opportunity', 'Sent by', 'Billing status', 'Subscription / error']);
  for (const d of deals) {
    const result = d.syncError ? `✗ ${d.syncError}` : (d.subscriptionId ?? '');
    table.push([d.closeDate, d.name, d.channel, d.billingStatus ?? '—', result.slice(0, 70)]);
  }
  return table.toString();
}
