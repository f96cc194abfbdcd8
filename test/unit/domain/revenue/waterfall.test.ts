import fc from 'fast-check';
import { line, type LineContext } from '../../../../lambdas/domain/accounting/journal';
import type { AccountKey } from '../../../../lambdas/domain/model';
import {
  InvalidDateError,
  lastDayOf,
  nextPeriod,
  periodOf,
} from '../../../../lambdas/domain/revenue/periods';
import { reallocate } from '../../../../lambdas/domain/revenue/reallocate';
import { revenueReleaseEntry } from '../../../../lambdas/domain/revenue/release';
import { buildSchedule, type RevenueSchedule } from '../../../../lambdas/domain/revenue/schedule';
import { revenueWaterfall, type WaterfallEntry } from '../../../../lambdas/domain/revenue/waterfall';
import { annualInput } from './arbitraries';

/** A two-line entry: `deferredCredit` to deferred_revenue (negative → debit), balanced against `other`. */
function entry(
  kind: string,
  subsidiary: string,
  effectiveDate: string,
  currency: string,
  deferredCredit: number,
  other: AccountKey = 'accounts_receivable',
): WaterfallEntry {
  const ctx: LineContext = { currency, sourceEventId: 'evt', correlationId: 'opp' };
  return {
    kind,
    subsidiary,
    effectiveDate,
    lines: [
      line(ctx, 'deferred_revenue', 'credit', deferredCredit, kind),
      line(ctx, other, 'debit', deferredCredit, kind),
    ],
  };
}

describe('revenueWaterfall', () => {
  const journal: WaterfallEntry[] = [
    entry('invoice', 'US-INC', '2026-11-16', 'usd', 120_000), // annual plan, $1,200.00 deferred
    entry('revenue_release', 'US-INC', '2026-11-30', 'usd', -4_931, 'revenue'), // Nov release
    entry('invoice', 'US-INC', '2026-12-10', 'usd', -2_000), // proration credit invoice: Dr deferred 20.00
    entry('credit_note', 'US-INC', '2026-12-20', 'usd', -5_000), // credit note against the annual line
    entry('revenue_release', 'US-INC', '2026-12-31', 'usd', -10_192, 'revenue'), // Dec release
    entry('invoice', 'EU-BV', '2026-12-01', 'eur', 31_000), // monthly plan, €310.00
    entry('revenue_release', 'EU-BV', '2026-12-31', 'eur', -31_000, 'revenue'),
    entry('invoice', 'US-INC', '2027-01-01', 'usd', 99_999), // next period: not in December
    { kind: 'payment', subsidiary: 'US-INC', effectiveDate: '2026-12-05', lines: [] }, // no deferred lines
  ];

  it('rolls December forward per subsidiary and currency', () => {
    expect(revenueWaterfall(journal, '2026-12')).toEqual([
      {
        subsidiary: 'EU-BV',
        currency: 'eur',
        openingDeferred: 0n,
        billed: 31_000n,
        adjustments: 0n,
        recognised: 31_000n,
        closingDeferred: 0n,
      },
      {
        subsidiary: 'US-INC',
        currency: 'usd',
        openingDeferred: 115_069n, // 120000 − 4931 released in November
        billed: -2_000n, // invoices net of their proration credits
        adjustments: -5_000n, // the credit note
        recognised: 10_192n,
        closingDeferred: 97_877n, // 115069 − 2000 − 5000 − 10192
      },
    ]);
  });

  it('November closes where December opens; a period before any entry has no rows', () => {
    const [usNov] = revenueWaterfall(journal, '2026-11');
    expect(usNov).toMatchObject({
      openingDeferred: 0n,
      billed: 120_000n,
      recognised: 4_931n,
      closingDeferred: 115_069n,
    });
    expect(revenueWaterfall(journal, '2026-10')).toEqual([]);
  });

  it('refuses entries whose effective date is not a plain date, and malformed periods', () => {
    const stamped = entry('invoice', 'US-INC', '2027-01-01T01:00:00+05:00', 'usd', 1);
    expect(() => revenueWaterfall([stamped], '2026-12')).toThrow(InvalidDateError);
    expect(() => revenueWaterfall(journal, '2026-12-01')).toThrow(InvalidDateError);
  });
});

const PERIODS = ['2026-10', '2026-11', '2026-12', '2027-01', '2027-02', '2027-03'];
const randomEntry = fc
  .record({
    kind: fc.constantFrom('invoice', 'revenue_release', 'credit_note', 'void'),
    subsidiary: fc.constantFrom('US-INC', 'EU-BV'),
    currency: fc.constantFrom('usd', 'eur'),
    day: fc.integer({ min: 0, max: 180 }),
    amount: fc.integer({ min: -1_000_000, max: 1_000_000 }),
  })
  .map(({ kind, subsidiary, currency, day, amount }) => {
    const date = new Date(Date.UTC(2026, 9, 1) + day * 86_400_000).toISOString().slice(0, 10);
    return entry(kind, subsidiary, date, currency, kind === 'revenue_release' ? -Math.abs(amount) : amount);
  });

/** Deferred balance (credit − debit) per subsidiary|currency of entries dated on or before `date` — by hand. */
function deferredBalance(entries: readonly WaterfallEntry[], date: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const e of entries.filter((x) => x.effectiveDate <= date)) {
    for (const l of e.lines.filter((x) => x.account === 'deferred_revenue')) {
      const key = `${e.subsidiary}|${l.currency}`;
      out.set(key, (out.get(key) ?? 0n) + BigInt(l.credit - l.debit));
    }
  }
  return out;
}

describe('waterfall properties', () => {
  it('for random invoice/release/credit sequences: the identity holds, ties to the ledger, and periods chain', () => {
    fc.assert(
      fc.property(
        fc.array(randomEntry, { maxLength: 40 }),
        fc.constantFrom(...PERIODS),
        (entries, period) => {
          const rows = revenueWaterfall(entries, period);
          const balances = deferredBalance(entries, lastDayOf(period));
          expect(new Map(rows.map((r) => [`${r.subsidiary}|${r.currency}`, r.closingDeferred]))).toEqual(
            balances,
          );
          const next = new Map(
            revenueWaterfall(entries, nextPeriod(period)).map((r) => [
              `${r.subsidiary}|${r.currency}`,
              r.openingDeferred,
            ]),
          );
          for (const r of rows) {
            expect(r.closingDeferred).toBe(r.openingDeferred + r.billed + r.adjustments - r.recognised);
            expect(next.get(`${r.subsidiary}|${r.currency}`)).toBe(r.closingDeferred);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  const line$ = fc.record({
    startDay: fc.integer({ min: 0, max: 400 }),
    days: fc.integer({ min: 1, max: 400 }),
    amount: fc.integer({ min: -2_000_000, max: 20_000_000 }),
    credit: fc.option(
      fc.record({
        afterDays: fc.integer({ min: 0, max: 500 }),
        amount: fc.integer({ min: 0, max: 5_000_000 }),
      }),
    ),
  });

  it('schedules, their releases and credit notes: deferred at period end = billed − credited − released by then', () => {
    fc.assert(
      fc.property(
        fc.array(line$, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 30 }),
        (lines, p) => {
          const base = Date.UTC(2026, 0, 1);
          const period = periodOf(new Date(base + p * 31 * 86_400_000).toISOString());
          const entries: WaterfallEntry[] = [];
          const schedules: RevenueSchedule[] = [];
          lines.forEach((l, i) => {
            const start = new Date(base + l.startDay * 86_400_000).toISOString();
            const end = new Date(base + (l.startDay + l.days) * 86_400_000).toISOString();
            let s = buildSchedule({
              ...annualInput,
              lineRef: `stripe:il_${i}`,
              amount: l.amount,
              servicePeriod: { start, end },
            });
            entries.push(entry('invoice', s.subsidiary, start.slice(0, 10), s.currency, l.amount));
            if (l.credit) {
              // A credit note booked on its date; the books are open from its month, so it reallocates from there.
              const date = new Date(base + (l.startDay + l.credit.afterDays) * 86_400_000).toISOString();
              s = reallocate(s, {
                amount: -l.credit.amount,
                effectiveDate: date,
                firstOpenPeriod: periodOf(date),
              });
              entries.push(
                entry('credit_note', s.subsidiary, date.slice(0, 10), s.currency, -l.credit.amount),
              );
            }
            schedules.push(s);
            // Month-end close of every period of the (final) schedule up to the one reported on.
            for (const sp of s.periods.filter((x) => x.period <= period)) {
              const release = revenueReleaseEntry(s, sp.period);
              if (release) entries.push(release);
            }
          });
          const [row] = revenueWaterfall(entries, period);
          const end = lastDayOf(period);
          const total = (xs: readonly number[]) => xs.reduce((n, x) => n + x, 0);
          const dated = (kind: string) => entries.filter((e) => e.kind === kind && e.effectiveDate <= end);
          const deferredCredits = (es: WaterfallEntry[]) =>
            total(es.map((e) => e.lines[0]!.credit - e.lines[0]!.debit));
          const scheduled = (keep: (period: string) => boolean) =>
            total(schedules.flatMap((s) => s.periods.filter((x) => keep(x.period)).map((x) => x.amount)));
          // billed (invoices dated by then) − credited (credit notes dated by then) − released (periods ≤ P)
          const expectedClosing =
            deferredCredits(dated('invoice')) +
            deferredCredits(dated('credit_note')) -
            scheduled((x) => x <= period);
          const recognisedInPeriod = scheduled((x) => x === period);
          expect(row?.closingDeferred ?? 0n).toBe(BigInt(expectedClosing));
          expect(row?.recognised ?? 0n).toBe(BigInt(recognisedInPeriod));
        },
      ),
      { numRuns: 100 },
    );
  });
});
