/**
 * Where reconciliation reads its two sides: billing through the official `stripe` SDK's list APIs
 * (auto-paginated, 100 a page, one `created` window per call: the documents for a month, the events for
 * a day) and the ERP from the built-in ledger (a DynamoDB parallel-scan segment). Locally STRIPE_API_HOST/PORT/PROTOCOL point the SDK at the
 * Stripe sandbox and AWS_ENDPOINT_URL_DYNAMODB the client at dynalite.
 */
import { paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { TransientError } from '../../domain/errors';
import { JournalEntry } from '../../domain/model';
import { secretValue } from '../store/secrets';
import { SECRETS } from '../../../lib/topology';

let client: Promise<Stripe> | undefined;
function stripe(): Promise<Stripe> {
  client ??= secretValue(SECRETS.stripeApiKey.envVar, SECRETS.stripeApiKey.localEnvVar).then(
    (key) =>
      new Stripe(key, {
        host: process.env.STRIPE_API_HOST,
        port: process.env.STRIPE_API_PORT ? Number(process.env.STRIPE_API_PORT) : undefined,
        protocol: process.env.STRIPE_API_PROTOCOL === 'http' ? 'http' : undefined,
        // A long listing should survive a blip (the SDK backs off on 429 and 5xx); the flow retries the rest.
        maxNetworkRetries: 3,
        timeout: 20_000,
        appInfo: { name: 'quote-to-cash-reconciliation' },
      }),
  );
  return client;
}

/** The Stripe resources reconciled, listed by `created` in [from, to) (unix seconds). */
export async function* billingObjects(from: number, to: number): AsyncGenerator<Record<string, unknown>> {
  const s = await stripe();
  const params = { created: { gte: from, lt: to }, limit: 100 };
  yield* stripeLists([
    () => s.invoices.list(params),
    () => s.creditNotes.list(params),
    () => s.refunds.list(params),
    () => s.payouts.list(params),
  ]);
}

/** The Stripe events of the given types created in [from, to) (unix seconds), newest first. */
export async function* billingEvents(
  from: number,
  to: number,
  types: readonly string[],
): AsyncGenerator<Record<string, unknown>> {
  const s = await stripe();
  yield* stripeLists([
    () => s.events.list({ created: { gte: from, lt: to }, types: [...types], limit: 100 }),
  ]);
}

async function* stripeLists(lists: (() => unknown)[]): AsyncGenerator<Record<string, unknown>> {
  try {
    for (const list of lists) {
      for await (const o of list() as AsyncIterable<unknown>) yield o as Record<string, unknown>;
    }
  } catch (err) {
    if (
      err instanceof Stripe.errors.StripeRateLimitError ||
      err instanceof Stripe.errors.StripeAPIError ||
      err instanceof Stripe.errors.StripeConnectionError
    ) {
      throw new TransientError(`Stripe: ${(err as Error).message}`);
    }
    throw err;
  }
}

/**
 * Journal entries dated in [from, to] (ISO dates, inclusive) on one parallel-scan segment. The filter
 * runs server side; a ledger this size would, at scale, earn an index by effective date (README).
 */
export async function* ledgerEntries(
  db: DynamoDBDocumentClient,
  tableName: string,
  window: { from: string; to: string },
  segment: number,
  totalSegments: number,
): AsyncGenerator<JournalEntry> {
  const pages = paginateScan(
    { client: db },
    {
      TableName: tableName,
      Segment: segment,
      TotalSegments: totalSegments,
      FilterExpression: 'begins_with(pk, :entry) AND effectiveDate BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':entry': 'ENTRY#', ':from': window.from, ':to': window.to },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const { pk: _pk, sk: _sk, recordedAt: _at, ...rest } = item;
      yield JournalEntry.parse(rest);
    }
  }
}
