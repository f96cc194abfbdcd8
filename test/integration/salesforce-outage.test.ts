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
import { circuitBreaker } from '../../lambdas/adapters/circuit-breaker/dynamodb-breaker';
import { CIRCUIT_BREAKERS } from '../../lib/topology';
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
