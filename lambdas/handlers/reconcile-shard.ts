/**
 * ReconcileShard task: merges the shard's sorted billing parts and ERP parts into two key-sorted
 * streams and runs the streaming comparison over them; writes the shard's findings.
 */
import { z } from 'zod';
import { ReconciliationBucket, stagingKeys } from '../adapters/reconciliation/staging';
import { requiredEnv } from '../adapters/store/dynamodb';
import { mergeSorted, reconcileStreams, type Finding } from '../domain/reconciliation/compare';
import type { BillingFact, ErpFact } from '../domain/reconciliation/facts';
import { countFinding, type ShardResult } from '../domain/reconciliation/report';
import { BUCKETS } from '../../lib/topology';

const bucket = new ReconciliationBucket(requiredEnv(BUCKETS.reconciliation.envVar));

const Input = z.object({ runId: z.string(), period: z.string(), shard: z.number().int().nonnegative() });

async function* counted<T>(items: AsyncIterable<T>, count: { n: number }): AsyncGenerator<T> {
  for await (const item of items) {
    count.n++;
    yield item;
  }
}

async function sideOf<T extends { key: string }>(prefix: string): Promise<AsyncIterable<T>> {
  const parts: AsyncIterable<T>[] = [];
  for await (const key of bucket.keys(prefix)) parts.push(bucket.lines<T>(key));
  return mergeSorted(parts);
}

export const handler = async (event: unknown): Promise<ShardResult> => {
  const { runId, period, shard } = Input.parse(event);
  const billing = { n: 0 };
  const erp = { n: 0 };
  const result: ShardResult = {
    shard,
    billingFacts: 0,
    erpFacts: 0,
    findings: 0,
    unexplained: 0,
    byKind: {},
  };
  const findings: Finding[] = [];
  for await (const f of reconcileStreams(
    counted(await sideOf<BillingFact>(stagingKeys.side(runId, 'billing', shard)), billing),
    counted(await sideOf<ErpFact>(stagingKeys.side(runId, 'erp', shard)), erp),
    { period },
  )) {
    findings.push(f);
    countFinding(result.byKind, f);
    if (!f.explained) result.unexplained++;
  }
  await bucket.putLines(stagingKeys.findings(runId, shard), findings);
  return { ...result, billingFacts: billing.n, erpFacts: erp.n, findings: findings.length };
};
