/**
 * Replays are safe, proved through the local runtime with the same replay code `q2c replay` runs
 * (local/replay: real SQS and EventBridge clients against the runtime's emulators, ops API for the rest):
 * - an invoice parked for an unmapped product posts exactly once after the mapping is fixed and the
 *   exception queue is replayed; replaying again (and a duplicate of the parked message) posts nothing new;
 * - a dead letter replays onto the bus and posts;
 * - an archive replay of a window re-delivers events already posted: zero new postings;
 * - parked Express executions re-start from their stored input (`--executions failed`).
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { normaliseStripeEvent, StripeEventShape } from '../../lambdas/domain/envelope';
import { PROJECT_ROOT } from '../../lib/topology';
import { localTarget } from '../../local/replay/targets';
import { runReplay, type ReplayRequest } from '../../local/replay/run';
import type { LocalEndpoints } from '../../local/replay/local-ops';
import { LOCAL_CREDENTIALS } from '../../local/services/local-aws';
import { eurAnnual as eur, usdMonthlyWithTaxAndDiscount as usd } from '../fixtures/stripe';
import { postStripe, settled, startRuntimeProcess, type RunningRuntime } from './harness';

let dataDir: string;
let runtime: RunningRuntime;
const mappingFile = () => path.join(dataDir, 'mapping-without-usd-product.json');

/** config/mapping.json without the products the USD fixture invoice bills: its posting is a business error. */
function writeIncompleteMapping(): string[] {
  const mapping = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'config/mapping.json'), 'utf8')) as {
    products: { stripeProduct: string }[];
  };
  const invoiceText = JSON.stringify(usd.invoice);
  const removed = mapping.products
    .filter((p) => invoiceText.includes(p.stripeProduct))
    .map((p) => p.stripeProduct);
  mapping.products = mapping.products.filter((p) => !removed.includes(p.stripeProduct));
  writeFileSync(mappingFile(), JSON.stringify(mapping));
  return removed;
}

async function replay(request: ReplayRequest) {
  const target = await localTarget(runtime.url, runtime.dataDir);
  try {
    const report = await runReplay(target, request);
    await settled(runtime);
    return report;
  } finally {
    target.close();
  }
}

const postings = async () =>
  (await runtime.ops.journal()).entries.map((e) => `${e.kind} ${e.documentRef}`).sort();
const parked = async (queue: 'exceptions' | 'postingDlq') =>
  (await runtime.ops.queues()).queues.find((q) => q.queue === queue)?.messages ?? [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-replay-'));
  expect(writeIncompleteMapping().length).toBeGreaterThan(0);
  runtime = await startRuntimeProcess(dataDir, ['--drain-interval-ms', '0'], {
    env: { Q2C_MAPPING_FILE: mappingFile() },
  });
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('q2c replay through the local runtime', () => {
  test('unmapped product: parked → mapping fixed → replayed → posted exactly once; again → nothing new', async () => {
    expect((await postStripe(runtime.url, usd.finalized)).status).toBe(200);
    await settled(runtime);
    expect(await postings()).toEqual([]);
    const [message] = await parked('exceptions');
    expect(message).toMatchObject({
      classification: 'business',
      eventType: 'invoice.finalized',
      sourceEventId: usd.finalized.id,
      reason: expect.stringMatching(/^unmapped_product: /),
    });

    // A replay before the fix re-parks it: nothing posted, nothing lost.
    const early = await replay({ kind: 'queue', from: 'exceptions', filter: {}, dryRun: false });
    expect(early.tally.totals()).toEqual({ replayed: 1, skipped: 0, failed: 0 });
    expect(await postings()).toEqual([]);
    expect(await parked('exceptions')).toHaveLength(1);
    // Fix the mapping: restart on the same data dir with config/mapping.json (as a deploy would).
    await runtime.stop();
    runtime = await startRuntimeProcess(dataDir, ['--drain-interval-ms', '0']);
    // Duplicate the parked message (a second park of the same event): one replays now, the copy next time.
    const endpoints = (await (await fetch(`${runtime.url}/ops/endpoints`)).json()) as LocalEndpoints;
    const sqs = new SQSClient({
      region: endpoints.region,
      credentials: LOCAL_CREDENTIALS,
      endpoint: endpoints.sqs.endpoint,
      useQueueUrlAsEndpoint: false,
    });
    const body = JSON.stringify({
      classification: 'business',
      error: 'BusinessError',
      cause: message.reason,
      stateMachine: 'q2c-PostInvoiceFlow',
      execution: 'arn:aws:states:us-east-1:000000000000:express:q2c-PostInvoiceFlow:dup',
      event: {
        version: '0',
        id: 'dup',
        source: 'q2c.stripe',
        'detail-type': 'invoice.finalized',
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        resources: [],
        detail: normaliseStripeEvent(StripeEventShape.parse(usd.finalized), new Date()),
      },
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: endpoints.sqs.queues.exceptions, MessageBody: body }));
    sqs.destroy();
    const dry = await replay({
      kind: 'queue',
      from: 'exceptions',
      filter: { reason: 'business' },
      dryRun: true,
    });
    expect(dry.tally.totals()).toEqual({ replayed: 0, skipped: 2, failed: 0 });
    expect(await postings()).toEqual([]);

    const fixed = await replay({
      kind: 'queue',
      from: 'exceptions',
      filter: { reason: 'unmapped_product' },
      dryRun: false,
    });
    expect(fixed.tally.rows()).toEqual([
      { reason: 'business: unmapped_product', replayed: 1, skipped: 0, failed: 0 },
    ]);
    expect(await postings()).toEqual([`invoice stripe:${usd.invoice.id}`]);
    expect(await parked('exceptions')).toHaveLength(1);

    // Replay twice: the copy of an already-posted event replays and posts nothing new.
    const again = await replay({ kind: 'queue', from: 'exceptions', filter: {}, dryRun: false });
    expect(again.tally.totals()).toEqual({ replayed: 1, skipped: 0, failed: 0 });
    expect(await postings()).toEqual([`invoice stripe:${usd.invoice.id}`]);
    expect(await parked('exceptions')).toHaveLength(0);
    const third = await replay({ kind: 'queue', from: 'exceptions', filter: {}, dryRun: false });
    expect(third.tally.totals()).toEqual({ replayed: 0, skipped: 0, failed: 0 });
    expect((await runtime.ops.journal()).entries).toHaveLength(1);
  }, 240_000);

  test('a dead letter is re-published onto the bus and posts; deleted only then', async () => {
    const endpoints = (await (await fetch(`${runtime.url}/ops/endpoints`)).json()) as LocalEndpoints;
    const sqs = new SQSClient({
      region: endpoints.region,
      credentials: LOCAL_CREDENTIALS,
      endpoint: endpoints.sqs.endpoint,
      useQueueUrlAsEndpoint: false,
    });
    // What EventBridge writes to a target's DLQ: the event itself, with the error as attributes.
    const envelope = normaliseStripeEvent(StripeEventShape.parse(eur.finalized), new Date());
    const event = {
      version: '0',
      id: 'dead-letter-1',
      source: 'q2c.stripe',
      'detail-type': envelope.eventType,
      time: envelope.created,
      resources: [],
      detail: envelope,
    };
    expect(await postings()).not.toContain(`invoice stripe:${eur.invoice.id}`);
    const attr = (v: string) => ({ DataType: 'String', StringValue: v });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: endpoints.sqs.queues.postingDlq,
        MessageBody: JSON.stringify(event),
        MessageAttributes: {
          ERROR_CODE: attr('SDKClientException'),
          ERROR_MESSAGE: attr('Rate exceeded'),
          RULE_ARN: attr('StripeInvoicePostingRule'),
        },
      }),
    );
    sqs.destroy();
    await waitFor(async () => (await parked('postingDlq')).length === 1);

    const report = await replay({ kind: 'queue', from: 'dlq', filter: {}, dryRun: false });
    expect(report.tally.rows()).toEqual([
      { reason: 'technical: SDKClientException', replayed: 1, skipped: 0, failed: 0 },
    ]);
    expect(await postings()).toContain(`invoice stripe:${eur.invoice.id}`);
    await waitFor(async () => (await parked('postingDlq')).length === 0);
  });

  test('archive replay of a window re-delivers already-posted events: zero new postings', async () => {
    // Fully paid invoices arrive again through the webhook as well (invoice.paid → payment applied).
    for (const e of [usd.paid, eur.paid]) expect((await postStripe(runtime.url, e)).status).toBe(200);
    await settled(runtime);
    const before = await postings();
    expect(before).toEqual(
      [
        `invoice stripe:${usd.invoice.id}`,
        `payment stripe:${usd.invoice.id}:payment`,
        `invoice stripe:${eur.invoice.id}`,
        `payment stripe:${eur.invoice.id}:payment`,
      ].sort(),
    );
    const executionsBefore = (await runtime.ops.health()).executions.started;

    const report = await replay({
      kind: 'archive',
      since: new Date(Date.now() - 3_600_000),
      until: new Date(Date.now() + 1000),
      dryRun: false,
    });
    expect(report.archive?.state).toBe('COMPLETED');
    expect(report.archive?.replayed).toBeGreaterThanOrEqual(4);
    expect((await runtime.ops.health()).executions.started - executionsBefore).toBe(report.archive?.replayed);
    expect(await postings()).toEqual(before);
    expect(await parked('exceptions')).toHaveLength(0);
  });

  test('the CLI prints the summary table (q2c replay --from exceptions --dry-run)', () => {
    const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const out = spawnSync(
      process.execPath,
      [tsx, 'local/cli.ts', 'replay', '--from', 'exceptions', '--dry-run', '--url', runtime.url],
      { cwd: PROJECT_ROOT, encoding: 'utf8' },
    );
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/Replay from exceptions \(dry run\) on local runtime/);
    expect(out.stdout).toMatch(/Reason\s+│\s+Replayed\s+│\s+Skipped\s+│\s+Failed/);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}
