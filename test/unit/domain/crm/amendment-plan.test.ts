import fc from 'fast-check';
import {
  applyItemOperations,
  desiredItems,
  itemDelta,
  itemParams,
  prorationFor,
  unusedTimeCredit,
  type CurrentItem,
  type DesiredItem,
} from '../../../../lambdas/domain/crm/amendment';
import { planBilling, type BillingState } from '../../../../lambdas/domain/crm/plan';
import { validateDeal } from '../../../../lambdas/domain/crm/validate';
import { BusinessError } from '../../../../lambdas/domain/errors';
import { at, config, ids, line, northwindNew, northwindSubscription, northwindUpsell } from './deals';

const PRORATION = { upgrade: 'always_invoice', downgrade: 'create_prorations' } as const;
const fresh: BillingState = { appliedVersion: null, customerId: null, subscription: null, scheduleId: null };
const withSub = (over: Partial<BillingState> = {}): BillingState => ({
  appliedVersion: null,
  customerId: 'cus_northwind',
  subscription: northwindSubscription(),
  scheduleId: null,
  ...over,
});

// ── property arbitraries: items over a few products and prices ──
const products = ['prod_A', 'prod_B', 'prod_C', 'prod_D'];
const priceArb = fc.oneof(
  fc.constantFrom(1900, 4900).map((a) => ({ kind: 'price' as const, id: `price_${a}`, unitAmount: a })),
  fc.integer({ min: 1, max: 99_999 }).map((a) => ({
    kind: 'price_data' as const,
    unitAmount: a,
    data: { currency: 'usd', product: 'prod_A', unit_amount: a },
  })),
);
const desiredArb = fc
  .uniqueArray(
    fc.record({
      stripeProduct: fc.constantFrom(...products),
      quantity: fc.integer({ min: 1, max: 500 }),
      price: priceArb,
    }),
    { selector: (d) => d.stripeProduct, maxLength: 4 },
  )
  .map((ds) => ds as DesiredItem[]);
const asCurrent = (ds: DesiredItem[]): CurrentItem[] =>
  ds.map((d, i) => ({
    itemId: `si_${i}`,
    stripeProduct: d.stripeProduct,
    priceId: d.price.kind === 'price' ? d.price.id : `price_adhoc_${d.price.unitAmount}`,
    unitAmount: d.price.unitAmount,
    quantity: d.quantity,
  }));
const shape = (items: { stripeProduct: string; unitAmount: number; quantity: number }[]) =>
  items.map((i) => `${i.stripeProduct}:${i.unitAmount}:${i.quantity}`).sort();

describe('amendment deltas', () => {
  it('property: applying the delta to the current items yields the desired items', () => {
    fc.assert(
      fc.property(desiredArb, desiredArb, (before, after) => {
        const current = asCurrent(before);
        const result = applyItemOperations(current, itemDelta(current, after));
        expect(shape(result)).toEqual(shape(after.map((d) => ({ ...d, unitAmount: d.price.unitAmount }))));
      }),
    );
  });

  it('property: an identical quote is a no-op delta with no proration', () => {
    fc.assert(
      fc.property(desiredArb, (items) => {
        const ops = itemDelta(asCurrent(items), items);
        expect(ops).toEqual([]);
        expect(prorationFor(asCurrent(items), ops, PRORATION)).toBe('none');
      }),
    );
  });

  it('property: upgrades (recurring amount up) invoice now, everything else prorates on the next invoice', () => {
    fc.assert(
      fc.property(desiredArb, desiredArb, (before, after) => {
        const current = asCurrent(before);
        const ops = itemDelta(current, after);
        const up =
          after.reduce((t, d) => t + d.price.unitAmount * d.quantity, 0) >
          before.reduce((t, d) => t + d.price.unitAmount * d.quantity, 0);
        const expected = ops.length === 0 ? 'none' : up ? 'always_invoice' : 'create_prorations';
        expect(prorationFor(current, ops, PRORATION)).toBe(expected);
      }),
    );
  });

  it('turns each kind of change into the Stripe item parameter', () => {
    const current = northwindSubscription().items;
    const ops = itemDelta(current, [
      {
        stripeProduct: 'prod_DemoawVgYYX81y',
        quantity: 30,
        price: { kind: 'price', id: 'price_Q2cGrowthSeatMonthlyUsd', unitAmount: 4900 },
      },
      {
        stripeProduct: 'prod_Demo4d69Fv3ZGx',
        quantity: 2,
        price: { kind: 'price', id: 'price_Q2cStarterSeatMonthlyUsd', unitAmount: 1900 },
      },
    ]);
    expect(itemParams(ops)).toEqual([
      { id: 'si_growth', quantity: 30 },
      { id: 'si_support', deleted: true },
      { price: 'price_Q2cStarterSeatMonthlyUsd', quantity: 2 },
    ]);
    const repriced = itemDelta(current.slice(0, 1), [
      {
        stripeProduct: 'prod_DemoawVgYYX81y',
        quantity: 20,
        price: {
          kind: 'price_data',
          unitAmount: 4410,
          data: { currency: 'usd', product: 'prod_DemoawVgYYX81y', unit_amount: 4410 },
        },
      },
    ]);
    expect(itemParams(repriced)).toEqual([
      {
        id: 'si_growth',
        quantity: 20,
        price_data: { currency: 'usd', product: 'prod_DemoawVgYYX81y', unit_amount: 4410 },
      },
    ]);
    expect(prorationFor(current.slice(0, 1), repriced, PRORATION)).toBe('create_prorations'); // a price cut
  });

  it('amendment quotes list changes (absent = kept, 0 = removed) or, configured so, the complete state', () => {
    const current = northwindSubscription().items;
    const growth30 = [line('GROWTH-SEAT', 30, 4900)];
    const resolved = validateDeal(northwindUpsell(growth30), config).lines;
    expect(itemParams(itemDelta(current, desiredItems(resolved, current, 'changes')))).toEqual([
      { id: 'si_growth', quantity: 30 },
    ]);
    expect(itemParams(itemDelta(current, desiredItems(resolved, current, 'complete')))).toEqual([
      { id: 'si_growth', quantity: 30 },
      { id: 'si_support', deleted: true },
    ]);
    const dropSupport = validateDeal(northwindUpsell([line('SUPPORT-PREMIUM', 0, 29900)]), config).lines;
    expect(itemParams(itemDelta(current, desiredItems(dropSupport, current, 'changes')))).toEqual([
      { id: 'si_support', deleted: true },
    ]);
  });

  it('credits the unused time of each line of an immediate cancellation, never more than billed', () => {
    const start = at('2026-11-06T00:00:00Z');
    const end = at('2026-12-06T00:00:00Z');
    expect(
      unusedTimeCredit(
        [{ lineId: 'il_1', amount: 5700, periodStart: start, periodEnd: end }],
        at('2026-11-20T00:00:00Z'),
      ),
    ).toEqual([
      { lineId: 'il_1', amount: 3040 }, // 16 of 30 days
    ]);
    expect(
      unusedTimeCredit([{ lineId: 'il_1', amount: 5700, periodStart: start, periodEnd: end }], end),
    ).toEqual([]);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 1, max: 400 * 86400 }),
        fc.integer({ min: -1e7, max: 5e7 }),
        (amount, length, offset) => {
          const [credit] = unusedTimeCredit(
            [{ lineId: 'l', amount, periodStart: 0, periodEnd: length }],
            offset,
          );
          const value = credit?.amount ?? 0;
          expect(Number.isInteger(value)).toBe(true);
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(amount);
        },
      ),
    );
  });
});

describe('planBilling', () => {
  const now = at('2026-11-02T10:00:00Z');

  it('new business starting today: creates the customer and the subscription, keyed by account and opportunity', () => {
    const plan = planBilling(validateDeal(northwindNew(), config), fresh, config, now);
    expect(plan).toMatchObject({
      kind: 'create_subscription',
      status: 'Active',
      idempotencyKey: `q2c:sf:${ids.northwindNew}:subscription:create`,
      customer: {
        kind: 'create',
        idempotencyKey: `q2c:sf:${ids.northwind}:customer:create`,
        params: {
          name: 'Northwind Traders',
          email: 'nancy@northwind.example',
          address: {
            line1: '1 Harbor Way',
            city: 'Seattle',
            postal_code: '98101',
            state: 'WA',
            country: 'US',
          },
          metadata: { sf_account_id: ids.northwind },
        },
      },
      params: {
        items: [
          { price: 'price_Q2cGrowthSeatMonthlyUsd', quantity: 20 },
          { price: 'price_Q2cSupportPremiumMonthlyUsd', quantity: 1 },
        ],
        add_invoice_items: [{ price: 'price_Q2cImplementationUsd', quantity: 1 }],
        collection_method: 'send_invoice',
        days_until_due: 30,
        metadata: {
          correlation_id: `sf:${ids.northwindNew}`,
          sf_opportunity_id: ids.northwindNew,
          sf_account_id: ids.northwind,
          term_months: '12',
          term_end: '2027-11-02',
        },
      },
    });
    if (plan.kind !== 'create_subscription') throw new Error('unreachable');
    expect(plan.params.backdate_start_date).toBeUndefined();
    expect(plan.params.trial_period_days).toBeUndefined();
  });

  it('reuses the account customer, backdates a past start, and carries trial and coupon', () => {
    const deal = northwindNew();
    if (!deal.quote) throw new Error('fixture');
    deal.quote.trialDays = 14;
    deal.quote.coupon = 'LAUNCH20';
    const plan = planBilling(
      validateDeal(deal, config),
      { ...fresh, customerId: 'cus_known' },
      config,
      at('2026-11-05T12:00:00Z'),
    );
    expect(plan).toMatchObject({
      kind: 'create_subscription',
      status: 'Trialing',
      customer: { kind: 'existing', id: 'cus_known' },
      params: {
        backdate_start_date: at('2026-11-02T00:00:00Z'),
        trial_period_days: 14,
        discounts: [{ coupon: 'LAUNCH20' }],
      },
    });
  });

  it('a future start becomes a subscription schedule for the term', () => {
    const plan = planBilling(
      validateDeal(northwindNew({ startDate: '2027-01-01' }), config),
      fresh,
      config,
      now,
    );
    expect(plan).toMatchObject({
      kind: 'create_schedule',
      status: 'Scheduled',
      idempotencyKey: `q2c:sf:${ids.northwindNew}:schedule:create`,
      params: {
        start_date: at('2027-01-01T00:00:00Z'),
        end_behavior: 'release',
        phases: [
          { duration: { interval: 'month', interval_count: 12 }, invoice_settings: { days_until_due: 30 } },
        ],
      },
    });
  });

  it('skips a duplicate (same version) and a stale (older) delivery', () => {
    const v = validateDeal(northwindNew(), config);
    expect(
      planBilling(v, { ...fresh, appliedVersion: '2026-11-02T09:00:00.000+0000' }, config, now),
    ).toMatchObject({
      kind: 'skip',
      reason: 'duplicate',
    });
    expect(planBilling(v, { ...fresh, appliedVersion: '2026-11-03T00:00:00Z' }, config, now)).toMatchObject({
      kind: 'skip',
      reason: 'stale',
    });
  });

  it('an upsell amends the original subscription, invoicing the prorated difference from the effective date', () => {
    const plan = planBilling(
      validateDeal(northwindUpsell(), config),
      withSub(),
      config,
      at('2026-11-16T12:00:00Z'),
    );
    expect(plan).toMatchObject({
      kind: 'update_subscription',
      change: 'amend',
      status: 'Amended',
      subscriptionId: 'sub_northwind',
      idempotencyKey: `q2c:sf:${ids.northwindUpsell}:2026-11-16T09:00:00.000Z:subscription:amend`,
      params: {
        items: [{ id: 'si_growth', quantity: 30 }],
        proration_behavior: 'always_invoice',
        proration_date: at('2026-11-16T00:00:00Z'),
        metadata: {
          correlation_id: `sf:${ids.northwindUpsell}`,
          sf_original_opportunity_id: ids.northwindNew,
        },
      },
    });
  });

  it('a downgrade credits on the next invoice; a renewal changes terms without proration', () => {
    const down = planBilling(
      validateDeal(
        northwindUpsell([line('GROWTH-SEAT', 15, 4900), line('SUPPORT-PREMIUM', 1, 29900)]),
        config,
      ),
      withSub(),
      config,
      at('2026-11-16T12:00:00Z'),
    );
    expect(down).toMatchObject({
      params: { items: [{ id: 'si_growth', quantity: 15 }], proration_behavior: 'create_prorations' },
    });
    const renewal = northwindUpsell([line('GROWTH-SEAT', 25, 4900), line('SUPPORT-PREMIUM', 1, 29900)]);
    renewal.opportunity.type = 'Renewal';
    const sub = { ...northwindSubscription(), cancelAtPeriodEnd: true };
    expect(
      planBilling(validateDeal(renewal, config), withSub({ subscription: sub }), config, now),
    ).toMatchObject({
      kind: 'update_subscription',
      change: 'renew',
      status: 'Renewed',
      params: {
        items: [{ id: 'si_growth', quantity: 25 }],
        proration_behavior: 'none',
        cancel_at_period_end: false,
      },
    });
  });

  it('cancels at period end, or now with a credit for the unused time of the latest invoice', () => {
    const cancel = northwindUpsell([]);
    cancel.opportunity.type = 'Cancellation';
    expect(planBilling(validateDeal(cancel, config), withSub(), config, now)).toMatchObject({
      kind: 'update_subscription',
      change: 'cancel_at_period_end',
      status: 'Cancelling',
      params: { cancel_at_period_end: true, proration_behavior: 'none' },
    });
    if (!cancel.quote) throw new Error('fixture');
    cancel.quote.cancellation = 'Immediately with credit';
    expect(planBilling(validateDeal(cancel, config), withSub(), config, now)).toMatchObject({
      kind: 'cancel_now_with_credit',
      status: 'Cancelled',
      invoiceId: 'in_northwind_1',
      creditIdempotencyKey: `q2c:sf:${ids.northwindUpsell}:2026-11-16T09:00:00.000Z:credit_note:create`,
    });
  });

  it('an amendment without a billed original is a business error naming it', () => {
    const plan = () => planBilling(validateDeal(northwindUpsell(), config), fresh, config, now);
    expect(plan).toThrow(BusinessError);
    expect(plan).toThrow(
      /^original_subscription_missing: Amendment Northwind — Upsell changes opportunity 006000000000001AAA, which has no subscription/,
    );
  });

  it('a newer version of an already subscribed deal with the same lines changes nothing', () => {
    const deal = northwindNew({
      version: '2026-11-03T00:00:00Z',
      lines: [line('GROWTH-SEAT', 20, 4900), line('SUPPORT-PREMIUM', 1, 29900)],
    });
    const state = withSub({ appliedVersion: '2026-11-02T09:00:00.000Z' });
    expect(planBilling(validateDeal(deal, config), state, config, now)).toMatchObject({
      kind: 'unchanged',
      subscriptionId: 'sub_northwind',
    });
  });
});
