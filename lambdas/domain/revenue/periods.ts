/**
 * Accounting periods are UTC calendar months written 'YYYY-MM' (so they sort as strings).
 *
 * Day counting: a service day is a whole UTC day, day number = floor(epoch ms / 86 400 000). All
 * arithmetic is integer and UTC, so a schedule never depends on the server's time zone or on daylight
 * saving, and the same invoice always produces the same schedule.
 */

export const MS_PER_DAY = 86_400_000;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;
// Date-only (UTC by ECMAScript rules) or a timestamp with an explicit zone. A timestamp without a
// zone is rejected: Date.parse would read it in the machine's local time.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

export class InvalidDateError extends Error {
  override readonly name = 'InvalidDateError';
}

/** Epoch milliseconds of an ISO date or timestamp; rejects impossible dates (Date.parse rolls 02-30 into March). */
export function instantMs(iso: string): number {
  const match = INSTANT.exec(iso);
  const ms = Date.parse(iso);
  if (!match || Number.isNaN(ms)) throw new InvalidDateError(`not an ISO date with a UTC offset: '${iso}'`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new InvalidDateError(`no such calendar date: '${iso}'`);
  }
  return ms;
}

/** The whole UTC day an instant falls in. */
export const utcDay = (iso: string): number => Math.floor(instantMs(iso) / MS_PER_DAY);

/** 'YYYY-MM-DD' of a day number. */
export const dateOfDay = (day: number): string => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

export const periodOfDay = (day: number): string => dateOfDay(day).slice(0, 7);

/** The accounting period (UTC month) an ISO date or timestamp falls in. */
export const periodOf = (iso: string): string => periodOfDay(utcDay(iso));

export function isPeriod(period: string): boolean {
  return PERIOD.test(period);
}

export function assertPeriod(period: string): void {
  if (!isPeriod(period)) throw new InvalidDateError(`not an accounting period 'YYYY-MM': '${period}'`);
}

function yearMonth(period: string): [year: number, month: number] {
  assertPeriod(period);
  return [Number(period.slice(0, 4)), Number(period.slice(5, 7))];
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day number of the first day of a period. */
export function periodStartDay(period: string): number {
  const [year, month] = yearMonth(period);
  return Date.UTC(year, month - 1, 1) / MS_PER_DAY;
}

export function nextPeriod(period: string): string {
  const [year, month] = yearMonth(period);
  return month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
}

export const firstDayOf = (period: string): string => dateOfDay(periodStartDay(period));

export const lastDayOf = (period: string): string => dateOfDay(periodStartDay(nextPeriod(period)) - 1);

/** Whether the period's last day is over at `nowMs` (epoch ms): only then may it be closed. */
export function periodHasEnded(period: string, nowMs: number): boolean {
  return periodStartDay(nextPeriod(period)) * MS_PER_DAY <= nowMs;
}

/** The period as an ISO UTC interval, end exclusive — the same convention as a line's service period. */
export function periodBounds(period: string): { start: string; end: string } {
  const iso = (day: number) => new Date(day * MS_PER_DAY).toISOString();
  return { start: iso(periodStartDay(period)), end: iso(periodStartDay(nextPeriod(period))) };
}

export interface PostingPeriod {
  period: string;
  /** The event's own period; differs from `period` exactly when the event was late (JournalEntry.lateFromClosedPeriod). */
  sourcePeriod: string;
  /** 'YYYY-MM-DD' — the event's own UTC date, or the first day of the period it was moved to. */
  effectiveDate: string;
  lateFromClosedPeriod: boolean;
}

/**
 * Where an event is booked. Closed books are never reopened: a late event dated in a closed period is
 * booked on the first day of the first open period after it, and flagged so finance can see it.
 * (Closed periods need not be contiguous; the loop ends because the set is finite.)
 */
export function postingPeriod(eventDate: string, closedPeriods: ReadonlySet<string>): PostingPeriod {
  const day = utcDay(eventDate);
  const own = periodOfDay(day);
  if (!closedPeriods.has(own)) {
    return { period: own, sourcePeriod: own, effectiveDate: dateOfDay(day), lateFromClosedPeriod: false };
  }
  let period = nextPeriod(own);
  while (closedPeriods.has(period)) period = nextPeriod(period);
  return { period, sourcePeriod: own, effectiveDate: firstDayOf(period), lateFromClosedPeriod: true };
}
