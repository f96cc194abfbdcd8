/**
 * DrainDependencyOutages (scheduled, OUTAGE_DRAIN in the topology; locally a timer in the runtime):
 * re-drives work parked as `dependency-outage` once its circuit allows it — everything while the
 * circuit is closed, one message (the probe that closes it) when the open window has passed, nothing
 * while it is open. Re-driven events go back on the bus (PutEvents); the flows' idempotent postings
 * make a message re-driven twice post once. The same redrive code backs `q2c replay`.
 *
 * In the same scan, while the ERP circuit is closed, work parked as `rate-limited` (a 429 storm outlived
 * the client's and the flow's retries) at a pace: at most rateLimitedPerRun() messages a run (oldest
 * first, as SQS gives them), the rest left for the next run — so a quarter-end backlog drains without
 * re-creating the storm. A re-driven posting still refused is parked again, for a later run.
 *
 * The scan reads the whole exception queue every run, so what it leaves there is the census:
 * `ParkedExceptions` and `OldestParkedExceptionAge` per classification (business, technical,
 * dependency-outage, rate-limited) — the Finance Ops dashboard's exceptions by reason.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { breakerPolicy, DynamoDbCircuitBreaker } from '../adapters/circuit-breaker/dynamodb-breaker';
import { dynamoParkedMarkers } from '../adapters/replay/parked-markers';
import { EventBridgeClient, eventBridgePublisher, redriveQueue } from '../adapters/replay/queue-redrive';
import { dynamo, requiredEnv } from '../adapters/store/dynamodb';
import { drainAllowance } from '../domain/circuit-breaker';
import { exceptionCensus, type ExceptionCensus } from '../domain/exception-census';
import { describeParked } from '../domain/exceptions';
import { DEPENDENCIES, type Dependency, type ErrorClassification, outageDependency } from '../domain/errors';
import type { TallyRow } from '../domain/replay';
import { logger, metrics, publishMetrics } from './commons/powertools';
import { BUS_NAME, QUEUES, rateLimitedPerRun, TABLES } from '../../lib/topology';

const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const publish = eventBridgePublisher(new EventBridgeClient({}), process.env.EVENT_BUS_NAME ?? BUS_NAME);
const breakers = new DynamoDbCircuitBreaker(dynamo().doc, requiredEnv(TABLES.circuitBreakers.envVar));

export interface DrainResult {
  allowance: Record<Dependency, 'all' | 'probe' | 'none'>;
  /** Rate-limited messages this run could re-drive (0 unless the ERP circuit is closed). */
  rateLimitedPace: number;
  /** Rate-limited messages this run re-drove (never more than the pace). */
  rateLimitedRedriven: number;
  /** What the run left parked, per classification. */
  census: ExceptionCensus;
  rows: TallyRow[];
  totals: { replayed: number; skipped: number; failed: number };
}

/** The pace for this run: the topology's, or Q2C_RATE_LIMITED_PER_RUN (local runs and tests). */
export function rateLimitedPace(erp: 'all' | 'probe' | 'none'): number {
  if (erp !== 'all') return 0; // an open (or probing) circuit: the outage drain goes first
  const override = Number(process.env.Q2C_RATE_LIMITED_PER_RUN ?? '');
  return Number.isInteger(override) && override > 0 ? override : rateLimitedPerRun();
}

export const handler = async (): Promise<DrainResult> => {
  const now = Date.now();
  const allowance = {} as DrainResult['allowance'];
  for (const d of DEPENDENCIES) allowance[d] = drainAllowance(await breakers.state(d), now, breakerPolicy(d));
  const probes = new Map<Dependency, number>(DEPENDENCIES.map((d) => [d, 1]));
  const pace = rateLimitedPace(allowance.erp);
  let pacedSelected = 0;
  const left: { classification: ErrorClassification; sentAtMs: number }[] = [];
  // One scan of the whole queue: it re-drives what the circuits and the pace allow, and what it leaves
  // there is the census of everything still parked.
  const tally = await redriveQueue({
    sqs,
    queueUrl: requiredEnv(QUEUES.exceptions.envVar),
    select: ({ parked }) => {
      if (parked.classification === 'rate-limited') {
        if (pacedSelected >= pace) return false;
        pacedSelected++;
        return true;
      }
      if (parked.classification !== 'dependency-outage') return false;
      const d = outageDependency(parked.reason) ?? 'erp';
      if (allowance[d] === 'all') return true;
      const probesLeft = probes.get(d) ?? 0;
      if (allowance[d] !== 'probe' || probesLeft === 0) return false;
      probes.set(d, probesLeft - 1);
      return true;
    },
    sink: { publish, start: refuseStart },
    markers: dynamoParkedMarkers(dynamo().raw, requiredEnv(TABLES.idempotency.envVar)),
    onLeft: (m) =>
      left.push({
        classification: describeParked(m.Body ?? '').classification,
        sentAtMs: Number(m.Attributes?.SentTimestamp ?? Date.now()),
      }),
  });
  const rows = tally.rows();
  const replayedOf = (classification: ErrorClassification) =>
    rows.filter((r) => r.reason.startsWith(`${classification}:`)).reduce((n, r) => n + r.replayed, 0);
  const outagesRedriven = replayedOf('dependency-outage');
  const rateLimitedRedriven = replayedOf('rate-limited');
  const census = exceptionCensus(left, Date.now());
  const result: DrainResult = {
    allowance,
    rateLimitedPace: pace,
    rateLimitedRedriven,
    census,
    rows,
    totals: tally.totals(),
  };
  if (outagesRedriven > 0) metrics.addMetric('DependencyOutagesRedriven', MetricUnit.Count, outagesRedriven);
  if (result.rateLimitedRedriven > 0)
    metrics.addMetric('RateLimitedRedriven', MetricUnit.Count, result.rateLimitedRedriven);
  publishCensus(census);
  if (result.totals.replayed > 0) logger.info('parked work re-driven', { ...result });
  publishMetrics();
  return result;
};

/** Exceptions parked and the oldest one's age, per classification (the Finance Ops "by reason" view). */
function publishCensus(census: ExceptionCensus): void {
  for (const [classification, { parked, oldestSeconds }] of Object.entries(census)) {
    // A single metric is flushed by its addMetric, dimensions and all: one per value.
    const count = metrics.singleMetric();
    count.addDimension('classification', classification);
    count.addMetric('ParkedExceptions', MetricUnit.Count, parked);
    const age = metrics.singleMetric();
    age.addDimension('classification', classification);
    age.addMetric('OldestParkedExceptionAge', MetricUnit.Seconds, oldestSeconds);
  }
}

async function refuseStart(stateMachine: string): Promise<void> {
  throw new Error(`the drain re-publishes events only; re-start ${stateMachine} with q2c replay`);
}
