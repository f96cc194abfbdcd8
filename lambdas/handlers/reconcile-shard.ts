/**
 * ReconcileShard task: merges the shard's sorted billing parts and ERP parts into two key-sorted
 * streams and runs the streaming comparison over them; writes the shard's findings. With `erpLookup`
 * (a day on the built-in ledger) there are no ERP parts: the postings of each batch of billing
 * documents are read from the ledger by their ids.
 */
import * as z from 'zod';
import { ReconciliationBucket, stagingKeys } from '../adapters/reconciliation/staging';
import { dynamo, requiredEnv } from '../adapters/store/dynamodb';
import { LedgerAdapter } from '../adapters/erp/ledger/ledger-adapter';
import {
  ledgerEntryIdsOf,
  mergeSorted,
  reconcileStreams,
  type Finding,
  type ReconciliationScope,
} from '../domain/reconciliation/compare';
import { compareFacts, erpFactOf, type BillingFact, type ErpFact } from '../domain/reconciliation/facts';
import { countFinding, type ShardResult } from '../domain/reconciliation/report';
import { BUCKETS, TABLES } from '../../lib/topology';

const bucket = new ReconciliationBucket(requiredEnv(BUCKETS.reconciliation.envVar));

const Input = z.object({
  runId: z.string(),
  period: z.string(),
  shard: z.number().int().nonnegative(),
  erpLookup: z.boolean().default(false),
});

/** Billing documents per ledger lookup (one BatchGetItem holds 100 keys; a document needs one or two). */
const LOOKUP_BATCH = 50;

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

/**
 * Findings of billing documents whose ERP postings are looked up in the ledger, a batch at a time: the
 * batches hold disjoint keys, so joining each batch on its own equals joining the whole shard.
 */
async function* lookedUp(
  billing: AsyncIterable<BillingFact>,
  scope: ReconciliationScope,
  erpCount: { n: number },
): AsyncGenerator<Finding> {
  const ledger = new LedgerAdapter(dynamo().doc, requiredEnv(TABLES.ledger.envVar));
  const join = async function* (batch: BillingFact[]): AsyncGenerator<Finding> {
    const entries = await ledger.getEntries(batch.flatMap(ledgerEntryIdsOf));
    const erp = entries.flatMap((e) => erpFactOf(e) ?? []).sort(compareFacts);
    erpCount.n += erp.length;
    yield* reconcileStreams(batch, erp, scope);
  };
  let batch: BillingFact[] = [];
  for await (const fact of billing) {
    batch.push(fact);
    if (batch.length < LOOKUP_BATCH) continue;
    yield* join(batch);
    batch = [];
  }
  if (batch.length > 0) yield* join(batch);
}

export const handler = async (event: unknown): Promise<ShardResult> => {
  const { runId, period, shard, erpLookup } = Input.parse(event);
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
  const billingSide = counted(await sideOf<BillingFact>(stagingKeys.side(runId, 'billing', shard)), billing);
  const compared = erpLookup
    ? lookedUp(billingSide, { period }, erp)
    : reconcileStreams(
        billingSide,
        counted(await sideOf<ErpFact>(stagingKeys.side(runId, 'erp', shard)), erp),
        { period },
      );
  for await (const f of compared) {
    findings.push(f);
    countFinding(result.byKind, f);
    if (!f.explained) result.unexplained++;
  }
  await bucket.putLines(stagingKeys.findings(runId, shard), findings);
  return { ...result, billingFacts: billing.n, erpFacts: erp.n, findings: findings.length };
};
