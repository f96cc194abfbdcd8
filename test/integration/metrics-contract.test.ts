/**
 * Metrics contract: every QuoteToCash metric a dashboard widget or an alarm of the synthesized template
 * reads — by namespace, metric name and dimension set, as CloudWatch matches them — is emitted by some
 * handler path, and every business metric a handler emits appears on a dashboard. A widget whose dimension
 * set nobody emits shows nothing forever (CloudWatch never matches a subset of dimensions).
 *
 * The EMF comes from the handlers themselves, run by the local runtime (local/metrics.ts aggregates it as
 * CloudWatch would): the demo (deals, the month's Stripe events, the close, verification), a reconciliation,
 * an outage drain run, and a Stripe outage that opens the stripe circuit.
 */
import { runDemo, DEMO_PERIOD } from '../../local/demo';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { METRICS_NAMESPACE, PROJECT_ROOT } from '../../lib/topology';
import { buildMonthScenario } from '../../local/scenarios/month';
import { deliverStripeEvent } from '../../local/webhook-client';
import { resourcesOfType, synthTemplate } from '../infra/template';
import { startInProcessRuntime, type InProcessRuntime } from './in-process-runtime';
import type { MetricSeriesJson } from '../../local/metrics';

jest.setTimeout(600_000);

/** `Namespace|MetricName|dim1,dim2` (dimension names sorted), as CloudWatch identifies a metric. */
const keyOf = (namespace: string, name: string, dims: string[]) =>
  `${namespace}|${name}|${[...dims].sort().join(',')}`;

let emitted: MetricSeriesJson[];
let h: InProcessRuntime;

beforeAll(async () => {
  h = await startInProcessRuntime(
    'q2c-metrics-contract-',
    { Q2C_BREAKER_OPEN_MS: '600000' },
    { retryIntervalMs: 1, drainIntervalMs: 1_000 },
  );
  const { runtime } = h;
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
  emitted = ((await (await fetch(`${runtime.url}/ops/metrics`)).json()) as { metrics: MetricSeriesJson[] })
    .metrics;
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

/**
 * Referenced metrics whose paths these scenarios do not reach (NetSuite 429s, unexplained reconciliation
 * differences, corrupted ledger tables: each has its own integration test). For them the emitting source is
 * checked instead: the handler adds the metric with every non-`service` dimension the widget reads.
 */
const NOT_REACHED_BY_SCENARIOS: Record<string, string> = {
  'QuoteToCash|ErpThrottled|service': 'lambdas/handlers/commons/erp.ts',
  'QuoteToCash|RateLimitedRedriven|service': 'lambdas/handlers/drain-dependency-outages.ts',
  'QuoteToCash|ReconciliationMismatches|kind,service': 'lambdas/handlers/publish-reconciliation-report.ts',
  'QuoteToCash|LedgerInvariantViolations|invariant,service': 'lambdas/handlers/verify-ledger.ts',
};

describe('metrics contract', () => {
  test('the scenarios emit EMF from the handlers (demo, reconciliation, drain, outage)', () => {
    expect(emitted.length).toBeGreaterThan(10);
    expect(emitted.map((m) => m.name)).toEqual(
      expect.arrayContaining(['InvoicesPosted', 'DealsApplied', 'CircuitOpened']),
    );
  });

  test('every metric a widget or alarm reads is emitted with exactly that dimension set', () => {
    const emittedKeys = new Set(emitted.map((m) => keyOf(m.namespace, m.name, Object.keys(m.dimensions))));
    const missing = [...referenced()]
      .filter(([k]) => !emittedKeys.has(k) && !(k in NOT_REACHED_BY_SCENARIOS))
      .map(([k, where]) => `${k} (${where})`);
    expect(missing).toEqual([]);
  });

  test('…and those these scenarios do not reach are emitted by their handler with that dimension set', () => {
    const emittedKeys = new Set(emitted.map((m) => keyOf(m.namespace, m.name, Object.keys(m.dimensions))));
    const refs = referenced();
    for (const [key, file] of Object.entries(NOT_REACHED_BY_SCENARIOS)) {
      // Still referenced, and still not reached (else it belongs in the emitted check above).
      expect({ key, referenced: refs.has(key), reached: emittedKeys.has(key) }).toEqual({
        key,
        referenced: true,
        reached: false,
      });
      const source = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
      const [, name, dims] = key.split('|');
      expect({ key, emits: source.includes(`addMetric('${name}'`) }).toEqual({ key, emits: true });
      for (const dim of dims.split(',').filter((d) => d !== 'service'))
        expect({ key, dim, added: source.includes(`addDimension('${dim}'`) }).toEqual({
          key,
          dim,
          added: true,
        });
    }
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
