/**
 * Changes to what is still deferred: credit notes and mid-period downgrades (negative delta), upgrades
 * (positive delta), cancellations. Released periods are history — a closed month's revenue is never
 * restated — so every change lands in open periods from the change's effective date on.
 */
import { allocate } from './allocation';
import { assertPeriod, nextPeriod, periodOf, periodStartDay, utcDay } from './periods';
import { serviceDays, type RevenueSchedule, type SchedulePeriod } from './schedule';

export interface ScheduleChange {
  /** Signed delta in minor units: −credit for a credit note or downgrade, + for an upgrade. */
  amount: number;
  /** ISO date or timestamp the change takes effect. */
  effectiveDate: string;
  /** 'YYYY-MM': periods before it are closed and their releases posted. */
  firstOpenPeriod: string;
}

/**
 * The first period a change may touch: the later of the change's own period and the first open one.
 * Open periods before the effective date keep their amounts — that service was delivered unchanged.
 */
function cutOffPeriod(effectiveDate: string, firstOpenPeriod: string): string {
  assertPeriod(firstOpenPeriod);
  const own = periodOf(effectiveDate);
  return own > firstOpenPeriod ? own : firstOpenPeriod;
}

/** Service days [firstDay, endDay) in `period` on or after `fromDay` (0 outside the service period). */
function remainingServiceDays(
  { firstDay, endDay }: { firstDay: number; endDay: number },
  period: string,
  fromDay: number,
): number {
  const from = Math.max(firstDay, fromDay, periodStartDay(period));
  const to = Math.min(endDay, periodStartDay(nextPeriod(period)));
  return Math.max(0, to - from);
}

/** Adds to a period's amount, appending the period (0 service days) in order if the schedule lacks it. */
function addToPeriod(periods: readonly SchedulePeriod[], period: string, amount: number): SchedulePeriod[] {
  const has = periods.some((p) => p.period === period);
  const all = has ? [...periods] : [...periods, { period, amount: 0, days: 0 }];
  return all
    .map((p) => (p.period === period ? { ...p, amount: p.amount + amount } : p))
    .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
}

/**
 * Applies a signed delta to the periods from the cut-off on, in proportion to their remaining service
 * days (the cut-off month counts only days from the effective date), residue to the last of them.
 * With no remaining service days the whole delta is a catch-up in the cut-off period — which is
 * `firstOpenPeriod` unless the change is dated later than that — appended if the schedule ends earlier.
 */
export function reallocate(schedule: RevenueSchedule, change: ScheduleChange): RevenueSchedule {
  if (!Number.isSafeInteger(change.amount)) {
    throw new RangeError(`${schedule.lineRef}: delta must be integer minor units, got ${change.amount}`);
  }
  const cutOff = cutOffPeriod(change.effectiveDate, change.firstOpenPeriod);
  if (change.amount === 0) return schedule;

  const fromDay = utcDay(change.effectiveDate);
  const service = serviceDays(schedule.servicePeriod);
  const open = schedule.periods
    .filter((p) => p.period >= cutOff)
    .map((p) => ({ period: p.period, weight: remainingServiceDays(service, p.period, fromDay) }))
    .filter((p) => p.weight > 0);

  if (open.length === 0) {
    const periods = addToPeriod(schedule.periods, cutOff, change.amount);
    return { ...schedule, amount: schedule.amount + change.amount, periods };
  }
  const deltas = new Map(
    allocate(
      change.amount,
      open.map((p) => p.weight),
    ).map((d, i) => [open[i]!.period, d]),
  );
  return {
    ...schedule,
    amount: schedule.amount + change.amount,
    periods: schedule.periods.map((p) => ({ ...p, amount: p.amount + (deltas.get(p.period) ?? 0) })),
  };
}

/**
 * Drops every period from the cut-off on (all unreleased periods when the cancellation is effective in
 * or before the first open period). `removed` is the signed amount still deferred that the caller
 * reverses (e.g. Dr deferred_revenue / Cr accounts_receivable for a void); released periods stay.
 */
export function cancelRemaining(
  schedule: RevenueSchedule,
  effectiveDate: string,
  firstOpenPeriod: string,
): { schedule: RevenueSchedule; removed: number } {
  const cutOff = cutOffPeriod(effectiveDate, firstOpenPeriod);
  const kept = schedule.periods.filter((p) => p.period < cutOff);
  const removed = schedule.periods.filter((p) => p.period >= cutOff).reduce((s, p) => s + p.amount, 0);
  return { schedule: { ...schedule, amount: schedule.amount - removed, periods: kept }, removed };
}

/**
 * A void: the line is treated as never billed. Every open period is cancelled — from the first open
 * period, not from the void's date, so open months before the void release nothing on it — and what
 * closed periods released is given back in the first open period, so the schedule nets to zero and
 * the next close reverses those releases (Dr revenue / Cr deferred_revenue).
 */
export function cancelForVoid(schedule: RevenueSchedule, firstOpenPeriod: string): RevenueSchedule {
  const { schedule: kept } = cancelRemaining(schedule, `${firstOpenPeriod}-01`, firstOpenPeriod);
  const released = kept.periods.reduce((s, p) => s + p.amount, 0);
  const periods = released === 0 ? kept.periods : addToPeriod(kept.periods, firstOpenPeriod, -released);
  return { ...kept, amount: 0, periods };
}

/**
 * Catch-up for service delivered before the deferral was booked (billing in arrears, or an invoice
 * moved out of a closed period by postingPeriod): those months can no longer be released on their
 * own — they are closed, or precede the deferred credit — so their amounts fold into `postingPeriod`.
 */
export function catchUpInto(schedule: RevenueSchedule, postingPeriod: string): RevenueSchedule {
  assertPeriod(postingPeriod);
  const before = schedule.periods.filter((p) => p.period < postingPeriod);
  if (before.length === 0) return schedule;
  const carried = before.reduce((s, p) => s + p.amount, 0);
  const rest = schedule.periods.filter((p) => p.period >= postingPeriod);
  return { ...schedule, periods: addToPeriod(rest, postingPeriod, carried) };
}
