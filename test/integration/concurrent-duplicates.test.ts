/**
 * Two concurrent deliveries of one invoice event through the local runtime (`q2c serve`): the first
 * holds the Powertools idempotency record IN_PROGRESS while its ledger write is throttled by DynamoDB
 * (armed through the ops API), the second meets IdempotencyAlreadyInProgressError and waits on the
 * posting flow's own retrier until the stored result is there. Exactly one posting, nothing parked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DynamoFaultStats } from '../../local/services/dynamodb-faults';
import { usdMonthlyWithTaxAndDiscount as usd } from '../fixtures/stripe';
import { postStripe, settled, startRuntimeProcess, type RunningRuntime } from './harness';

let dataDir: string;
let runtime: RunningRuntime;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-concurrent-'));
  runtime = await startRuntimeProcess(dataDir, [], { faultInjection: true });
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const armDynamo = (spec: object) => runtime.ops.action('/ops/dynamodb/fault', spec);

it('refuses a malformed DynamoDB fault with a clear 400', async () => {
  const res = await armDynamo({ exception: 'SlowDown', rate: 2 });
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ error: { code: 'invalid_fault', message: /unknown exception/ } });
});

it('two concurrent deliveries of one invoice: one posting, the second waits (no park), nothing in the exception queue', async () => {
  // The first posting's ledger write is throttled 3 times (the SDK's 4th attempt succeeds): its throttling
  // backoff (random, ~3.5 s on average) holds the record IN_PROGRESS longer than locally shortened retries
  // (5 × 200 ms) would wait — the old shared retrier parked the second delivery here.
  const armed = await armDynamo({
    exception: 'ProvisionedThroughputExceededException',
    times: 3,
    tables: ['ledger'],
    operations: ['PutItem'],
  });
  expect(armed.status).toBe(200);
  const before = (await runtime.ops.health()).executions;

  const deliveries = await Promise.all([
    postStripe(runtime.url, usd.finalized),
    postStripe(runtime.url, usd.finalized),
  ]);
  expect(deliveries.map((d) => d.status)).toEqual([200, 200]);
  await settled(runtime);

  const after = (await runtime.ops.health()).executions;
  // Both executions succeeded: the second returned the stored result instead of parking (FAILED: PostingParked).
  expect(after.succeeded - before.succeeded).toBe(2);
  expect(after.failed - before.failed).toBe(0);
  const { entries } = await runtime.ops.journal();
  expect(entries.map((e) => `${e.kind} ${e.documentRef}`)).toEqual([`invoice stripe:${usd.invoice.id}`]);
  const queues = await runtime.ops.queues();
  expect(queues.queues.flatMap((q) => q.messages)).toEqual([]);
  const stats = (await (await fetch(`${runtime.url}/ops/dynamodb/faults`)).json()) as DynamoFaultStats;
  expect(stats).toMatchObject({
    throttled: 3,
    byException: { ProvisionedThroughputExceededException: 3 },
    byTable: { 'q2c-LedgerTable': 3 },
  });
});
