/**
 * Salesforce outage windows through the in-process local runtime (signed Flow callouts → bus →
 * DealToSubscriptionFlow with the real jsforce and stripe SDKs against the sandboxes):
 *
 * 1. Salesforce answers 503 while deals close: the salesforce circuit opens after
 *    CIRCUIT_BREAKERS.salesforce.failureThreshold failures, the other deals are parked as
 *    `dependency-outage` without calling Salesforce (the sandbox sees nothing while it is open), and once
 *    Salesforce is back the outage drain re-drives them.
 * 2. The outage starts when the first write-back arrives (billing already done): the write-backs wait the
 *    open circuit out inside their executions instead of being parked (a re-driven event would find the
 *    deal applied and skip the write-back), deals still loading are parked and drained.
 *
 * Both end with every deal billed exactly once in Stripe, written back exactly once, nothing parked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Stripe from 'stripe';
import { circuitBreaker } from '../../lambdas/adapters/circuit-breaker/dynamodb-breaker';
import { CIRCUIT_BREAKERS, DEPLOYMENT } from '../../lib/topology';
import { OpsClient } from '../../local/ops-client';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import type { FaultRequest } from '../../local/sandboxes/salesforce';
import { flowCalloutBody, sendFlowCallout } from '../../local/scenarios/salesforce-deliveries';
import { seedDeal } from '../statemachines/deal-harness';

jest.setTimeout(300_000);

const THRESHOLD = CIRCUIT_BREAKERS.salesforce.failureThreshold;
/** LoadDeal: 1 attempt + 5 retries of a TransientError. */
const LOAD_ATTEMPTS = 6;
const savedEnv = { ...process.env };
let runtime: LocalRuntime;
let ops: OpsClient;
let stripe: Stripe;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-sf-outage-'));
  process.env.Q2C_BREAKER_OPEN_MS = '4000';
  runtime = await startLocalRuntime({
    port: 0,
    dataDir: dir,
    logLevel: 'ERROR',
    retryIntervalMs: 100,
    drainIntervalMs: 400,
  });
  runtime.stripe.freezeClock(Date.parse('2026-11-02T10:00:00Z') / 1000);
  stripe = new Stripe(runtime.stripe.apiKey, {
    host: '127.0.0.1',
    port: runtime.stripe.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
}, 90_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
  process.env = savedEnv;
});

function seed(label: string, n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) =>
      seedDeal(runtime.salesforce, {
        account: { name: `${label} ${i} Ltd`, country: 'US' },
        opportunity: { name: `${label} ${i} — New Business`, type: 'New Business' },
        quote: { start: '2026-11-02', lines: [{ code: 'GROWTH-SEAT', quantity: 5 + i, unitPrice: 49 }] },
      }).opportunityId,
  );
}

async function closeWon(opportunityId: string): Promise<void> {
  const opp = runtime.salesforce.store.get('Opportunity', opportunityId) as Record<string, unknown>;
  ops ??= new OpsClient(runtime.url);
  const res = await sendFlowCallout(
    runtime.url,
    flowCalloutBody(DEPLOYMENT.salesforce.orgId, {
      Id: opportunityId,
      AccountId: String(opp.AccountId),
      StageName: 'Closed Won',
      IsWon: true,
      Type: String(opp.Type),
      SystemModstamp: new Date(String(opp.SystemModstamp)).toISOString(),
    }),
    runtime.salesforceFlowSecret,
  );
  expect(res.status).toBe(200);
}

const parked = async (classification?: string) =>
  (await ops.queues()).queues
    .flatMap((q) => q.messages)
    .filter((m) => classification === undefined || m.classification === classification);

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}

const isComposite = (r: { path: string }) => r.path.endsWith('/composite');
const isWriteBack = (r: FaultRequest) => isComposite(r) && JSON.stringify(r.body).includes('"PATCH"');
const opportunity = (id: string) =>
  runtime.salesforce.store.get('Opportunity', id) as Record<string, unknown>;

/** Successful write-backs (composite PATCH of the Opportunity) per opportunity, from the sandbox's request log. */
function writeBacks(ids: string[]): Record<string, number> {
  const counts = Object.fromEntries(ids.map((id) => [id, 0]));
  for (const r of runtime.salesforce.requests()) {
    if (!isComposite(r) || r.status !== 200) continue;
    for (const sub of r.subrequests ?? []) {
      const id = /^PATCH \S*\/sobjects\/Opportunity\/(\w+)/.exec(sub)?.[1];
      if (id && id in counts) counts[id]++;
    }
  }
  return counts;
}

/** Stripe subscriptions per opportunity (by the metadata the flow sets). */
async function subscriptionsPer(ids: string[]): Promise<Record<string, number>> {
  const counts = Object.fromEntries(ids.map((id) => [id, 0]));
  for await (const sub of stripe.subscriptions.list({ limit: 100, status: 'all' })) {
    const id = sub.metadata.sf_opportunity_id;
    if (id in counts) counts[id]++;
  }
  return counts;
}

const ones = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, 1]));
const allSynced = (ids: string[]) => ids.every((id) => opportunity(id).Q2C_Billing_Status__c === 'Active');

async function expectEveryDealOnce(ids: string[]): Promise<void> {
  for (const id of ids) {
    expect(opportunity(id)).toMatchObject({ Q2C_Billing_Status__c: 'Active', Q2C_Sync_Error__c: null });
    expect(String(opportunity(id).Q2C_Subscription_Id__c)).toMatch(/^sub_/);
  }
  expect(await subscriptionsPer(ids)).toEqual(ones(ids));
  expect(writeBacks(ids)).toEqual(ones(ids));
  // Nothing lost: no deal parked as business, technical or dependency-outage, nothing dead-lettered.
  expect(await parked()).toEqual([]);
}

test('Salesforce down while deals close: circuit opens, deals park as dependency-outage without calls, drain re-drives them once', async () => {
  const first = seed('Outage', 6);
  const late = seed('WhileOpen', 2);
  const stripeBefore = runtime.stripe.requests().length;
  const outage = runtime.salesforce.injectFault({ status: 503, times: 100_000 });

  for (const id of first) await closeWon(id);
  await runtime.idle();

  // The circuit opened: Salesforce saw a handful of failing calls, not deals × attempts.
  const failedCalls = 100_000 - outage.remaining;
  expect(failedCalls).toBeGreaterThanOrEqual(THRESHOLD);
  expect(failedCalls).toBeLessThan(first.length * LOAD_ATTEMPTS);
  expect(await circuitBreaker().state('salesforce')).toMatchObject({ status: 'open' });
  const outageParked = await parked('dependency-outage');
  expect(outageParked.length).toBeGreaterThan(0);
  expect(outageParked.every((m) => /^salesforce: circuit open/.test(m.reason))).toBe(true);

  // While it is open, more deals close: parked at once, and Salesforce sees no request at all.
  const seen = runtime.salesforce.requests().length;
  for (const id of late) await closeWon(id);
  await runtime.idle();
  expect(await circuitBreaker().state('salesforce')).toMatchObject({ status: 'open' });
  expect(runtime.salesforce.requests().length).toBe(seen);
  expect((await parked('dependency-outage')).length).toBe(outageParked.length + late.length);
  // Nothing was billed while Salesforce could not be read.
  expect(runtime.stripe.requests().slice(stripeBefore)).toEqual([]);

  // Salesforce is back: the drain probes after the open window, the circuit closes, the rest drains.
  outage.cancel();
  const recovered = performance.now();
  const all = [...first, ...late];
  await waitFor(async () => {
    await runtime.idle();
    return (await parked('dependency-outage')).length === 0 && allSynced(all);
  }, 60_000);
  await runtime.idle();
  console.log(
    `Salesforce outage: ${failedCalls} failed calls for ${first.length} deals (threshold ${THRESHOLD}, ` +
      `${first.length * LOAD_ATTEMPTS} without a breaker); ${outageParked.length + late.length} deals parked ` +
      `(${late.length} closed while open, 0 calls); all drained and written back ` +
      `${(performance.now() - recovered).toFixed(0)} ms after recovery (open window 4 s, drain every 400 ms)`,
  );
  expect(await circuitBreaker().state('salesforce')).toMatchObject({ status: 'closed' });
  // Deals that exhausted their retries before the circuit opened would be parked as technical: none.
  await expectEveryDealOnce(all);
});

test('Salesforce goes down at the first write-back: billed deals wait the circuit out and are written back once', async () => {
  process.env.Q2C_BREAKER_OPEN_MS = '1000';
  const ids = seed('WriteBack', 6);
  const writeBacksBefore = writeBacks(ids);
  let down = false;
  // Every Salesforce call fails from the first write-back on (loads still in flight included).
  const outage = runtime.salesforce.injectFault({
    status: 503,
    times: 100_000,
    match: (r) => (down ||= isWriteBack(r)),
  });
  for (const id of ids) await closeWon(id);
  await waitFor(async () => (await circuitBreaker().state('salesforce')).status === 'open', 30_000);
  const failedCalls = 100_000 - outage.remaining;
  outage.cancel();

  await waitFor(async () => {
    await runtime.idle();
    return (await parked('dependency-outage')).length === 0 && allSynced(ids);
  }, 60_000);
  await runtime.idle();
  console.log(`Salesforce down at the first write-back: ${failedCalls} failed calls for ${ids.length} deals`);
  expect(failedCalls).toBeGreaterThanOrEqual(THRESHOLD);
  expect(writeBacksBefore).toEqual(Object.fromEntries(ids.map((id) => [id, 0])));
  await expectEveryDealOnce(ids);
});
