/** The operator's inputs and views that need no runtime: periods, journal filters, health, status rows. */
import fc from 'fast-check';
import type { JournalEntry } from '../../../lambdas/domain/model';
import { exceptionCensus } from '../../../lambdas/domain/exception-census';
import { pipelineHealth } from '../../../local/health';
import {
  documentIdsOf,
  filterJournal,
  journalFilterProblem,
  stripeCustomerOf,
} from '../../../local/journal-filter';
import {
  closePeriodProblem,
  reconcilePeriodProblem,
  revenuePeriodProblem,
} from '../../../local/period-input';
import { statusTable } from '../../../local/report';

describe('periods an operator types', () => {
  test.each(['2026-13', '2026-00', 'nov', '2026/11', '2026-11-01', '', '26-11'])('close refuses %j', (p) => {
    expect(closePeriodProblem(p)).toMatch(/YYYY-MM/);
  });
  test('close takes every real month and "previous"', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1970, max: 9999 }), fc.integer({ min: 1, max: 12 }), (y, m) => {
        expect(closePeriodProblem(`${y}-${String(m).padStart(2, '0')}`)).toBeUndefined();
      }),
    );
    expect(closePeriodProblem('previous')).toBeUndefined();
    expect(closePeriodProblem(null)).toMatch(/got null/);
  });
  test('reconcile takes real days only (2026-11-31 and 2026-02-29 do not exist; 2028-02-29 does)', () => {
    expect(reconcilePeriodProblem('2026-11-31')).toMatch(/calendar day/);
    expect(reconcilePeriodProblem('2026-02-29')).toMatch(/calendar day/);
    expect(reconcilePeriodProblem('2028-02-29')).toBeUndefined();
    for (const word of ['current', 'previous', 'yesterday', '2026-11'])
      expect(reconcilePeriodProblem(word)).toBeUndefined();
  });
  test('revenue takes a month only', () => {
    expect(revenuePeriodProblem('2026/11')).toMatch(/got "2026\/11"/);
    expect(revenuePeriodProblem('previous')).toMatch(/YYYY-MM/);
    expect(revenuePeriodProblem('2026-11')).toBeUndefined();
  });
});

const line = (account: JournalEntry['lines'][number]['account'], debit: number, credit: number) => ({
  account,
  debit,
  credit,
  currency: 'usd',
  memo: '',
  sourceEventId: 'evt_1',
  correlationId: 'c',
  sourceLineRef: null,
  servicePeriod: null,
});
const entry = (over: Partial<JournalEntry>): JournalEntry => ({
  schemaVersion: 'v1',
  entryId: over.documentRef ?? 'x',
  idempotencyKey: 'k',
  kind: 'invoice',
  documentRef: 'stripe:in_A',
  subsidiary: 'US-INC',
  effectiveDate: '2026-11-03',
  memo: 'Invoice 1 to stripe:cus_A',
  sourceEventId: 'evt_1',
  correlationId: 'c',
  lines: [line('accounts_receivable', 100, 0), line('deferred_revenue', 0, 100)],
  ...over,
});

describe('journal filters', () => {
  const invoice = entry({});
  const payment = entry({
    kind: 'payment',
    documentRef: 'stripe:in_A:payment',
    memo: 'Payment of stripe:in_A',
    lines: [line('stripe_clearing', 100, 0), line('accounts_receivable', 0, 100)],
  });
  const refund = entry({
    kind: 'refund',
    documentRef: 'stripe:re_B',
    memo: 'Refund re_B of stripe:ch_B',
    effectiveDate: '2026-12-01',
    lateFromClosedPeriod: '2026-11',
    lines: [line('accounts_receivable', 5, 0), line('stripe_clearing', 0, 5)],
  });
  const payout = entry({ kind: 'deposit', documentRef: 'stripe:po_C', memo: 'Payout po_C' });
  const journal = [invoice, payment, refund, payout];
  // Stripe: in_A and ch_B are cus_A's; re_B refunds ch_B.
  const objects: Record<string, Record<string, unknown>> = {
    'invoice/in_A': { id: 'in_A', customer: 'cus_A' },
    'charge/ch_B': { id: 'ch_B', customer: { id: 'cus_A' } },
    'refund/re_B': { id: 're_B', charge: 'ch_B' },
  };
  const customerOf = stripeCustomerOf((object, id) => objects[`${object}/${id}`]);

  test('document: its own entry and those referring to it, with or without stripe:', () => {
    expect(filterJournal(journal, { document: 'in_A' })).toEqual([invoice, payment]);
    expect(filterJournal(journal, { document: 'stripe:ch_B' })).toEqual([refund]);
    expect(documentIdsOf(payment)).toEqual(new Set(['in_A']));
  });
  test('customer: through the documents Stripe says are theirs (a refund through its charge)', () => {
    expect(filterJournal(journal, { customer: 'cus_A' }, customerOf)).toEqual([invoice, payment, refund]);
    expect(filterJournal(journal, { customer: 'cus_Z' }, customerOf)).toEqual([]);
  });
  test('period is the booked period (a late entry is where it was booked) and account any line', () => {
    expect(filterJournal(journal, { period: '2026-12' })).toEqual([refund]);
    expect(filterJournal(journal, { account: 'stripe_clearing' })).toEqual([payment, refund]);
    expect(filterJournal(journal, { account: 'stripe_clearing', period: '2026-11' })).toEqual([payment]);
  });
  test('filters combine as AND of each filter alone, entries kept whole', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            period: fc.constantFrom('2026-11', '2026-12'),
            account: fc.constantFrom('stripe_clearing', 'accounts_receivable', 'bank'),
            document: fc.constantFrom('in_A', 'ch_B', 'po_C', 'in_Q'),
            customer: fc.constantFrom('cus_A', 'cus_Z'),
          },
          { requiredKeys: [] },
        ),
        (filter) => {
          // Filters combine as AND: the entries every one of them keeps, whole and in journal order.
          const kept = filterJournal(journal, filter, customerOf);
          const each = Object.entries(filter).map(([k, v]) => filterJournal(journal, { [k]: v }, customerOf));
          expect(kept).toEqual(journal.filter((e) => each.every((selected) => selected.includes(e))));
        },
      ),
    );
  });
  test('a typo is refused with the accepted values', () => {
    expect(journalFilterProblem({ account: 'cash' })).toMatch(/one of accounts_receivable, stripe_clearing/);
    expect(journalFilterProblem({ period: '2026-13' })).toMatch(/YYYY-MM/);
    expect(journalFilterProblem({ customer: 'acme' })).toMatch(/cus_/);
    expect(journalFilterProblem({ document: 'INV-1' })).toMatch(/in_…/);
    expect(journalFilterProblem({ period: '2026-11', account: 'bank' })).toBeUndefined();
  });
});

describe('health', () => {
  test('ok only when nothing is parked, no dead letters and no failed executions', () => {
    const none = exceptionCensus([], 0);
    expect(pipelineHealth({ parked: none, deadLetters: [], executionsFailed: 0 })).toEqual({
      status: 'ok',
      reasons: [],
    });
    const parked = exceptionCensus([{ classification: 'business', sentAtMs: 0 }], 1000);
    expect(
      pipelineHealth({ parked, deadLetters: [{ queue: 'postingDlq', depth: 2 }], executionsFailed: 1 }),
    ).toEqual({
      status: 'degraded',
      reasons: [
        '1 exception parked (business 1)',
        '2 dead letters on postingDlq',
        '1 execution failed since start',
      ],
    });
  });
});

describe('q2c status rows', () => {
  const series = (name: string, unit: string, dimensions: Record<string, string>, values: number[]) => ({
    namespace: 'q2c',
    name,
    unit,
    dimensions,
    samples: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: Math.min(...values),
    max: Math.max(...values),
    p50: values[0],
    p95: values[values.length - 1],
  });
  const table = statusTable({
    metrics: [
      series('ParkedExceptions', 'Count', { classification: 'technical' }, [7, 7, 7, 7, 7, 7, 7, 7, 7, 7]),
      series('PostedAmountMinorUnits', 'Count', { currency: 'none', kind: 'invoice' }, [0]),
      series('PostedAmountMinorUnits', 'Count', { currency: 'eur', kind: 'invoice' }, [1000, 2050]),
      series('PostingLatency', 'Milliseconds', { kind: 'invoice' }, [120, 900]),
      series('InvoicesPosted', 'Count', {}, [1, 1, 1]),
    ],
    executions: { inFlight: 0, started: 3, succeeded: 3, failed: 0 },
    queues: [{ queue: 'exceptions', depth: 7 }],
    parked: { ...exceptionCensus([], 0), technical: { parked: 7, oldestSeconds: 42 } },
  });
  const rows = table.split('\n').map((l) => l.split('│').map((c) => c.trim()));
  const row = (metric: string, dims = '') => rows.find((r) => r[1] === metric && r[2] === dims);

  test('a gauge is the value now, not the sum of its samples (7 parked, not 70)', () => {
    expect(row('Parked exceptions', 'classification=technical')?.slice(3, 6)).toEqual([
      'gauge',
      '7',
      'messages',
    ]);
    expect(row('Oldest parked exception', 'classification=technical')?.slice(3, 6)).toEqual([
      'gauge',
      '42',
      's',
    ]);
    expect(table).not.toMatch(/ParkedExceptions/);
  });
  test('money in its currency, timings as samples and percentiles, counters as counts; no currency-less rows', () => {
    expect(row('PostedAmountMinorUnits', 'currency=eur kind=invoice')?.slice(3, 6)).toEqual([
      'counter',
      '30.50 EUR',
      'EUR',
    ]);
    expect(row('PostingLatency', 'kind=invoice')?.slice(3, 8)).toEqual([
      'timing',
      '2',
      'samples',
      '120 ms',
      '900 ms',
    ]);
    expect(row('InvoicesPosted')?.slice(3, 6)).toEqual(['counter', '3', 'count']);
    expect(table).not.toMatch(/none|NONE/);
  });
});
