/**
 * DrainDependencyOutages (scheduled, OUTAGE_DRAIN in the topology; locally a timer in the runtime):
 * re-drives work parked as `dependency-outage` once its circuit allows it — everything while the
 * circuit is closed, one message (the probe that closes it) when the open window has passed, nothing
 * while it is open. Re-driven events go back on the bus (PutEvents); the flows' idempotent postings
 * make a message re-driven twice post once. The same redrive code backs `q2c replay`.
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
import { BUS_NAME, QUEUES, TABLES } from '../../lib/topology';

const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const publish = eventBridgePublisher(new EventBridgeClient({}), process.env.EVENT_BUS_NAME ?? BUS_NAME);
const breakers = new DynamoDbCircuitBreaker(dynamo().doc, requiredEnv(TABLES.circuitBreakers.envVar));

export interface DrainResult {
  allowance: Record<Dependency, 'all' | 'probe' | 'none'>;
  rows: TallyRow[];
  totals: { replayed: number; skipped: number; failed: number };
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
        sink: {
          publish,
          start: async (stateMachine) => {
            throw new Error(`the drain re-publishes events only; re-start ${stateMachine} with q2c replay`);
          },
        },
      });
  const result: DrainResult = {
    allowance,
    rows: tally?.rows() ?? [],
    totals: tally?.totals() ?? { replayed: 0, skipped: 0, failed: 0 },
  };
  if (result.totals.replayed > 0) {
    metrics.addMetric('DependencyOutagesRedriven', MetricUnit.Count, result.totals.replayed);
    logger.info('dependency outages re-driven', { ...result });
  }
  publishMetrics();
  return result;
};
