/**
 * ExtractBillingFacts task: lists one slice of billing — the Stripe documents created in [from, to) for
 * a month's run, or the Stripe events of [from, to) (each object's latest snapshot) for a day's run —
 * keeps the facts dated in the run's period, and writes them as key-sorted parts, one per shard.
 */
import * as z from 'zod';
import { billingEvents, billingObjects } from '../adapters/reconciliation/sources';
import { ReconciliationBucket, stagingKeys } from '../adapters/reconciliation/staging';
import { requiredEnv } from '../adapters/store/dynamodb';
import {
  billingFactsOf,
  compareFacts,
  latestSnapshots,
  RECONCILED_EVENT_TYPES,
  shardOfKey,
  type BillingFact,
} from '../domain/reconciliation/facts';
import { BUCKETS } from '../../lib/topology';
import { logger } from './commons/powertools';

const bucket = new ReconciliationBucket(requiredEnv(BUCKETS.reconciliation.envVar));

const Input = z.object({
  runId: z.string(),
  /** 'YYYY-MM' or 'YYYY-MM-DD': facts dated in it are kept. */
  period: z.string(),
  shards: z.number().int().positive(),
  slice: z.object({
    index: z.number().int().nonnegative(),
    from: z.number().int(),
    to: z.number().int(),
    source: z.enum(['objects', 'events']).default('objects'),
  }),
});

export const handler = async (event: unknown): Promise<{ slice: number; objects: number; facts: number }> => {
  const { runId, period, shards, slice } = Input.parse(event);
  const byShard = new Map<number, BillingFact[]>();
  let objects = 0;
  let facts = 0;
  const source =
    slice.source === 'events'
      ? latestSnapshots(billingEvents(slice.from, slice.to, RECONCILED_EVENT_TYPES))
      : billingObjects(slice.from, slice.to);
  for await (const o of source) {
    objects++;
    for (const f of billingFactsOf(o)) {
      if (!f.date.startsWith(period)) continue;
      const shard = shardOfKey(f.key, shards);
      if (!byShard.has(shard)) byShard.set(shard, []);
      byShard.get(shard)?.push(f);
      facts++;
    }
  }
  for (const [shard, list] of byShard) {
    await bucket.putLines(
      stagingKeys.part(runId, 'billing', shard, `s${slice.index}`),
      list.sort(compareFacts),
    );
  }
  logger.info('billing slice extracted', { runId, slice: slice.index, source: slice.source, objects, facts });
  return { slice: slice.index, objects, facts };
};
