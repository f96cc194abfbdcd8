/**
 * DESIGN.md §5 — month-end recognition: Dr deferred_revenue / Cr revenue, one entry per schedule line
 * and period, for that period's scheduled amount.
 */
import type { JournalEntry } from '../model';
import { assertBalanced, line, nonZero, type LineContext } from '../accounting/journal';
import { assertPeriod, lastDayOf } from './periods';
import type { RevenueSchedule } from './schedule';

/** A journal entry of kind 'revenue_release'. */
export type RevenueReleaseEntry = JournalEntry & { kind: 'revenue_release' };

/** Derived from the source, never random (DESIGN.md §1): one release per line and period, ever. */
export const revenueReleaseKey = (lineRef: string, period: string): string => `revrec:${lineRef}:${period}`;

/**
 * The release entry for one schedule line and one period, or null when there is nothing to release
 * (a zero amount, or a period outside the schedule). A negative amount (a proration credit, or a
 * reallocation that took back more than was left) flips both sides through `line()`.
 *
 * There is deliberately no posting timestamp (`postedAt?: never`): the entry is a pure function of
 * (schedule, period), so re-running a close yields the identical entry under the same key and the
 * ledger records it as already posted.
 */
export function revenueReleaseEntry(
  schedule: RevenueSchedule,
  period: string,
  _opts: { readonly postedAt?: never } = {},
): RevenueReleaseEntry | null {
  assertPeriod(period);
  const amount = schedule.periods.find((p) => p.period === period)?.amount ?? 0;
  if (amount === 0) return null;

  const key = revenueReleaseKey(schedule.lineRef, period);
  const ctx: LineContext = {
    currency: schedule.currency,
    sourceEventId: schedule.sourceEventId,
    correlationId: schedule.correlationId,
  };
  const extra = { sourceLineRef: schedule.lineRef, servicePeriod: schedule.servicePeriod };
  const memo = `Revenue ${period} of ${schedule.lineRef}`;
  const entry: RevenueReleaseEntry = {
    schemaVersion: 'v1',
    entryId: key,
    idempotencyKey: key,
    kind: 'revenue_release',
    documentRef: schedule.lineRef,
    subsidiary: schedule.subsidiary,
    effectiveDate: lastDayOf(period),
    memo: `Revenue recognition ${period}: ${schedule.lineRef} (${schedule.invoiceRef})`,
    sourceEventId: schedule.sourceEventId,
    correlationId: schedule.correlationId,
    lines: nonZero([
      line(ctx, 'deferred_revenue', 'debit', amount, memo, extra),
      line(ctx, 'revenue', 'credit', amount, memo, extra),
    ]),
  };
  assertBalanced(entry);
  return entry;
}

/** Month-end close of one period: every non-zero release due from the given schedules. */
export function monthEndReleases(
  schedules: readonly RevenueSchedule[],
  period: string,
): RevenueReleaseEntry[] {
  return schedules.flatMap((s) => revenueReleaseEntry(s, period) ?? []);
}
