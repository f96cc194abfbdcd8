/**
 * Stripe outage windows through the in-process local runtime (signed Flow callouts → bus →
 * DealToSubscriptionFlow with the real jsforce and stripe SDKs against the sandboxes):
 *
 * 1. Stripe answers 503 while deals close: ApplyDealToBilling's writes fail, the stripe circuit opens
 *    after CIRCUIT_BREAKERS.stripe.failureThreshold failures, the deals are parked as `dependency-outage`
 *    without burning their retries (deals closing while it is open send Stripe nothing at all), and once
 *    Stripe is back the outage drain re-drives the events: the flow runs again from LoadDeal.
 * 2. Stripe goes down at the first subscription create, whose answer is lost after Stripe made it:
 *    customers and that subscription already exist when the deals park; the re-driven runs replay them
 *    by their Idempotency-Keys instead of billing twice.
 *
 * Both end with every deal having exactly one Stripe customer and one subscription, written back to
 * Salesforce exactly once, nothing parked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Stripe from 'stripe';
import { circuitBreaker } from '../../lambdas/adapters/circuit-breaker/dynamodb-breaker';
import { CIRCUIT_BREAKERS, DEPLOYMENT } from '../../lib/topology';
import { OpsClient } from '../../local/ops-client';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { flowCalloutBody, sendFlowCallout } from '../../local/scenarios/salesforce-deliveries';
import { seedDeal } from '../statemachines/deal-harness';

jest.setTimeout(120_000);

const THRESHOLD = CIRCUIT_BREAKERS.stripe.failureThreshold;
/** ApplyToBilling: 1 attempt + 6 retries of a TransientError. */
const APPLY_ATTEMPTS = 7;
const OPEN_MS = 2000;
const savedEnv = { ...process.env };
let runtime: LocalRuntime;
let ops: OpsClient;
let stripe: Stripe;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-stripe-outage-'));
  process.env.Q2C_BREAKER_OPEN_MS = String(OPEN_MS);
  runtime = await startLocalRuntime({
    port: 0,
    dataDir: dir,
    logLevel: 'ERROR',
    retryIntervalMs: 100,
    drainIntervalMs: 400,
  });
  runtime.stripe.freezeClock(Date.parse('2026-11-02T10:00:00Z') / 1000);
  ops = new OpsClient(runtime.url);
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

interface SeededDeal {
  opportunityId: string;
  accountId: string;
}

function seed(label: string, n: number): SeededDeal[] {
  return Array.from({ length: n }, (_, i) =>
    seedDeal(runtime.salesforce, {
      account: { name: `${label} ${i} Ltd`, country: 'US' },
      opportunity: { name: `${label} ${i} — New Business`, type: 'New Business' },
      quote: { start: '2026-11-02', lines: [{ code: 'GROWTH-SEAT', quantity: 5 + i, unitPrice: 49 }] },
    }),
  );
}

async function closeWon({ opportunityId }: SeededDeal): Promise<void> {
  const opp = opportunity(opportunityId);
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

const opportunity = (id: string) =>
  runtime.salesforce.store.get('Opportunity', id) as Record<string, unknown>;
const isSubscriptionCreate = (r: { method: string; path: string }) =>
  r.method === 'POST' && r.path === '/v1/subscriptions';

/** Successful write-backs (composite PATCH of the Opportunity) per opportunity, from the sandbox's request log. */
function writeBacks(deals: SeededDeal[]): Record<string, number> {
  const counts = Object.fromEntries(deals.map((d) => [d.opportunityId, 0]));
  for (const r of runtime.salesforce.requests()) {
    if (!r.path.endsWith('/composite') || r.status !== 200) continue;
    for (const sub of r.subrequests ?? []) {
      const id = /^PATCH \S*\/sobjects\/Opportunity\/(\w+)/.exec(sub)?.[1];
      if (id && id in counts) counts[id]++;
    }
  }
  return counts;
}

/** Stripe objects per Salesforce id, by the metadata the flow sets. */
async function perDeal(
  deals: SeededDeal[],
): Promise<Record<string, { customers: number; subscriptions: number }>> {
  const counts = Object.fromEntries(deals.map((d) => [d.opportunityId, { customers: 0, subscriptions: 0 }]));
  const byAccount = new Map(deals.map((d) => [d.accountId, d.opportunityId]));
  for await (const c of stripe.customers.list({ limit: 100 })) {
    const opp = byAccount.get(c.metadata.sf_account_id);
    if (opp) counts[opp].customers++;
  }
  for await (const sub of stripe.subscriptions.list({ limit: 100, status: 'all' })) {
    const opp = sub.metadata.sf_opportunity_id;
    if (opp in counts) counts[opp].subscriptions++;
  }
  return counts;
}

const allSynced = (deals: SeededDeal[]) =>
  deals.every((d) => opportunity(d.opportunityId).Q2C_Billing_Status__c === 'Active');

async function expectEveryDealOnce(deals: SeededDeal[]): Promise<void> {
  for (const { opportunityId } of deals) {
    expect(opportunity(opportunityId)).toMatchObject({
      Q2C_Billing_Status__c: 'Active',
      Q2C_Sync_Error__c: null,
    });
    expect(String(opportunity(opportunityId).Q2C_Subscription_Id__c)).toMatch(/^sub_/);
  }
  const once = Object.fromEntries(deals.map((d) => [d.opportunityId, { customers: 1, subscriptions: 1 }]));
  expect(await perDeal(deals)).toEqual(once);
  expect(writeBacks(deals)).toEqual(Object.fromEntries(deals.map((d) => [d.opportunityId, 1])));
  // Nothing lost: no deal parked as business, technical or dependency-outage, nothing dead-lettered.
  expect(await parked()).toEqual([]);
}

/** Waits until the drain has re-driven everything and every deal is written back; returns the ms it took. */
async function drained(deals: SeededDeal[]): Promise<number> {
  const start = performance.now();
  await waitFor(async () => {
    await runtime.idle();
    return (await parked('dependency-outage')).length === 0 && allSynced(deals);
  }, 30_000);
  await runtime.idle();
  return performance.now() - start;
}

test('Stripe down while deals close: circuit opens, deals park as dependency-outage without burning retries, drain re-drives them once', async () => {
  const first = seed('StripeDown', 5);
  const late = seed('StripeOpen', 2);
  const outage = runtime.stripe.injectFault({ status: 503, times: 100_000 });

  for (const d of first) await closeWon(d);
  await runtime.idle();

  // The circuit opened: Stripe saw a handful of failing writes, not deals × attempts.
  const failedCalls = 100_000 - outage.remaining;
  expect(failedCalls).toBeGreaterThanOrEqual(THRESHOLD);
  expect(failedCalls).toBeLessThan(first.length * APPLY_ATTEMPTS);
  expect(await circuitBreaker().state('stripe')).toMatchObject({ status: 'open' });
  const outageParked = await parked('dependency-outage');
  // Every deal parked as an outage (none exhausted its retries into `technical`), none written back.
  expect(outageParked).toHaveLength(first.length);
  expect(outageParked.every((m) => /^stripe: circuit open/.test(m.reason))).toBe(true);
  expect(await parked()).toHaveLength(first.length);
  expect(writeBacks(first)).toEqual(Object.fromEntries(first.map((d) => [d.opportunityId, 0])));

  // While it is open more deals close: loaded from Salesforce, then parked without a request to Stripe.
  const seen = runtime.stripe.requests().length;
  for (const d of late) await closeWon(d);
  await runtime.idle();
  expect(await circuitBreaker().state('stripe')).toMatchObject({ status: 'open' });
  expect(runtime.stripe.requests().length).toBe(seen);
  expect(await parked('dependency-outage')).toHaveLength(first.length + late.length);

  // Stripe is back: the drain probes after the open window, the circuit closes, the rest drains.
  outage.cancel();
  const all = [...first, ...late];
  const ms = await drained(all);
  console.log(
    `Stripe outage: ${failedCalls} failed Stripe calls for ${first.length} deals (threshold ${THRESHOLD}, ` +
      `${first.length * APPLY_ATTEMPTS} without a breaker); ${first.length + late.length} deals parked ` +
      `(${late.length} closed while open, 0 Stripe calls); all drained and written back ${ms.toFixed(0)} ms ` +
      `after recovery (open window ${OPEN_MS} ms, drain every 400 ms)`,
  );
  expect(await circuitBreaker().state('stripe')).toMatchObject({ status: 'closed' });
  await expectEveryDealOnce(all);
});

test('Stripe goes down at the first subscription create (made, answer lost): re-driven deals replay by Idempotency-Key and bill once', async () => {
  const deals = seed('StripeLost', 4);
  let down = false;
  // The first subscription create runs in Stripe and its answer is lost; from then on Stripe's writes answer 503.
  runtime.stripe.injectFault({
    status: 503,
    phase: 'after',
    times: 1,
    match: (r) => isSubscriptionCreate(r) && (down = true),
  });
  // (The flow only POSTs here; this test's own reads stay answered.)
  const outage = runtime.stripe.injectFault({
    status: 503,
    times: 100_000,
    match: (r) => down && r.method === 'POST',
  });
  for (const d of deals) await closeWon(d);
  await waitFor(async () => (await circuitBreaker().state('stripe')).status === 'open', 20_000);
  await runtime.idle();
  const failedCalls = 100_000 - outage.remaining + 1;
  // A subscription exists in Stripe for a deal that is parked, unrecorded and not written back.
  const before = await perDeal(deals);
  expect(Object.values(before).filter((c) => c.subscriptions === 1)).toHaveLength(1);
  expect((await parked('dependency-outage')).length).toBeGreaterThan(0);
  expect(writeBacks(deals)).toEqual(Object.fromEntries(deals.map((d) => [d.opportunityId, 0])));
  outage.cancel();

  const ms = await drained(deals);
  console.log(
    `Stripe down at the first subscription create: ${failedCalls} failed Stripe calls for ${deals.length} deals; ` +
      `drained ${ms.toFixed(0)} ms after recovery`,
  );
  expect(failedCalls).toBeGreaterThanOrEqual(THRESHOLD);
  await expectEveryDealOnce(deals);
});
