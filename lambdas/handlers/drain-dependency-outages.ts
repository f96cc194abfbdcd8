/**
 * DrainDependencyOutages (scheduled, OUTAGE_DRAIN in the topology; locally a timer in the runtime):
 * re-drives work parked as `dependency-outage` once its circuit allows it — everything while the
 * circuit is closed, one message (the probe that closes it) when the open window has passed, nothing
 * while it is open. Re-driven events go back on the bus (PutEvents); the flows' idempotent postings
 * make a message re-driven twice post once. The same redrive code backs `q2c replay`.
 *
 * Then, while the ERP circuit is closed, work parked as `rate-limited` (a 429 storm outlived the
 * client's and the flow's retries) at a pace: at most rateLimitedPerRun() messages a run (oldest first,
 * as SQS gives them), the rest left for the next run — so a quarter-end backlog drains without
 * re-creating the storm. A re-driven posting still refused is parked again, for a later run.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { breakerPolicy, DynamoDbCircuitBreaker } from '../adapters/circuit-breaker/dynamodb-breaker';
import { EventBridgeClient, eventBridgePublisher, redriveQueue } from '../adapters/replay/queue-redrive';
import { dynamo, requiredEnv } from '../adapters/store/dynamodb';
import { drainAllowance } from '../domain/circuit-breaker';
import { DEPENDENCIES, type Dependency, outageDependency } from '../domain/errors';
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
  const nothingToDo = DEPENDENCIES.every((d) => allowance[d] === 'none');
  const tally = nothingToDo
    ? undefined
    : await redriveQueue({
        sqs,
        queueUrl: requiredEnv(QUEUES.exceptions.envVar),
        filter: { reason: 'dependency-outage' },
        select: ({ parked }) => {
          const d = outageDependency(parked.reason) ?? 'erp';
          if (allowance[d] === 'all') return true;
          const left = probes.get(d) ?? 0;
          if (allowance[d] !== 'probe' || left === 0) return false;
          probes.set(d, left - 1);
          return true;
        },
        sink: { publish, start: refuseStart },
      });
  const outagesRedriven = tally?.totals().replayed ?? 0;
  const pace = rateLimitedPace(allowance.erp);
  const paced =
    pace > 0
      ? await redriveQueue({
          sqs,
          queueUrl: requiredEnv(QUEUES.exceptions.envVar),
          filter: { reason: 'rate-limited' },
          limit: pace,
          sink: { publish, start: refuseStart },
        })
      : undefined;
  const all = tally && paced ? tally.merge(paced) : (tally ?? paced);
  const result: DrainResult = {
    allowance,
    rateLimitedPace: pace,
    rateLimitedRedriven: paced?.totals().replayed ?? 0,
    rows: all?.rows() ?? [],
    totals: all?.totals() ?? { replayed: 0, skipped: 0, failed: 0 },
  };
  if (outagesRedriven > 0) metrics.addMetric('DependencyOutagesRedriven', MetricUnit.Count, outagesRedriven);
  if (result.rateLimitedRedriven > 0)
    metrics.addMetric('RateLimitedRedriven', MetricUnit.Count, result.rateLimitedRedriven);
  if (result.totals.replayed > 0) logger.info('parked work re-driven', { ...result });
  publishMetrics();
  return result;
};

async function refuseStart(stateMachine: string): Promise<void> {
  throw new Error(`the drain re-publishes events only; re-start ${stateMachine} with q2c replay`);
}
