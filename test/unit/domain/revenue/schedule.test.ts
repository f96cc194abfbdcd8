import fc from 'fast-check';
import { journalForInvoice } from '../../../../lambdas/domain/accounting/invoice';
import { allocate } from '../../../../lambdas/domain/revenue/allocation';
import {
  buildSchedule,
  InvalidServicePeriodError,
  RatableLineWithoutServicePeriodError,
  scheduledTotal,
  scheduleInputsForInvoice,
  type ScheduleInput,
} from '../../../../lambdas/domain/revenue/schedule';
import type { Invoice } from '../../../../lambdas/domain/model';
import { invoice } from '../arbitraries';
import { annualInput, scheduleInput } from './arbitraries';

const withPeriod = (amount: number, start: string, end: string): ScheduleInput => ({
  ...annualInput,
  amount,
  servicePeriod: { start, end },
});
const split = (input: ScheduleInput) => buildSchedule(input).periods.map((p) => [p.period, p.days, p.amount]);

describe('buildSchedule: daily proration, cumulative rounding, residue in the last period', () => {
  it('spreads $1,200.00 over 2026-11-16 → 2027-11-16 (365 days) by service days', () => {
    // Cumulative floor(120000 × cumulative days / 365) − allocated so far; 120000/365 = 328.77 a day.
    expect(split(annualInput)).toEqual([
      ['2026-11', 15, 4_931], //  Nov 16–30: floor(120000×15/365  = 4931.5)
      ['2026-12', 31, 10_192], // cum 46:  floor(15123.3)  = 15123 − 4931
      ['2027-01', 31, 10_192], // cum 77:  floor(25315.1)  = 25315 − 15123
      ['2027-02', 28, 9_205], //  cum 105: floor(34520.5)  = 34520 − 25315 (2027 is not a leap year)
      ['2027-03', 31, 10_192], // cum 136: floor(44712.3)  = 44712
      ['2027-04', 30, 9_863], //  cum 166: floor(54575.3)  = 54575
      ['2027-05', 31, 10_192], // cum 197: floor(64767.1)  = 64767
      ['2027-06', 30, 9_863], //  cum 227: floor(74630.1)  = 74630
      ['2027-07', 31, 10_191], // cum 258: floor(84821.9)  = 84821 — a 31-day month one cent lighter
      ['2027-08', 31, 10_192], // cum 289: floor(95013.7)  = 95013
      ['2027-09', 30, 9_863], //  cum 319: floor(104876.7) = 104876
      ['2027-10', 31, 10_192], // cum 350: floor(115068.5) = 115068
      ['2027-11', 15, 4_932], //  Nov 1–15: 120000 − 115068, the residue (4931.5 exact)
    ]);
    expect(buildSchedule(annualInput)).toMatchObject({
      scheduleId: 'stripe:il_annual',
      lineRef: 'stripe:il_annual',
      invoiceRef: 'stripe:in_annual',
      amount: 120_000,
      servicePeriod: annualInput.servicePeriod,
      sourceEventId: 'evt_annual',
      correlationId: 'opp_annual',
    });
  });

  it.each<[string, ScheduleInput, (string | number)[][]]>([
    [
      'leap day: 2028-02-15 → 2028-03-15, $100.00',
      withPeriod(10_000, '2028-02-15T00:00:00Z', '2028-03-15T00:00:00Z'),
      // Feb 15–29 = 15 days (29 Feb counts), Mar 1–14 = 14; floor(10000×15/29 = 5172.4)
      [
        ['2028-02', 15, 5_172],
        ['2028-03', 14, 4_828],
      ],
    ],
    [
      'proration credit across a year end: 2026-12-20 → 2027-01-10, −$50.00',
      withPeriod(-5_000, '2026-12-20T00:00:00Z', '2027-01-10T00:00:00Z'),
      // Dec 20–31 = 12 days, Jan 1–9 = 9; magnitude floor(5000×12/21 = 2857.1), sign put back
      [
        ['2026-12', 12, -2_857],
        ['2027-01', 9, -2_143],
      ],
    ],
    [
      'one day, ending at the next midnight (end exclusive)',
      withPeriod(999, '2027-03-31T00:00:00Z', '2027-04-01T00:00:00Z'),
      [['2027-03', 1, 999]],
    ],
    [
      'two hours across midnight: shorter than a day → all in the start month',
      withPeriod(500, '2027-03-31T23:00:00Z', '2027-04-01T01:00:00Z'),
      [['2027-03', 1, 500]],
    ],
    [
      'zero length (Stripe one-off item: start = end) → its day, in full',
      withPeriod(-700, '2027-05-10T08:00:00Z', '2027-05-10T08:00:00Z'),
      [['2027-05', 1, -700]],
    ],
    [
      'mid-day boundaries floor to the UTC day: start day counts, end day does not',
      withPeriod(1_000, '2026-11-30T18:00:00Z', '2026-12-02T06:00:00Z'),
      // Nov 30 (from 18:00) and Dec 1 count; Dec 2 (to 06:00) does not: 1 day each
      [
        ['2026-11', 1, 500],
        ['2026-12', 1, 500],
      ],
    ],
    [
      'offsets are read as UTC: 2026-11-30T22:00-05:00 is Dec 1 03:00Z',
      withPeriod(3_100, '2026-11-30T22:00:00-05:00', '2027-01-01T00:00:00Z'),
      [['2026-12', 31, 3_100]],
    ],
    [
      'fewer cents than months: zeros first, residue last',
      withPeriod(3, '2027-01-01T00:00:00Z', '2027-04-01T00:00:00Z'),
      // 90 days: floor(3×31/90 = 1.03) = 1, floor(3×59/90 = 1.97) = 1, 3 − 1
      [
        ['2027-01', 31, 1],
        ['2027-02', 28, 0],
        ['2027-03', 31, 2],
      ],
    ],
    [
      'zero amount keeps the months (with their days) at zero',
      withPeriod(0, '2027-01-15T00:00:00Z', '2027-02-15T00:00:00Z'),
      [
        ['2027-01', 17, 0],
        ['2027-02', 14, 0],
      ],
    ],
  ])('%s', (_name, input, expected) => {
    expect(split(input)).toEqual(expected);
  });

  it('is exact where amount × days exceeds 2^53', () => {
    const big = withPeriod(Number.MAX_SAFE_INTEGER, '2027-01-01T00:00:00Z', '2027-03-01T00:00:00Z');
    // 59 days; floor((2^53 − 1) × 31 / 59) computed with BigInt, checked by hand in the same way
    const jan = (BigInt(Number.MAX_SAFE_INTEGER) * 31n) / 59n;
    expect(split(big)).toEqual([
      ['2027-01', 31, Number(jan)],
      ['2027-02', 28, Number(BigInt(Number.MAX_SAFE_INTEGER) - jan)],
    ]);
  });

  it('rejects a service period that ends before it starts, a malformed date, and fractional amounts', () => {
    expect(() => buildSchedule(withPeriod(1, '2027-02-01T00:00:00Z', '2027-01-01T00:00:00Z'))).toThrow(
      InvalidServicePeriodError,
    );
    expect(() => buildSchedule(withPeriod(1, '2027-02-30T00:00:00Z', '2027-03-01T00:00:00Z'))).toThrow(
      /no such calendar date/,
    );
    expect(() => buildSchedule(withPeriod(1, '2027-02-01T00:00:00', '2027-03-01T00:00:00Z'))).toThrow(
      /UTC offset/,
    );
    expect(() => buildSchedule(withPeriod(10.5, '2027-02-01T00:00:00Z', '2027-03-01T00:00:00Z'))).toThrow(
      RangeError,
    );
  });
});

describe('buildSchedule properties', () => {
  it('periods sum to the amount exactly, share its sign, are ascending months with ≥ 1 service day', () => {
    fc.assert(
      fc.property(scheduleInput, (input) => {
        const s = buildSchedule(input);
        expect(scheduledTotal(s)).toBe(input.amount);
        // One expect per property run, not per period: keeps the suite fast.
        const odd = s.periods.filter(
          (p) => (p.amount !== 0 && Math.sign(p.amount) !== Math.sign(input.amount)) || p.days < 1,
        );
        expect(odd).toEqual([]);
        const months = s.periods.map((p) => p.period);
        expect([...months].sort()).toEqual(months);
        expect(new Set(months).size).toBe(months.length);
      }),
      { numRuns: 200 },
    );
  });

  it('each period is within one minor unit of its exact daily share; a credit mirrors the charge', () => {
    fc.assert(
      fc.property(scheduleInput, (input) => {
        const s = buildSchedule(input);
        const totalDays = BigInt(s.periods.reduce((n, p) => n + p.days, 0));
        const offByAUnitOrMore = s.periods.filter((p) => {
          // (allocated − exact share) × totalDays, in integers
          const diff = BigInt(p.amount) * totalDays - BigInt(input.amount) * BigInt(p.days);
          return (diff < 0n ? -diff : diff) >= totalDays;
        });
        expect(offByAUnitOrMore).toEqual([]);
        const credit = buildSchedule({ ...input, amount: -input.amount });
        expect(credit.periods.map((p) => p.amount)).toEqual(
          s.periods.map((p) => (p.amount === 0 ? 0 : -p.amount)),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('allocate rejects what cannot be allocated', () => {
    expect(() => allocate(1, [])).toThrow(RangeError);
    expect(() => allocate(1, [0, 0])).toThrow(RangeError);
    expect(() => allocate(1, [1, -1, 2])).toThrow(RangeError);
    expect(allocate(-1, [1, 1])).toEqual([0, -1]);
    expect(Object.is(allocate(-1, [1, 1])[0], 0)).toBe(true); // never −0
  });
});

describe('scheduleInputsForInvoice', () => {
  it('schedules exactly what the invoice entry credits to deferred_revenue', () => {
    fc.assert(
      fc.property(invoice, (inv) => {
        const entry = journalForInvoice(inv, 'k');
        const deferred = entry.lines
          .filter((l) => l.account === 'deferred_revenue')
          .reduce((n, l) => n + l.credit - l.debit, 0);
        const schedules = scheduleInputsForInvoice(inv).map(buildSchedule);
        expect(schedules.reduce((n, s) => n + scheduledTotal(s), 0)).toBe(deferred);
        for (const s of schedules) {
          expect(s).toMatchObject({ invoiceRef: inv.invoiceRef, sourceEventId: inv.source.eventId });
        }
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a ratable line with no service period (it could never be released)', () => {
    const broken: Invoice = {
      schemaVersion: 'v1',
      invoiceRef: 'stripe:in_1',
      source: { system: 'stripe', id: 'in_1', eventId: 'evt_1', eventType: 'invoice.finalized' },
      number: null,
      customerRef: 'stripe:cus_1',
      subscriptionRef: null,
      subsidiary: 'US-INC',
      currency: 'usd',
      issuedAt: '2026-11-16T00:00:00.000Z',
      subtotal: 120_000,
      discountTotal: 0,
      taxTotal: 0,
      total: 120_000,
      correlationId: 'opp_1',
      lines: [
        {
          lineRef: 'stripe:il_1',
          description: 'Annual plan',
          productRef: null,
          priceRef: null,
          quantity: 1,
          amount: 120_000,
          discount: 0,
          netAmount: 120_000,
          tax: 0,
          recognition: 'ratable',
          servicePeriod: null,
          proration: false,
        },
      ],
    };
    expect(() => scheduleInputsForInvoice(broken)).toThrow(RatableLineWithoutServicePeriodError);
  });
});
