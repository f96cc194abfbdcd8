/**
 * The artifacts run where they deploy: every function is deployed as an esbuild bundle on `nodejs24.x`,
 * while the rest of the suite runs the TypeScript sources on the Node that runs jest. This test
 * synthesizes with bundling (the asset directories CDK uploads), then, under Node 24 in child processes,
 * with only the environment the template gives each function (plus what Lambda itself sets) and in a
 * directory with no node_modules anywhere above it:
 *   1. loads all 21 bundles and checks the handler export the template names;
 *   2. runs the Stripe ingest → MapStripeInvoice → PostInvoice bundles end to end against the local
 *      runtime's endpoints: a signed event, PutEvents onto the local bus (archived), the mapping of the
 *      archived event, and the posting into the local dynalite ledger (a separate set of tables, so what
 *      the Node 24 PostInvoice writes is told apart from what the runtime's own flow posts);
 *   3. asserts the ingest bundle stays ≤ 600 KB (it is on the webhook's critical path: cold start).
 * Node 24 comes from the npm registry (node-<platform>-<arch>@24, cached under .cache/node24; `.ci/run`
 * fetches it first). Nothing is skipped: without the binary the test downloads it, or fails saying why.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ensureNode24,
  isolateBundle,
  resolveEnvironment,
  runBundle,
  synthesizeBundles,
  type BundledFunction,
} from '../../bench/bundles';
import { LedgerAdapter } from '../../lambdas/adapters/erp/ledger/ledger-adapter';
import {
  FUNCTIONS,
  SECRETS,
  TABLES,
  type FunctionKey,
  type QueueKey,
  type TableKey,
} from '../../lib/topology';
import { LOCAL_RECONCILIATION_BUCKET } from '../../local/reconciliation';
import { invoiceObject, stripeEvent, stripeId, unix } from '../../local/scenarios/stripe-events';
import { createTableInput, localTableName } from '../../local/services/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/local-aws';
import { signStripePayload } from '../../local/webhook-client';
import { startInProcessRuntime, type InProcessRuntime } from './in-process-runtime';

const INGEST_BUNDLE_LIMIT_BYTES = 600 * 1024;
const SECRET = 'whsec_node24_artifacts';
/** The Node 24 PostInvoice writes here, not into the runtime's q2c-* tables. */
const node24Table = (t: TableKey) => `n24-${TABLES[t].id}`;

let node24: string;
let outdir: string;
let sandbox: string;
let bundles: Map<FunctionKey, BundledFunction>;
let resources: ReturnType<typeof synthesizeBundles>['resources'];
let local: InProcessRuntime;

beforeAll(async () => {
  try {
    node24 = ensureNode24();
  } catch (err) {
    throw new Error(
      `Node 24 is needed to test the Lambda bundles on the runtime they deploy to, and fetching it failed ` +
        `(npm pack node-${process.platform}-${process.arch}@24 into .cache/node24; or set Q2C_NODE24): ${String(err)}`,
      { cause: err },
    );
  }
  outdir = mkdtempSync(path.join(tmpdir(), 'q2c-cdkout-'));
  sandbox = mkdtempSync(path.join(tmpdir(), 'q2c-node24-'));
  const synth = synthesizeBundles(outdir);
  bundles = new Map(synth.functions.map((f) => [f.key, f]));
  resources = synth.resources;
  local = await startInProcessRuntime('q2c-node24-runtime-', {}, { webhookSecret: SECRET });
  const db = new DynamoDBClient({
    endpoint: local.runtime.dynamoEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  for (const key of Object.keys(TABLES) as TableKey[]) {
    await db.send(new CreateTableCommand(createTableInput(node24Table(key), TABLES[key])));
  }
  db.destroy();
}, 240_000);

afterAll(async () => {
  await local?.stop();
  for (const dir of [outdir, sandbox]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What Lambda sets itself, plus the local endpoints in place of AWS's. */
function lambdaEnvironment(fn: BundledFunction, tables: (t: TableKey) => string): Record<string, string> {
  const { runtime } = local;
  return {
    ...resolveEnvironment(fn, resources, (tag) => {
      const [section, key] = tag.split('.');
      if (section === 'TABLES') return tables(key as TableKey);
      if (section === 'QUEUES') return runtime.sqs.queueUrl(key as QueueKey);
      if (section === 'BUCKETS') return LOCAL_RECONCILIATION_BUCKET;
      if (section === 'SECRETS') return undefined; // no Secrets Manager locally: the local variable below
      throw new Error(`${fn.id}: no local value for ${tag}`);
    }),
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_LAMBDA_FUNCTION_NAME: `q2c-${fn.id}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(FUNCTIONS[fn.key].memoryMb),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: runtime.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: runtime.sqs.endpoint,
    AWS_ENDPOINT_URL_S3: runtime.sqs.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: runtime.busEndpoint,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}

async function invoke(key: FunctionKey, event: unknown, tables: (t: TableKey) => string = localTableName) {
  const fn = bundles.get(key) as BundledFunction;
  const env = { ...lambdaEnvironment(fn, tables), [SECRETS.stripeWebhook.localEnvVar]: SECRET };
  const answer = await runBundle({ node: node24, dir: isolateBundle(fn, sandbox), fn, env, event });
  if (!answer.ok)
    throw new Error(`${fn.id} failed at ${answer.stage}: ${answer.error.message}\n${answer.output}`);
  expect(answer.node).toMatch(/^v24\./);
  return answer.result;
}

describe('Lambda bundles on Node 24 (nodejs24.x), with no node_modules', () => {
  it('synthesized every function of the topology as a nodejs24.x bundle', () => {
    expect([...bundles.keys()].sort()).toEqual((Object.keys(FUNCTIONS) as FunctionKey[]).sort());
    for (const fn of bundles.values()) expect(fn.runtime).toBe('nodejs24.x');
  });

  it('loads all bundles with the environment the template gives each, and finds each handler', async () => {
    const failures: string[] = [];
    for (const fn of bundles.values()) {
      const answer = await runBundle({
        node: node24,
        dir: isolateBundle(fn, path.join(sandbox)),
        fn,
        env: lambdaEnvironment(fn, localTableName),
      });
      if (!answer.ok) failures.push(`${fn.id}: ${answer.stage}: ${answer.error.message}`);
      else expect(answer.node).toMatch(/^v24\./);
    }
    expect(failures).toEqual([]);
  }, 180_000);

  it('signed event → ingest (PutEvents on the local bus) → MapStripeInvoice → PostInvoice into dynalite', async () => {
    const invoice = invoiceObject({
      seed: 'node24-artifact',
      customer: { id: 'cus_node24', name: 'Node 24 Ltd', email: 'n24@example.com', invoicePrefix: 'N24' },
      currency: 'eur',
      created: unix('2026-11-03T00:00:00Z'),
      subscription: { id: 'sub_node24', metadata: { correlation_id: 'opp_node24' } },
      lines: [
        {
          description: 'Seats',
          price: stripeId('price', 'growth-seat-monthly-usd'),
          product: stripeId('prod', 'growth'),
          unitAmount: 4_900,
          quantity: 3,
          kind: 'subscription',
          period: { start: unix('2026-11-01T00:00:00Z'), end: unix('2026-12-01T00:00:00Z') },
        },
      ],
    });
    const event = stripeEvent('invoice.finalized', invoice);
    const body = JSON.stringify(event);
    const apiEvent = {
      version: '2.0',
      routeKey: 'POST /webhooks/stripe',
      rawPath: '/webhooks/stripe',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(body, SECRET) },
      requestContext: {
        http: { method: 'POST', path: '/webhooks/stripe' },
        requestId: 'n24',
        stage: '$default',
      },
      body,
      isBase64Encoded: false,
    };

    // 1. The ingest bundle verifies the signature and puts the event on the local bus.
    const ingested = (await invoke('ingestStripeWebhook', apiEvent)) as { statusCode: number; body: string };
    expect(ingested.statusCode).toBe(200);
    expect(JSON.parse(ingested.body)).toMatchObject({ received: true, eventId: event.id, handled: true });
    // A tampered body is refused by the same bundle: the check is really done on Node 24.
    const tampered = (await invoke('ingestStripeWebhook', { ...apiEvent, body: body.replace('3', '4') })) as {
      statusCode: number;
    };
    expect(tampered.statusCode).toBe(401);

    // 2. The bus archived exactly what the bundle published (the whole EventBridge event, as a rule delivers it).
    await local.runtime.idle();
    const archived = readFileSync(path.join(local.runtime.dataDir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { event: { 'detail-type': string; detail: { eventId: string } } }).event)
      .filter((e) => e.detail.eventId === event.id);
    expect(archived).toHaveLength(1);
    expect(archived[0]['detail-type']).toBe('invoice.finalized');

    // 3. MapStripeInvoice on Node 24 maps the archived event as PostingFlow's MapInvoice task would.
    const mapped = (await invoke('mapStripeInvoice', archived[0])) as {
      invoicePosting: { invoice: { currency: string; total: unknown } };
    };
    expect(mapped.invoicePosting.invoice.currency.toUpperCase()).toBe('EUR');

    // 4. PostInvoice on Node 24 posts the mapped invoice (InputPath $.mapped.invoicePosting) into dynalite.
    const posted = (await invoke('postInvoice', mapped.invoicePosting, node24Table)) as { outcome: string };
    expect(posted.outcome).toBe('posted');

    const doc = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: local.runtime.dynamoEndpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      }),
    );
    const node24Entries = await new LedgerAdapter(doc, node24Table('ledger')).listEntries();
    expect(node24Entries).toHaveLength(1);
    const [entry] = node24Entries;
    // 3 seats × €49.00 = 14,700 cents, billed for a service period still to come: AR against deferred revenue.
    expect(entry.lines.map((l) => [l.account, l.currency.toUpperCase(), l.debit, l.credit])).toEqual([
      ['accounts_receivable', 'EUR', 14_700, 0],
      ['deferred_revenue', 'EUR', 0, 14_700],
    ]);

    // The runtime's own PostingFlow (the TypeScript sources on this Node) posted the same journal.
    const runtimeEntry = (await local.runtime.ledger.listEntries()).find(
      (e) => e.idempotencyKey === entry.idempotencyKey,
    );
    expect(runtimeEntry?.lines).toEqual(entry.lines);
    doc.destroy();
  }, 180_000);

  it('keeps the webhook ingest bundle within 600 KB (cold start on the webhook critical path)', () => {
    const ingest = bundles.get('ingestStripeWebhook') as BundledFunction;
    expect(ingest.bytes).toBeLessThanOrEqual(INGEST_BUNDLE_LIMIT_BYTES);
  });
});
