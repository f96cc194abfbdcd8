/**
 * Salesforce Event Relay dead letters through the in-process local runtime, re-driven by the same code
 * `q2c replay --from dlq` runs (local/replay): a closed-won platform event reaches the partner bus while
 * our bus refuses every PutEvents (injected outage), so the relay function fails on each of Lambda's
 * three attempts and the event lands on the relay dead-letter queue; once the bus is back, the replay
 * re-invokes the relay function with the partner event (no PutEvents onto the partner bus), deletes the
 * dead letter only then, and the deal flow runs exactly once: one Stripe customer and subscription, one
 * write-back. A second replay, and a duplicate dead letter, change nothing.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PLATFORM_EVENT } from '../../lambdas/adapters/crm/salesforce/fields';
import { STATE_MACHINES } from '../../lib/topology';
import { settle } from '../../local/deal-demo';
import { readExecutions } from '../../local/replay/local-ops';
import { runReplay } from '../../local/replay/run';
import { localTarget } from '../../local/replay/targets';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { platformEventPayload } from '../../local/scenarios/salesforce-deliveries';
import { seedDeal } from '../statemachines/deal-harness';

let runtime: LocalRuntime;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-relay-replay-'));
  runtime = await startLocalRuntime({
    port: 0,
    dataDir: dir,
    logLevel: 'ERROR',
    retryIntervalMs: 1,
    drainIntervalMs: 0,
  });
  runtime.stripe.freezeClock(Date.parse('2026-11-02T10:00:00Z') / 1000);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const relayDeadLetters = () => runtime.sqs.inspect('salesforceRelayDlq');
const stripeWrites = (from: number) =>
  runtime.stripe
    .requests()
    .slice(from)
    .filter((r) => r.method === 'POST')
    .map((r) => r.path);
const dealExecutions = (opportunityId: string) =>
  readExecutions(dir).filter(
    (e) =>
      e.stateMachine.includes(STATE_MACHINES.dealToSubscription.id) &&
      JSON.stringify(e.input).includes(opportunityId),
  );

async function replayDeadLetters() {
  const target = await localTarget(runtime.url, runtime.dataDir);
  try {
    const report = await runReplay(target, { kind: 'queue', from: 'dlq', filter: {}, dryRun: false });
    await settle(runtime);
    return report;
  } finally {
    target.close();
  }
}

test('a relayed closed-won the relay could not put on our bus: dead letter → replay --from dlq → the deal runs exactly once', async () => {
  const seeded = seedDeal(runtime.salesforce, {
    account: { name: 'Relay Replay Inc', country: 'US' },
    opportunity: { name: 'Relay Replay deal', type: 'New Business' },
    quote: { start: '2026-11-02', lines: [{ code: 'GROWTH-SEAT', quantity: 10, unitPrice: 49 }] },
  });
  const opp = runtime.salesforce.store.get('Opportunity', seeded.opportunityId) as Record<string, unknown>;
  const stripeBefore = runtime.stripe.requests().length;

  // Our bus is down: every PutEvents entry fails (the relay function's four attempts per invocation,
  // three invocations). Salesforce's delivery onto the partner bus is not ours, so it is put directly.
  runtime.bus.injectFault({ mode: 'failed-entry', times: 1_000 });
  const put = runtime.bus.putEvent({
    EventBusName: runtime.partnerEventBusName,
    Source: runtime.partnerEventBusName,
    DetailType: PLATFORM_EVENT.apiName,
    Detail: JSON.stringify({
      id: 'c0ffee00-0000-4000-8000-00000000beef',
      schemaId: 'q2cOpportunityEventSchema01',
      payload: platformEventPayload({
        Id: seeded.opportunityId,
        AccountId: String(opp.AccountId),
        StageName: 'Closed Won',
        IsWon: true,
        Type: 'New Business',
        SystemModstamp: new Date(String(opp.SystemModstamp)).toISOString(),
      }),
    }),
  });
  expect(put.EventId).toBeDefined();
  await settle(runtime);

  const parked = relayDeadLetters();
  expect(parked).toHaveLength(1);
  expect(JSON.parse(parked[0].body)).toMatchObject({
    source: runtime.partnerEventBusName,
    'detail-type': PLATFORM_EVENT.apiName,
    detail: { id: 'c0ffee00-0000-4000-8000-00000000beef' },
  });
  expect(parked[0].attributes.ERROR_MESSAGE).toMatch(/PutEvents did not accept/);
  expect(dealExecutions(seeded.opportunityId)).toHaveLength(0);
  expect(stripeWrites(stripeBefore)).toEqual([]);

  // While the bus is still down the replay fails and keeps the dead letter.
  const failed = await replayDeadLetters();
  expect(failed.tally.totals()).toEqual({ replayed: 0, skipped: 0, failed: 1 });
  expect(relayDeadLetters()).toHaveLength(1);
  expect(dealExecutions(seeded.opportunityId)).toHaveLength(0);

  // The bus is back: the replay re-invokes the relay function, which normalises the event onto our bus.
  runtime.bus.injectFault({ mode: 'failed-entry', times: 0 });
  const report = await replayDeadLetters();
  expect(report.tally.totals()).toEqual({ replayed: 1, skipped: 0, failed: 0 });
  expect(relayDeadLetters()).toHaveLength(0);
  const runs = dealExecutions(seeded.opportunityId);
  expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED']);
  expect(stripeWrites(stripeBefore)).toEqual(['/v1/customers', '/v1/subscriptions']);
  expect(runtime.salesforce.store.get('Opportunity', seeded.opportunityId)).toMatchObject({
    Q2C_Billing_Status__c: 'Active',
    Q2C_Sync_Error__c: null,
  });
  const arrived = runtime.bus
    .archive()
    .filter((e) => e.sourceEventId === 'sf:relay:c0ffee00-0000-4000-8000-00000000beef');
  expect(arrived.map((e) => e.detailType)).toEqual(['crm.opportunity.closed_won']);

  // Again: nothing to replay. A duplicate of the dead letter re-drives the same event: no new billing.
  expect((await replayDeadLetters()).tally.totals()).toEqual({ replayed: 0, skipped: 0, failed: 0 });
  await runtime.sqs.client.send(
    new SendMessageCommand({
      QueueUrl: runtime.sqs.queueUrl('salesforceRelayDlq'),
      MessageBody: parked[0].body,
      MessageAttributes: { ERROR_MESSAGE: { DataType: 'String', StringValue: 'duplicate' } },
    }),
  );
  expect((await replayDeadLetters()).tally.totals()).toEqual({ replayed: 1, skipped: 0, failed: 0 });
  expect(stripeWrites(stripeBefore)).toEqual(['/v1/customers', '/v1/subscriptions']);
  expect(relayDeadLetters()).toHaveLength(0);
}, 120_000);
