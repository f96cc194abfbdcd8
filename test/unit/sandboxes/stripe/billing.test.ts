/**
 * The sandbox's billing engine through the real `stripe` SDK: first invoices paid with card fees,
 * prorations, coupons, trials, renewals on the clock, schedules, credit notes, idempotency — and the
 * webhooks it sends, verified with Stripe.webhooks.constructEvent and mapped by the pipeline's pure
 * mapping functions.
 */
import Stripe from 'stripe';
import rawConfig from '../../../../config/mapping.json';
import { STRIPE_API_VERSION } from '../../../../lib/topology';
import { parseMappingConfig } from '../../../../lambdas/domain/config';
import { normaliseStripeEvent, StripeEventShape } from '../../../../lambdas/domain/envelope';
import { mapStripeInvoiceEvent } from '../../../../lambdas/domain/mapping/stripe-invoice';
import { mapMoneyEvent } from '../../../../lambdas/domain/mapping/stripe-money';
import { invoiceObject } from '../../../../local/scenarios/stripe-events';
import { FR_VAT, NY_TAX, startBillingWorld, T, type BillingWorld } from './billing-world';

jest.setTimeout(30_000);
const config = parseMappingConfig(rawConfig);

let w: BillingWorld;
beforeEach(async () => {
  w = await startBillingWorld();
});
afterEach(async () => {
  await w.stop();
});

const envelope = (event: Stripe.Event) =>
  normaliseStripeEvent(StripeEventShape.parse(JSON.parse(JSON.stringify(event))), new Date());

async function northwind(extra: Partial<Stripe.SubscriptionCreateParams> = {}) {
  const customer = await w.stripe.customers.create({
    name: 'Northwind Traders',
    email: 'ap@northwind.example',
    metadata: { sf_account_id: '0015g00000NorthwAAA' },
  });
  const sub = await w.stripe.subscriptions.create({
    customer: customer.id,
    items: [
      { price: w.prices.growthUsd, quantity: 20 },
      { price: w.prices.support, quantity: 1 },
    ],
    add_invoice_items: [{ price: w.prices.implementation }],
    default_tax_rates: [NY_TAX],
    metadata: { correlation_id: 'corr-northwind-1', sf_opportunity_id: '0065g00000Nw1AAA' },
    expand: ['latest_invoice'],
    ...extra,
  });
  return { customer, sub, invoice: sub.latest_invoice as Stripe.Invoice };
}

describe('subscription create bills and pays the first invoice', () => {
  it('lines per item with period, one-time items, per-line tax; paid by card with the fee', async () => {
    const { sub, invoice } = await northwind();
    expect(sub.status).toBe('active');
    expect(sub.items.data[0]).toMatchObject({
      current_period_start: T('2026-11-02T00:00:00Z'),
      current_period_end: T('2026-12-02T00:00:00Z'),
    });
    expect(invoice).toMatchObject({
      status: 'paid',
      billing_reason: 'subscription_create',
      subtotal: 377900,
      total: 411440, // 98000 + 29900 + 250000 + tax 8698 + 2654 + 22188
      amount_paid: 411440,
      amount_remaining: 0,
      parent: {
        subscription_details: { subscription: sub.id, metadata: { correlation_id: 'corr-northwind-1' } },
      },
    });
    expect(invoice.number).toMatch(/^[A-Z0-9]{8}-0001$/);
    const byAmount = Object.fromEntries(invoice.lines.data.map((l) => [l.amount, l]));
    expect(byAmount[98000].taxes?.[0]).toMatchObject({ amount: 8698, taxable_amount: 98000 });
    expect(byAmount[98000].period).toEqual({
      start: T('2026-11-02T00:00:00Z'),
      end: T('2026-12-02T00:00:00Z'),
    });
    expect(byAmount[250000].period.start).toBe(byAmount[250000].period.end);
    expect(byAmount[250000].parent?.type).toBe('invoice_item_details');

    const [charge] = (await w.stripe.charges.list({ customer: sub.customer as string })).data;
    expect(charge).toMatchObject({ amount: 411440, status: 'succeeded', paid: true });
    const txn = await w.stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
    expect(txn).toMatchObject({ amount: 411440, fee: 11962, net: 411440 - 11962, type: 'charge' });
    const [payment] = (await w.stripe.invoicePayments.list({ invoice: invoice.id })).data;
    expect(payment.payment.payment_intent).toBe(charge.payment_intent);
  });

  it('has the fixture builders’ shape (same fields on the invoice and its lines)', async () => {
    const { invoice } = await northwind();
    const fixture = invoiceObject({
      seed: 'shape',
      customer: { id: 'cus_x', name: 'x', email: 'x@example.com', invoicePrefix: 'ABCD1234' },
      currency: 'usd',
      created: T('2026-11-02T00:00:00Z'),
      subscription: { id: 'sub_x' },
      lines: [
        {
          description: 'seat',
          price: 'price_x',
          product: 'prod_x',
          unitAmount: 100,
          kind: 'subscription',
          period: { start: 1, end: 2 },
        },
      ],
      billingReason: 'subscription_create',
      paidAt: T('2026-11-02T00:00:00Z'),
    });
    expect(Object.keys(invoice).sort()).toEqual(Object.keys(fixture).sort());
    expect(Object.keys(invoice.lines.data[0]).sort()).toEqual(Object.keys(fixture.lines.data[0]).sort());
  });

  it('sends signed webhooks in Stripe’s order, and the pipeline maps invoice.paid to the canonical invoice', async () => {
    const { sub } = await northwind();
    await w.sandbox.webhooksIdle();
    // Raised in Stripe's order; delivered in order per object (objects are delivered concurrently).
    const raised = w.sandbox
      .events()
      .map((e) => String(e.type))
      .filter((t) => !['product.created', 'price.created'].includes(t));
    expect(raised).toEqual([
      'customer.created',
      'customer.subscription.created',
      'invoiceitem.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    const types = w.receiver.received.map((r) => r.event.type);
    expect([...types].sort()).toEqual([...raised].sort());
    expect(types.filter((t) => t.startsWith('invoice.'))).toEqual([
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    const received = w.receiver.received.find((r) => r.event.type === 'customer.subscription.created')!;
    expect(received.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(received.event.request?.idempotency_key).toEqual(expect.any(String));
    expect((received.event.data.object as Stripe.Subscription).id).toBe(sub.id);
    // The same events are listed by the API, newest first.
    const listed = await w.stripe.events.list({ type: 'invoice.*' });
    expect(listed.data.map((e) => e.type)).toEqual([
      'invoice.payment_succeeded',
      'invoice.paid',
      'invoice.finalized',
      'invoice.created',
    ]);
    expect(listed.data.every((e) => e.pending_webhooks === 0)).toBe(true);

    const paid = w.receiver.received.find((r) => r.event.type === 'invoice.paid')!.event;
    const { invoicePosting, paymentPosting } = mapStripeInvoiceEvent(
      envelope(paid),
      config,
      STRIPE_API_VERSION,
    );
    const inv = invoicePosting.invoice;
    expect(inv).toMatchObject({
      subsidiary: 'US-INC',
      currency: 'usd',
      subtotal: 377900,
      taxTotal: 33540,
      discountTotal: 0,
      total: 411440,
      correlationId: 'corr-northwind-1',
      subscriptionRef: `stripe:${sub.id}`,
    });
    const growth = inv.lines.find((l) => l.item === 'SUB-GROWTH')!;
    expect(growth).toMatchObject({
      quantity: 20,
      amount: 98000,
      tax: 8698,
      taxCode: 'US-NY-SALES',
      recognition: 'ratable',
      servicePeriod: { start: '2026-11-02T00:00:00.000Z', end: '2026-12-02T00:00:00.000Z' },
      proration: false,
    });
    expect(inv.lines.find((l) => l.item === 'PS-IMPLEMENTATION')).toMatchObject({
      recognition: 'point_in_time',
    });
    expect(paymentPosting?.payment.amount).toBe(411440);
  });
});

describe('amendments: Stripe’s seconds-based proration', () => {
  it('always_invoice bills the unused/remaining time at once; the mapping sees proration lines', async () => {
    const { sub, invoice: first } = await northwind();
    w.sandbox.advanceClock(T('2026-11-16T00:00:00Z'));
    const growth = sub.items.data.find((i) => i.quantity === 20)!;
    const updated = await w.stripe.subscriptions.update(sub.id, {
      items: [{ id: growth.id, quantity: 30 }],
      proration_behavior: 'always_invoice',
      expand: ['latest_invoice'],
    });
    const inv = updated.latest_invoice as Stripe.Invoice;
    // 16 of 30 days remain: −round(98000 × 16/30) and +round(147000 × 16/30), tax per line.
    expect(inv.lines.data.map((l) => [l.amount, l.taxes?.[0].amount])).toEqual([
      [-52267, -4639],
      [78400, 6958],
    ]);
    expect(inv).toMatchObject({ billing_reason: 'subscription_update', status: 'paid', total: 28452 });
    const credit = inv.lines.data[0].parent!.subscription_item_details!;
    expect(credit).toMatchObject({ proration: true, subscription_item: growth.id });
    const firstGrowthLine = first.lines.data.find((l) => l.amount === 98000)!;
    expect(credit.proration_details?.credited_items).toEqual({
      invoice: first.id,
      invoice_line_items: [firstGrowthLine.id],
    });
    expect(inv.lines.data[1].period).toEqual({
      start: T('2026-11-16T00:00:00Z'),
      end: T('2026-12-02T00:00:00Z'),
    });

    await w.sandbox.webhooksIdle();
    const updatedEvent = w.receiver.received.find((r) => r.event.type === 'customer.subscription.updated')!;
    expect(updatedEvent.event.data.previous_attributes).toHaveProperty('items');
    const paid = w.receiver.received.filter((r) => r.event.type === 'invoice.paid').at(-1)!.event;
    const mapped = mapStripeInvoiceEvent(envelope(paid), config, STRIPE_API_VERSION).invoicePosting.invoice;
    expect(mapped.total).toBe(28452);
    expect(mapped.lines.map((l) => [l.amount, l.proration, l.servicePeriod?.start])).toEqual([
      [-52267, true, '2026-11-16T00:00:00.000Z'],
      [78400, true, '2026-11-16T00:00:00.000Z'],
    ]);
    expect(mapped.correlationId).toBe('corr-northwind-1');
  });

  it('create_prorations leaves pending items that the renewal invoice sweeps, finalized an hour later', async () => {
    const { sub } = await northwind();
    w.sandbox.advanceClock(T('2026-11-16T00:00:00Z'));
    const growth = sub.items.data.find((i) => i.quantity === 20)!;
    await w.stripe.subscriptions.update(sub.id, { items: [{ id: growth.id, quantity: 30 }] });
    const pending = await w.stripe.invoiceItems.list({ customer: sub.customer as string, pending: true });
    expect(pending.data.map((ii) => ii.amount).sort((a, b) => a - b)).toEqual([-52267, 78400]);

    const { actions } = w.sandbox.advanceClock(T('2026-12-02T01:00:00Z'));
    expect(actions[0]).toMatch(/^renewed /);
    expect(actions[1]).toMatch(/^finalized /);
    const renewal = (await w.stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0];
    expect(renewal).toMatchObject({
      billing_reason: 'subscription_cycle',
      status: 'paid',
      created: T('2026-12-02T00:00:00Z'),
      period_start: T('2026-11-02T00:00:00Z'),
      period_end: T('2026-12-02T00:00:00Z'),
    });
    expect(renewal.status_transitions.finalized_at).toBe(T('2026-12-02T01:00:00Z'));
    expect(renewal.lines.data.map((l) => l.amount)).toEqual([-52267, 78400, 147000, 29900]);
    const after = await w.stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data[0].current_period_end).toBe(T('2027-01-02T00:00:00Z'));
  });

  it('cancels immediately with prorate + invoice_now: a credit invoice and customer credit balance', async () => {
    const { sub, customer } = await northwind({ add_invoice_items: [] });
    w.sandbox.advanceClock(T('2026-11-20T00:00:00Z'));
    const canceled = await w.stripe.subscriptions.cancel(sub.id, { prorate: true, invoice_now: true });
    expect(canceled).toMatchObject({ status: 'canceled', canceled_at: T('2026-11-20T00:00:00Z') });
    const final = await w.stripe.invoices.retrieve(canceled.latest_invoice as string);
    // 12 of 30 days unused: −round(98000 × 12/30), −round(29900 × 12/30), plus tax.
    expect(final.lines.data.map((l) => l.amount)).toEqual([-39200, -11960]);
    expect(final).toMatchObject({ total: -39200 - 11960 - 3479 - 1061, amount_due: 0, status: 'paid' });
    expect((await w.stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      balance: final.total,
    });
    await w.sandbox.webhooksIdle();
    expect(w.receiver.received.map((r) => r.event.type)).toContain('customer.subscription.deleted');
  });
});

describe('coupons, trials, schedules, credit notes', () => {
  it('applies a percent coupon per line (EUR, VAT) and the mapping reads the discount', async () => {
    const coupon = await w.stripe.coupons.create({
      percent_off: 15,
      duration: 'repeating',
      duration_in_months: 3,
    });
    const customer = await w.stripe.customers.create({
      name: 'Atelier Mode SAS',
      email: 'compta@atelier.example',
    });
    const sub = await w.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: w.prices.growthEur, quantity: 10 }],
      discounts: [{ coupon: coupon.id }],
      default_tax_rates: [FR_VAT],
      metadata: { correlation_id: 'corr-atelier' },
      expand: ['latest_invoice'],
    });
    const inv = sub.latest_invoice as Stripe.Invoice;
    // 45000 − 15% (6750) = 38250, VAT 20% = 7650.
    expect(inv).toMatchObject({ subtotal: 45000, total: 45900, currency: 'eur', status: 'paid' });
    expect(inv.lines.data[0].discount_amounts).toEqual([{ amount: 6750, discount: sub.discounts[0] }]);
    await w.sandbox.webhooksIdle();
    const paid = w.receiver.received.find((r) => r.event.type === 'invoice.paid')!.event;
    const mapped = mapStripeInvoiceEvent(envelope(paid), config, STRIPE_API_VERSION).invoicePosting.invoice;
    expect(mapped).toMatchObject({ subsidiary: 'EU-BV', discountTotal: 6750, taxTotal: 7650, total: 45900 });
    expect((await w.stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
  });

  it('trials: $0 invoice now, trial_will_end 3 days before, the first charge when the trial ends', async () => {
    const customer = await w.stripe.customers.create({ name: 'Lumen Health', email: 'ap@lumen.example' });
    const sub = await w.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: w.prices.scaleUsd }],
      trial_period_days: 14,
      metadata: { correlation_id: 'corr-lumen' },
      expand: ['latest_invoice'],
    });
    expect(sub).toMatchObject({ status: 'trialing', trial_end: T('2026-11-16T00:00:00Z') });
    expect(sub.latest_invoice).toMatchObject({ total: 0, status: 'paid' });
    const { actions } = w.sandbox.advanceClock(T('2026-11-16T01:00:00Z'));
    expect(actions.map((a) => a.split(' ')[0])).toEqual(['trial_will_end', 'renewed', 'finalized']);
    const after = await w.stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    expect(after.status).toBe('active');
    expect(after.latest_invoice).toMatchObject({ total: 1800000, status: 'paid' });
    expect(after.items.data[0].current_period_end).toBe(T('2027-11-16T00:00:00Z'));
    await w.sandbox.webhooksIdle();
    const trialEvent = w.receiver.received.find(
      (r) => r.event.type === 'customer.subscription.trial_will_end',
    )!;
    expect(trialEvent.event.created).toBe(T('2026-11-13T00:00:00Z'));
    expect(trialEvent.event.request).toEqual({ id: null, idempotency_key: null });
  });

  it('a schedule with a future start creates and bills its subscription when the clock gets there', async () => {
    const customer = await w.stripe.customers.create({ name: 'Fjord Media GmbH', email: 'ap@fjord.example' });
    const schedule = await w.stripe.subscriptionSchedules.create({
      customer: customer.id,
      start_date: T('2027-01-01T00:00:00Z'),
      end_behavior: 'release',
      phases: [
        {
          items: [{ price: w.prices.scaleEur, quantity: 2 }],
          duration: { interval: 'year' },
          metadata: { correlation_id: 'corr-fjord' },
        },
      ],
    });
    expect(schedule).toMatchObject({ status: 'not_started', subscription: null });
    expect(schedule.phases[0]).toMatchObject({
      start_date: T('2027-01-01T00:00:00Z'),
      end_date: T('2028-01-01T00:00:00Z'),
    });
    w.sandbox.advanceClock(T('2027-01-01T00:00:00Z'));
    const started = await w.stripe.subscriptionSchedules.retrieve(schedule.id, { expand: ['subscription'] });
    const sub = started.subscription as Stripe.Subscription;
    expect(started.status).toBe('active');
    expect(sub).toMatchObject({
      status: 'active',
      schedule: schedule.id,
      metadata: { correlation_id: 'corr-fjord' },
    });
    const inv = await w.stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(inv).toMatchObject({ total: 2400000, currency: 'eur', status: 'paid' });

    const released = await w.stripe.subscriptionSchedules.release(schedule.id);
    expect(released).toMatchObject({ status: 'released', released_subscription: sub.id });
    expect((await w.stripe.subscriptions.retrieve(sub.id)).schedule).toBeNull();
  });

  it('credit notes: invoice lines and custom lines, refund on a paid invoice; the mapping posts the memo', async () => {
    const { invoice } = await northwind();
    const implementation = invoice.lines.data.find((l) => l.amount === 250000)!;
    const preview = await w.stripe.creditNotes.preview({
      invoice: invoice.id,
      lines: [{ type: 'invoice_line_item', invoice_line_item: implementation.id, amount: 50000 }],
      refund_amount: 54438,
    });
    expect(preview.total).toBe(54438); // 50000 + 8.875% tax (4437.5 → 4438)
    const note = await w.stripe.creditNotes.create({
      invoice: invoice.id,
      reason: 'order_change',
      lines: [
        { type: 'invoice_line_item', invoice_line_item: implementation.id, amount: 50000 },
        { type: 'custom_line_item', description: 'Goodwill', unit_amount: 1000, quantity: 1 },
      ],
      refund_amount: 50000,
      credit_amount: 5438,
      out_of_band_amount: 0,
    });
    expect(note).toMatchObject({
      total: 55438,
      type: 'post_payment',
      post_payment_amount: 55438,
      status: 'issued',
    });
    expect(note.number).toBe(`${invoice.number}-CN-01`);
    const [refund] = (await w.stripe.refunds.list({ limit: 1 })).data;
    expect(refund).toMatchObject({ amount: 50000, status: 'succeeded' });

    await w.sandbox.webhooksIdle();
    const created = w.receiver.received.find((r) => r.event.type === 'credit_note.created')!.event;
    const credited = await w.stripe.invoices.retrieve(invoice.id);
    const mapped = mapMoneyEvent(envelope(created), config, STRIPE_API_VERSION, {
      creditedInvoice: credited as unknown as Record<string, unknown>,
    });
    const memo = mapped.postings[1];
    expect(memo.type).toBe('journal');
    if (memo.type === 'journal') {
      const doc = memo.document.data as { total: number; lines: Array<{ amount: number; tax: number }> };
      expect(doc.total).toBe(55438);
      expect(doc.lines).toEqual([
        expect.objectContaining({ amount: 50000, tax: 4438 }),
        expect.objectContaining({ amount: 1000, tax: 0 }),
      ]);
    }
    await expect(
      w.stripe.creditNotes.create({ invoice: invoice.id, lines: [], amount: 10_000_000 }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('idempotency and delivery', () => {
  it('replays a subscription create with the same key (no second subscription, no new events); other params → 400', async () => {
    const customer = await w.stripe.customers.create({ name: 'Kestrel Analytics' });
    const params = { customer: customer.id, items: [{ price: w.prices.starter, quantity: 5 }] };
    const first = await w.stripe.subscriptions.create(params, { idempotencyKey: 'opp-4:v1' });
    const eventsAfterFirst = w.sandbox.events().length;
    const again = await w.stripe.subscriptions.create(params, { idempotencyKey: 'opp-4:v1' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(w.sandbox.events()).toHaveLength(eventsAfterFirst);
    expect((await w.stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(1);
    const err = await w.stripe.subscriptions
      .create(
        { ...params, items: [{ price: w.prices.starter, quantity: 8 }] },
        { idempotencyKey: 'opp-4:v1' },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((err as Stripe.errors.StripeError).message).toMatch(
      /^Keys for idempotent requests can only be used with the same parameters they were first used with/,
    );
  });

  it('retries failed deliveries with backoff, in order per object, and logs every attempt', async () => {
    let failures = 2;
    w.receiver.respond = () => (failures-- > 0 ? 500 : 200);
    const customer = await w.stripe.customers.create({ name: 'Borealis Logistics' });
    await w.stripe.customers.update(customer.id, { email: 'ap@borealis.example' });
    await w.sandbox.webhooksIdle();
    expect(w.receiver.received.map((r) => r.event.type)).toEqual(['customer.created', 'customer.updated']);
    const updated = w.receiver.received[1].event;
    expect(updated.data.previous_attributes).toEqual({ email: null });
    const attempts = w.sandbox
      .webhookDeliveries()
      .filter((d) => d.eventType.startsWith('customer.'))
      .map((d) => [d.eventType, d.attempt, d.status]);
    expect(attempts).toEqual([
      ['customer.created', 1, 500],
      ['customer.created', 2, 500],
      ['customer.created', 3, 200],
      ['customer.updated', 1, 200],
    ]);
  });

  it('webhook endpoints: create returns a whsec_ secret once; events are listable and retrievable', async () => {
    const endpoint = await w.stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:9/nowhere',
      enabled_events: ['invoice.paid'],
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await w.stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();
    const list = await w.stripe.webhookEndpoints.list();
    expect(list.data.map((e) => e.id)).toContain(endpoint.id);
    await w.stripe.webhookEndpoints.del(endpoint.id);
    await expect(
      w.stripe.webhookEndpoints.create({ url: 'not a url', enabled_events: ['*'] }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'url' });
    const customer = await w.stripe.customers.create({ name: 'x' });
    const [event] = (await w.stripe.events.list({ type: 'customer.created', limit: 1 })).data;
    expect((event.data.object as Stripe.Customer).id).toBe(customer.id);
    expect((await w.stripe.events.retrieve(event.id)).type).toBe('customer.created');
  });
});
