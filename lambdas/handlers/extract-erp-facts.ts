/**
 * ExtractErpFacts task: reads one segment of the ERP's postings in the reconciliation window and writes
 * them as key-sorted parts, one per shard. The built-in ledger is read as a DynamoDB parallel-scan
 * segment; NetSuite (ERP_TARGET=netsuite) through SuiteQL, which has no segments, so segment 0 reads
 * every page and the others have nothing to do.
 */
import * as z from 'zod';
import { netsuiteAdapterFromEnv } from '../adapters/erp/netsuite';
import { erpFactOfNetSuite, netsuitePostings } from '../adapters/reconciliation/netsuite-facts';
import { ledgerEntries } from '../adapters/reconciliation/sources';
import { ReconciliationBucket, stagingKeys } from '../adapters/reconciliation/staging';
import { dynamo, requiredEnv } from '../adapters/store/dynamodb';
import { compareFacts, erpFactOf, shardOfKey, type ErpFact } from '../domain/reconciliation/facts';
import { BUCKETS, TABLES } from '../../lib/topology';
import { mappingConfig } from './commons/config';
import { erpTarget } from './commons/erp-target';
import { logger } from './commons/powertools';

const bucket = new ReconciliationBucket(requiredEnv(BUCKETS.reconciliation.envVar));

const Input = z.object({
  runId: z.string(),
  shards: z.number().int().positive(),
  segment: z.number().int().nonnegative(),
  segments: z.number().int().positive(),
  window: z.object({ from: z.string(), to: z.string() }),
});

async function* ledgerFacts(
  window: { from: string; to: string },
  segment: number,
  segments: number,
): AsyncGenerator<ErpFact | null> {
  const table = requiredEnv(TABLES.ledger.envVar);
  for await (const entry of ledgerEntries(dynamo().doc, table, window, segment, segments))
    yield erpFactOf(entry);
}

async function* netsuiteFacts(
  window: { from: string; to: string },
  segment: number,
): AsyncGenerator<ErpFact | null> {
  if (segment !== 0) return;
  const adapter = netsuiteAdapterFromEnv(mappingConfig, { db: () => dynamo().doc });
  for (const record of await netsuitePostings(adapter, window)) yield erpFactOfNetSuite(record);
}

export const handler = async (
  event: unknown,
): Promise<{ segment: number; entries: number; facts: number }> => {
  const { runId, shards, segment, segments, window } = Input.parse(event);
  const byShard = new Map<number, ErpFact[]>();
  let entries = 0;
  let facts = 0;
  const source =
    erpTarget() === 'netsuite' ? netsuiteFacts(window, segment) : ledgerFacts(window, segment, segments);
  for await (const fact of source) {
    entries++;
    if (!fact) continue;
    const shard = shardOfKey(fact.key, shards);
    if (!byShard.has(shard)) byShard.set(shard, []);
    byShard.get(shard)?.push(fact);
    facts++;
  }
  for (const [shard, list] of byShard) {
    await bucket.putLines(stagingKeys.part(runId, 'erp', shard, `g${segment}`), list.sort(compareFacts));
  }
  logger.info('ERP segment extracted', { runId, segment, entries, facts });
  return { segment, entries, facts };
};
