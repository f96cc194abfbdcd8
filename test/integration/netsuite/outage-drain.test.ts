/**
 * ERP outage for a window, through the local runtime with NetSuite as the ERP (in-process so the
 * test can fail the simulator): the ERP circuit opens after repeated 503s, the rest of the work is
 * parked as `dependency-outage` without burning retries, and once NetSuite is back the outage drain
 * (the runtime's stand-in for the drain schedule) re-drives it: every document lands exactly once,
 * nothing is lost, nothing is duplicated.
 */
import type { LocalRuntime } from '../../../local/runtime';
import type { NetSuiteSimulator } from '../../../local/sandboxes/netsuite';
import { parkedMessages, startNetSuiteRuntime, waitFor, type NetSuiteRuntime } from '../in-process-runtime';
import { seatInvoiceEvent } from './harness';
import { deliverStripeEvent } from '../../../local/webhook-client';
import { CIRCUIT_BREAKERS } from '../../../lib/topology';

jest.setTimeout(300_000);

const INVOICES = 6;
let started: NetSuiteRuntime;
let runtime: LocalRuntime;
let ns: NetSuiteSimulator;

beforeAll(async () => {
  started = await startNetSuiteRuntime(
    'q2c-outage-',
    { Q2C_BREAKER_OPEN_MS: '1500' },
    { retryIntervalMs: 100, drainIntervalMs: 400 },
  );
  ({ runtime, ns } = started);
});
afterAll(async () => {
  await started?.stop();
});

const parkedBy = (classification: string) => parkedMessages(started.ops, classification);

test('ERP outage: circuit opens, work parks as dependency-outage, drains after recovery — zero lost, zero duplicated', async () => {
  const events = Array.from({ length: INVOICES }, (_, i) =>
    seatInvoiceEvent({
      seed: `outage-${i}`,
      createdIso: '2026-11-10T09:00:00Z',
      invoicePrefix: 'OUT',
      quantity: 2,
    }),
  );
  const outage = ns.injectFault({ kind: 'status', status: 503, times: 100_000 });

  for (const { event } of events) {
    const delivery = await deliverStripeEvent(
      `${runtime.url}/webhooks/stripe`,
      event as never,
      runtime.webhookSecret,
    );
    expect(delivery.status).toBe(200);
  }
  await runtime.idle();

  // The circuit opened: NetSuite saw only a handful of failing calls, not INVOICES × attempts.
  const failedCalls = 100_000 - outage.remaining();
  const attemptsPerExecution = 6; // PostInvoice: 1 + 5 retries
  expect(failedCalls).toBeLessThan(INVOICES * attemptsPerExecution);
  expect(failedCalls).toBeGreaterThanOrEqual(CIRCUIT_BREAKERS.erp.failureThreshold);
  const parked = await parkedBy('dependency-outage');
  expect(parked.length).toBeGreaterThan(0);
  expect(parked[0].reason).toMatch(/^erp: circuit open/);
  expect(ns.records('invoice')).toHaveLength(0);

  // NetSuite is back: the drain probes once the open window passes, the circuit closes, the rest drains.
  outage.clear();
  await waitFor(async () => {
    await runtime.idle();
    return (await parkedBy('dependency-outage')).length === 0 && ns.records('invoice').length === INVOICES;
  }, 60_000);
  await runtime.idle();

  const externalIds = ns.records('invoice').map((r) => r.externalId);
  expect(new Set(externalIds).size).toBe(INVOICES);
  // Invoices that exhausted their retries before the circuit opened are parked as technical: none may be lost.
  const technical = await parkedBy('technical');
  expect(ns.records('invoice').length + technical.length).toBe(INVOICES);
  expect(technical).toHaveLength(0);
});
