/**
 * The billing port's Stripe adapter for deals: customers, subscriptions, subscription schedules,
 * amendments and cancellations with credit notes — every write with an Idempotency-Key the plan derived
 * from the Salesforce ids (and version), and no read the plan does not need: a new deal costs one call
 * (subscription) or two (customer + subscription); an amendment one read and one write.
 *
 * Failures: rate limits, 5xx, connection failures and idempotency conflicts (a concurrent request with
 * the same key) are transient; whatever Stripe refuses as invalid (card errors, unknown prices or
 * coupons) is a business error with Stripe's message. Every call goes through the stripe circuit
 * breaker: 5xx, timeouts and an unreachable Stripe count towards opening it (rate limits, idempotency
 * conflicts and refusals do not); while it is open DependencyOutageError parks the deal without a call.
 */
import Stripe from 'stripe';
import { isStripeOutage } from './stripe-outage';
import { SECRETS } from '../../../lib/topology';
import { unusedTimeCredit, type CurrentSubscription, type CreditableLine } from '../../domain/crm/amendment';
import type { SubscriptionBilling } from '../../domain/crm/apply';
import { BusinessError, TransientError } from '../../domain/errors';
import { circuitBreaker, type CircuitBreakerPort } from '../circuit-breaker/dynamodb-breaker';
import { secretValue } from '../store/secrets';

export function classifyStripeError(err: unknown, doing: string): unknown {
  if (err instanceof BusinessError || err instanceof TransientError) return err;
  if (
    err instanceof Stripe.errors.StripeRateLimitError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeIdempotencyError ||
    (err instanceof Stripe.errors.StripeError && (err.statusCode ?? 0) >= 500)
  ) {
    return new TransientError(`Stripe ${doing}: ${(err as Error).message}`);
  }
  if (
    err instanceof Stripe.errors.StripeCardError ||
    err instanceof Stripe.errors.StripeInvalidRequestError
  ) {
    const code =
      err.code ?? (err instanceof Stripe.errors.StripeCardError ? 'card_error' : 'invalid_request');
    return new BusinessError(`stripe_${code}`, `Stripe refused ${doing}: ${err.message}`);
  }
  return err;
}

let client: Promise<Stripe> | undefined;

/** The process-wide Stripe client (restricted key with write access to customers and subscriptions). */
export function stripeWriter(): Promise<Stripe> {
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

const idOf = (v: unknown): string | null =>
  typeof v === 'string'
    ? v
    : v && typeof v === 'object' && 'id' in v
      ? String((v as { id: unknown }).id)
      : null;

/** Stripe subscription → the state the plan needs. */
export function currentSubscription(sub: Stripe.Subscription): CurrentSubscription {
  const items = sub.items.data;
  const first = items[0];
  const interval = first?.price.recurring?.interval;
  return {
    id: sub.id,
    status: sub.status,
    currency: sub.currency,
    interval: interval === 'month' ? 'month' : interval === 'year' ? 'year' : null,
    items: items.map((i) => ({
      itemId: i.id,
      stripeProduct: idOf(i.price.product) ?? '',
      priceId: i.price.id,
      unitAmount: i.price.unit_amount ?? 0,
      quantity: i.quantity ?? 1,
    })),
    currentPeriodStart: first?.current_period_start ?? sub.start_date,
    currentPeriodEnd: first?.current_period_end ?? sub.start_date,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    canceledAt: sub.canceled_at ?? null,
    metadata: { ...(sub.metadata ?? {}) },
    latestInvoiceId: idOf(sub.latest_invoice),
  };
}

/** Subscription lines of an invoice with their service period, for crediting unused time. */
function creditableLines(lines: Stripe.InvoiceLineItem[]): CreditableLine[] {
  return lines
    .filter((l) => l.parent?.subscription_item_details && l.period.end > l.period.start)
    .map((l) => ({ lineId: l.id, amount: l.amount, periodStart: l.period.start, periodEnd: l.period.end }));
}

export function stripeSubscriptionBilling(
  stripe: () => Promise<Stripe> = stripeWriter,
  breaker: () => CircuitBreakerPort = circuitBreaker,
): SubscriptionBilling {
  const call = async <T>(doing: string, fn: (s: Stripe) => Promise<T>): Promise<T> => {
    try {
      return await breaker().guard('stripe', async () => fn(await stripe()), isStripeOutage);
    } catch (err) {
      throw classifyStripeError(err, doing);
    }
  };
  return {
    retrieveSubscription: (id) =>
      call(`reading subscription ${id}`, async (s) =>
        currentSubscription(await s.subscriptions.retrieve(id)),
      ),

    createCustomer: (step) =>
      call(`creating the customer of account ${step.params.metadata.sf_account_id}`, async (s) => {
        const customer = await s.customers.create(step.params, { idempotencyKey: step.idempotencyKey });
        return customer.id;
      }),

    createSubscription: (customer, params, idempotencyKey) =>
      call(`creating a subscription for ${customer}`, async (s) => {
        const sub = await s.subscriptions.create(
          { customer, ...(params as Omit<Stripe.SubscriptionCreateParams, 'customer'>) },
          { idempotencyKey },
        );
        return { id: sub.id, status: sub.status };
      }),

    createSchedule: (customer, params, idempotencyKey) =>
      call(`scheduling a subscription for ${customer}`, async (s) => {
        const schedule = await s.subscriptionSchedules.create(
          { customer, ...(params as unknown as Omit<Stripe.SubscriptionScheduleCreateParams, 'customer'>) },
          { idempotencyKey },
        );
        return { id: schedule.id, subscriptionId: idOf(schedule.subscription) };
      }),

    updateSubscription: (id, params, idempotencyKey) =>
      call(`updating subscription ${id}`, async (s) => {
        const sub = await s.subscriptions.update(id, params as Stripe.SubscriptionUpdateParams, {
          idempotencyKey,
        });
        return { id: sub.id, status: sub.status };
      }),

    cancelNowWithCredit: ({
      subscriptionId,
      invoiceId,
      metadata,
      idempotencyKey,
      creditIdempotencyKey,
      canceledAt,
    }) =>
      call(`cancelling subscription ${subscriptionId}`, async (s) => {
        // A retry after the cancellation went through (but the credit did not) finds it cancelled already.
        const at =
          canceledAt ??
          (
            await s.subscriptions.cancel(
              subscriptionId,
              { prorate: false, invoice_now: false },
              { idempotencyKey },
            )
          ).canceled_at ??
          Math.floor(Date.now() / 1000);
        if (!invoiceId) return { canceledAt: at, creditNoteId: null, credited: 0 };
        const invoice = await s.invoices.retrieve(invoiceId);
        if (invoice.status !== 'paid' && invoice.status !== 'open')
          return { canceledAt: at, creditNoteId: null, credited: 0 };
        const lines = invoice.lines.has_more
          ? await s.invoices.listLineItems(invoiceId, { limit: 100 }).autoPagingToArray({ limit: 10_000 })
          : invoice.lines.data;
        const credits = unusedTimeCredit(creditableLines(lines), at);
        if (credits.length === 0) return { canceledAt: at, creditNoteId: null, credited: 0 };
        const note = await s.creditNotes.create(
          {
            invoice: invoiceId,
            reason: 'order_change',
            memo: `Unused time after cancellation (${metadata.sf_opportunity_id ?? subscriptionId})`,
            metadata,
            lines: credits.map((c) => ({
              type: 'invoice_line_item',
              invoice_line_item: c.lineId,
              amount: c.amount,
            })),
          },
          { idempotencyKey: creditIdempotencyKey },
        );
        return { canceledAt: at, creditNoteId: note.id, credited: note.total };
      }),
  };
}
