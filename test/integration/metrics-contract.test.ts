/**
 * Metrics contract: every QuoteToCash metric a dashboard widget or an alarm of the synthesized template
 * reads — by namespace, metric name and dimension set, as CloudWatch matches them — is emitted by some
 * handler path, and every business metric a handler emits appears on a dashboard. A widget whose dimension
 * set nobody emits shows nothing forever (CloudWatch never matches a subset of dimensions).
 *
 * The EMF comes from the handlers themselves, run by the local runtime (local/metrics.ts aggregates it as
 * CloudWatch would): the demo (deals, the month's Stripe events, the close, verification), a reconciliation,
 * an outage drain run, a Stripe outage that opens the stripe circuit, then — last, so they disturb nothing
 * else — a reconciliation that finds a finalized Stripe invoice never delivered and a verification of a
 * ledger whose DUE index lost an item; and, on a second runtime with NetSuite as the ERP, a 429 storm
 * (ErpThrottled per refusal) whose rate-limited work the drain re-drives (RateLimitedRedriven).
 */
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../lambdas/adapters/store/dynamodb';
import { runDemo, DEMO_PERIOD } from '../../local/demo';
import { METRICS_NAMESPACE } from '../../lib/topology';
import { localTableName } from '../../local/services/dynamodb';
import { buildMonthScenario } from '../../local/scenarios/month';
import { deliverStripeEvent } from '../../local/webhook-client';
import { resourcesOfType, synthTemplate } from '../infra/template';
import { startInProcessRuntime, type InProcessRuntime } from './in-process-runtime';
import { seatInvoiceEvent } from './netsuite/harness';
import type { MetricSeriesJson } from '../../local/metrics';

jest.setTimeout(600_000);

/** `Namespace|MetricName|dim1,dim2` (dimension names sorted), as CloudWatch identifies a metric. */
const keyOf = (namespace: string, name: string, dims: string[]) =>
  `${namespace}|${name}|${[...dims].sort().join(',')}`;

let emitted: MetricSeriesJson[];
let h: InProcessRuntime | undefined;
/** How many violations the corrupted ledger's verification named (the DUE item deleted). */
let violations: { invariant: string }[];

beforeAll(async () => {
  h = await startInProcessRuntime(
    'q2c-metrics-contract-',
    { Q2C_BREAKER_OPEN_MS: '600000' },
    { retryIntervalMs: 1, drainIntervalMs: 1_000 },
  );
  const { runtime } = h;
  const ops = h.ops;
  await runDemo(runtime, () => undefined);
  await runtime.reconcile(DEMO_PERIOD);
  // A Stripe outage while money events that read Stripe arrive: the stripe circuit opens (CircuitOpened).
  runtime.stripe.injectFault({ status: 503, times: 1_000 });
  const reads = buildMonthScenario().events.filter(
    (e) => e.type === 'payout.paid' || e.type.startsWith('credit_note.'),
  );
  for (let i = 0; i < 4; i++)
    for (const event of reads)
      await deliverStripeEvent(
        `${runtime.url}/webhooks/stripe`,
        { ...event, id: `${event.id}_outage${i}` },
        runtime.webhookSecret,
      );
  await runtime.idle();
  runtime.stripe.clearFaults();
  // A forged delivery (WebhookEventsRejected) and an invoice in a currency no subsidiary books
  // (InvoiceEventsUnmappable), as an attacker and an unconfigured currency would send them.
  const forged = await fetch(`${runtime.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
    body: '{}',
  });
  expect(forged.status).toBe(401);
  const invoice = buildMonthScenario().events.find((e) => e.type === 'invoice.finalized')!;
  const jpy = JSON.parse(
    JSON.stringify(invoice).replace(/"currency":"(usd|eur)"/g, '"currency":"jpy"'),
  ) as typeof invoice;
  await deliverStripeEvent(
    `${runtime.url}/webhooks/stripe`,
    { ...jpy, id: `${invoice.id}_jpy` },
    runtime.webhookSecret,
  );
  // The outage drain (every second here) takes the census of what is parked (ParkedExceptions, …).
  await new Promise((r) => setTimeout(r, 3_000));
  await runtime.idle();
  // An unexplained difference: a Stripe invoice finalized in the period whose webhooks never arrived
  // (ReconciliationMismatches by kind, here invoice_missing_in_erp).
  const finalized = Date.UTC(2026, 10, 18, 12) / 1000;
  runtime.stripe.store.put({
    id: 'in_NeverDelivered',
    object: 'invoice',
    status: 'open',
    currency: 'usd',
    total: 12_345,
    amount_paid: 0,
    total_taxes: [],
    created: finalized - 60,
    status_transitions: { finalized_at: finalized, paid_at: null },
  } as Parameters<typeof runtime.stripe.store.put>[0]);
  expect(await runtime.reconcile(DEMO_PERIOD)).toMatchObject({ status: 'SUCCEEDED' });
  // A corrupted ledger: one DUE index item deleted directly in the table, then `q2c verify`'s
  // GET /ops/verify (the VerifyLedger handler: LedgerInvariantViolations by invariant).
  const ledger = localTableName('ledger');
  let due: Record<string, unknown> | undefined;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().doc.send(
      new ScanCommand({
        TableName: ledger,
        FilterExpression: 'begins_with(pk, :due)',
        ExpressionAttributeValues: { ':due': 'DUE#' },
        ExclusiveStartKey: start,
      }),
    );
    due = page.Items?.[0];
    start = page.LastEvaluatedKey;
  } while (!due && start);
  if (!due) throw new Error('the demo ledger holds no DUE index item');
  await dynamo().doc.send(new DeleteCommand({ TableName: ledger, Key: { pk: due.pk, sk: due.sk } }));
  ({ violations } = await ops.verify());
  await runtime.idle();
  emitted = (await ops.status()).metrics;
  await h.stop();
  h = undefined;

  // NetSuite as the ERP: a 429 storm (every request refused, Retry-After 0) parks an invoice as
  // rate-limited; a drain run (every 500 ms, PostInvoice retrying every 50 ms) re-drives it.
  // The handlers run in this process: their AWS clients are module singletons bound to the first
  // runtime's endpoints, so the second runtime gets a fresh module registry.
  jest.resetModules();
  const fresh = await import('./in-process-runtime');
  const netsuite = await fresh.startNetSuiteRuntime(
    'q2c-metrics-contract-ns-',
    {},
    { retryIntervalMs: 50, drainIntervalMs: 500 },
  );
  h = netsuite;
  const storm = netsuite.ns.injectFault({ kind: 'throttle', times: 1_000_000, retryAfterSeconds: 0 });
  const { event } = seatInvoiceEvent({
    seed: 'metrics-contract-storm',
    createdIso: '2026-12-31T18:00:00Z',
    invoicePrefix: 'MC',
    quantity: 3,
  });
  const delivery = await deliverStripeEvent(
    `${netsuite.runtime.url}/webhooks/stripe`,
    event as never,
    netsuite.runtime.webhookSecret,
  );
  expect(delivery.status).toBe(200);
  await fresh.waitFor(
    async () => (await fresh.parkedMessages(netsuite.ops, 'rate-limited')).length === 1,
    60_000,
    'the invoice parked as rate-limited',
  );
  await fresh.waitFor(
    async () => (await netsuite.ops.status()).metrics.some((m) => m.name === 'RateLimitedRedriven'),
    30_000,
    'a drain run re-drove the rate-limited invoice',
  );
  storm.clear();
  await netsuite.runtime.idle();
  emitted = [...emitted, ...(await netsuite.ops.status()).metrics];
}, 600_000);

afterAll(async () => {
  await h?.stop();
});

/** The QuoteToCash metrics the template's dashboards and alarms read. */
function referenced(): Map<string, string> {
  const { json } = synthTemplate();
  const refs = new Map<string, string>();
  for (const [id, alarm] of Object.entries(resourcesOfType(json, 'AWS::CloudWatch::Alarm'))) {
    const p = alarm.Properties as {
      Namespace?: string;
      MetricName?: string;
      Dimensions?: { Name: string }[];
    };
    if (p.Namespace === METRICS_NAMESPACE)
      refs.set(
        keyOf(
          p.Namespace,
          p.MetricName!,
          (p.Dimensions ?? []).map((d) => d.Name),
        ),
        `alarm ${id}`,
      );
  }
  for (const [id, dashboard] of Object.entries(resourcesOfType(json, 'AWS::CloudWatch::Dashboard'))) {
    const raw = dashboard.Properties?.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
    const text =
      typeof raw === 'string'
        ? raw
        : raw['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '<ref>')).join('');
    const body = JSON.parse(text) as { widgets: { properties: { metrics?: unknown[][] } }[] };
    for (const widget of body.widgets) {
      for (const row of widget.properties.metrics ?? []) {
        const expression = (
          row.find((x) => typeof x === 'object' && x !== null && 'expression' in x) as
            { expression: string } | undefined
        )?.expression;
        const search = expression && /SEARCH\('\{([^}]+)\} MetricName="([^"]+)"'/.exec(expression);
        if (search) {
          const [namespace, ...dims] = search[1].split(',');
          if (namespace === METRICS_NAMESPACE)
            refs.set(keyOf(namespace, search[2], dims), `dashboard ${id} SEARCH`);
          continue;
        }
        if (row[0] !== METRICS_NAMESPACE) continue;
        const strings = row.filter((x): x is string => typeof x === 'string');
        const [namespace, name, ...pairs] = strings;
        const dims = pairs.filter((_, i) => i % 2 === 0);
        refs.set(keyOf(namespace, name, dims), `dashboard ${id}`);
      }
    }
  }
  return refs;
}

describe('metrics contract', () => {
  test('the scenarios emit EMF from the handlers (demo, reconciliation, drain, outage, corruption, 429s)', () => {
    expect(emitted.length).toBeGreaterThan(10);
    expect(emitted.map((m) => m.name)).toEqual(
      expect.arrayContaining([
        'InvoicesPosted',
        'DealsApplied',
        'CircuitOpened',
        'ErpThrottled',
        'RateLimitedRedriven',
      ]),
    );
    // The never-delivered invoice and the deleted DUE item, by the dimension their widgets read.
    const series = (name: string, dim: string) =>
      emitted.filter((m) => m.name === name && dim in m.dimensions).map((m) => m.dimensions[dim]);
    expect(series('ReconciliationMismatches', 'kind')).toContain('invoice_missing_in_erp');
    expect(violations.map((v) => v.invariant)).toContain('due_index_missing');
    expect(series('LedgerInvariantViolations', 'invariant')).toContain('due_index_missing');
  });

  test('every metric a widget or alarm reads is emitted with exactly that dimension set', () => {
    const emittedKeys = new Set(emitted.map((m) => keyOf(m.namespace, m.name, Object.keys(m.dimensions))));
    const missing = [...referenced()]
      .filter(([k]) => !emittedKeys.has(k))
      .map(([k, where]) => `${k} (${where})`);
    expect(missing).toEqual([]);
  });

  test('every business metric emitted appears on a dashboard or alarm', () => {
    const refs = referenced();
    const unseen = [
      ...new Set(
        emitted
          .filter((m) => m.namespace === METRICS_NAMESPACE)
          .map((m) => keyOf(m.namespace, m.name, Object.keys(m.dimensions))),
      ),
    ].filter((k) => !refs.has(k));
    expect(unseen).toEqual([]);
  });
});
