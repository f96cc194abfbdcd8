import fc from 'fast-check';
import {
  firstDayOf,
  InvalidDateError,
  lastDayOf,
  nextPeriod,
  periodBounds,
  periodHasEnded,
  periodOf,
  postingPeriod,
} from '../../../../lambdas/domain/revenue/periods';
import { instant } from './arbitraries';

describe('accounting periods (UTC months)', () => {
  it.each([
    ['2026-11-16', '2026-11'],
    ['2026-11-30T23:59:59.999Z', '2026-11'],
    ['2026-12-01T00:00:00.000Z', '2026-12'],
    ['2026-11-30T20:00:00-05:00', '2026-12'], // 01:00Z on Dec 1
    ['2027-01-01T00:30:00+01:00', '2026-12'], // 23:30Z on Dec 31
  ])('periodOf(%s) = %s', (iso, period) => {
    expect(periodOf(iso)).toBe(period);
  });

  it.each([
    ['2026-12', '2027-01', '2026-12-01', '2026-12-31'],
    ['2027-02', '2027-03', '2027-02-01', '2027-02-28'],
    ['2028-02', '2028-03', '2028-02-01', '2028-02-29'], // leap year
    ['2100-02', '2100-03', '2100-02-01', '2100-02-28'], // century, not a leap year
  ])('%s: next %s, first day %s, last day %s', (period, next, first, last) => {
    expect(nextPeriod(period)).toBe(next);
    expect(firstDayOf(period)).toBe(first);
    expect(lastDayOf(period)).toBe(last);
  });

  it('bounds are ISO UTC with an exclusive end, like a service period', () => {
    expect(periodBounds('2026-12')).toEqual({
      start: '2026-12-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
    });
  });

  it('rejects malformed periods and dates instead of guessing', () => {
    expect(() => nextPeriod('2026-13')).toThrow(InvalidDateError);
    expect(() => lastDayOf('2026-1')).toThrow(InvalidDateError);
    expect(() => periodOf('2026-02-29')).toThrow(/no such calendar date/); // Date.parse would say March 1
    expect(() => periodOf('2026-11-16T10:00:00')).toThrow(/UTC offset/); // would be read in local time
    expect(() => periodOf('16/11/2026')).toThrow(InvalidDateError);
  });
});

describe('postingPeriod', () => {
  const closed = new Set(['2026-10', '2026-11', '2027-01']);

  it.each([
    // event date, period, effective date, late?
    ['2026-12-15T10:00:00Z', '2026-12', '2026-12-15', false], // open: booked on its own date
    ['2026-11-28T10:00:00Z', '2026-12', '2026-12-01', true], // Nov closed → Dec 1
    ['2026-10-03', '2026-12', '2026-12-01', true], // Oct and Nov closed → Dec 1
    ['2027-01-31T23:59:00Z', '2027-02', '2027-02-01', true], // Jan closed (Dec open before it)
    ['2026-11-30T20:00:00-05:00', '2026-12', '2026-12-01', false], // Dec 1 in UTC, an open period
  ])('%s → %s effective %s (late %s)', (date, period, effectiveDate, late) => {
    expect(postingPeriod(date, closed)).toEqual({
      period,
      sourcePeriod: periodOf(date),
      effectiveDate,
      lateFromClosedPeriod: late,
    });
  });

  it('never returns a closed period, never moves an event backwards, flags exactly the moved ones', () => {
    const period = fc.integer({ min: 0, max: 7 * 12 - 1 }).map((i) => {
      const year = 2024 + Math.floor(i / 12);
      return `${year}-${String((i % 12) + 1).padStart(2, '0')}`;
    });
    fc.assert(
      fc.property(instant, fc.uniqueArray(period, { maxLength: 40 }), (date, closedList) => {
        const closedPeriods = new Set(closedList);
        const posted = postingPeriod(date, closedPeriods);
        expect(closedPeriods.has(posted.period)).toBe(false);
        expect(posted.period >= periodOf(date)).toBe(true);
        expect(periodOf(posted.effectiveDate)).toBe(posted.period);
        expect(posted.lateFromClosedPeriod).toBe(closedPeriods.has(periodOf(date)));
        expect(posted.sourcePeriod).toBe(periodOf(date));
        if (!posted.lateFromClosedPeriod) expect(posted.effectiveDate).toBe(date.slice(0, 10));
      }),
      { numRuns: 150 },
    );
  });
});

describe('periodHasEnded (month-end close refuses a period that is not over)', () => {
  it.each([
    ['2026-11', '2026-11-30T23:59:59.999Z', false],
    ['2026-11', '2026-12-01T00:00:00.000Z', true],
    ['2026-12', '2027-01-01T00:00:00.000Z', true],
    ['2098-07', '2026-12-08T01:00:00.000Z', false],
    ['2024-02', '2024-02-29T12:00:00.000Z', false], // leap day: still February
  ])('%s at %s → %s', (period, now, ended) => {
    expect(periodHasEnded(period, Date.parse(now))).toBe(ended);
  });

  it('a period has ended exactly from the first instant of the next one (UTC), for any instant', () => {
    fc.assert(
      fc.property(instant, (iso) => {
        const now = Date.parse(iso);
        const period = periodOf(iso);
        const nextStart = Date.parse(periodBounds(period).end);
        expect(periodHasEnded(period, now)).toBe(false);
        expect(periodHasEnded(period, nextStart)).toBe(true);
        expect(periodHasEnded(period, nextStart - 1)).toBe(false);
        expect(periodHasEnded(nextPeriod(period), now)).toBe(false);
      }),
    );
  });
});
