/**
 * PublishReconciliationReport task: gathers the shards' findings into the JSON and CSV report,
 * emits ReconciliationMismatches by kind (and ReconciliationUnexplained, which alarms), returns the summary.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { ReconciliationBucket, stagingKeys } from '../adapters/reconciliation/staging';
import { requiredEnv } from '../adapters/store/dynamodb';
import { FINDING_KINDS, type Finding } from '../domain/reconciliation/compare';
import {
  csvHeader,
  csvRow,
  findingOrder,
  summarize,
  type ReconciliationSummary,
  type ShardResult,
} from '../domain/reconciliation/report';
import { BUCKETS } from '../../lib/topology';
import { logger, metrics, publishMetrics } from './commons/powertools';

const bucket = new ReconciliationBucket(requiredEnv(BUCKETS.reconciliation.envVar));

const KindCount = z.object({ explained: z.number(), unexplained: z.number() });
const Input = z.object({
  runId: z.string(),
  period: z.string(),
  shards: z.array(
    z.object({
      shard: z.number(),
      billingFacts: z.number(),
      erpFacts: z.number(),
      findings: z.number(),
      unexplained: z.number(),
      byKind: z.partialRecord(z.enum(FINDING_KINDS), KindCount),
    }),
  ),
});

export interface PublishedReport extends ReconciliationSummary {
  report: { bucket: string; json: string; csv: string };
}

export const handler = async (event: unknown): Promise<PublishedReport> => {
  const { runId, period, shards } = Input.parse(event);
  const summary = summarize(period, runId, shards as ShardResult[]);
  // Findings, not records: a clean month of a million documents has none; the report holds only differences.
  const findings: Finding[] = [];
  for await (const key of bucket.keys(stagingKeys.findingsPrefix(runId))) {
    for await (const f of bucket.lines<Finding>(key)) findings.push(f);
  }
  findings.sort(findingOrder);
  const json = stagingKeys.report(period, runId, 'json');
  const csv = stagingKeys.report(period, runId, 'csv');
  await bucket.putText(
    json,
    JSON.stringify({ ...summary, generatedAt: new Date().toISOString(), findings }, null, 2),
    'application/json',
  );
  await bucket.putText(csv, [csvHeader(), ...findings.map(csvRow)].join('\r\n') + '\r\n', 'text/csv');

  for (const [kind, c] of Object.entries(summary.byKind)) {
    const m = metrics.singleMetric();
    m.addDimension('kind', kind);
    m.addMetric('ReconciliationMismatches', MetricUnit.Count, c.explained + c.unexplained);
  }
  metrics.addMetric('ReconciliationUnexplained', MetricUnit.Count, summary.unexplained);
  metrics.addMetric('ReconciliationRuns', MetricUnit.Count, 1);
  publishMetrics();
  logger.info('reconciliation report published', { ...summary, byKind: undefined });
  return { ...summary, report: { bucket: requiredEnv(BUCKETS.reconciliation.envVar), json, csv } };
};
