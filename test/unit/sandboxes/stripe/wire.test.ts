/**
 * The HTTP contract: authentication, Stripe-Version, Request-Id, error envelopes, rate limiting and
 * injected faults, seen through the real SDK (and raw fetch where the SDK hides the wire).
 */
import Stripe from 'stripe';
import { startStripeSandbox, type StripeSandbox } from '../../../../local/sandboxes/stripe';
import { API_KEY, world } from './world';

let sandbox: StripeSandbox;
let stripe: Stripe;

beforeAll(async () => {
  sandbox = await startStripeSandbox({ apiKey: API_KEY, objects: world() });
  stripe = sandbox.client();
});
afterAll(() => sandbox.stop());
afterEach(() => sandbox.clearFaults());

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${sandbox.url}${path}`, { headers: { authorization: `Bearer ${API_KEY}`, ...headers } });

describe('authentication', () => {
  it('throws StripeAuthenticationError for a wrong key, echoing it masked', async () => {
    const err = await new Stripe('sk_test_51WrongKey0000000000000000009876', {
      host: '127.0.0.1',
      port: sandbox.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    }).payouts
      .retrieve('po_1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err).toMatchObject({
      statusCode: 401,
      rawType: 'invalid_request_error',
      message: 'Invalid API Key provided: sk_test_****************************9876',
    });
  });

  it('explains a missing key, and accepts HTTP Basic (curl -u sk_test_…:) as Stripe does', async () => {
    const missing = await fetch(`${sandbox.url}/v1/payouts/po_1`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Basic realm="Stripe"');
    const body = (await missing.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/^You did not provide an API key\./);

    const basic = await fetch(`${sandbox.url}/v1/payouts/po_1`, {
      headers: { authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });
});

describe('headers and versions', () => {
  it('sends Request-Id and echoes Stripe-Version (defaulting to the pinned version)', async () => {
    const res = await get('/v1/payouts/po_1', { 'stripe-version': Stripe.API_VERSION });
    expect(res.headers.get('request-id')).toMatch(/^req_\w{14}$/);
    expect(res.headers.get('stripe-version')).toBe(Stripe.API_VERSION);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect((await get('/v1/payouts/po_1')).headers.get('stripe-version')).toBe(sandbox.apiVersion);

    const payout = await stripe.payouts.retrieve('po_1');
    expect(payout.lastResponse.apiVersion).toBe(Stripe.API_VERSION);
  });

  it('rejects a Stripe-Version it does not serve', async () => {
    const res = await get('/v1/payouts/po_1', { 'stripe-version': '2020-01-01.nonesuch' });
    expect(res.status).toBe(400);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const { error } = (await res.json()) as { error: Record<string, string> };
    expect(error).toMatchObject({
      type: 'invalid_request_error',
      message: 'Invalid Stripe API version: 2020-01-01.nonesuch',
    });
  });

  it('answers unknown URLs and JSON bodies as Stripe does', async () => {
    const res = await get('/v1/nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'Unrecognized request URL (GET: /v1/nope). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.',
    );
    await expect(stripe.charges.search({ query: "status:'succeeded'" })).rejects.toMatchObject({
      statusCode: 404,
      message: expect.stringMatching(/^Unrecognized request URL \(GET: \/v1\/charges\/search\)/),
    });
    const json = await fetch(`${sandbox.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@example.com' }),
    });
    expect(json.status).toBe(400);
  });

  it('carries the same Request-Id in the header and the error the SDK throws', async () => {
    const err = (await stripe.charges
      .retrieve('ch_nope')
      .catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err.requestId).toMatch(/^req_/);
    expect(sandbox.requests().at(-1)).toMatchObject({
      requestId: err.requestId,
      status: 404,
      path: '/v1/charges/ch_nope',
    });
  });
});

describe('rate limiting', () => {
  it('answers 429 rate_limit beyond the per-second budget: StripeRateLimitError, Stripe-Should-Retry', async () => {
    const limited = await startStripeSandbox({ apiKey: API_KEY, objects: world(), rateLimitPerSecond: 3 });
    try {
      const client = limited.client();
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => client.payouts.retrieve('po_1')),
      );
      const rejected = results
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        .map((r) => r.reason);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      expect(rejected).toHaveLength(2);
      expect(rejected[0]).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(rejected[0]).toMatchObject({
        statusCode: 429,
        code: 'rate_limit',
        rawType: 'invalid_request_error',
      });
      expect(rejected[0].headers['stripe-should-retry']).toBe('true');
    } finally {
      await limited.stop();
    }
  });
});

describe('fault injection', () => {
  it('fails matching requests with a 5xx (StripeAPIError) the given number of times', async () => {
    const fault = sandbox.injectFault({
      status: 500,
      times: 2,
      match: (r) => r.path.startsWith('/v1/payouts'),
    });
    await expect(stripe.charges.retrieve('ch_A1')).resolves.toMatchObject({ id: 'ch_A1' });
    for (let i = 0; i < 2; i++) {
      const err = await stripe.payouts.retrieve('po_1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(err).toMatchObject({ statusCode: 500, rawType: 'api_error' });
    }
    expect(fault.remaining).toBe(0);
    await expect(stripe.payouts.retrieve('po_1')).resolves.toMatchObject({ id: 'po_1' });
  });

  it('injects 429s, including lock_timeout', async () => {
    sandbox.injectFault({ status: 429, code: 'lock_timeout' });
    await expect(stripe.payouts.retrieve('po_1')).rejects.toMatchObject({
      type: 'StripeRateLimitError',
      code: 'lock_timeout',
    });
  });

  it('injects timeouts: no answer, so the client gives up (StripeConnectionError)', async () => {
    sandbox.injectFault({ status: 'timeout', match: (r) => r.method === 'GET' });
    const err = await sandbox
      .client({ timeout: 150 })
      .payouts.retrieve('po_1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(sandbox.requests().at(-1)).toMatchObject({ status: 'timeout', fault: 'timeout' });
  });

  it("with phase 'after', runs the request and loses the answer; the SDK's retry replays it", async () => {
    sandbox.injectFault({ status: 500, phase: 'after', match: (r) => r.method === 'POST' });
    const key = 'lost-response';
    await expect(
      stripe.customers.create({ email: 'lost@example.com' }, { idempotencyKey: key }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    const retried = await stripe.customers.create({ email: 'lost@example.com' }, { idempotencyKey: key });
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(sandbox.store.list('customer', { email: 'lost@example.com' }).map((c) => c.id)).toEqual([
      retried.id,
    ]);
  });

  it('lets a fault be cancelled', async () => {
    const fault = sandbox.injectFault({ status: 503, times: 5 });
    fault.cancel();
    await expect(stripe.payouts.retrieve('po_1')).resolves.toMatchObject({ id: 'po_1' });
  });
});
