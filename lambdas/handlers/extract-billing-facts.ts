/**
 * ExtractBillingFacts task: lists one slice of billing (Stripe objects created in [from, to)), keeps the
 * facts dated in the period, and writes them as key-sorted parts, one per shard.
 */
import { z } from 'zod';
import { billingObjects } from '../adapters/reconciliation/sources';
import { ReconciliationBucket, stagingKeys } from '../adapters/reconciliation/staging';
import { requiredEnv } from '../adapters/store/dynamodb';
import { billingFactsOf, compareFacts, shardOfKey, type BillingFact } from '../domain/reconciliation/facts';
import { BUCKETS } from '../../lib/topology';
import { logger } from './commons/powertools';

const bucket = new ReconciliationBucket(requiredEnv(BUCKETS.reconciliation.envVar));

const Input = z.object({
  runId: z.string(),
  period: z.string(),
  shards: z.number().int().positive(),
  slice: z.object({ index: z.number().int().nonnegative(), from: z.number().int(), to: z.number().int() }),
});

export const handler = async (event: unknown): Promise<{ slice: number; objects: number; facts: number }> => {
  const { runId, period, shards, slice } = Input.parse(event);
  const byShard = new Map<number, BillingFact[]>();
  let objects = 0;
  let facts = 0;
  for await (const o of billingObjects(slice.from, slice.to)) {
    objects++;
    for (const f of billingFactsOf(o)) {
      if (f.date.slice(0, 7) !== period) continue;
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
  logger.info('billing slice extracted', { runId, slice: slice.index, objects, facts });
  return { slice: slice.index, objects, facts };
};
