import fc from 'fast-check';
import { assertBalanced } from '../../../../lambdas/domain/accounting/journal';
import { postToBook } from '../../../../lambdas/domain/accounting/ledger-book';
import { trialBalance, unbalancedCurrencies } from '../../../../lambdas/domain/accounting/trial-balance';
import { monthEndReleases, revenueReleaseEntry } from '../../../../lambdas/domain/revenue/release';
import { buildSchedule } from '../../../../lambdas/domain/revenue/schedule';
import { annualInput, schedule } from './arbitraries';

const annual = buildSchedule(annualInput);

describe('revenueReleaseEntry (DESIGN.md §5: month-end Dr deferred_revenue / Cr revenue)', () => {
  it('releases the period amount on the last day of the period under a derived key', () => {
    // 2027-02: 28 of 365 days of $1,200.00 → 92.05 (see schedule.test.ts)
    const entry = revenueReleaseEntry(annual, '2027-02');
    const lineFields = {
      currency: 'usd',
      sourceEventId: 'evt_annual',
      correlationId: 'opp_annual',
      sourceLineRef: 'stripe:il_annual',
      servicePeriod: annualInput.servicePeriod,
    };
    expect(entry).toEqual({
      schemaVersion: 'v1',
      entryId: 'revrec:stripe:il_annual:2027-02',
      idempotencyKey: 'revrec:stripe:il_annual:2027-02',
      kind: 'revenue_release',
      documentRef: 'stripe:il_annual',
      subsidiary: 'US-INC',
      effectiveDate: '2027-02-28',
      memo: 'Revenue recognition 2027-02: stripe:il_annual (stripe:in_annual)',
      sourceEventId: 'evt_annual',
      correlationId: 'opp_annual',
      lines: [
        {
          account: 'deferred_revenue',
          debit: 9_205,
          credit: 0,
          memo: 'Revenue 2027-02 of stripe:il_annual',
          ...lineFields,
        },
        {
          account: 'revenue',
          debit: 0,
          credit: 9_205,
          memo: 'Revenue 2027-02 of stripe:il_annual',
          ...lineFields,
        },
      ],
    });
  });

  it('flips sides for a negative period (a proration credit): Dr revenue / Cr deferred_revenue', () => {
    // −$50.00 over 2026-12-20 → 2027-01-10: Dec 12 of 21 days → −28.57
    const credit = buildSchedule({
      ...annualInput,
      amount: -5_000,
      servicePeriod: { start: '2026-12-20T00:00:00Z', end: '2027-01-10T00:00:00Z' },
    });
    const entry = revenueReleaseEntry(credit, '2026-12')!;
    expect(entry.effectiveDate).toBe('2026-12-31');
    expect(entry.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['deferred_revenue', 0, 2_857],
      ['revenue', 2_857, 0],
    ]);
  });

  it('is null when there is nothing to release: a zero period or a period outside the schedule', () => {
    const tiny = buildSchedule({
      ...annualInput,
      amount: 3,
      servicePeriod: { start: '2027-01-01T00:00:00Z', end: '2027-04-01T00:00:00Z' },
    }); // Jan 1, Feb 0, Mar 2
    expect(revenueReleaseEntry(tiny, '2027-02')).toBeNull();
    expect(revenueReleaseEntry(tiny, '2027-04')).toBeNull();
    expect(() => revenueReleaseEntry(tiny, '2027-4')).toThrow(/YYYY-MM/);
    expect(monthEndReleases([tiny, annual], '2027-02').map((e) => e.entryId)).toEqual([
      'revrec:stripe:il_annual:2027-02',
    ]);
  });

  it('is deterministic, so a re-run close is recorded once by the ledger', () => {
    const first = revenueReleaseEntry(annual, '2027-03')!;
    const again = revenueReleaseEntry(annual, '2027-03')!;
    expect(again).toEqual(first);
    const book = postToBook(postToBook(new Map(), first), again);
    expect(book.size).toBe(1);
  });
});

describe('releasing a whole schedule', () => {
  it('moves exactly the scheduled amount from deferred_revenue to revenue, in balanced entries', () => {
    fc.assert(
      fc.property(schedule, (s) => {
        const entries = s.periods.flatMap((p) => revenueReleaseEntry(s, p.period) ?? []);
        entries.forEach((e) => assertBalanced(e));
        expect(new Set(entries.map((e) => e.entryId)).size).toBe(entries.length);
        const rows = trialBalance(entries);
        expect(unbalancedCurrencies(rows)).toEqual([]);
        const net = (account: string) =>
          rows.filter((r) => r.account === account).reduce((n, r) => n + r.debit - r.credit, 0n);
        expect(net('deferred_revenue')).toBe(BigInt(s.amount)); // deferred debits − credits = the amount
        expect(net('revenue')).toBe(-BigInt(s.amount));
        expect(entries.every((e) => e.lines.every((l) => l.sourceEventId === s.sourceEventId))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
