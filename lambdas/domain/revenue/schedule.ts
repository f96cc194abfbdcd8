/**
 * DESIGN.md §5 — month-end recognition: a ratable invoice line is credited to deferred_revenue when
 * the invoice is posted, and released to revenue month by month by daily proration of its service
 * period. The schedule is the plan for those releases; its periods always add up to the line amount.
 */
import type { Invoice, ServicePeriod } from '../model';
import { sum } from '../money';
import { allocate } from './allocation';
import { instantMs, MS_PER_DAY, periodOfDay, periodStartDay, utcDay } from './periods';

export interface ScheduleInput {
  lineRef: string;
  invoiceRef: string;
  subsidiary: string;
  currency: string;
  /** Integer minor units; negative for a proration credit line. */
  amount: number;
  /** ISO UTC, end exclusive (Stripe: the start of the next period). */
  servicePeriod: ServicePeriod;
  correlationId: string;
  sourceEventId: string;
}

export interface SchedulePeriod {
  /** 'YYYY-MM' */
  period: string;
  amount: number;
  /** Service days in the month (0 for a catch-up period outside the service period). */
  days: number;
}

export interface RevenueSchedule extends ScheduleInput {
  /** = lineRef: one schedule per invoice line, so release keys derived from it are stable. */
  scheduleId: string;
  /** Ascending by period; amounts add up to `amount`, always. */
  periods: readonly SchedulePeriod[];
}

export class InvalidServicePeriodError extends Error {
  override readonly name = 'InvalidServicePeriodError';
}

/**
 * The service period as whole UTC days [firstDay, endDay). Both boundaries are floored to the UTC day:
 * a period starting mid-day counts its start day in full, one ending mid-day does not count its end
 * day, and a whole number of days keeps its count wherever it starts. A period that does not cross a
 * UTC midnight — shorter than a day, or zero-length as Stripe sends for one-off items — is one service
 * day, its start day.
 */
export function serviceDays(servicePeriod: ServicePeriod): { firstDay: number; endDay: number } {
  const { start, end } = servicePeriod;
  if (instantMs(end) < instantMs(start)) {
    throw new InvalidServicePeriodError(`service period ends before it starts: ${start} → ${end}`);
  }
  const firstDay = utcDay(start);
  return { firstDay, endDay: Math.max(utcDay(end), firstDay + 1) };
}

/** Days of [firstDay, endDay) in each calendar month they touch, in order. */
export function daysByMonth(firstDay: number, endDay: number): { period: string; days: number }[] {
  const first = new Date(firstDay * MS_PER_DAY);
  const [year, month] = [first.getUTCFullYear(), first.getUTCMonth()];
  const months: { period: string; days: number }[] = [];
  // Date.UTC rolls month 12 into January of the next year, so the offset can simply count up.
  for (let offset = 0, monthStart = periodStartDay(periodOfDay(firstDay)); monthStart < endDay; offset++) {
    const nextMonthStart = Date.UTC(year, month + offset + 1, 1) / MS_PER_DAY;
    months.push({
      period: periodOfDay(monthStart),
      days: Math.min(endDay, nextMonthStart) - Math.max(firstDay, monthStart),
    });
    monthStart = nextMonthStart;
  }
  return months;
}

export function buildSchedule(input: ScheduleInput): RevenueSchedule {
  if (!Number.isSafeInteger(input.amount)) {
    throw new RangeError(`${input.lineRef}: amount must be integer minor units, got ${input.amount}`);
  }
  const { firstDay, endDay } = serviceDays(input.servicePeriod);
  const months = daysByMonth(firstDay, endDay);
  const amounts = allocate(
    input.amount,
    months.map((m) => m.days),
  );
  return {
    scheduleId: input.lineRef,
    ...input,
    periods: months.map((m, i) => ({ period: m.period, amount: amounts[i]!, days: m.days })),
  };
}

export const scheduledTotal = (schedule: Pick<RevenueSchedule, 'periods'>): number =>
  sum(schedule.periods.map((p) => p.amount));

export class RatableLineWithoutServicePeriodError extends Error {
  override readonly name = 'RatableLineWithoutServicePeriodError';
}

/**
 * One schedule input per ratable line of a posted invoice — exactly the lines journalForInvoice
 * credits to deferred_revenue, with the same net amount, so the schedules release what was deferred.
 */
export function scheduleInputsForInvoice(invoice: Invoice): ScheduleInput[] {
  return invoice.lines
    .filter((l) => l.recognition === 'ratable')
    .map((l) => {
      // Deferred with no period to release it over would sit in deferred_revenue forever.
      if (!l.servicePeriod) {
        throw new RatableLineWithoutServicePeriodError(
          `${invoice.invoiceRef} ${l.lineRef} has no service period`,
        );
      }
      return {
        lineRef: l.lineRef,
        invoiceRef: invoice.invoiceRef,
        subsidiary: invoice.subsidiary,
        currency: invoice.currency,
        amount: l.netAmount,
        servicePeriod: l.servicePeriod,
        correlationId: invoice.correlationId,
        sourceEventId: invoice.source.eventId,
      };
    });
}
