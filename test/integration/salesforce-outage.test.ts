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
 * 3. Salesforce refuses every write-back until the write-backs exhaust their retries and park: once it
 *    is back, `q2c replay --from exceptions` finds each deal applied but not written back (crosswalk
 *    `writtenBackVersion`) and writes the stored outcome back, with no Stripe call; a later delivery skips.
 *
 * All end with every deal billed exactly once in Stripe, written back exactly once, nothing parked.
 */
import { circuitBreaker } from '../../lambdas/adapters/circuit-breaker/dynamodb-breaker';
import { CIRCUIT_BREAKERS } from '../../lib/topology';
import { runReplay } from '../../local/replay/run';
import { localTarget } from '../../local/replay/targets';
import type { FaultRequest } from '../../local/sandboxes/salesforce';
import { each, startDealOutageRuntime, type DealOutageRuntime } from './deal-outage-harness';
import { waitFor } from './in-process-runtime';

jest.setTimeout(300_000);

const THRESHOLD = CIRCUIT_BREAKERS.salesforce.failureThreshold;
/** LoadDeal: 1 attempt + 5 retries of a TransientError. */
const LOAD_ATTEMPTS = 6;
let h: DealOutageRuntime;

beforeAll(async () => {
  h = await startDealOutageRuntime('q2c-sf-outage-', 4000);
}, 90_000);

afterAll(async () => {
  await h?.stop();
});

const seed = (label: string, n: number) => h.seed(label, n).map((d) => d.opportunityId);
const isWriteBack = (r: FaultRequest) =>
  r.path.endsWith('/composite') && JSON.stringify(r.body).includes('"PATCH"');

test('Salesforce down while deals close: circuit opens, deals park as dependency-outage without calls, drain re-drives them once', async () => {
  const first = seed('Outage', 6);
  const late = seed('WhileOpen', 2);
  const stripeBefore = h.runtime.stripe.requests().length;
  const outage = h.runtime.salesforce.injectFault({ status: 503, times: 100_000 });

  for (const id of first) await h.closeWon(id);
  await h.runtime.idle();

  // The circuit opened: Salesforce saw a handful of failing calls, not deals × attempts.
  const failedCalls = 100_000 - outage.remaining;
  expect(failedCalls).toBeGreaterThanOrEqual(THRESHOLD);
  expect(failedCalls).toBeLessThan(first.length * LOAD_ATTEMPTS);
  expect(await circuitBreaker().state('salesforce')).toMatchObject({ status: 'open' });
  const outageParked = await h.parked('dependency-outage');
  expect(outageParked.length).toBeGreaterThan(0);
  expect(outageParked.every((m) => /^salesforce: circuit open/.test(m.reason))).toBe(true);

  // While it is open, more deals close: parked at once, and Salesforce sees no request at all.
  const seen = h.runtime.salesforce.requests().length;
  for (const id of late) await h.closeWon(id);
  await h.runtime.idle();
  expect(await circuitBreaker().state('salesforce')).toMatchObject({ status: 'open' });
  expect(h.runtime.salesforce.requests().length).toBe(seen);
  expect((await h.parked('dependency-outage')).length).toBe(outageParked.length + late.length);
  // Nothing was billed while Salesforce could not be read.
  expect(h.runtime.stripe.requests().slice(stripeBefore)).toEqual([]);

  // Salesforce is back: the drain probes after the open window, the circuit closes, the rest drains.
  outage.cancel();
  const all = [...first, ...late];
  const ms = await h.drained(all, 60_000);
  console.log(
    `Salesforce outage: ${failedCalls} failed calls for ${first.length} deals (threshold ${THRESHOLD}, ` +
      `${first.length * LOAD_ATTEMPTS} without a breaker); ${outageParked.length + late.length} deals parked ` +
      `(${late.length} closed while open, 0 calls); all drained and written back ` +
      `${ms.toFixed(0)} ms after recovery (open window 4 s, drain every 400 ms)`,
  );
  expect(await circuitBreaker().state('salesforce')).toMatchObject({ status: 'closed' });
  // Deals that exhausted their retries before the circuit opened would be parked as technical: none.
  await h.expectEveryDealOnce(all);
});

test('Salesforce goes down at the first write-back: billed deals wait the circuit out and are written back once', async () => {
  process.env.Q2C_BREAKER_OPEN_MS = '1000';
  const ids = seed('WriteBack', 6);
  const writeBacksBefore = h.writeBacks(ids);
  let down = false;
  // Every Salesforce call fails from the first write-back on (loads still in flight included).
  const outage = h.runtime.salesforce.injectFault({
    status: 503,
    times: 100_000,
    match: (r) => (down ||= isWriteBack(r)),
  });
  for (const id of ids) await h.closeWon(id);
  await waitFor(async () => (await circuitBreaker().state('salesforce')).status === 'open', 30_000);
  const failedCalls = 100_000 - outage.remaining;
  outage.cancel();

  await h.drained(ids, 60_000);
  console.log(`Salesforce down at the first write-back: ${failedCalls} failed calls for ${ids.length} deals`);
  expect(failedCalls).toBeGreaterThanOrEqual(THRESHOLD);
  expect(writeBacksBefore).toEqual(each(ids, 0));
  await h.expectEveryDealOnce(ids);
});

test('write-backs parked after their retries: a replay from the exception queue writes each back once, with no Stripe call', async () => {
  process.env.Q2C_BREAKER_OPEN_MS = '100';
  const ids = seed('Parked', 3);
  // Only the write-backs fail (loads succeed): long enough for every write-back to exhaust its retries.
  const outage = h.runtime.salesforce.injectFault({ status: 503, times: 100_000, match: isWriteBack });
  for (const id of ids) await h.closeWon(id);
  await waitFor(
    async () => {
      await h.runtime.idle();
      const parked = await h.parked();
      return parked.length === ids.length && parked.every((m) => m.classification === 'technical');
    },
    60_000,
    'every write-back parked',
  );
  const refused = 100_000 - outage.remaining;
  outage.cancel();
  // Billed once, not written back: the limit this closes (a replay used to find the deal applied and skip).
  expect(await h.subscriptionsPer(ids)).toEqual(each(ids, 1));
  expect(h.writeBacks(ids)).toEqual(each(ids, 0));
  for (const id of ids) expect(h.opportunity(id).Q2C_Billing_Status__c).not.toBe('Active');

  const stripeBefore = h.runtime.stripe.requests().length;
  const started = performance.now();
  const replay = async () => {
    const target = await localTarget(h.runtime.url, h.runtime.dataDir);
    try {
      return await runReplay(target, { kind: 'queue', from: 'exceptions', filter: {}, dryRun: false });
    } finally {
      target.close();
    }
  };
  expect((await replay()).tally.totals()).toEqual({ replayed: ids.length, skipped: 0, failed: 0 });
  const ms = await h.drained(ids, 30_000);
  console.log(
    `Parked write-backs: ${refused} refused write-back calls for ${ids.length} deals before parking; ` +
      `replayed and written back ${(performance.now() - started).toFixed(0)} ms after the replay ` +
      `(${ms.toFixed(0)} ms waiting), 0 Stripe calls`,
  );
  // Written back from the crosswalk's stored outcome: Stripe not called at all, no new subscription.
  expect(h.runtime.stripe.requests().slice(stripeBefore)).toEqual([]);
  await h.expectEveryDealOnce(ids);

  // The write-back is now noted: another delivery of each deal (and an empty replay) writes nothing.
  const stripeAfter = h.runtime.stripe.requests().length; // past the test's own subscription listing
  for (const id of ids) await h.closeWon(id);
  await h.runtime.idle();
  expect((await replay()).tally.totals()).toEqual({ replayed: 0, skipped: 0, failed: 0 });
  expect(h.runtime.stripe.requests().slice(stripeAfter)).toEqual([]);
  await h.expectEveryDealOnce(ids);
});
