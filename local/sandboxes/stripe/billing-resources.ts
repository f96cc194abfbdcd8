/**
 * The Billing resources, backed by the billing engine (billing.ts): subscriptions (replacing the minimal
 * definition in subscriptions.ts), subscription schedules, coupons, tax rates, invoice items, invoices
 * (create + finalize/pay/void/mark_uncollectible), credit notes (+ preview, void), invoice payments,
 * webhook endpoints and events.
 */
import { type BillingEngine, PRORATION_BEHAVIORS, periodOf, subscriptionDefaults } from './billing';
import { invalidRequest, parameterMissing, resourceMissing } from './errors';
import { isFormObject, toInteger, type FormValue } from './form';
import { newId } from './ids';
import { bool, custom, eq, range } from './list';
import type { ResourceDefinition } from './resource-types';
import { idOf, type StripeObject } from './store';
import { subscriptions as minimalSubscriptions } from './subscriptions';
import { randomBytes } from 'node:crypto';

const created = { created: range() };

function strings(v: FormValue | undefined, param: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string'))
    throw invalidRequest('Invalid array', { param });
  return v;
}

/** Stripe's event types look like `invoice.paid`, `customer.subscription.updated`; `*` means all. */
const EVENT_TYPE = /^(\*|[a-z_]+(\.[a-z_]+)+)$/;

export function webhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export function billingResources(billing: BillingEngine): ResourceDefinition[] {
  const subscriptions: ResourceDefinition = {
    ...minimalSubscriptions,
    params: {
      'items[].quantity': 'integer',
      'items[].deleted': 'boolean',
      cancel_at_period_end: 'boolean',
      days_until_due: 'integer',
      trial_period_days: 'integer',
      backdate_start_date: 'integer',
      proration_date: 'integer',
    },
    writeOnly: [
      'items',
      'payment_behavior',
      'proration_behavior',
      'proration_date',
      'off_session',
      'coupon',
      'discounts',
      'add_invoice_items',
      'default_tax_rates',
      'trial_end',
      'trial_period_days',
      'trial_from_plan',
      'backdate_start_date',
      'billing_cycle_anchor',
      'cancel_at',
      'customer',
      'currency',
    ],
    create: {
      required: ['customer', 'items'],
      validate: (params) => billing.validateCreate(params),
      defaults: () => subscriptionDefaults(),
      build: (sub, params) => billing.createSubscription(sub, params),
    },
    update: {
      build: (sub, params) => {
        const before = billing.get('subscription', sub.id)!;
        return billing.updateSubscription(before, sub, params);
      },
    },
    del: (sub, params) => billing.cancelSubscription(sub, params),
  };

  const schedules: ResourceDefinition = {
    object: 'subscription_schedule',
    path: 'subscription_schedules',
    idPrefix: 'sub_sched',
    writeOnly: ['phases', 'start_date', 'from_subscription', 'customer', 'default_settings'],
    list: {
      filters: {
        ...created,
        customer: eq(),
        scheduled: custom((s, v) => (s.status === 'not_started') === (v === 'true')),
      },
    },
    create: {
      validate: (params) => {
        if (params.from_subscription === undefined && params.customer === undefined)
          throw parameterMissing('customer');
        if (params.from_subscription !== undefined && params.phases !== undefined)
          throw invalidRequest('You cannot set `phases` if `from_subscription` is set.', { param: 'phases' });
      },
      defaults: () => ({
        application: null,
        billing_mode: { flexible: null, type: 'classic' },
        canceled_at: null,
        completed_at: null,
        current_phase: null,
        default_settings: {
          application_fee_percent: null,
          automatic_tax: { disabled_reason: null, enabled: false, liability: null },
          billing_cycle_anchor: 'automatic',
          billing_thresholds: null,
          collection_method: 'charge_automatically',
          default_payment_method: null,
          description: null,
          invoice_settings: { account_tax_ids: null, days_until_due: null, issuer: { type: 'self' } },
          on_behalf_of: null,
          transfer_data: null,
        },
        end_behavior: 'release',
        livemode: false,
        metadata: {},
        released_at: null,
        released_subscription: null,
        status: 'not_started',
        subscription: null,
        test_clock: null,
      }),
      build: (schedule, params, ctx) => {
        const now = ctx.now();
        if (typeof params.from_subscription === 'string') {
          const sub = billing.get('subscription', params.from_subscription);
          if (!sub) throw resourceMissing('subscription', params.from_subscription, 'from_subscription', 400);
          if (sub.schedule)
            throw invalidRequest(`The subscription ${sub.id} is already attached to a schedule.`, {
              param: 'from_subscription',
            });
          const [start, end] = periodOf(sub);
          const items = (sub.items as { data: StripeObject[] }).data;
          const phase = {
            add_invoice_items: [],
            application_fee_percent: null,
            automatic_tax: { disabled_reason: null, enabled: false, liability: null },
            billing_cycle_anchor: null,
            collection_method: sub.collection_method,
            currency: sub.currency,
            default_payment_method: null,
            default_tax_rates: sub.default_tax_rates,
            description: null,
            discounts: [],
            end_date: end,
            invoice_settings: null,
            items: items.map((it) => ({
              billing_thresholds: null,
              discounts: [],
              metadata: it.metadata,
              price: idOf(it.price),
              quantity: it.quantity,
              tax_rates: it.tax_rates,
            })),
            metadata: sub.metadata,
            on_behalf_of: null,
            proration_behavior: 'create_prorations',
            start_date: start,
            transfer_data: null,
            trial_end: null,
          };
          const out = {
            ...schedule,
            customer: idOf(sub.customer),
            current_phase: { end_date: end, start_date: start },
            phases: [phase],
            status: 'active',
            subscription: sub.id,
            _start_date: start,
          };
          billing.put({ ...sub, schedule: schedule.id });
          ctx.emit('subscription_schedule.created', out);
          return out;
        }
        const customer = params.customer;
        if (typeof customer !== 'string' || !ctx.get('customer', customer))
          throw resourceMissing('customer', String(customer), 'customer', 400);
        const startParam = params.start_date ?? 'now';
        const start = startParam === 'now' ? now : toInteger(startParam, 'start_date');
        const phases = billing.parsePhases(params, customer, start);
        const endBehavior = params.end_behavior ?? 'release';
        if (!['release', 'cancel'].includes(String(endBehavior)))
          throw invalidRequest('Invalid end_behavior: must be one of release, cancel', {
            param: 'end_behavior',
          });
        let out: StripeObject = {
          ...schedule,
          customer,
          end_behavior: endBehavior,
          phases,
          _start_date: start,
        };
        if (
          isFormObject(params.default_settings) &&
          typeof params.default_settings.collection_method === 'string'
        ) {
          out.default_settings = {
            ...(out.default_settings as object),
            collection_method: params.default_settings.collection_method,
          };
        }
        billing.put(out);
        ctx.emit('subscription_schedule.created', out);
        if (start <= now) out = billing.startSchedule(out.id);
        return out;
      },
    },
    update: {
      build: (schedule, params, ctx) => {
        if (!['not_started', 'active'].includes(String(schedule.status)))
          throw invalidRequest(
            `You cannot update a subscription schedule that is currently ${String(schedule.status)}.`,
          );
        if (params.phases === undefined) return schedule;
        const start = Number((schedule.phases as StripeObject[])[0]?.start_date ?? schedule._start_date);
        const phases = billing.parsePhases(params, String(idOf(schedule.customer)), start);
        const out: StripeObject = { ...schedule, phases, _start_date: start };
        if (schedule.status === 'active') {
          // Apply the phase that is current now to the subscription.
          const now = ctx.now();
          const current =
            phases.find(
              (p) => Number(p.start_date) <= now && (p.end_date === null || Number(p.end_date) > now),
            ) ?? phases[phases.length - 1];
          out.current_phase = { end_date: current.end_date, start_date: current.start_date };
          const sub = billing.get('subscription', String(schedule.subscription))!;
          const items = (sub.items as { data: StripeObject[] }).data;
          const itemParams = [
            ...items.map((it) => ({ id: it.id, deleted: 'true' })),
            ...(current.items as StripeObject[]).map((it) => ({
              price: String(it.price),
              quantity: String(it.quantity),
            })),
          ];
          billing.updateSubscription(
            sub,
            { ...sub, metadata: { ...(current.metadata as object) } },
            {
              items: itemParams,
              proration_behavior: String(params.proration_behavior ?? current.proration_behavior),
            },
          );
        }
        const previous = billing.get('subscription_schedule', schedule.id)!;
        ctx.emit('subscription_schedule.updated', out, { phases: previous.phases });
        return out;
      },
    },
    actions: {
      release: (s) => billing.releaseSchedule(s.id),
      cancel: (s, params) => billing.cancelSchedule(s.id, params),
    },
  };

  const coupons: ResourceDefinition = {
    object: 'coupon',
    path: 'coupons',
    idPrefix: 'cpn',
    events: true,
    params: {
      amount_off: 'integer',
      duration_in_months: 'integer',
      max_redemptions: 'integer',
      redeem_by: 'integer',
    },
    writeOnly: ['applies_to'],
    list: { filters: { ...created } },
    create: {
      acceptsId: true,
      validate: (params) => {
        const percent = params.percent_off;
        if ((percent === undefined) === (params.amount_off === undefined))
          throw invalidRequest('You must pass exactly one of percent_off or amount_off.', {
            param: 'percent_off',
          });
        if (percent !== undefined) {
          const n = Number(percent);
          if (!/^\d+(\.\d+)?$/.test(String(percent)) || n <= 0 || n > 100)
            throw invalidRequest('Invalid decimal: percent_off must be greater than 0 and at most 100.', {
              param: 'percent_off',
            });
        }
        if (params.amount_off !== undefined && params.currency === undefined)
          throw parameterMissing('currency');
        const duration = params.duration ?? 'once';
        if (!['once', 'repeating', 'forever'].includes(String(duration)))
          throw invalidRequest('Invalid duration: must be one of forever, once, or repeating', {
            param: 'duration',
          });
        if (duration === 'repeating' && params.duration_in_months === undefined)
          throw parameterMissing('duration_in_months');
      },
      defaults: () => ({
        amount_off: null,
        currency: null,
        duration: 'once',
        duration_in_months: null,
        livemode: false,
        max_redemptions: null,
        metadata: {},
        name: null,
        percent_off: null,
        redeem_by: null,
        times_redeemed: 0,
        valid: true,
      }),
      build: (c) => ({
        ...c,
        currency: typeof c.currency === 'string' ? c.currency.toLowerCase() : null,
        percent_off: c.percent_off === null ? null : Number(c.percent_off),
      }),
    },
    update: {},
    del: 'remove',
  };

  const taxRates: ResourceDefinition = {
    object: 'tax_rate',
    path: 'tax_rates',
    idPrefix: 'txr',
    events: true,
    params: { active: 'boolean', inclusive: 'boolean' },
    list: { filters: { ...created, active: bool(), inclusive: bool() } },
    create: {
      required: ['display_name', 'inclusive', 'percentage'],
      validate: (params) => {
        const p = String(params.percentage);
        if (!/^\d+(\.\d{1,4})?$/.test(p) || Number(p) > 100)
          throw invalidRequest(`Invalid decimal: ${p}`, { param: 'percentage' });
      },
      defaults: () => ({
        active: true,
        country: null,
        description: null,
        flat_amount: null,
        jurisdiction: null,
        jurisdiction_level: null,
        livemode: false,
        metadata: {},
        rate_type: 'percentage',
        state: null,
        tax_type: null,
      }),
      build: (t) => ({ ...t, percentage: Number(t.percentage), effective_percentage: Number(t.percentage) }),
    },
    update: {},
  };

  const invoiceItems: ResourceDefinition = {
    object: 'invoiceitem',
    path: 'invoiceitems',
    idPrefix: 'ii',
    params: { quantity: 'integer', amount: 'integer', 'period.start': 'integer', 'period.end': 'integer' },
    list: {
      filters: {
        ...created,
        customer: eq(),
        invoice: eq(),
        pending: custom((ii, v) => (ii.invoice === null) === (v === 'true')),
      },
    },
    collectionActions: {},
    create: {
      required: ['customer'],
      validate: (params, ctx) => {
        if (typeof params.customer === 'string' && !ctx.get('customer', params.customer))
          throw resourceMissing('customer', params.customer, 'customer', 400);
        if (params.price === undefined && params.price_data === undefined && params.amount === undefined)
          throw invalidRequest('You must specify either `amount`, `price` or `price_data`.', {
            param: 'price',
          });
      },
    },
    update: {},
    del: 'remove',
    beforeDelete: (ii) => {
      if (ii.invoice !== null)
        throw invalidRequest('You cannot delete an invoice item that is attached to an invoice.', {
          param: 'id',
        });
    },
  };
  // Created by the engine (it knows prices, tax rates and the pending-item shape).
  invoiceItems.create!.build = (_draft, params, ctx) => {
    let price: StripeObject;
    if (params.amount !== undefined) {
      if (typeof params.currency !== 'string') throw parameterMissing('currency');
      const product = ctx.get('product', String(params.product ?? ''));
      price = {
        id: newId('price'),
        object: 'price',
        currency: params.currency.toLowerCase(),
        product: product?.id ?? null,
        recurring: null,
        type: 'one_time',
        unit_amount: Number(params.amount),
      };
    } else price = billing.resolvePrice(params, 'price', false);
    const quantity = typeof params.quantity === 'number' ? params.quantity : 1;
    const period = isFormObject(params.period)
      ? { start: Number(params.period.start), end: Number(params.period.end) }
      : { start: ctx.now(), end: ctx.now() };
    const subscription = typeof params.subscription === 'string' ? params.subscription : null;
    return billing.createInvoiceItem({
      customer: String(params.customer),
      price,
      quantity,
      amount: params.amount !== undefined ? Number(params.amount) : undefined,
      description: typeof params.description === 'string' ? params.description : undefined,
      subscription,
      taxRates: billing.taxRates(params.tax_rates, 'tax_rates'),
      period,
      metadata: isFormObject(params.metadata) ? (params.metadata as Record<string, string>) : {},
      discountable: params.discountable !== 'false',
    });
  };

  const invoiceFilters = {
    ...created,
    collection_method: eq(),
    customer: eq(),
    due_date: range(),
    status: eq(),
    subscription: custom(
      (inv, value) =>
        (inv.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details
          ?.subscription === value,
    ),
  };
  const invoices: ResourceDefinition = {
    object: 'invoice',
    path: 'invoices',
    idPrefix: 'in',
    params: { days_until_due: 'integer', auto_advance: 'boolean' },
    writeOnly: [
      'pending_invoice_items_behavior',
      'subscription',
      'customer',
      'collection_method',
      'days_until_due',
    ],
    list: { filters: invoiceFilters },
    update: {},
    subLists: {
      lines: {
        object: 'line_item',
        items: (inv) => (inv.lines as { data?: StripeObject[] } | null)?.data ?? [],
      },
    },
    create: {
      required: ['customer'],
      validate: (params, ctx) => {
        if (typeof params.customer === 'string' && !ctx.get('customer', params.customer))
          throw resourceMissing('customer', params.customer, 'customer', 400);
      },
      build: (_draft, params, ctx) => {
        const include = params.pending_invoice_items_behavior !== 'exclude';
        const collection = String(params.collection_method ?? 'charge_automatically');
        const inv = billing.createInvoice({
          customer: String(params.customer),
          subscription: null,
          reason: 'manual',
          lines: [],
          sweep: include,
          at: ctx.now(),
          collectionMethod: collection,
          daysUntilDue: typeof params.days_until_due === 'number' ? params.days_until_due : null,
          metadata: isFormObject(params.metadata) ? (params.metadata as Record<string, string>) : {},
          description: typeof params.description === 'string' ? params.description : null,
        });
        const out = {
          ...inv,
          _days_until_due: typeof params.days_until_due === 'number' ? params.days_until_due : 30,
        };
        billing.put(out);
        return out;
      },
    },
    actions: {
      finalize: (inv) => billing.finalize(inv.id),
      pay: (inv, params) => {
        let current = inv;
        if (current.status === 'draft') current = billing.finalize(inv.id);
        if (current.status === 'paid' && inv.status === 'draft') return current;
        return billing.pay(inv.id, 'Payment for Invoice', params.paid_out_of_band === 'true');
      },
      void: (inv) => billing.voidInvoice(inv.id),
      mark_uncollectible: (inv) => billing.markUncollectible(inv.id),
    },
  };

  const creditNotes: ResourceDefinition = {
    object: 'credit_note',
    path: 'credit_notes',
    idPrefix: 'cn',
    list: { filters: { ...created, customer: eq(), invoice: eq() } },
    update: {},
    subLists: {
      lines: {
        object: 'credit_note_line_item',
        items: (cn) => (cn.lines as { data?: StripeObject[] } | null)?.data ?? [],
      },
    },
    create: {
      required: ['invoice'],
      build: (_draft, params) => billing.issueCreditNote(params),
    },
    actions: { void: (cn) => billing.voidCreditNote(cn.id) },
    collectionActions: {
      preview: { method: 'GET', run: (params) => billing.computeCreditNote(params).note },
    },
  };

  const invoicePayments: ResourceDefinition = {
    object: 'invoice_payment',
    path: 'invoice_payments',
    idPrefix: 'inpay',
    list: { filters: { invoice: eq(), status: eq() } },
  };

  const webhookEndpoints: ResourceDefinition = {
    object: 'webhook_endpoint',
    path: 'webhook_endpoints',
    idPrefix: 'we',
    params: { disabled: 'boolean' },
    writeOnly: ['disabled', 'connect'],
    list: { filters: {} },
    create: {
      required: ['url', 'enabled_events'],
      validate: (params) => {
        try {
          const u = new URL(String(params.url));
          if (!['http:', 'https:'].includes(u.protocol)) throw new Error('protocol');
        } catch {
          throw invalidRequest(`Invalid URL: ${String(params.url)}`, { param: 'url' });
        }
        const events = strings(params.enabled_events, 'enabled_events');
        if (events.length === 0) throw parameterMissing('enabled_events');
        const bad = events.find((e) => !EVENT_TYPE.test(e));
        if (bad)
          throw invalidRequest(`Invalid enabled_events: ${bad} is not a valid event type.`, {
            param: 'enabled_events',
          });
      },
      defaults: () => ({
        api_version: null,
        application: null,
        description: null,
        livemode: false,
        metadata: {},
        status: 'enabled',
      }),
      build: (we) => ({ ...we, _secret: webhookSecret() }),
      response: (we) => ({ ...we, secret: we._secret }),
    },
    update: {
      build: (we, params) => ({
        ...we,
        status: params.disabled === true ? 'disabled' : params.disabled === false ? 'enabled' : we.status,
      }),
    },
    del: 'remove',
  };

  const events: ResourceDefinition = {
    object: 'event',
    path: 'events',
    idPrefix: 'evt',
    list: {
      filters: {
        ...created,
        type: custom((e, v) => {
          const pattern = String(v);
          return pattern.endsWith('.*')
            ? String(e.type).startsWith(pattern.slice(0, -1))
            : e.type === pattern;
        }),
        types: custom((e, v) => Array.isArray(v) && v.includes(String(e.type))),
        delivery_success: custom((e, v) => (Number(e.pending_webhooks) === 0) === (v === 'true')),
      },
    },
  };

  return [
    subscriptions,
    schedules,
    coupons,
    taxRates,
    invoiceItems,
    invoices,
    creditNotes,
    invoicePayments,
    webhookEndpoints,
    events,
  ];
}

export { PRORATION_BEHAVIORS };
