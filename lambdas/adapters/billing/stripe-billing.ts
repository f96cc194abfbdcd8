/**
 * The billing port's Stripe adapter: reads what webhook payloads do not carry (the invoice a
 * credit note credits, the balance transactions a payout settles) with the official SDK.
 * Locally STRIPE_API_HOST/PORT/PROTOCOL point the same SDK at the Stripe sandbox in local/.
 */
import Stripe from 'stripe';
import { isStripeOutage } from './stripe-outage';
import { BusinessError, TransientError } from '../../domain/errors';
import type { StripeBalanceTransaction } from '../../domain/mapping/stripe-money';
import { secretValue } from '../store/secrets';
import { circuitBreaker } from '../circuit-breaker/dynamodb-breaker';
import { SECRETS } from '../../../lib/topology';

export interface BillingReader {
  retrieveInvoice(invoiceId: string): Promise<Record<string, unknown>>;
  payoutTransactions(payoutId: string): Promise<StripeBalanceTransaction[]>;
}

let client: Promise<Stripe> | undefined;

function stripe(): Promise<Stripe> {
  client ??= secretValue(SECRETS.stripeApiKey.envVar, SECRETS.stripeApiKey.localEnvVar).then(
    (key) =>
      new Stripe(key, {
        host: process.env.STRIPE_API_HOST,
        port: process.env.STRIPE_API_PORT ? Number(process.env.STRIPE_API_PORT) : undefined,
        protocol: process.env.STRIPE_API_PROTOCOL === 'http' ? 'http' : undefined,
        // Step Functions owns retries (with backoff and a budget); the SDK must not multiply them.
        maxNetworkRetries: 0,
        timeout: 10_000,
        appInfo: { name: 'quote-to-cash' },
      }),
  );
  return client;
}

/** Rate limits, 5xx and network failures are retried by the flow; a missing object is business data. */
function classify(err: unknown): unknown {
  if (
    err instanceof Stripe.errors.StripeRateLimitError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeConnectionError
  ) {
    return new TransientError(`Stripe: ${(err as Error).message}`);
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing') {
    return new BusinessError('stripe_object_missing', err.message);
  }
  return err;
}

async function call<T>(fn: (s: Stripe) => Promise<T>): Promise<T> {
  try {
    // Through the stripe circuit breaker: when open, DependencyOutageError parks the work without a call.
    return await circuitBreaker().guard('stripe', async () => fn(await stripe()), isStripeOutage);
  } catch (err) {
    throw classify(err);
  }
}

/** The signed amount a converted transaction's source was booked at: a charge in, a refund out. */
async function presentmentOf(
  s: Stripe,
  type: string,
  source: string,
): Promise<{ currency: string; amount: number } | null> {
  // Which object to read follows the balance transaction's documented `type`, not the id's prefix
  // (a non-card charge is `py_…` with type `payment`, its refund `pyr_…` with type `payment_refund`).
  if (type === 'charge' || type === 'payment') {
    const charge = await s.charges.retrieve(source);
    return { currency: charge.currency, amount: charge.amount };
  }
  if (type === 'refund' || type === 'payment_refund') {
    const refund = await s.refunds.retrieve(source);
    return { currency: refund.currency, amount: -refund.amount };
  }
  return null;
}

export const stripeBilling: BillingReader = {
  retrieveInvoice: (invoiceId) =>
    call(async (s) => (await s.invoices.retrieve(invoiceId)) as unknown as Record<string, unknown>),
  payoutTransactions: (payoutId) =>
    call(async (s) => {
      const all: StripeBalanceTransaction[] = [];
      for await (const t of s.balanceTransactions.list({ payout: payoutId, limit: 100 })) {
        const source = typeof t.source === 'string' ? t.source : (t.source?.id ?? null);
        all.push({
          id: t.id,
          type: t.type,
          amount: t.amount,
          fee: t.fee,
          net: t.net,
          currency: t.currency,
          source,
          // Converted by Stripe: read what the source was booked at, in its own currency.
          presentment: t.exchange_rate !== null && source ? await presentmentOf(s, t.type, source) : null,
        });
      }
      return all;
    }),
};
