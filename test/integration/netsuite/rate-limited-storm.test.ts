/**
 * A quarter-end 429 storm, through the local runtime with NetSuite as the ERP (in-process so the test
 * can throttle the simulator): other integrations eat the account's concurrency for longer than the
 * NetSuite client's Retry-After budget and the flows' own retries. The invoices of a burst park as
 * `rate-limited` — none as technical, none waiting for a human — and once the storm passes the outage
 * drain (the runtime's timer standing in for the schedule) re-drives them at its pace: every invoice
 * posts exactly once, nothing is left parked, and no drain run re-drove more than the pace.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../../lib/topology';
import type { LocalRuntime } from '../../../local/runtime';
import type { NetSuiteSimulator } from '../../../local/sandboxes/netsuite';
import { deliverStripeEvent } from '../../../local/webhook-client';
import { parkedMessages, startNetSuiteRuntime, waitFor, type NetSuiteRuntime } from '../in-process-runtime';
import { seatInvoiceEvent } from './harness';

jest.setTimeout(90_000);

const INVOICES = 10;
/** PostInvoice's attempts while NetSuite refuses: the first and its ErpRateLimitedError retrier's. */
const FLOW_ATTEMPTS = (() => {
  const asl = JSON.parse(
    readFileSync(path.join(PROJECT_ROOT, 'statemachines', 'post-invoice.asl.json'), 'utf8'),
  );
  const retriers = asl.States.PostInvoice.Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
  return 1 + retriers.find((r) => r.ErrorEquals.includes('ErpRateLimitedError'))!.MaxAttempts;
})();
/** Rate-limited messages a drain run may re-drive (the topology's 187 would drain this burst at once). */
const PACE = 3;
let started: NetSuiteRuntime;
let runtime: LocalRuntime;
let ns: NetSuiteSimulator;

beforeAll(async () => {
  started = await startNetSuiteRuntime(
    'q2c-ns-rate-limited-',
    { Q2C_RATE_LIMITED_PER_RUN: String(PACE) },
    { retryIntervalMs: 50, drainIntervalMs: 500 },
  );
  ({ runtime, ns } = started);
});
afterAll(async () => {
  await started?.stop();
});

const parked = () => parkedMessages(started.ops);
/** What the drain reports per run (EMF, aggregated like CloudWatch: samples, sum, max …). */
const redrivenSeries = async () =>
  (await started.ops.status()).metrics.filter((m) => m.name === 'RateLimitedRedriven');

test('a long 429 storm parks a burst as rate-limited; afterwards the drain posts each invoice once, at its pace', async () => {
  const events = Array.from({ length: INVOICES }, (_, i) =>
    seatInvoiceEvent({
      seed: `quarter-end-${i}`,
      createdIso: '2026-12-31T18:00:00Z',
      invoicePrefix: 'QE',
      quantity: 1 + i,
    }),
  );
  // Every request refused (Retry-After: 0, so the client spends its attempts at once) until cleared.
  const storm = ns.injectFault({ kind: 'throttle', times: 1_000_000, retryAfterSeconds: 0 });
  for (const { event } of events) {
    const delivery = await deliverStripeEvent(
      `${runtime.url}/webhooks/stripe`,
      event as never,
      runtime.webhookSecret,
    );
    expect(delivery.status).toBe(200);
  }

  // During the storm: the whole burst waits as rate-limited (the drain keeps trying a few a run,
  // which NetSuite refuses again), nothing as technical, nothing posted.
  await waitFor(
    async () => (await parked()).filter((m) => m.classification === 'rate-limited').length === INVOICES,
    30_000,
    'the burst parked as rate-limited',
  );
  const during = await parked();
  expect(during.filter((m) => m.classification !== 'rate-limited')).toEqual([]);
  expect(during[0]).toMatchObject({ error: 'ErpRateLimitedError' });
  expect(during[0].reason).toMatch(/^erp: rate limited, still refused after 6 attempts: NetSuite .*HTTP 429/);
  expect(new Set(during.map((m) => m.sourceEventId)).size).toBe(INVOICES);
  expect(ns.records('invoice')).toHaveLength(0);
  const refused = 1_000_000 - storm.remaining();
  // Each execution: every flow attempt × 6 client attempts of its first request, at least.
  expect(refused).toBeGreaterThanOrEqual(INVOICES * FLOW_ATTEMPTS * 6);

  // The storm goes on: a drain run re-drives a few, NetSuite refuses them again, they park again as
  // rate-limited (a later run's work), never as technical.
  await waitFor(async () => (await redrivenSeries()).length > 0, 10_000, 'a drain run during the storm');
  await waitFor(
    async () => {
      await runtime.idle();
      return (await parked()).filter((m) => m.classification === 'rate-limited').length === INVOICES;
    },
    10_000,
    'the re-driven work parked again',
  );
  expect((await parked()).filter((m) => m.classification !== 'rate-limited')).toEqual([]);
  expect(1_000_000 - storm.remaining()).toBeGreaterThan(refused);
  expect(ns.records('invoice')).toHaveLength(0);

  // The storm passes: the drain re-drives the backlog a few at a time.
  storm.clear();
  const recoveredAt = Date.now();
  await waitFor(
    async () => {
      await runtime.idle();
      return ns.records('invoice').length === INVOICES && (await parked()).length === 0;
    },
    40_000,
    'every invoice posted and nothing parked',
  );
  await runtime.idle();
  const drainedMs = Date.now() - recoveredAt;

  // Exactly once: one NetSuite invoice per Stripe invoice, no externalId twice.
  const externalIds = ns.records('invoice').map((r) => r.externalId);
  expect(new Set(externalIds).size).toBe(INVOICES);
  expect(externalIds.sort()).toEqual(events.map(({ event }) => `stripe-${event.data.object.id}`).sort());
  expect(await parked()).toEqual([]);

  // The pace held: no drain run re-drove more than PACE rate-limited messages, and draining took
  // at least ceil(INVOICES / PACE) runs after the storm.
  // The last run's metric is published when the run ends — after its paced scan and its full census
  // scan (each ends on two empty 1 s receives) — seconds after its last re-drive posted.
  const runsAfterStorm = Math.ceil(INVOICES / PACE);
  await waitFor(
    async () => ((await redrivenSeries())[0]?.samples ?? 0) > runsAfterStorm,
    15_000,
    'the last drain run published',
  );
  const series = await redrivenSeries();
  expect(series).toHaveLength(1);
  const redriven = series[0];
  expect(redriven?.max).toBeLessThanOrEqual(PACE);
  expect(redriven?.sum).toBeGreaterThan(INVOICES); // the burst once after the storm, some during it
  expect(redriven?.samples).toBeGreaterThan(runsAfterStorm);
  process.stdout.write(
    `rate-limited storm: ${1_000_000 - storm.remaining()} refusals (${refused} before the first drain run), ${INVOICES} invoices parked as rate-limited; drained ` +
      `${drainedMs} ms after the storm at ≤${PACE} a run (${redriven?.samples} runs re-drove ` +
      `${redriven?.sum} messages, max ${redriven?.max} a run)\n`,
  );
});
