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
import { circuitBreaker } from '../../lambdas/adapters/circuit-breaker/dynamodb-breaker';
import { CIRCUIT_BREAKERS } from '../../lib/topology';
import type { SeededDeal } from '../statemachines/deal-harness';
import { each, startDealOutageRuntime, type DealOutageRuntime } from './deal-outage-harness';
import { waitFor } from './in-process-runtime';

jest.setTimeout(120_000);

const THRESHOLD = CIRCUIT_BREAKERS.stripe.failureThreshold;
/** ApplyToBilling: 1 attempt + 6 retries of a TransientError. */
const APPLY_ATTEMPTS = 7;
const OPEN_MS = 2000;
let h: DealOutageRuntime;

beforeAll(async () => {
  h = await startDealOutageRuntime('q2c-stripe-outage-', OPEN_MS);
}, 90_000);

afterAll(async () => {
  await h?.stop();
});

const ids = (deals: SeededDeal[]) => deals.map((d) => d.opportunityId);
const isSubscriptionCreate = (r: { method: string; path: string }) =>
  r.method === 'POST' && r.path === '/v1/subscriptions';

/** Stripe objects per Salesforce id, by the metadata the flow sets. */
async function perDeal(
  deals: SeededDeal[],
): Promise<Record<string, { customers: number; subscriptions: number }>> {
  const counts = Object.fromEntries(deals.map((d) => [d.opportunityId, { customers: 0, subscriptions: 0 }]));
  const byAccount = new Map(deals.map((d) => [d.accountId, d.opportunityId]));
  for await (const c of h.stripe.customers.list({ limit: 100 })) {
    const opp = byAccount.get(c.metadata.sf_account_id);
    if (opp) counts[opp].customers++;
  }
  for await (const sub of h.stripe.subscriptions.list({ limit: 100, status: 'all' })) {
    const opp = sub.metadata.sf_opportunity_id;
    if (opp in counts) counts[opp].subscriptions++;
  }
  return counts;
}

/** One Stripe customer and one subscription per deal, on top of the harness's every-deal-once checks. */
async function expectEveryDealOnce(deals: SeededDeal[]): Promise<void> {
  await h.expectEveryDealOnce(ids(deals));
  expect(await perDeal(deals)).toEqual(each(ids(deals), { customers: 1, subscriptions: 1 }));
}

test('Stripe down while deals close: circuit opens, deals park as dependency-outage without burning retries, drain re-drives them once', async () => {
  const first = h.seed('StripeDown', 5);
  const late = h.seed('StripeOpen', 2);
  const outage = h.runtime.stripe.injectFault({ status: 503, times: 100_000 });

  for (const d of first) await h.closeWon(d.opportunityId);
  await h.runtime.idle();

  // The circuit opened: Stripe saw a handful of failing writes, not deals × attempts.
  const failedCalls = 100_000 - outage.remaining;
  expect(failedCalls).toBeGreaterThanOrEqual(THRESHOLD);
  expect(failedCalls).toBeLessThan(first.length * APPLY_ATTEMPTS);
  expect(await circuitBreaker().state('stripe')).toMatchObject({ status: 'open' });
  const outageParked = await h.parked('dependency-outage');
  // Every deal parked as an outage (none exhausted its retries into `technical`), none written back.
  expect(outageParked).toHaveLength(first.length);
  expect(outageParked.every((m) => /^stripe: circuit open/.test(m.reason))).toBe(true);
  expect(await h.parked()).toHaveLength(first.length);
  expect(h.writeBacks(ids(first))).toEqual(each(ids(first), 0));

  // While it is open more deals close: loaded from Salesforce, then parked without a request to Stripe.
  const seen = h.runtime.stripe.requests().length;
  for (const d of late) await h.closeWon(d.opportunityId);
  await h.runtime.idle();
  expect(await circuitBreaker().state('stripe')).toMatchObject({ status: 'open' });
  expect(h.runtime.stripe.requests().length).toBe(seen);
  expect(await h.parked('dependency-outage')).toHaveLength(first.length + late.length);

  // Stripe is back: the drain probes after the open window, the circuit closes, the rest drains.
  outage.cancel();
  const all = [...first, ...late];
  const ms = await h.drained(ids(all), 30_000);
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
  const deals = h.seed('StripeLost', 4);
  let down = false;
  // The first subscription create runs in Stripe and its answer is lost; from then on Stripe's writes answer 503.
  h.runtime.stripe.injectFault({
    status: 503,
    phase: 'after',
    times: 1,
    match: (r) => isSubscriptionCreate(r) && (down = true),
  });
  // (The flow only POSTs here; this test's own reads stay answered.)
  const outage = h.runtime.stripe.injectFault({
    status: 503,
    times: 100_000,
    match: (r) => down && r.method === 'POST',
  });
  for (const d of deals) await h.closeWon(d.opportunityId);
  await waitFor(async () => (await circuitBreaker().state('stripe')).status === 'open', 20_000);
  await h.runtime.idle();
  const failedCalls = 100_000 - outage.remaining + 1;
  // A subscription exists in Stripe for a deal that is parked, unrecorded and not written back.
  const before = await perDeal(deals);
  expect(Object.values(before).filter((c) => c.subscriptions === 1)).toHaveLength(1);
  expect((await h.parked('dependency-outage')).length).toBeGreaterThan(0);
  expect(h.writeBacks(ids(deals))).toEqual(each(ids(deals), 0));
  outage.cancel();

  const ms = await h.drained(ids(deals), 30_000);
  console.log(
    `Stripe down at the first subscription create: ${failedCalls} failed Stripe calls for ${deals.length} deals; ` +
      `drained ${ms.toFixed(0)} ms after recovery`,
  );
  expect(failedCalls).toBeGreaterThanOrEqual(THRESHOLD);
  await expectEveryDealOnce(deals);
});
