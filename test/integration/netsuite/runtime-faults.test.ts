/**
 * Through the local runtime with the ERP target set to NetSuite (what `q2c serve --erp netsuite`
 * starts, in-process here so the test can reach the simulator): the whole demo month posts exactly
 * once through a 429 storm; SuiteQL reconciliation (listPosted) finds every posting the flows made
 * and nothing else; a request that timed out after NetSuite committed it is not duplicated on retry;
 * and a posting into a period NetSuite has closed lands in the exception queue with NetSuite's words.
 */
import { seatInvoiceEvent } from './harness';
import { stripeEvent } from '../../../local/scenarios/stripe-events';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import mappingJson from '../../../config/mapping.json';
import { netsuiteAdapterFromEnv } from '../../../lambdas/adapters/erp/netsuite';
import { parseMappingConfig } from '../../../lambdas/domain/config';
import { runDemo } from '../../../local/demo';
import type { OpsClient } from '../../../local/ops-client';
import type { LocalRuntime } from '../../../local/runtime';
import type { NetSuiteSimulator } from '../../../local/sandboxes/netsuite';
import { buildMonthScenario } from '../../../local/scenarios/month';
import { localTableName } from '../../../local/services/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/services/local-aws';
import { deliverStripeEvent } from '../../../local/webhook-client';
import { startNetSuiteRuntime, type NetSuiteRuntime } from '../in-process-runtime';

jest.setTimeout(600_000);

let started: NetSuiteRuntime;
let runtime: LocalRuntime;
let ns: NetSuiteSimulator;
let ops: OpsClient;

beforeAll(async () => {
  // NetSuite requests time out after 1.5 s: a timed-out request is retried within the test, not after
  // NetSuite's 30 s default. No retryIntervalMs override: the flows retry on the ASL's own schedule
  // (2, 4, 8… s, as in AWS), which is what a storm must be absorbed within.
  started = await startNetSuiteRuntime('q2c-ns-faults-', {}, {});
  ({ runtime, ns, ops } = started);
});
afterAll(async () => {
  await started?.stop();
});

const transactionsWith = (externalId: string) =>
  ns.sql('SELECT id, recordtype FROM "transaction" WHERE externalid = ?', externalId) as {
    id: number;
    recordtype: string;
  }[];

async function parked(sourceEventId?: string) {
  const { queues } = await ops.queues();
  return queues
    .flatMap((q) => q.messages.map((m) => ({ queue: q.queue, ...m })))
    .filter((m) => sourceEventId === undefined || m.sourceEventId === sourceEventId);
}

/** Crosswalk rows the posting flows wrote: source document → NetSuite internal id. */
async function crosswalkToNetSuite(): Promise<{ sourceRef: string; target: string; erpId: string }[]> {
  const client = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const rows: { sourceRef: string; target: string; erpId: string }[] = [];
  for await (const page of paginateScan({ client }, { TableName: localTableName('crosswalk') })) {
    for (const item of page.Items ?? []) {
      const row = unmarshall(item) as {
        sourceRef: string;
        target: string;
        erpId: string;
        erpSystem?: string;
      };
      if (row.erpSystem === 'netsuite' && row.target.startsWith('erp:')) rows.push(row);
    }
  }
  client.destroy();
  return rows;
}

const deliver = (event: object) =>
  deliverStripeEvent(`${runtime.url}/webhooks/stripe`, event as never, runtime.webhookSecret);

// What the month must create, derived from the scenario (as in demo-into-netsuite.test.ts):
const month = buildMonthScenario();
const invoices = month.sandboxObjects.filter((o) => o.object === 'invoice');
const paidInvoices = invoices.filter((o) => (o as { status?: string }).status === 'paid').length;

describe('NetSuite through the local runtime', () => {
  it('absorbs a 429 storm while the whole demo month posts: every document exactly once, nothing parked', async () => {
    // 40 refusals with Retry-After: 1 s, as another integration eating the shared budget would cause.
    const storm = ns.injectFault({ kind: 'throttle', times: 40, retryAfterSeconds: 1 });
    await runDemo(runtime, () => undefined);
    expect(storm.remaining()).toBe(0);
    expect(ns.stats().byStatus['429']).toBeGreaterThanOrEqual(40);
    // Every refusal the postings met is counted for the Engineering dashboard (ErpThrottled).
    const { metrics } = await ops.status();
    const throttled = metrics.filter((m) => m.name === 'ErpThrottled').reduce((n, m) => n + Number(m.sum), 0);
    expect(throttled).toBeGreaterThanOrEqual(40);
    expect(throttled).toBeLessThanOrEqual(ns.stats().byStatus['429']);

    // Exactly once: no externalId twice in any record type …
    for (const type of [
      'invoice',
      'customerPayment',
      'creditMemo',
      'deposit',
      'journalEntry',
      'customer',
    ] as const) {
      const ids = ns.records(type).map((r) => r.externalId);
      expect([type, ids.length - new Set(ids).size]).toEqual([type, 0]);
    }
    // … and at least the Stripe month's documents (the demo may add more upstream, e.g. Salesforce deals).
    const externalIds = (type: 'invoice' | 'customerPayment') =>
      new Set(ns.records(type).map((r) => r.externalId));
    for (const inv of invoices)
      expect(externalIds('invoice')).toContain(`stripe-${(inv as { id: string }).id}`);
    expect(externalIds('customerPayment').size).toBeGreaterThanOrEqual(paidInvoices);
    expect(ns.records('deposit')).toHaveLength(2);
    // void, write-off, 3 refunds, 1 refund failure, dispute opened + lost, 25 revenue releases
    expect(ns.records('journalEntry').length).toBeGreaterThanOrEqual(1 + 1 + 3 + 1 + 2 + 25);
    // Nothing parked but the demo's deliberate business exception (a deal with an unmapped product).
    const unexpected = (await parked()).filter(
      (m) => !(m.eventType?.startsWith('crm.') && m.reason.startsWith('unmapped_product')),
    );
    expect(unexpected).toEqual([]);
  });

  it('SuiteQL reconciliation (listPosted) finds every posting the flows made, once, and nothing else', async () => {
    const adapter = netsuiteAdapterFromEnv(parseMappingConfig(mappingJson));
    const posted = await adapter.listPosted();
    const links = await crosswalkToNetSuite();
    const transactionLinks = links.filter((l) => l.target !== 'erp:customer');
    expect(transactionLinks.length).toBeGreaterThan(50);

    // no externalId twice
    expect(new Set(posted.map((p) => p.externalId)).size).toBe(posted.length);
    // every posting the flows recorded is in NetSuite, under the internal id they recorded …
    const postedIds = new Set(posted.map((p) => p.internalId));
    expect(transactionLinks.filter((l) => !postedIds.has(l.erpId))).toEqual([]);
    // … and NetSuite holds nothing the flows did not post
    const linkedIds = new Set(transactionLinks.map((l) => l.erpId));
    expect(posted.filter((p) => !linkedIds.has(p.internalId))).toEqual([]);
    // every invoice of the month by its Stripe id
    const postedInvoices = new Set(posted.filter((p) => p.recordType === 'invoice').map((p) => p.externalId));
    for (const inv of invoices) expect(postedInvoices).toContain(`stripe-${(inv as { id: string }).id}`);
  });

  it('a request that timed out after NetSuite committed it is retried without a duplicate', async () => {
    const { invoice, event } = seatInvoiceEvent({
      seed: 'nsftimeout',
      createdIso: '2026-11-20T00:00:00Z',
      invoicePrefix: 'NSF',
      quantity: 3,
    });
    const hang = ns.injectFault({
      kind: 'timeout',
      afterCommit: true,
      match: { method: 'POST', path: '/record/v1/invoice' },
    });
    expect((await deliver(event)).status).toBe(200);
    await runtime.idle();
    expect(hang.remaining()).toBe(0); // the first POST was committed and never answered
    expect(await parked(event.id)).toEqual([]);

    const records = transactionsWith(`stripe-${invoice.id}`);
    expect(records).toEqual([{ id: expect.any(Number), recordtype: 'invoice' }]);
    const link = (await crosswalkToNetSuite()).find((l) => l.sourceRef === `stripe:${invoice.id}`);
    expect(link?.erpId).toBe(String(records[0].id));

    // Stripe delivering the same event again changes nothing either.
    const again = stripeEvent('invoice.finalized', invoice);
    await deliver(again);
    await runtime.idle();
    expect(transactionsWith(`stripe-${invoice.id}`)).toHaveLength(1);
    expect(await parked(again.id)).toEqual([]);
  });

  it('a posting into a period NetSuite has closed lands in the exception queue with NetSuite’s message', async () => {
    ns.closePeriod('2026-12');
    const { invoice, event } = seatInvoiceEvent({
      seed: 'nsfclosed',
      createdIso: '2026-12-05T00:00:00Z',
      invoicePrefix: 'NSF',
      quantity: 3,
    });
    expect((await deliver(event)).status).toBe(200);
    await runtime.idle();

    expect(transactionsWith(`stripe-${invoice.id}`)).toEqual([]);
    const exceptions = await parked(event.id);
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0]).toMatchObject({
      queue: 'exceptions',
      classification: 'business',
      eventType: 'invoice.finalized',
    });
    expect(exceptions[0].reason).toContain('The accounting period Dec 2026 is closed');
  });
});
