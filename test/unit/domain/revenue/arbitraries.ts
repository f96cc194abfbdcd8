/** fast-check generators for revenue schedules: any instant (not just midnights), any sign, long spans. */
import fc from 'fast-check';
import { buildSchedule, type ScheduleInput } from '../../../../lambdas/domain/revenue/schedule';

const MINUTE = 60_000;
const FROM = Date.UTC(2024, 0, 1); // spans the 2024 and 2028 leap days
const iso = (ms: number) => new Date(ms).toISOString();

/** An instant to the minute between 2024 and 2030. */
export const instant = fc.integer({ min: 0, max: 6 * 366 * 24 * 60 }).map((m) => iso(FROM + m * MINUTE));

export const servicePeriod = fc
  .record({
    startMinute: fc.integer({ min: 0, max: 5 * 366 * 24 * 60 }),
    // Mostly whole months to three years; sometimes under a day (down to zero length).
    lengthMinutes: fc.oneof(
      fc.integer({ min: 0, max: 3 * 366 * 24 * 60 }),
      fc.integer({ min: 0, max: 24 * 60 - 1 }),
    ),
  })
  .map(({ startMinute, lengthMinutes }) => ({
    start: iso(FROM + startMinute * MINUTE),
    end: iso(FROM + (startMinute + lengthMinutes) * MINUTE),
  }));

export const amount = fc.oneof(
  fc.integer({ min: -10_000_000, max: 100_000_000 }),
  fc.integer({ min: -100, max: 100 }), // fewer units than days: most months round to zero
  fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), // amount × days > 2^53
);

export const scheduleInput: fc.Arbitrary<ScheduleInput> = fc
  .record({
    id: fc.stringMatching(/^il_[A-Za-z0-9]{6}$/),
    amount,
    servicePeriod,
    currency: fc.constantFrom('usd', 'eur'),
    subsidiary: fc.constantFrom('US-INC', 'EU-BV'),
  })
  .map(({ id, amount: a, servicePeriod: sp, currency, subsidiary }) => ({
    lineRef: `stripe:${id}`,
    invoiceRef: 'stripe:in_X',
    subsidiary,
    currency,
    amount: a,
    servicePeriod: sp,
    correlationId: 'opp_X',
    sourceEventId: 'evt_X',
  }));

export const schedule = scheduleInput.map(buildSchedule);

/** Fixed input for table tests: $1,200.00 for a year from 2026-11-16 (365 days, no leap day). */
export const annualInput: ScheduleInput = {
  lineRef: 'stripe:il_annual',
  invoiceRef: 'stripe:in_annual',
  subsidiary: 'US-INC',
  currency: 'usd',
  amount: 120_000,
  servicePeriod: { start: '2026-11-16T00:00:00.000Z', end: '2027-11-16T00:00:00.000Z' },
  correlationId: 'opp_annual',
  sourceEventId: 'evt_annual',
};
