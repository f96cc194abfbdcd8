/**
 * ReleaseShard task: posts the month's revenue release for every schedule line due in the period on
 * one shard (Dr deferred_revenue / Cr revenue). Each release is keyed revrec:<line>:<period> and
 * written with the ledger's conditional put, so a retried or redriven close posts nothing twice.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { revenueReleaseEntry } from '../domain/revenue/release';
import { postEntry, schedules } from './commons/posting';
import { logger, publishMetrics } from './commons/powertools';

const Input = z.object({ period: z.string(), shard: z.number().int().nonnegative() });

export interface ShardRelease {
  period: string;
  shard: number;
  lines: number;
  posted: number;
  /** Released amount per currency, minor units. */
  released: Record<string, number>;
}

export const handler = async (event: unknown, context: Context): Promise<ShardRelease> => {
  logger.addContext(context);
  const { period, shard } = Input.parse(event);
  const result: ShardRelease = { period, shard, lines: 0, posted: 0, released: {} };
  try {
    // Read once per shard: the period being closed is still open while its releases post.
    const closed = await schedules.closedPeriods();
    for await (const lineRef of schedules.due(period, shard)) {
      const stored = await schedules.get(lineRef);
      const entry = stored && revenueReleaseEntry(stored.schedule, period);
      result.lines++;
      if (!entry) continue;
      const posted = await postEntry(
        { kind: 'revenue_release', data: { lineRef, period } },
        entry,
        `${entry.effectiveDate}T23:59:59.999Z`,
        { closed },
      );
      if (posted.outcome === 'posted') result.posted++;
      const currency = stored.schedule.currency;
      result.released[currency] =
        (result.released[currency] ?? 0) + entry.lines[0].debit - entry.lines[0].credit;
    }
    return result;
  } finally {
    publishMetrics();
  }
};
