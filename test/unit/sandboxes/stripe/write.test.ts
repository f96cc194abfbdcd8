/** Create, update, delete and idempotency through the real SDK. */
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

async function monthlyPrice(unitAmount = 2500): Promise<Stripe.Price> {
  return stripe.prices.create({
    currency: 'USD',
    unit_amount: unitAmount,
    recurring: { interval: 'month' },
    product_data: { name: 'Growth seat' },
  });
}

describe('create', () => {
  it('creates a customer with a generated id, Stripe defaults and the given fields', async () => {
    const customer = await stripe.customers.create({
      name: 'Cobalt Health',
      email: 'ap@cobalt.example',
      address: { country: 'US', city: 'Boston' },
      metadata: { sf_account_id: '001Demo' },
    });
    expect(customer.id).toMatch(/^cus_\w{24}$/);
    expect(customer).toMatchObject({
      object: 'customer',
      name: 'Cobalt Health',
      address: { country: 'US', city: 'Boston' },
      metadata: { sf_account_id: '001Demo' },
      balance: 0,
      livemode: false,
      description: null,
    });
    expect(sandbox.store.get('customer', customer.id)).toMatchObject({ email: 'ap@cobalt.example' });
  });

  it('lists objects created within the same second newest first', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++)
      made.push((await stripe.customers.create({ email: `c${i}@same.example` })).id);
    const listed = (await stripe.customers.list({ limit: 3 })).data.map((c) => c.id);
    expect(listed).toEqual(made.reverse());
  });

  it('coerces typed params and derives price fields; product_data creates the product', async () => {
    const price = await monthlyPrice(1999);
    expect(price).toMatchObject({
      object: 'price',
      currency: 'usd',
      unit_amount: 1999,
      type: 'recurring',
      recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
    });
    expect(String(price.unit_amount_decimal)).toBe('1999');
    const product = await stripe.products.retrieve(price.product as string);
    expect(product).toMatchObject({ name: 'Growth seat', active: true });
  });

  it("rejects a missing required param with Stripe's parameter_missing", async () => {
    const err = await stripe.products.create({} as Stripe.ProductCreateParams).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({
      statusCode: 400,
      code: 'parameter_missing',
      param: 'name',
      message: 'Missing required param: name.',
    });
    await expect(stripe.products.create({ name: '' })).rejects.toMatchObject({
      code: 'parameter_invalid_empty',
    });
    await expect(
      stripe.prices.create({ currency: 'usd', unit_amount: 5, product: 'prod_nope' }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'product',
      message: "No such product: 'prod_nope'",
    });
  });

  it('creates a subscription: sub_ id, active, one si_ item per price with its period', async () => {
    const price = await monthlyPrice();
    const sub = await stripe.subscriptions.create({
      customer: 'cus_A',
      items: [{ price: price.id, quantity: 25 }],
      metadata: { opportunity: 'opp_1' },
      expand: ['customer'],
    });
    expect(sub.id).toMatch(/^sub_/);
    expect(sub).toMatchObject({ status: 'active', currency: 'usd', metadata: { opportunity: 'opp_1' } });
    expect(sub.customer).toMatchObject({ id: 'cus_A', object: 'customer' });
    const [item] = sub.items.data;
    expect(item).toMatchObject({ object: 'subscription_item', quantity: 25, subscription: sub.id });
    expect(item.id).toMatch(/^si_/);
    expect(item.price.id).toBe(price.id);
    expect(new Date(item.current_period_end * 1000).getUTCMonth()).toBe(
      (new Date(item.current_period_start * 1000).getUTCMonth() + 1) % 12,
    );

    await expect(
      stripe.subscriptions.create({ customer: 'cus_nope', items: [{ price: price.id }] }),
    ).rejects.toMatchObject({
      code: 'resource_missing',
      param: 'customer',
    });
    await expect(
      stripe.subscriptions.create({ customer: 'cus_A', items: [{ price: 'price_nope' }] }),
    ).rejects.toMatchObject({
      param: 'items[0][price]',
    });
  });

  it('updates subscription items and cancels with DELETE (canceled ones leave the default list)', async () => {
    const [seat, addon] = [await monthlyPrice(), await monthlyPrice(900)];
    const sub = await stripe.subscriptions.create({
      customer: 'cus_B',
      items: [{ price: seat.id, quantity: 5 }],
    });
    const si = sub.items.data[0].id;
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: si, quantity: 8 }, { price: addon.id }],
    });
    expect(updated.items.data.map((i) => [i.price.id, i.quantity])).toEqual([
      [seat.id, 8],
      [addon.id, 1],
    ]);

    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled).toMatchObject({ id: sub.id, status: 'canceled' });
    expect(canceled.canceled_at).toEqual(expect.any(Number));
    const active = (await stripe.subscriptions.list({ customer: 'cus_B' })).data.map((s) => s.id);
    expect(active).not.toContain(sub.id);
    const ended = (await stripe.subscriptions.list({ customer: 'cus_B', status: 'canceled' })).data.map(
      (s) => s.id,
    );
    expect(ended).toEqual([sub.id]);
  });
});

describe('update and delete', () => {
  it('merges metadata key by key; an empty string deletes a key; other fields are set or unset', async () => {
    const customer = await stripe.customers.create({
      description: 'before',
      metadata: { keep: '1', drop: '2', change: '3' },
    });
    const updated = await stripe.customers.update(customer.id, {
      description: '',
      metadata: { drop: '', change: 'three', add: '4' },
    });
    expect(updated.metadata).toEqual({ keep: '1', change: 'three', add: '4' });
    expect(updated.description).toBeNull();

    const cleared = await stripe.customers.update(customer.id, { metadata: '' });
    expect(cleared.metadata).toEqual({});
  });

  it('updates seeded objects (metadata on a payout) and 404s unknown ones', async () => {
    const payout = await stripe.payouts.update('po_2', { metadata: { reconciled: 'no' } });
    expect(payout).toMatchObject({ id: 'po_2', status: 'in_transit', metadata: { reconciled: 'no' } });
    await expect(stripe.payouts.update('po_nope', { metadata: {} })).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
  });

  it('refuses to write API-owned fields', async () => {
    await expect(stripe.customers.update('cus_A', { id: 'cus_other' } as never)).rejects.toMatchObject({
      code: 'parameter_unknown',
      param: 'id',
    });
  });

  it('deletes where Stripe allows it, and not elsewhere', async () => {
    const customer = await stripe.customers.create({ email: 'gone@example.com' });
    expect(await stripe.customers.del(customer.id)).toMatchObject({
      id: customer.id,
      object: 'customer',
      deleted: true,
    });
    await expect(stripe.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404 });

    const price = await monthlyPrice();
    await expect(stripe.products.del(price.product as string)).rejects.toMatchObject({
      statusCode: 400,
      message: 'This product cannot be deleted because it has one or more user-created prices.',
    });
    // No DELETE /v1/payouts/:id in Stripe's API.
    const res = await fetch(`${sandbox.url}/v1/payouts/po_1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /^Unrecognized request URL \(DELETE: \/v1\/payouts\/po_1\)/,
    );
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and parameters', async () => {
    const params = { email: 'once@example.com', metadata: { attempt: '1' } };
    const first = await stripe.customers.create(params, { idempotencyKey: 'create-once' });
    const again = await stripe.customers.create(params, { idempotencyKey: 'create-once' });
    expect(again.id).toBe(first.id);
    expect(again).toEqual(first);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(again.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    expect(again.lastResponse.requestId).not.toBe(first.lastResponse.requestId);
    expect(sandbox.store.list('customer', { email: 'once@example.com' })).toHaveLength(1);
  });

  it('rejects the same key with other parameters or another endpoint (idempotency_error)', async () => {
    await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'reused' });
    const err = await stripe.customers
      .create({ email: 'b@example.com' }, { idempotencyKey: 'reused' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err).toMatchObject({
      statusCode: 400,
      rawType: 'idempotency_error',
      message:
        'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
        "Try using a key other than 'reused' if you meant to execute a different request.",
    });
    await expect(stripe.products.create({ name: 'x' }, { idempotencyKey: 'reused' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeIdempotencyError,
    );
  });

  it('does not save a request that failed validation, so it can be corrected under the same key', async () => {
    await expect(stripe.products.create({ name: '' }, { idempotencyKey: 'fix-me' })).rejects.toMatchObject({
      statusCode: 400,
    });
    const product = await stripe.products.create({ name: 'Fixed' }, { idempotencyKey: 'fix-me' });
    expect(product.name).toBe('Fixed');
  });
});
