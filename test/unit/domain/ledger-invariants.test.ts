/**
 * The ledger's audit of itself (verifyLedger): a consistent book — built with the posting rules the
 * flows use — verifies clean; each corruption a crash or a hand edit could leave (a DUE item, a
 * release, an entry line or a schedule deleted, an amount edited, a payment without its invoice, a
 * posting into closed books, a crosswalk gap) is named with the objects involved. The oracle is the
 * accounting rule (DESIGN.md §5), not the code's own output: amounts below are worked by hand.
 */
import fc from 'fast-check';
import { journalForInvoice } from '../../../lambdas/domain/accounting/invoice';
import { journalForInvoiceVoid } from '../../../lambdas/domain/accounting/money-events';
import { journalForPayment } from '../../../lambdas/domain/accounting/payment';
import {
  verifyLedger,
  type LedgerFacts,
  type RecordedEntryFact,
} from '../../../lambdas/domain/audit/ledger-invariants';
import { postingKeys, type Invoice, type JournalEntry } from '../../../lambdas/domain/model';
import { revenueReleaseEntry } from '../../../lambdas/domain/revenue/release';
import {
  buildSchedule,
  scheduleInputsForInvoice,
  type RevenueSchedule,
} from '../../../lambdas/domain/revenue/schedule';
import { invoice as invoiceArb } from './arbitraries';

const source = (id: string) => ({ system: 'stripe' as const, id, eventId: `evt_${id}`, eventType: 'x' });

/** $1,200.00 a year from 16 Nov 2026 plus a $50.00 setup fee: Nov 15 days of 365 → 4,931, Dec 10,192. */
const invoice: Invoice = {
  schemaVersion: 'v1',
  invoiceRef: 'stripe:in_A',
  source: source('in_A'),
  number: 'INV-A',
  customerRef: 'stripe:cus_1',
  subscriptionRef: null,
  issuedAt: '2026-11-16T00:00:00.000Z',
  subtotal: 125_000,
  discountTotal: 0,
  taxTotal: 0,
  total: 125_000,
  subsidiary: 'US-INC',
  currency: 'usd',
  correlationId: 'opp_1',
  lines: [
    {
      lineRef: 'stripe:il_annual',
      description: 'Annual plan',
      productRef: null,
      priceRef: null,
      quantity: 1,
      amount: 120_000,
      discount: 0,
      netAmount: 120_000,
      tax: 0,
      recognition: 'ratable',
      servicePeriod: { start: '2026-11-16T00:00:00.000Z', end: '2027-11-16T00:00:00.000Z' },
      proration: false,
    },
    {
      lineRef: 'stripe:il_setup',
      description: 'Setup',
      productRef: null,
      priceRef: null,
      quantity: 1,
      amount: 5_000,
      discount: 0,
      netAmount: 5_000,
      tax: 0,
      recognition: 'point_in_time',
      servicePeriod: null,
      proration: false,
    },
  ],
};

const at = (iso: string) => ({ recordedAt: iso });
const CLOSED_NOV = '2026-12-01T03:10:00.000Z';
const CLOSED_DEC = '2027-01-01T03:10:00.000Z';

/** Books as the flows leave them: each posted entry with its crosswalk link, schedules with their DUE index. */
function books(invoices: readonly Invoice[], closed: readonly string[] = []): LedgerFacts {
  const entries: RecordedEntryFact[] = [];
  const schedules: RevenueSchedule[] = [];
  const post = (e: JournalEntry, recordedAt = '2026-11-20T00:00:00.000Z') =>
    entries.push({ ...e, ...at(recordedAt) });
  for (const inv of invoices) {
    post(journalForInvoice(inv, postingKeys.invoice(inv.source.id)));
    schedules.push(...scheduleInputsForInvoice(inv).map(buildSchedule));
  }
  for (const period of closed) {
    for (const s of schedules) {
      const release = revenueReleaseEntry(s, period);
      if (release) post(release, `${period === '2026-11' ? '2026-12' : '2027-01'}-01T03:05:00.000Z`);
    }
  }
  return {
    entries,
    schedules,
    due: schedules.flatMap((s) => s.periods.map((p) => ({ period: p.period, lineRef: s.lineRef }))),
    closedPeriods: closed.map((period) => ({
      period,
      closedAt: period === '2026-11' ? CLOSED_NOV : CLOSED_DEC,
    })),
    crosswalk: entries.map((e) => ({
      sourceRef: e.documentRef,
      target: `erp:${e.kind}`,
      erpId: e.entryId,
      erpSystem: 'ledger',
    })),
    unreadable: [],
  };
}

const violations = (facts: LedgerFacts, period?: string) =>
  verifyLedger(facts, { period }).violations.map((v) => [v.invariant, v.objects]);

const clean = books([invoice], ['2026-11', '2026-12']);

describe('verifyLedger', () => {
  it('a consistent book verifies clean: balanced entries, one schedule per ratable line, releases as scheduled', () => {
    const report = verifyLedger(clean);
    expect(report.violations).toEqual([]);
    expect(report.clean).toBe(true);
    expect(report.checked).toMatchObject({ entries: 3, ratableLines: 1, schedules: 1, releases: 2 });
    expect(clean.entries.find((e) => e.kind === 'revenue_release')?.lines[0]?.debit).toBe(4_931);
  });

  it('a deleted DUE item is named: the close would never release that month', () => {
    const facts = { ...clean, due: clean.due.filter((d) => d.period !== '2027-03') };
    expect(violations(facts)).toEqual([
      ['due_index_missing', ['schedule:stripe:il_annual', 'DUE#2027-03/stripe:il_annual']],
    ]);
  });

  it('a deleted release is named, and the deferred balance it leaves behind', () => {
    const facts = {
      ...clean,
      entries: clean.entries.filter((e) => e.entryId !== 'revrec:stripe:il_annual:2026-12'),
    };
    const found = verifyLedger(facts).violations;
    expect(found.map((v) => [v.invariant, v.objects])).toEqual([
      ['release_missing', ['schedule:stripe:il_annual', 'revrec:stripe:il_annual:2026-12']],
      [
        'crosswalk_erp_id_missing',
        ['crosswalk:stripe:il_annual/erp:revenue_release', 'revrec:stripe:il_annual:2026-12'],
      ],
    ]);
    expect(found[0]?.message).toContain('101.92 USD');
  });

  it('a deleted line of an entry is named: the entry no longer balances', () => {
    const entries = clean.entries.map((e) =>
      e.kind === 'invoice' ? { ...e, lines: e.lines.filter((l) => l.account !== 'revenue') } : e,
    );
    expect(violations({ ...clean, entries })).toEqual([['entry_unbalanced', ['stripe:invoice:in_A:post']]]);
  });

  it('an edited amount is named: a release that no longer matches its schedule', () => {
    const entries = clean.entries.map((e) =>
      e.entryId === 'revrec:stripe:il_annual:2026-11'
        ? { ...e, lines: e.lines.map((l) => ({ ...l, debit: l.debit && 4_000, credit: l.credit && 4_000 })) }
        : e,
    );
    const found = violations({ ...clean, entries });
    // (The deferred balance still agrees: the schedules' remaining is measured against the same releases.)
    expect(found).toEqual([
      ['release_mismatch', ['schedule:stripe:il_annual', 'revrec:stripe:il_annual:2026-11']],
    ]);
  });

  it('an edited schedule period is named: its total no longer equals the line deferred', () => {
    const schedules = clean.schedules.map((s) => ({
      ...s,
      periods: s.periods.map((p) => (p.period === '2027-05' ? { ...p, amount: p.amount + 1 } : p)),
    }));
    expect(violations({ ...clean, schedules }).map(([k]) => k)).toEqual([
      'schedule_total_mismatch',
      'deferred_balance_mismatch',
    ]);
  });

  it('a deleted schedule is named: the line was deferred and nothing will release it', () => {
    const found = violations({ ...clean, schedules: [] });
    expect(found.map(([k]) => k)).toEqual([
      'schedule_missing',
      'release_without_schedule',
      'release_without_schedule',
      'deferred_balance_mismatch',
    ]);
    expect(found[0]?.[1]).toEqual(['stripe:invoice:in_A:post', 'schedule:stripe:il_annual']);
  });

  it('an unbalanced functional-currency view is named even when the transaction currency balances', () => {
    const entries = clean.entries.map((e) =>
      e.kind === 'invoice'
        ? {
            ...e,
            lines: e.lines.map((l, i) => ({
              ...l,
              functional: { currency: 'eur', debit: l.debit, credit: l.credit + (i === 0 ? 1 : 0) },
            })),
          }
        : e,
    );
    expect(violations({ ...clean, entries })).toEqual([
      ['entry_unbalanced_functional', ['stripe:invoice:in_A:post']],
    ]);
  });

  it('a payment of an invoice that is not posted, and an invoice paid and voided, are named', () => {
    const payment = (invoiceId: string, amount: number) =>
      journalForPayment(
        {
          schemaVersion: 'v1',
          paymentRef: `stripe:${invoiceId}:payment`,
          invoiceRef: `stripe:${invoiceId}`,
          source: source(invoiceId),
          customerRef: 'stripe:cus_1',
          subsidiary: 'US-INC',
          currency: 'usd',
          amount,
          paidAt: '2026-11-20T00:00:00.000Z',
          correlationId: 'opp_1',
        } as Parameters<typeof journalForPayment>[0],
        postingKeys.payment(invoiceId),
      );
    const extra = [
      payment('in_missing', 1_000),
      payment('in_A', 125_000),
      journalForInvoiceVoid(invoice, '2026-11-21T00:00:00.000Z', 'evt_void'),
    ].map((e) => ({ ...e, recordedAt: '2026-11-22T00:00:00.000Z' }));
    const facts = books([invoice]);
    const withExtra: LedgerFacts = {
      ...facts,
      entries: [...facts.entries, ...extra],
      crosswalk: [
        ...facts.crosswalk,
        ...extra.map((e) => ({
          sourceRef: e.documentRef,
          target: `erp:${e.kind}`,
          erpId: e.entryId,
          erpSystem: 'ledger',
        })),
      ],
      // The void cancelled the schedule (effects.ts): every open period is 0.
      schedules: facts.schedules.map((s) => ({
        ...s,
        amount: 0,
        periods: s.periods.map((p) => ({ ...p, amount: 0 })),
      })),
    };
    const found = verifyLedger(withExtra).violations;
    expect(found.map((v) => [v.invariant, v.objects])).toEqual([
      ['payment_without_invoice', ['stripe:invoice:in_missing:payment', 'stripe:invoice:in_missing:post']],
      [
        'invoice_ar_negative',
        ['stripe:invoice:in_A:post', 'stripe:invoice:in_A:payment', 'stripe:invoice:in_A:void'],
      ],
    ]);
    expect(found[1]?.message).toContain('1,250.00 USD');
  });

  it('a posting recorded into a closed period is named; one flagged late (moved to the open period) is not', () => {
    const late: RecordedEntryFact = {
      ...journalForInvoice(
        {
          ...invoice,
          invoiceRef: 'stripe:in_B',
          source: source('in_B'),
          lines: [invoice.lines[1]!],
          subtotal: 5_000,
          total: 5_000,
        },
        postingKeys.invoice('in_B'),
      ),
      recordedAt: '2026-12-02T00:00:00.000Z',
    };
    const flagged: RecordedEntryFact = {
      ...late,
      entryId: 'stripe:invoice:in_C:post',
      idempotencyKey: 'stripe:invoice:in_C:post',
      documentRef: 'stripe:in_C',
      effectiveDate: '2026-12-01',
      lateFromClosedPeriod: '2026-11',
    };
    const facts = books([invoice], ['2026-11']);
    const withLate: LedgerFacts = {
      ...facts,
      entries: [...facts.entries, late, flagged],
      crosswalk: [
        ...facts.crosswalk,
        ...[late, flagged].map((e) => ({
          sourceRef: e.documentRef,
          target: 'erp:invoice',
          erpId: e.entryId,
          erpSystem: 'ledger',
        })),
      ],
    };
    expect(violations(withLate)).toEqual([
      ['posted_into_closed_period', ['stripe:invoice:in_B:post', 'PERIOD#2026-11']],
    ]);
  });

  it('a posted document without its crosswalk link, and a link to an entry that does not exist, are named', () => {
    const crosswalk = [
      ...clean.crosswalk.filter((c) => c.target !== 'erp:invoice'),
      {
        sourceRef: 'stripe:in_Z',
        target: 'erp:invoice',
        erpId: 'stripe:invoice:in_Z:post',
        erpSystem: 'ledger',
      },
      // Customers and NetSuite ids are not ledger entries.
      { sourceRef: 'stripe:cus_1', target: 'erp:customer', erpId: 'CUS-1', erpSystem: 'ledger' },
      { sourceRef: 'stripe:in_N', target: 'erp:invoice', erpId: '4711', erpSystem: 'netsuite' },
    ];
    expect(violations({ ...clean, crosswalk })).toEqual([
      ['crosswalk_missing', ['stripe:invoice:in_A:post', 'crosswalk:stripe:in_A/erp:invoice']],
      ['crosswalk_erp_id_missing', ['crosswalk:stripe:in_Z/erp:invoice', 'stripe:invoice:in_Z:post']],
    ]);
  });

  it('--period narrows per-entry and per-period checks to that month; book-level checks still read everything', () => {
    const facts = { ...clean, due: clean.due.filter((d) => d.period !== '2027-03') };
    expect(violations(facts, '2026-12')).toEqual([]);
    expect(violations(facts, '2027-03').map(([k]) => k)).toEqual(['due_index_missing']);
    const report = verifyLedger(clean, { period: '2026-12' });
    expect(report).toMatchObject({ period: '2026-12', clean: true, checked: { entries: 1 } });
  });

  it('sums are exact beyond 2^53 (bigint): a one-unit imbalance on huge amounts is still found', () => {
    const big = 9_007_199_254_740_000;
    const entries = clean.entries.map((e) =>
      e.kind === 'invoice'
        ? {
            ...e,
            lines: [
              ...e.lines,
              { ...e.lines[0]!, account: 'accounts_receivable' as const, debit: big, credit: 0 },
              { ...e.lines[0]!, account: 'accounts_receivable' as const, debit: 0, credit: big },
              { ...e.lines[0]!, account: 'accounts_receivable' as const, debit: 1_001, credit: 0 },
              { ...e.lines[0]!, account: 'accounts_receivable' as const, debit: 0, credit: 1_000 },
            ],
          }
        : e,
    );
    expect(violations({ ...clean, entries })).toEqual([['entry_unbalanced', ['stripe:invoice:in_A:post']]]);
  });

  it('property: any book the posting rules produce verifies clean, whatever its lines and closes', () => {
    fc.assert(
      fc.property(fc.array(invoiceArb, { maxLength: 4 }), fc.boolean(), (invoices, close) => {
        const unique = invoices.filter(
          (inv, i) => invoices.findIndex((x) => x.invoiceRef === inv.invoiceRef) === i,
        );
        // Line refs are unique per invoice in Stripe; make them unique across the book too.
        const distinct = unique.map((inv, i) => ({
          ...inv,
          lines: inv.lines.map((l, j) => ({ ...l, lineRef: `${l.lineRef}_${i}_${j}` })),
        }));
        const facts = books(distinct, close ? ['2026-01', '2026-02'] : []);
        expect(verifyLedger(facts).violations).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('property: deleting any one DUE item of a non-zero period, or any one entry line, is always found', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (i, j) => {
        const due = clean.due.filter(
          (d) => clean.schedules[0]!.periods.find((p) => p.period === d.period)!.amount,
        );
        const dropped = { ...clean, due: due.filter((_, k) => k !== i % due.length) };
        expect(verifyLedger(dropped).counts.due_index_missing).toBe(1);
        const lines = clean.entries.flatMap((e, ei) => e.lines.map((_, li) => [ei, li] as const));
        const [ei, li] = lines[j % lines.length]!;
        const entries = clean.entries.map((e, k) =>
          k === ei ? { ...e, lines: e.lines.filter((_, x) => x !== li) } : e,
        );
        expect(verifyLedger({ ...clean, entries }).counts.entry_unbalanced).toBe(1);
      }),
    );
  });
});
