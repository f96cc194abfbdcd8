/**
 * The two layers of exactly-once, tested apart: Powertools idempotency short-circuits retries,
 * and the ledger's conditional write still refuses a second posting after the idempotency
 * record is gone (expired in AWS). Runs the real handlers on the local runtime's dynalite.
 */
import { DeleteItemCommand, DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Crosswalk } from '../../lambdas/adapters/crosswalk/crosswalk';
import { dynamo } from '../../lambdas/adapters/store/dynamodb';
import { parseMappingConfig } from '../../lambdas/domain/config';
import { normaliseStripeEvent, StripeEventShape } from '../../lambdas/domain/envelope';
import { mapStripeInvoiceEvent } from '../../lambdas/domain/mapping/stripe-invoice';
import mapping from '../../config/mapping.json';
import { FUNCTIONS, PROJECT_ROOT, STRIPE_API_VERSION } from '../../lib/topology';
import { lambdaContext } from '../../local/lambda';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { localTableName } from '../../local/services/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/local-aws';
import { usdMonthlyWithTaxAndDiscount as usd } from '../fixtures/stripe';

let runtime: LocalRuntime;
let dir: string;
const savedEnv = { ...process.env };
type Handler = (e: unknown, c: unknown) => Promise<{ outcome: string; erpId: string }>;
let postInvoice: Handler;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-once-'));
  runtime = await startLocalRuntime({ port: 0, dataDir: dir, logLevel: 'ERROR' });
  // the same module instance the runtime loaded
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  postInvoice = require(path.join(PROJECT_ROOT, FUNCTIONS.postInvoice.entry)).handler as Handler;
});
afterAll(async () => {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
  process.env = savedEnv;
});

const posting = (event: unknown) =>
  mapStripeInvoiceEvent(
    normaliseStripeEvent(StripeEventShape.parse(event), new Date()),
    parseMappingConfig(mapping),
    STRIPE_API_VERSION,
  ).invoicePosting;

async function expireIdempotencyRecords(): Promise<number> {
  const client = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const table = localTableName('idempotency');
  let deleted = 0;
  for await (const page of paginateScan({ client }, { TableName: table })) {
    for (const item of page.Items ?? []) {
      await client.send(new DeleteItemCommand({ TableName: table, Key: { id: item.id } }));
      deleted++;
    }
  }
  client.destroy();
  return deleted;
}

describe('exactly-once posting', () => {
  it('posts once, short-circuits the retry, and still refuses a re-post after the idempotency record expired', async () => {
    const first = await postInvoice(posting(usd.finalized), lambdaContext('postInvoice'));
    expect(first.outcome).toBe('posted');

    // A retry within the idempotency window returns the stored result without touching the ERP.
    expect(await postInvoice(posting(usd.finalized), lambdaContext('postInvoice'))).toEqual(first);

    expect(await expireIdempotencyRecords()).toBeGreaterThan(0);
    // Days later Stripe re-delivers (invoice.paid carries the same invoice): the ledger refuses it.
    const late = await postInvoice(posting(usd.paid), lambdaContext('postInvoice'));
    expect(late).toEqual({ ...first, outcome: 'already-posted' });

    const entries = await runtime.ledger.listEntries();
    expect(entries.map((e) => e.entryId)).toEqual([`stripe:invoice:${usd.invoice.id}:post`]);
    // the recorded entry is the first one, untouched
    expect(entries[0].sourceEventId).toBe(usd.finalized.id);
  });

  it('links the Stripe invoice to its ERP document in the crosswalk, ignoring stale versions', async () => {
    const crosswalk = new Crosswalk(dynamo().doc, localTableName('crosswalk'));
    const link = await crosswalk.find(`stripe:${usd.invoice.id}`, 'erp:invoice');
    expect(link).toMatchObject({
      erpSystem: 'ledger',
      erpId: `stripe:invoice:${usd.invoice.id}:post`,
      correlationId: usd.invoice.parent?.subscription_details?.metadata?.correlation_id,
    });
    const stale = { ...link!, erpId: 'something-else', sourceVersion: '2000-01-01T00:00:00.000Z' };
    expect(await crosswalk.link(stale)).toBe(false);
    expect((await crosswalk.find(`stripe:${usd.invoice.id}`, 'erp:invoice'))?.erpId).toBe(link?.erpId);
  });
});
