import fc from 'fast-check';
import { cancelRemaining, catchUpInto, reallocate } from '../../../../lambdas/domain/revenue/reallocate';
import { periodOf } from '../../../../lambdas/domain/revenue/periods';
import {
  buildSchedule,
  scheduledTotal,
  type RevenueSchedule,
} from '../../../../lambdas/domain/revenue/schedule';
import { annualInput, instant, scheduleInput } from './arbitraries';

const annual = buildSchedule(annualInput);
const amounts = (s: RevenueSchedule) => s.periods.map((p) => [p.period, p.amount]);
// Nov–Feb of the annual schedule, released before the changes below (see schedule.test.ts)
const RELEASED: [string, number][] = [
  ['2026-11', 4_931],
  ['2026-12', 10_192],
  ['2027-01', 10_192],
  ['2027-02', 9_205],
];

describe('reallocate (credit notes, downgrades, upgrades)', () => {
  it('spreads a −$300.00 downgrade on 2027-03-10 over the remaining service days; released months untouched', () => {
    // Remaining days from Mar 10: Mar 22, Apr 30, May 31, Jun 30, Jul 31, Aug 31, Sep 30, Oct 31, Nov 15 = 251.
    // Delta magnitude by cumulative floor(30000 × cum / 251): 2629, 3586, 3705, 3585, 3706, 3705, 3585, 3706,
    // and the residue 1793 in November.
    const after = reallocate(annual, {
      amount: -30_000,
      effectiveDate: '2027-03-10',
      firstOpenPeriod: '2027-03',
    });
    expect(amounts(after)).toEqual([
      ...RELEASED,
      ['2027-03', 7_563], // 10192 − 2629
      ['2027-04', 6_277], //  9863 − 3586
      ['2027-05', 6_487], // 10192 − 3705
      ['2027-06', 6_278], //  9863 − 3585
      ['2027-07', 6_485], // 10191 − 3706
      ['2027-08', 6_487], // 10192 − 3705
      ['2027-09', 6_278], //  9863 − 3585
      ['2027-10', 6_486], // 10192 − 3706
      ['2027-11', 3_139], //  4932 − 1793
    ]);
    expect(after.amount).toBe(90_000);
    expect(after.periods.map((p) => p.days)).toEqual(annual.periods.map((p) => p.days));
  });

  it('never restates a closed month: a change dated in a closed period starts at the first open one', () => {
    // Effective 2027-01-10 but Jan and Feb are closed: Mar–Nov, full months (260 days), take all of +$26.00.
    const after = reallocate(annual, {
      amount: 2_600,
      effectiveDate: '2027-01-10',
      firstOpenPeriod: '2027-03',
    });
    expect(amounts(after).slice(0, 4)).toEqual(RELEASED);
    // 2600 / 260 = 10.00 a day, so every month's share is whole: Mar 31 days → 310, … Nov 15 days → 150.
    expect(
      after.periods.slice(4).map((p) => p.amount - annual.periods.find((q) => q.period === p.period)!.amount),
    ).toEqual([310, 300, 310, 300, 310, 310, 300, 310, 150]);
  });

  it.each<
    [string, { amount: number; effectiveDate: string; firstOpenPeriod: string }, [string, number, number]]
  >([
    // [case, change, [period the delta lands in, its new amount, its service days]]
    [
      'credit after service ended, books open from 2027-12 → catch-up appended in 2027-12',
      { amount: -10_000, effectiveDate: '2027-11-20', firstOpenPeriod: '2027-12' },
      ['2027-12', -10_000, 0],
    ],
    [
      'credit dated 2028-01-15, later than the first open period → in its own month, not earlier',
      { amount: -10_000, effectiveDate: '2028-01-15', firstOpenPeriod: '2027-12' },
      ['2028-01', -10_000, 0],
    ],
    [
      'credit in the last service month but after its last service day → that month, whole',
      { amount: -1_000, effectiveDate: '2027-11-20', firstOpenPeriod: '2027-11' },
      ['2027-11', 3_932, 15], // 4932 − 1000
    ],
  ])('%s', (_name, change, [period, amount, days]) => {
    const after = reallocate(annual, change);
    expect(after.periods.find((p) => p.period === period)).toEqual({ period, amount, days });
    expect(scheduledTotal(after)).toBe(120_000 + change.amount);
    expect(after.amount).toBe(120_000 + change.amount);
  });

  it('a zero delta changes nothing; a fractional one is refused', () => {
    expect(reallocate(annual, { amount: 0, effectiveDate: '2027-03-10', firstOpenPeriod: '2027-03' })).toBe(
      annual,
    );
    expect(() =>
      reallocate(annual, { amount: 0.5, effectiveDate: '2027-03-10', firstOpenPeriod: '2027-03' }),
    ).toThrow(RangeError);
  });
});

describe('cancelRemaining and catchUpInto', () => {
  it('cancel on 2027-03-10 with March open removes everything from March: $854.80 still deferred', () => {
    // 120000 − (4931 + 10192 + 10192 + 9205 released) = 85480
    const { schedule, removed } = cancelRemaining(annual, '2027-03-10T12:00:00Z', '2027-03');
    expect(removed).toBe(85_480);
    expect(amounts(schedule)).toEqual(RELEASED);
    expect(schedule.amount).toBe(34_520);
  });

  it('an invoice posted late in 2027-01 (Nov, Dec closed) catches Nov and Dec up into January', () => {
    const late = catchUpInto(annual, '2027-01');
    expect(late.periods[0]).toEqual({ period: '2027-01', amount: 25_315, days: 31 }); // 4931 + 10192 + 10192
    expect(late.periods).toHaveLength(11);
    expect(scheduledTotal(late)).toBe(120_000);
    expect(catchUpInto(annual, '2026-11')).toBe(annual);
    expect(amounts(catchUpInto(annual, '2028-01'))).toEqual([['2028-01', 120_000]]); // billed after the service
  });
});

const moderate = fc
  .tuple(scheduleInput, fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }))
  .map(([input, amount]) => buildSchedule({ ...input, amount }));
const period = fc
  .integer({ min: 0, max: 8 * 12 - 1 })
  .map((i) => `${2024 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
const change = fc.record({
  amount: fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  effectiveDate: instant,
  firstOpenPeriod: period,
});

describe('reallocation properties', () => {
  it('never changes a period before the cut-off and changes the total by exactly the delta', () => {
    fc.assert(
      fc.property(moderate, change, (s, c) => {
        const after = reallocate(s, c);
        const cutOff = [periodOf(c.effectiveDate), c.firstOpenPeriod].sort()[1]!;
        expect(after.periods.filter((p) => p.period < cutOff)).toEqual(
          s.periods.filter((p) => p.period < cutOff),
        );
        expect(after.amount).toBe(s.amount + c.amount);
        expect(scheduledTotal(after)).toBe(after.amount);
        const months = after.periods.map((p) => p.period);
        expect([...months].sort()).toEqual(months);
        expect(new Set(months).size).toBe(months.length);
      }),
      { numRuns: 200 },
    );
  });

  it('a sequence of changes as the books close month by month keeps every closed month and the total', () => {
    fc.assert(
      fc.property(moderate, fc.array(change, { maxLength: 6 }), (s, changes) => {
        // Close forward: each change's firstOpenPeriod is at least the previous one.
        const ordered = [...changes].sort((a, b) => (a.firstOpenPeriod < b.firstOpenPeriod ? -1 : 1));
        let current = s;
        for (const c of ordered) {
          const before = current;
          current = reallocate(current, c);
          const closedBefore = before.periods.filter((p) => p.period < c.firstOpenPeriod);
          expect(current.periods.filter((p) => p.period < c.firstOpenPeriod)).toEqual(closedBefore);
        }
        expect(scheduledTotal(current)).toBe(s.amount + ordered.reduce((n, c) => n + c.amount, 0));
      }),
      { numRuns: 100 },
    );
  });

  it('cancelRemaining keeps the closed months and removes exactly the rest', () => {
    fc.assert(
      fc.property(moderate, instant, period, (s, effectiveDate, firstOpen) => {
        const { schedule, removed } = cancelRemaining(s, effectiveDate, firstOpen);
        expect(schedule.periods).toEqual(
          s.periods.filter((p) => p.period < firstOpen || p.period < periodOf(effectiveDate)),
        );
        expect(scheduledTotal(schedule) + removed).toBe(s.amount);
        expect(schedule.amount).toBe(scheduledTotal(schedule));
      }),
      { numRuns: 100 },
    );
  });
});
