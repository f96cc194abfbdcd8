/**
 * Subscriptions, minimal: create assigns `sub_…`, status `active`, one `si_…` item per requested price
 * (with its billing period, which lives on items since API 2025-03-31.basil); update changes metadata,
 * plain fields and items (add, change quantity/price, `deleted`); DELETE cancels.
 *
 * Issue 5 extends this (trials, invoices and payment intents on create, proration, schedules,
 * `/v1/subscription_items`): add to this definition, the server needs no change.
 */
import { invalidRequest, parameterMissing, resourceMissing } from './errors';
import { isFormObject, type FormObject, type FormValue } from './form';
import { custom, eq, range } from './list';
import type { ResourceContext, ResourceDefinition } from './resource-types';
import type { StripeObject } from './store';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;
type Interval = (typeof INTERVALS)[number];

/** `start` plus `count` intervals, in UTC, as Stripe bills (month ends clamp to the shorter month). */
export function addInterval(start: number, interval: Interval, count: number): number {
  const d = new Date(start * 1000);
  switch (interval) {
    case 'day':
      return start + count * 86400;
    case 'week':
      return start + count * 7 * 86400;
    case 'month':
    case 'year': {
      const months = interval === 'month' ? count : count * 12;
      const target = new Date(
        Date.UTC(
          d.getUTCFullYear(),
          d.getUTCMonth() + months,
          1,
          d.getUTCHours(),
          d.getUTCMinutes(),
          d.getUTCSeconds(),
        ),
      );
      const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
      target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
      return Math.floor(target.getTime() / 1000);
    }
  }
}

function itemParams(params: FormObject): FormObject[] {
  const items = params.items;
  if (items === undefined) return [];
  if (!Array.isArray(items) || !items.every(isFormObject))
    throw invalidRequest('Invalid array', { param: 'items' });
  return items;
}

function recurringPrice(id: FormValue | undefined, param: string, ctx: ResourceContext): StripeObject {
  if (typeof id !== 'string' || id === '') throw parameterMissing(param);
  const price = ctx.get('price', id);
  if (!price) throw resourceMissing('price', id, param, 400);
  const recurring = price.recurring as { interval?: Interval } | null | undefined;
  if (!recurring?.interval || !INTERVALS.includes(recurring.interval)) {
    throw invalidRequest(
      'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
      { param },
    );
  }
  return price;
}

function newItem(
  sub: StripeObject,
  p: FormObject,
  i: number,
  period: [number, number],
  ctx: ResourceContext,
): StripeObject {
  return {
    id: ctx.newId('si'),
    object: 'subscription_item',
    billing_thresholds: null,
    created: ctx.now(),
    current_period_start: period[0],
    current_period_end: period[1],
    discounts: [],
    metadata: isFormObject(p.metadata) ? p.metadata : {},
    price: structuredClone(recurringPrice(p.price, `items[${i}][price]`, ctx)),
    quantity: typeof p.quantity === 'number' ? p.quantity : 1,
    subscription: sub.id,
    tax_rates: [],
  };
}

function itemList(sub: StripeObject, data: StripeObject[]): object {
  return {
    object: 'list',
    data,
    has_more: false,
    total_count: data.length,
    url: `/v1/subscription_items?subscription=${sub.id}`,
  };
}

function itemsOf(sub: StripeObject): StripeObject[] {
  return ((sub.items as { data?: StripeObject[] } | undefined)?.data ?? []).map((i) => structuredClone(i));
}

function periodOf(price: StripeObject, start: number): [number, number] {
  const { interval, interval_count } = price.recurring as { interval: Interval; interval_count?: number };
  return [start, addInterval(start, interval, interval_count ?? 1)];
}

export const subscriptions: ResourceDefinition = {
  object: 'subscription',
  path: 'subscriptions',
  idPrefix: 'sub',
  params: {
    'items[].quantity': 'integer',
    'items[].deleted': 'boolean',
    cancel_at_period_end: 'boolean',
    cancel_at: 'integer',
    days_until_due: 'integer',
    billing_cycle_anchor: 'integer',
  },
  writeOnly: ['items', 'payment_behavior', 'proration_behavior', 'proration_date', 'off_session', 'coupon'],
  list: {
    filters: {
      customer: eq(),
      created: range(),
      collection_method: eq(),
      price: custom((sub, value) =>
        itemsOf(sub).some((i) => (i.price as StripeObject | undefined)?.id === value),
      ),
      status: custom((sub, value) =>
        value === 'all'
          ? true
          : value === 'ended'
            ? ['canceled', 'incomplete_expired'].includes(String(sub.status))
            : sub.status === value,
      ),
    },
    // "By default, returns a list of subscriptions that have not been canceled."
    baseFilter: (sub, params) => params.status !== undefined || sub.status !== 'canceled',
  },
  create: {
    required: ['customer', 'items'],
    validate: (params, ctx) => {
      const customer = params.customer;
      if (typeof customer === 'string' && !ctx.get('customer', customer)) {
        throw resourceMissing('customer', customer, 'customer', 400);
      }
      if (itemParams(params).length === 0) throw parameterMissing('items');
      itemParams(params).forEach((p, i) => recurringPrice(p.price, `items[${i}][price]`, ctx));
    },
    defaults: () => ({
      application: null,
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor_config: null,
      billing_thresholds: null,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, reason: null },
      collection_method: 'charge_automatically',
      days_until_due: null,
      default_payment_method: null,
      default_source: null,
      default_tax_rates: [],
      description: null,
      discounts: [],
      ended_at: null,
      latest_invoice: null,
      livemode: false,
      metadata: {},
      pause_collection: null,
      pending_setup_intent: null,
      pending_update: null,
      schedule: null,
      status: 'active',
      test_clock: null,
      transfer_data: null,
      trial_end: null,
      trial_start: null,
    }),
    build: (sub, params, ctx) => {
      const now = ctx.now();
      const requested = itemParams(params);
      const first = recurringPrice(requested[0].price, 'items[0][price]', ctx);
      const period = periodOf(first, now);
      const items = requested.map((p, i) => newItem(sub, p, i, period, ctx));
      return {
        ...sub,
        billing_cycle_anchor: typeof sub.billing_cycle_anchor === 'number' ? sub.billing_cycle_anchor : now,
        currency: first.currency,
        items: itemList(sub, items),
        start_date: now,
      };
    },
  },
  update: {
    build: (sub, params, ctx) => {
      if (params.items === undefined) return sub;
      const items = itemsOf(sub);
      const period: [number, number] = [
        (items[0]?.current_period_start as number | undefined) ?? ctx.now(),
        (items[0]?.current_period_end as number | undefined) ?? ctx.now(),
      ];
      itemParams(params).forEach((p, i) => {
        if (typeof p.id !== 'string') {
          items.push(newItem(sub, p, i, period, ctx));
          return;
        }
        const at = items.findIndex((it) => it.id === p.id);
        if (at < 0) throw resourceMissing('subscription_item', p.id, `items[${i}][id]`, 400);
        if (p.deleted === true) {
          items.splice(at, 1);
          return;
        }
        if (p.price !== undefined)
          items[at].price = structuredClone(recurringPrice(p.price, `items[${i}][price]`, ctx));
        if (typeof p.quantity === 'number') items[at].quantity = p.quantity;
        if (isFormObject(p.metadata))
          items[at].metadata = { ...(items[at].metadata as object), ...p.metadata };
      });
      return { ...sub, items: itemList(sub, items) };
    },
  },
  del: (sub, _params, ctx) => ({
    ...sub,
    status: 'canceled',
    canceled_at: ctx.now(),
    ended_at: ctx.now(),
    cancellation_details: { comment: null, feedback: null, reason: 'cancellation_requested' },
  }),
};
