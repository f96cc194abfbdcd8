/** ClosePeriod task: marks the period closed and returns the close summary. */
import * as z from 'zod';
import { ScheduleStore } from '../adapters/revenue/schedule-store';
import { dynamo, requiredEnv } from '../adapters/store/dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, publishMetrics } from './commons/powertools';
import { TABLES } from '../../lib/topology';

const store = new ScheduleStore(dynamo().doc, requiredEnv(TABLES.ledger.envVar));

const Input = z.object({
  period: z.string(),
  released: z.array(
    z.object({ lines: z.number(), posted: z.number(), released: z.record(z.string(), z.number()) }),
  ),
});

export interface CloseSummary {
  period: string;
  closed: true;
  scheduleLines: number;
  releasesPosted: number;
  releasedByCurrency: Record<string, number>;
}

export const handler = async (event: unknown): Promise<CloseSummary> => {
  const { period, released } = Input.parse(event);
  await store.closePeriod(period);
  const summary: CloseSummary = {
    period,
    closed: true,
    scheduleLines: 0,
    releasesPosted: 0,
    releasedByCurrency: {},
  };
  for (const shard of released) {
    summary.scheduleLines += shard.lines;
    summary.releasesPosted += shard.posted;
    for (const [currency, amount] of Object.entries(shard.released)) {
      summary.releasedByCurrency[currency] = (summary.releasedByCurrency[currency] ?? 0) + amount;
    }
  }
  metrics.addMetric('PeriodsClosed', MetricUnit.Count, 1);
  publishMetrics();
  logger.info('period closed', { ...summary });
  return summary;
};
