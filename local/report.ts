/** Human-readable tables for the CLI and the demo: what finance ops would want to read. */
import Table, { type TableConstructorOptions } from 'cli-table3';
import type { RecordedEntry } from '../lambdas/adapters/erp/ledger/ledger-adapter';
import type { TrialBalanceRow } from '../lambdas/domain/accounting/trial-balance';
import type { ExceptionCensus } from '../lambdas/domain/exception-census';
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
      // A late posting: dated in a period already closed, booked on the first day of the next open one.
      const date =
        i === 0
          ? e.effectiveDate
          : i === 1 && e.lateFromClosedPeriod
            ? `LATE from ${e.lateFromClosedPeriod}`
            : '';
      table.push([
        date,
        i === 0 ? `${e.kind} ${e.documentRef}` : '',
        l.account,
        amount(l.debit, l.currency),
        amount(l.credit, l.currency),
        i === 0 ? l.sourceEventId : '',
        i === 0 ? l.correlationId : '',
      ]);
    });
  }
  const late = entries.filter((e) => e.lateFromClosedPeriod).length;
  const footer = `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${late ? `, ${late} late (dated in a closed period, booked in the next open one)` : ''}`;
  return `${table.toString()}\n${footer}`;
}

export interface QueueView {
  queue: string;
  depth: number;
  messages: (ParkedException & { messageId: string; parkedAt?: string })[];
}

/** `q2c exceptions list`: what is parked, with the ids `q2c exceptions discard --id` takes. */
export function exceptionsTable(queue: QueueView): string {
  const table = newTable(['Message id', 'Parked at', 'Class', 'Event', 'Reason'], {
    colWidths: [38, 22, 12, 30, 60],
    wordWrap: true,
  });
  for (const m of queue.messages)
    table.push([
      m.messageId,
      m.parkedAt ?? '',
      m.classification,
      `${m.eventType ?? '?'} ${m.sourceEventId ?? m.correlationId ?? ''}`,
      m.reason,
    ]);
  return queue.messages.length ? table.toString() : 'No parked exceptions.';
}

/** `q2c exceptions archive`: what was discarded, when, by whom and why. */
export function discardedTable(
  rows: readonly {
    discardedAt: string;
    by: string | null;
    reason: string;
    messageId: string;
    parked: ParkedException;
  }[],
): string {
  const table = newTable(['Discarded at', 'By', 'Why', 'Event', 'Parked for'], {
    colWidths: [26, 14, 40, 30, 50],
    wordWrap: true,
  });
  for (const r of rows)
    table.push([
      r.discardedAt,
      r.by ?? '—',
      r.reason,
      `${r.parked.eventType ?? '?'} ${r.parked.sourceEventId ?? r.parked.correlationId ?? ''}`,
      `${r.parked.classification}: ${r.parked.reason}`,
    ]);
  return rows.length ? table.toString() : 'Nothing discarded.';
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
  /** The exception queue now, per classification (count and oldest age in seconds). */
  parked: ExceptionCensus;
}

/**
 * The drain's census metrics are gauges sampled each scan: summing them means nothing, and the last
 * sample is up to a drain interval old. `q2c status` shows the queue's census as it is now instead.
 */
const CENSUS_GAUGES = new Set(['ParkedExceptions', 'OldestParkedExceptionAge']);
const ISO_CURRENCY = /^[a-z]{3}$/i;

/**
 * `q2c status`: the Finance Ops dashboard as a table. Counters are totals since the runtime started,
 * gauges are values now, timings give their sample count and percentiles; every figure has its unit.
 */
export function statusTable(view: StatusView): string {
  const table = newTable(['Metric', 'Dimensions', 'Kind', 'Value', 'Unit', 'p50', 'p95'], {
    colAligns: ['left', 'left', 'left', 'right', 'left', 'right', 'right'],
  });
  for (const m of view.metrics) {
    if (CENSUS_GAUGES.has(m.name)) continue;
    const dims = Object.entries(m.dimensions)
      .filter(([k]) => k !== 'service')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    if (m.name.endsWith('MinorUnits')) {
      const currency = m.dimensions.currency ?? '';
      // A document that moves no money has no currency: nothing to show.
      if (!ISO_CURRENCY.test(currency)) continue;
      table.push([
        m.name,
        dims,
        'counter',
        formatMoney(amountFromJson(m.sum), currency),
        currency.toUpperCase(),
        '',
        '',
      ]);
    } else if (m.unit === 'Milliseconds')
      table.push([m.name, dims, 'timing', String(m.samples), 'samples', `${m.p50} ms`, `${m.p95} ms`]);
    else if (m.unit === 'Seconds')
      table.push([m.name, dims, 'timing', String(m.samples), 'samples', `${m.p50} s`, `${m.p95} s`]);
    else table.push([m.name, dims, 'counter', String(m.sum), unitOf(m.unit), '', '']);
  }
  for (const [classification, c] of Object.entries(view.parked)) {
    const dims = `classification=${classification}`;
    table.push(['Parked exceptions', dims, 'gauge', String(c.parked), 'messages', '', '']);
    table.push(['Oldest parked exception', dims, 'gauge', String(c.oldestSeconds), 's', '', '']);
  }
  for (const q of view.queues)
    table.push(['Queue depth', `queue=${q.queue}`, 'gauge', String(q.depth), 'messages', '', '']);
  const e = view.executions;
  table.push(['Executions succeeded', '', 'counter', String(e.succeeded), 'executions', '', '']);
  table.push(['Executions failed', '', 'counter', String(e.failed), 'executions', '', '']);
  table.push(['Executions running', '', 'gauge', String(e.inFlight), 'executions', '', '']);
  return table.toString();
}

const unitOf = (unit: string) => (unit === 'Count' || unit === 'None' ? 'count' : unit.toLowerCase());

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
