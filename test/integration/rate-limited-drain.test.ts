/**
 * The outage drain's paced re-drive of `rate-limited` work, the drain handler itself against the local
 * SQS (fauxqs, real @aws-sdk/client-sqs) and the local bus: at most the pace per run, oldest first, the
 * rest left for later runs; dependency-outage work drains beside it without counting against the pace;
 * business and technical exceptions are never touched; nothing rate-limited moves while the ERP
 * circuit is open. The timer is off (drainIntervalMs: 0): the test invokes the handler run by run.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { dynamo } from '../../lambdas/adapters/store/dynamodb';
import { describeParked } from '../../lambdas/domain/exceptions';
import { matchesFilter, reasonLabel } from '../../lambdas/domain/replay';
import type { DrainResult } from '../../lambdas/handlers/drain-dependency-outages';
import { OUTAGE_DRAIN, rateLimitedPerRun } from '../../lib/topology';
import { OpsClient } from '../../local/ops-client';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { localTableName } from '../../local/services/dynamodb';

jest.setTimeout(60_000);

const savedEnv = { ...process.env };
let runtime: LocalRuntime;
let dir: string;
let drain: () => Promise<DrainResult>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-rl-drain-'));
  runtime = await startLocalRuntime({ port: 0, dataDir: dir, logLevel: 'ERROR', drainIntervalMs: 0 });
  // After the runtime pointed the AWS SDK at the local services.
  const { handler } = await import('../../lambdas/handlers/drain-dependency-outages');
  drain = handler;
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
  process.env = savedEnv;
});

const TEST_TYPE = 'test.parked-for-drain';

/** A message as the posting flows' Park* states write it (local interpreter: the Cause is the message). */
function parkedBody(classification: string, n: number, reason: string) {
  return JSON.stringify({
    classification,
    error: classification === 'rate-limited' ? 'ErpRateLimitedError' : 'Error',
    cause: JSON.stringify({ errorType: 'ErpRateLimitedError', errorMessage: reason }),
    stateMachine: 'PostInvoiceFlow',
    execution: `arn:aws:states:us-east-1:000000000000:express:PostInvoiceFlow:${classification}-${n}`,
    // No rule matches this detail-type: a re-published event only lands in the bus archive.
    event: {
      id: `bus-${classification}-${n}`,
      source: 'q2c.test',
      'detail-type': TEST_TYPE,
      time: '2026-12-31T23:00:00Z',
      detail: { eventId: `evt_${classification}_${n}`, correlationId: `corr-${classification}-${n}` },
    },
  });
}

async function park(classification: string, n: number, reason: string): Promise<void> {
  await runtime.sqs.client.send(
    new SendMessageCommand({
      QueueUrl: runtime.sqs.queueUrl('exceptions'),
      MessageBody: parkedBody(classification, n, reason),
      MessageAttributes: { classification: { DataType: 'String', StringValue: classification } },
    }),
  );
  await new Promise((r) => setTimeout(r, 5)); // distinct SentTimestamps: "oldest" is well defined
}

/** Source event ids re-published so far, in the order the bus received them. */
const republished = () =>
  runtime.bus
    .archive()
    .filter((e) => e.detailType === TEST_TYPE)
    .map((e) => e.sourceEventId);

const RATE_LIMITED_REASON =
  'erp: rate limited, still refused after 6 attempts: NetSuite POST invoice: HTTP 429 CONCURRENCY_LIMIT_EXCEEDED: Concurrency limit exceeded';

test('the classification reads back, filters and labels as rate-limited', () => {
  const parked = describeParked(parkedBody('rate-limited', 0, RATE_LIMITED_REASON));
  expect(parked).toMatchObject({
    classification: 'rate-limited',
    error: 'ErpRateLimitedError',
    reason: RATE_LIMITED_REASON,
    eventType: TEST_TYPE,
    sourceEventId: 'evt_rate-limited_0',
  });
  expect(matchesFilter(parked, { reason: 'rate-limited' })).toBe(true);
  expect(matchesFilter(parked, { reason: 'technical' })).toBe(false);
  expect(matchesFilter(parked, { reason: 'dependency-outage' })).toBe(false);
  expect(reasonLabel(parked)).toBe('rate-limited: erp');
});

test('the pace derives from the NetSuite concurrency share and the run length', () => {
  // 5 permits × 300 s × 25 % / 2 permit-seconds a posting
  expect(OUTAGE_DRAIN.runSeconds).toBe(300);
  expect(OUTAGE_DRAIN.expression).toBe('rate(5 minutes)');
  expect(rateLimitedPerRun(5)).toBe(187);
  expect(rateLimitedPerRun(15)).toBe(562);
  expect(rateLimitedPerRun(1)).toBe(37);
  for (let limit = 1; limit < 40; limit++)
    expect(rateLimitedPerRun(limit + 1)).toBeGreaterThan(rateLimitedPerRun(limit));
});

test('re-drives at most the pace per run, oldest first, leaving the rest for the next run', async () => {
  process.env.Q2C_RATE_LIMITED_PER_RUN = '3';
  for (let i = 0; i < 7; i++) await park('rate-limited', i, RATE_LIMITED_REASON);
  await park('dependency-outage', 0, 'erp: circuit open after repeated failures; parked until …');
  await park('business', 0, 'unmapped_product: GROWTH-SEAT-X has no ERP item');
  await park('technical', 0, 'TransientError: NetSuite POST invoice: HTTP 503');

  const first = await drain();
  expect(first.allowance.erp).toBe('all');
  expect(first.rateLimitedPace).toBe(3);
  expect(first.rateLimitedRedriven).toBe(3);
  // the dependency-outage message drains beside them, not counted against the pace
  expect(first.totals).toEqual({ replayed: 4, skipped: 0, failed: 0 });
  expect(first.rows).toEqual([
    { reason: 'dependency-outage: erp', replayed: 1, skipped: 0, failed: 0 },
    { reason: 'rate-limited: erp', replayed: 3, skipped: 0, failed: 0 },
  ]);
  expect(republished()).toEqual([
    'evt_rate-limited_0',
    'evt_rate-limited_1',
    'evt_rate-limited_2',
    'evt_dependency-outage_0',
  ]);
  // The census of what the run left parked: 4 rate-limited, the business and the technical exception.
  expect(first.census).toEqual({
    business: { parked: 1, oldestSeconds: expect.any(Number) },
    technical: { parked: 1, oldestSeconds: expect.any(Number) },
    'dependency-outage': { parked: 0, oldestSeconds: 0 },
    'rate-limited': { parked: 4, oldestSeconds: expect.any(Number) },
  });
  // … published per classification for the Finance Ops dashboard (and `q2c status` locally).
  const { metrics } = await new OpsClient(runtime.url, runtime.dataDir).status();
  const last = (name: string, classification: string) =>
    metrics.find((m) => m.name === name && m.dimensions.classification === classification);
  expect(last('ParkedExceptions', 'business')).toMatchObject({ unit: 'Count' });
  expect(last('OldestParkedExceptionAge', 'rate-limited')).toMatchObject({ unit: 'Seconds' });

  const runs = [first.rateLimitedRedriven];
  for (let run = 0; run < 4; run++) runs.push((await drain()).rateLimitedRedriven);
  expect(runs).toEqual([3, 3, 1, 0, 0]);
  // every rate-limited message exactly once, in the order they were parked
  expect(republished().filter((id) => id?.startsWith('evt_rate-limited'))).toEqual(
    Array.from({ length: 7 }, (_, i) => `evt_rate-limited_${i}`),
  );

  const drained = await drain();
  expect(drained.census['rate-limited']).toEqual({ parked: 0, oldestSeconds: 0 });
  expect(drained.census.business.parked).toBe(1);

  // business and technical exceptions wait for a human
  const { queues } = await new OpsClient(runtime.url, runtime.dataDir).queues();
  const left = queues.flatMap((q) => q.messages.map((m) => m.classification));
  expect(left.sort()).toEqual(['business', 'technical']);
});

test('nothing rate-limited moves while the ERP circuit is open', async () => {
  process.env.Q2C_RATE_LIMITED_PER_RUN = '3';
  await dynamo().doc.send(
    new PutCommand({
      TableName: localTableName('circuitBreakers'),
      Item: {
        pk: 'breaker#erp',
        status: 'open',
        consecutiveFailures: 5,
        openedAt: Date.now(),
        version: 1,
      },
    }),
  );
  for (let i = 10; i < 12; i++) await park('rate-limited', i, RATE_LIMITED_REASON);
  const before = republished().length;
  const run = await drain();
  expect(run.allowance.erp).toBe('none');
  expect(run.rateLimitedPace).toBe(0);
  expect(run.rateLimitedRedriven).toBe(0);
  expect(republished()).toHaveLength(before);
});
