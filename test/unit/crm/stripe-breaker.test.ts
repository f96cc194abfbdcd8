/**
 * The stripe circuit breaker as ApplyDealToBilling uses it (`stripeSubscriptionBilling`): the real stripe
 * SDK against the Stripe sandbox's injected faults, the breaker's state in a dynalite table. Outages
 * (503 `api_error`, a request that times out) open it after CIRCUIT_BREAKERS.stripe.failureThreshold;
 * rate limits (429 `rate_limit`, `lock_timeout`), idempotency conflicts and refusals never count.
 */
import Stripe from 'stripe';
import { stripeSubscriptionBilling } from '../../../lambdas/adapters/billing/stripe-subscriptions';
import { isStripeOutage } from '../../../lambdas/adapters/billing/stripe-outage';
import { circuitBreaker } from '../../../lambdas/adapters/circuit-breaker/dynamodb-breaker';
import type { CustomerCreate } from '../../../lambdas/domain/crm/plan';
import { BusinessError, DependencyOutageError, TransientError } from '../../../lambdas/domain/errors';
import { CIRCUIT_BREAKERS } from '../../../lib/topology';
import { startStripeSandbox, type StripeSandbox } from '../../../local/sandboxes/stripe';
import { API_KEY } from '../sandboxes/stripe/world';
import { startBreakerTable } from './breaker-table';

const OPEN_MS = 400;
const CLIENT_TIMEOUT_MS = 300;
const THRESHOLD = CIRCUIT_BREAKERS.stripe.failureThreshold;
let breakers: { stop(): Promise<void> };
let sandbox: StripeSandbox;

beforeAll(async () => {
  breakers = await startBreakerTable(OPEN_MS);
  sandbox = await startStripeSandbox({ apiKey: API_KEY, rateLimitPerSecond: Infinity });
});

afterAll(async () => {
  await sandbox?.stop();
  await breakers?.stop();
});

/** The adapter ApplyDealToBilling uses, on a real SDK client of the sandbox (no SDK retries, short timeout). */
const billing = () =>
  stripeSubscriptionBilling(async () => sandbox.client({ maxNetworkRetries: 0, timeout: CLIENT_TIMEOUT_MS }));
const breaker = () => circuitBreaker().state('stripe');
let n = 0;
const customer = (key = `cus-key-${++n}`): CustomerCreate => ({
  kind: 'create',
  idempotencyKey: key,
  params: { name: `Breaker ${key}`, metadata: { sf_account_id: `001${key}` } },
});
const isCustomerCreate = (r: { method: string; path: string }) =>
  r.method === 'POST' && r.path === '/v1/customers';
const stripeRequests = () => sandbox.requests().length;

/** The rejection of one guarded write (fails the test if it resolved). */
async function rejection(write: () => Promise<unknown>): Promise<Error> {
  try {
    await write();
  } catch (err) {
    return err as Error;
  }
  throw new Error('the Stripe write was expected to fail');
}

describe('stripe circuit breaker (the deal flow’s Stripe writes)', () => {
  it('429s (rate_limit, lock_timeout), idempotency conflicts and refusals never count towards opening', async () => {
    expect(await billing().createCustomer(customer())).toMatch(/^cus_/);
    const before = stripeRequests();
    sandbox.injectFault({ status: 429, times: THRESHOLD * 2, match: isCustomerCreate });
    sandbox.injectFault({ status: 429, code: 'lock_timeout', times: THRESHOLD, match: isCustomerCreate });
    for (let i = 0; i < THRESHOLD * 3; i++) {
      const err = await rejection(() => billing().createCustomer(customer()));
      expect(err).toBeInstanceOf(TransientError);
      expect(err).not.toBeInstanceOf(DependencyOutageError);
    }
    // The same key with other parameters: Stripe's idempotency_error (transient here, never an outage).
    const reused = customer('cus-key-reused');
    await billing().createCustomer(reused);
    const conflict = await rejection(() =>
      billing().createCustomer({ ...reused, params: { ...reused.params, name: 'Someone else' } }),
    );
    expect(conflict).toBeInstanceOf(TransientError);
    expect(conflict.message).toMatch(/idempot/i);
    // A refusal (4xx): a subscription for a customer Stripe does not know.
    const refused = await rejection(() =>
      billing().createSubscription('cus_missing', { items: [], metadata: {} } as never, 'sub-key-refused'),
    );
    expect(refused).toBeInstanceOf(BusinessError);
    // Every call reached Stripe: the circuit never opened, and no failure was counted.
    expect(stripeRequests() - before).toBe(THRESHOLD * 3 + 3);
    expect(await breaker()).toMatchObject({ status: 'closed', consecutiveFailures: 0 });
  });

  it('a timed-out request counts as an outage failure; a success resets the count', async () => {
    sandbox.injectFault({ status: 'timeout', times: 1, match: isCustomerCreate });
    const err = await rejection(() => billing().createCustomer(customer()));
    expect(err).toBeInstanceOf(TransientError);
    expect(await breaker()).toMatchObject({ status: 'closed', consecutiveFailures: 1 });
    await billing().createCustomer(customer());
    expect(await breaker()).toMatchObject({ status: 'closed', consecutiveFailures: 0 });
  });

  it('the threshold-th 503 opens it (429s in between neither count nor reset); open means no request reaches Stripe; a probe closes it', async () => {
    const parked = customer('cus-key-parked');
    sandbox.injectFault({ status: 503, times: THRESHOLD - 1, match: isCustomerCreate });
    for (let i = 0; i < THRESHOLD - 1; i++)
      expect(await rejection(() => billing().createCustomer(parked))).toBeInstanceOf(TransientError);
    sandbox.injectFault({ status: 429, times: 3, match: isCustomerCreate });
    for (let i = 0; i < 3; i++)
      expect(await rejection(() => billing().createCustomer(parked))).toBeInstanceOf(TransientError);
    expect(await breaker()).toMatchObject({ status: 'closed', consecutiveFailures: THRESHOLD - 1 });

    sandbox.injectFault({ status: 503, times: 1, match: isCustomerCreate });
    expect((await rejection(() => billing().createCustomer(parked))).message).toMatch(/Something went wrong/);
    expect(await breaker()).toMatchObject({ status: 'open', consecutiveFailures: THRESHOLD });

    // Open: every kind of write is refused without a request to Stripe.
    const before = stripeRequests();
    const writes: (() => Promise<unknown>)[] = [
      () => billing().createCustomer(parked),
      () => billing().createSubscription('cus_x', { items: [], metadata: {} } as never, 'k1'),
      () => billing().createSchedule('cus_x', {} as never, 'k2'),
      () => billing().updateSubscription('sub_x', {} as never, 'k3'),
      () => billing().retrieveSubscription('sub_x'),
      () =>
        billing().cancelNowWithCredit({
          subscriptionId: 'sub_x',
          invoiceId: 'in_x',
          metadata: {},
          idempotencyKey: 'k4',
          creditIdempotencyKey: 'k5',
          canceledAt: null,
        }),
    ];
    for (const write of writes) {
      const err = await rejection(write);
      expect(err).toBeInstanceOf(DependencyOutageError);
      expect(err.message).toMatch(/^stripe: circuit open/);
    }
    expect(stripeRequests()).toBe(before);

    // After the open window one probe goes through: the parked customer is created once, the circuit closes.
    await new Promise((r) => setTimeout(r, OPEN_MS + 50));
    const id = await billing().createCustomer(parked);
    expect(await breaker()).toMatchObject({ status: 'closed', consecutiveFailures: 0 });
    expect(await billing().createCustomer(parked)).toBe(id); // replayed by its Idempotency-Key
    const stripe = sandbox.client();
    const named = (await stripe.customers.list({ limit: 100 })).data.filter(
      (c) => c.metadata.sf_account_id === parked.params.metadata.sf_account_id,
    );
    expect(named.map((c) => c.id)).toEqual([id]);
  });

  it('classifies: 5xx and connection failures are outages; 429, idempotency conflicts and 4xx are not', () => {
    const raw = (type: string, statusCode: number) =>
      Stripe.errors.StripeError.generate({ type, message: 'm', statusCode } as never);
    expect(isStripeOutage(raw('api_error', 500))).toBe(true);
    expect(isStripeOutage(raw('something_new', 502))).toBe(true);
    expect(isStripeOutage(new Stripe.errors.StripeConnectionError({ message: 'timeout' } as never))).toBe(
      true,
    );
    expect(
      isStripeOutage(new Stripe.errors.StripeRateLimitError({ message: 'm', statusCode: 429 } as never)),
    ).toBe(false);
    expect(isStripeOutage(raw('idempotency_error', 400))).toBe(false);
    expect(isStripeOutage(raw('invalid_request_error', 400))).toBe(false);
    expect(isStripeOutage(raw('card_error', 402))).toBe(false);
    expect(isStripeOutage(new Error('ECONNRESET-looking but not Stripe'))).toBe(false);
  });
});
