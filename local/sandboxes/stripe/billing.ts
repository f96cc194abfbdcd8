/**
 * The billing engine: what Stripe Billing does when a subscription is created, changed, canceled or
 * renewed — invoices with their lines, discounts and taxes, finalization, automatic payment (payment
 * intent, charge, balance transaction with the card fee), prorations and credit notes — and what the
 * clock does (schedules starting, trials ending, renewals, drafts finalizing).
 *
 * Arithmetic (integer minor units throughout, no floating point):
 *   line amount        unit_amount × quantity
 *   proration          round½(amount × (period_end − proration_date) / (period_end − period_start)),
 *                      seconds-based, rounded per line (half away from zero); the unused time on the old
 *                      item is a negative line, the remaining time on the new one a positive line
 *   percent discount   round½(line amount × percent_off / 100) per discountable line (signed)
 *   amount discount    amount_off allocated over the positive discountable lines pro rata, the rounding
 *                      residue on the last one, never more than those lines add up to
 *   exclusive tax      round½((amount − discounts) × rate / 100) per line and rate
 *   inclusive tax      net − round½(net × 100 / (100 + rate)) per line (the amount already contains it)
 *   invoice            subtotal = Σ amount; total = Σ (amount − discounts) + Σ exclusive tax;
 *                      amount_due = total less any customer credit balance (a negative total credits it)
 *   card fee           2.9% + 30 (usd and other currencies) / 1.5% + 25 (eur), rounded half up
 *
 * Shapes are Stripe API 2026-10-28.endive (the version the SDK pins), field for field those of the
 * fixture builders in local/scenarios/stripe-events.ts and stripe-money.ts (a test compares them).
 */
import type Stripe from 'stripe';
import {
  type CustomerSpec,
  DAY,
  HOUR,
  percentOf,
  seededBase62,
  signedPercentOf,
} from '../../scenarios/stripe-events';
import {
  type CardSpec,
  chargeBalanceTransaction,
  chargeObject,
  invoicePaymentObject,
  paymentIds,
  paymentIntentObject,
  refundBalanceTransactions,
  refundIds,
  refundObject,
} from '../../scenarios/stripe-money';
import { invalidRequest, parameterMissing, resourceMissing } from './errors';
import { previousAttributes, type EventRecorder } from './events';
import { isFormObject, toBoolean, toInteger, type FormObject, type FormValue } from './form';
import { newId } from './ids';
import type { StripeObject, StripeStore } from './store';
import { addInterval } from './subscriptions';

export type Interval = 'day' | 'week' | 'month' | 'year';
type Obj = StripeObject;
type Json = Record<string, unknown>;

// ───────────────────────────── arithmetic ─────────────────────────────

/** round½(numerator / denominator), half away from zero, in exact integer arithmetic. */
export function divRound(numerator: bigint, denominator: bigint): number {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (2n * n + d) / (2n * d);
  return Number(negative ? -q : q);
}

/** Stripe's seconds-based proration of `amount` for the part of [start, end) from `from` on. */
export function prorate(amount: number, from: number, start: number, end: number): number {
  if (end <= start) return 0;
  const remaining = Math.min(Math.max(end - from, 0), end - start);
  return divRound(BigInt(amount) * BigInt(remaining), BigInt(end - start));
}

/** round½(amount × share / total) for integers (allocations, partial credits). */
export function shareOf(amount: number, share: number, total: number): number {
  return total === 0 ? 0 : divRound(BigInt(amount) * BigInt(share), BigInt(total));
}

function scaled(percent: number): bigint {
  return BigInt(Math.round(percent * 10_000));
}

/** The tax included in `gross` at `percent` (inclusive tax rates). */
export function inclusiveTax(gross: number, percent: number): number {
  const net = divRound(BigInt(gross) * 1_000_000n, 1_000_000n + scaled(percent));
  return gross - net;
}

/** Stripe's processing fee on a card payment (see stripe-money.ts processingFee). */
export function cardFee(amount: number, currency: string): number {
  return currency === 'eur' ? percentOf(amount, 1.5) + 25 : percentOf(amount, 2.9) + 30;
}

/** The smallest anchor + k × interval strictly after `after` (month ends clamp, as Stripe bills). */
export function nextBoundary(anchor: number, interval: Interval, count: number, after: number): number {
  if (anchor > after) return anchor;
  let k = 1;
  let t = addInterval(anchor, interval, count);
  while (t <= after) t = addInterval(anchor, interval, count * ++k);
  return t;
}

// ───────────────────────────── parameters ─────────────────────────────

const arrayOf = (v: FormValue | undefined, param: string): FormObject[] => {
  if (v === undefined || v === '') return [];
  if (!Array.isArray(v) || !v.every(isFormObject)) throw invalidRequest('Invalid array', { param });
  return v;
};
const stringsOf = (v: FormValue | undefined, param: string): string[] => {
  if (v === undefined || v === '') return [];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string'))
    throw invalidRequest('Invalid array', { param });
  return v;
};
const intOf = (v: FormValue | undefined, param: string): number | undefined =>
  v === undefined || v === '' ? undefined : typeof v === 'number' ? v : toInteger(v, param);
const boolOf = (v: FormValue | undefined, param: string): boolean | undefined =>
  v === undefined || v === '' ? undefined : typeof v === 'boolean' ? v : toBoolean(v, param);
const oneOf = <T extends string>(
  v: FormValue | undefined,
  allowed: readonly T[],
  param: string,
): T | undefined => {
  if (v === undefined) return undefined;
  if (!(allowed as readonly FormValue[]).includes(v))
    throw invalidRequest(`Invalid ${param}: must be one of ${allowed.join(', ')}`, { param });
  return v as T;
};
const listOf = (o: Obj, field: string): Obj[] => ((o[field] as { data?: Obj[] } | null)?.data ?? []) as Obj[];
const idOf = (v: unknown): string => (typeof v === 'string' ? v : String((v as Obj | null)?.id));

export const PRORATION_BEHAVIORS = ['create_prorations', 'always_invoice', 'none'] as const;
export type ProrationBehavior = (typeof PRORATION_BEHAVIORS)[number];
const PAYMENT_BEHAVIORS = [
  'allow_incomplete',
  'default_incomplete',
  'error_if_incomplete',
  'pending_if_incomplete',
] as const;

function money(amount: number, currency: string): string {
  const symbol = { usd: '$', eur: '€', gbp: '£', cad: 'CA$' }[currency];
  const major = `${Math.trunc(amount / 100)}.${String(Math.abs(amount) % 100).padStart(2, '0')}`;
  return symbol ? `${symbol}${major}` : `${major} ${currency.toUpperCase()}`;
}

function day(t: number): string {
  return new Date(t * 1000).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

// ───────────────────────────── invoice lines (in-memory specs) ─────────────────────────────

interface LineInput {
  description: string;
  price: Obj;
  quantity: number;
  amount: number;
  period: { start: number; end: number };
  taxRates: Obj[];
  discountable: boolean;
  metadata: Record<string, string>;
  /** A recurring subscription item line. */
  subscriptionItem?: string;
  /** A line swept from an invoice item. */
  invoiceItem?: string;
  proration: boolean;
  credited?: { invoice: string; invoice_line_items: string[] } | null;
}

export interface BillingOptions {
  /** How long renewal drafts stay editable before Stripe finalizes them (default 3600 s, as Stripe). */
  renewalDraftSeconds?: number;
}

export interface ClockResult {
  /** The clock after the advance (unix seconds). */
  now: number;
  /** Objects the advance acted on, in order: `renewed sub_…`, `finalized in_…`, … */
  actions: string[];
}

/** The engine. One instance per sandbox; it reads and writes the sandbox store and raises events. */
export class BillingEngine {
  private readonly draftSeconds: number;

  constructor(
    private readonly store: StripeStore,
    private readonly clock: () => number,
    private readonly events: EventRecorder,
    options: BillingOptions = {},
  ) {
    this.draftSeconds = options.renewalDraftSeconds ?? HOUR;
  }

  now(): number {
    return this.clock();
  }

  // ── store helpers ──

  get(object: string, id: string): Obj | undefined {
    const o = this.store.peek(object, id);
    return o && structuredClone(o);
  }

  private must(object: string, id: FormValue | undefined, param: string, status = 400): Obj {
    if (typeof id !== 'string' || id === '') throw parameterMissing(param);
    const o = this.get(object, id);
    if (!o) throw resourceMissing(object, id, param, status);
    return o;
  }

  put(o: Obj): Obj {
    this.store.put(o);
    return o;
  }

  /** Stores `after` and raises `type` with previous_attributes relative to `before`. */
  private update(type: string, before: Obj, after: Obj): Obj {
    this.put(after);
    const previous = previousAttributes(before, after);
    if (previous) this.events.emit(type, after, previous);
    return after;
  }

  // ── catalog ──

  /** A price from `price` (id) or `price_data` (creates an inactive price, as Stripe does). */
  resolvePrice(p: FormObject, param: string, recurring: boolean): Obj {
    let price: Obj;
    if (p.price !== undefined) price = this.must('price', p.price, `${param}[price]`);
    else if (isFormObject(p.price_data))
      price = this.priceFromData(p.price_data, `${param}[price_data]`, recurring);
    else throw parameterMissing(`${param}[price]`);
    const isRecurring =
      isFormObject(price.recurring) || (price.recurring !== null && typeof price.recurring === 'object');
    if (recurring && !isRecurring) {
      throw invalidRequest(
        'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
        { param: `${param}[price]` },
      );
    }
    if (!recurring && isRecurring) {
      throw invalidRequest(
        'The price specified is set to `type=recurring` but this field only accepts prices with `type=one_time`.',
        { param: `${param}[price]` },
      );
    }
    if (typeof price.unit_amount !== 'number')
      throw invalidRequest(
        `The price ${price.id} has no unit_amount; only per-unit prices are billed here.`,
        {
          param: `${param}[price]`,
        },
      );
    return price;
  }

  private priceFromData(d: FormObject, param: string, recurring: boolean): Obj {
    if (typeof d.currency !== 'string') throw parameterMissing(`${param}[currency]`);
    const product = this.must('product', d.product, `${param}[product]`);
    const unit = intOf(d.unit_amount, `${param}[unit_amount]`);
    if (unit === undefined) throw parameterMissing(`${param}[unit_amount]`);
    let rec: Json | null = null;
    if (recurring) {
      if (!isFormObject(d.recurring)) throw parameterMissing(`${param}[recurring]`);
      const interval = oneOf(
        d.recurring.interval,
        ['day', 'week', 'month', 'year'],
        `${param}[recurring][interval]`,
      );
      if (!interval) throw parameterMissing(`${param}[recurring][interval]`);
      rec = {
        interval,
        interval_count: intOf(d.recurring.interval_count, `${param}[recurring][interval_count]`) ?? 1,
        meter: null,
        trial_period_days: null,
        usage_type: 'licensed',
      };
    }
    const price: Obj = {
      id: newId('price'),
      object: 'price',
      active: false,
      billing_scheme: 'per_unit',
      created: this.now(),
      currency: d.currency.toLowerCase(),
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: null,
      product: product.id,
      recurring: rec,
      tax_behavior: typeof d.tax_behavior === 'string' ? d.tax_behavior : 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: rec ? 'recurring' : 'one_time',
      unit_amount: unit,
      unit_amount_decimal: String(unit),
    };
    return this.put(price);
  }

  taxRates(v: FormValue | undefined, param: string): Obj[] {
    return stringsOf(v, param).map((id, i) => this.must('tax_rate', id, `${param}[${i}]`));
  }

  private productName(price: Obj): string {
    const product = this.store.peek('product', idOf(price.product));
    return String(product?.name ?? price.nickname ?? price.id);
  }

  /** Coupons from `discounts[][coupon]` (or the deprecated `coupon`) → discount objects for a subscription. */
  private couponsOf(params: FormObject, currency: string): Obj[] {
    const coupons = arrayOf(params.discounts, 'discounts').map((d, i) =>
      this.must('coupon', d.coupon, `discounts[${i}][coupon]`),
    );
    if (typeof params.coupon === 'string' && params.coupon !== '')
      coupons.push(this.must('coupon', params.coupon, 'coupon'));
    for (const c of coupons) {
      if (c.valid === false) throw invalidRequest(`Coupon expired: ${c.id}`, { param: 'discounts' });
      if (typeof c.amount_off === 'number' && c.currency !== currency)
        throw invalidRequest(
          `The coupon ${c.id} is for ${String(c.currency)}, but the subscription is in ${currency}.`,
          { param: 'discounts' },
        );
    }
    return coupons;
  }

  private applyCoupons(coupons: Obj[], customer: string, subscription: string, start: number): string[] {
    return coupons.map((coupon) => {
      const months = typeof coupon.duration_in_months === 'number' ? coupon.duration_in_months : 0;
      const discount: Obj = {
        id: newId('di'),
        object: 'discount',
        checkout_session: null,
        customer,
        end: coupon.duration === 'repeating' ? addInterval(start, 'month', months) : null,
        invoice: null,
        invoice_item: null,
        promotion_code: null,
        source: { coupon: coupon.id, type: 'coupon' },
        start,
        subscription,
        subscription_item: null,
        _coupon: coupon,
      };
      this.put(discount);
      this.put({ ...coupon, times_redeemed: Number(coupon.times_redeemed ?? 0) + 1 });
      return discount.id;
    });
  }

  // ── subscriptions ──

  /** Validates create parameters before anything is written (Stripe rejects a request whole). */
  validateCreate(params: FormObject): void {
    const customer = params.customer;
    if (typeof customer === 'string' && !this.store.peek('customer', customer))
      throw resourceMissing('customer', customer, 'customer', 400);
    const items = arrayOf(params.items, 'items');
    if (items.length === 0) throw parameterMissing('items');
    oneOf(params.payment_behavior, PAYMENT_BEHAVIORS, 'payment_behavior');
    oneOf(params.proration_behavior, PRORATION_BEHAVIORS, 'proration_behavior');
    oneOf(params.collection_method, ['charge_automatically', 'send_invoice'], 'collection_method');
    const now = this.now();
    const trialEnd = params.trial_end;
    if (trialEnd !== undefined && trialEnd !== 'now') {
      const t = intOf(trialEnd, 'trial_end')!;
      if (t <= now)
        throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', {
          param: 'trial_end',
        });
    }
    const backdate = intOf(params.backdate_start_date, 'backdate_start_date');
    if (backdate !== undefined && backdate > now)
      throw invalidRequest('The backdate_start_date must be in the past.', { param: 'backdate_start_date' });
    const anchor = intOf(params.billing_cycle_anchor, 'billing_cycle_anchor');
    if (anchor !== undefined && anchor < (backdate ?? now))
      throw invalidRequest('billing_cycle_anchor cannot be earlier than the start of the subscription.', {
        param: 'billing_cycle_anchor',
      });
  }

  /**
   * Creates the subscription `sub` (defaults and plain parameters already applied) from `params`, bills
   * its first invoice and returns it as stored. `opts.start` and `opts.schedule` serve schedules.
   */
  createSubscription(sub: Obj, params: FormObject, opts: { start?: number; schedule?: string } = {}): Obj {
    const now = this.now();
    const customer = this.must('customer', params.customer, 'customer');
    const itemParams = arrayOf(params.items, 'items');
    const prices = itemParams.map((p, i) => this.resolvePrice(p, `items[${i}]`, true));
    const currency = String(prices[0].currency);
    const { interval, count } = recurrence(prices[0]);
    prices.forEach((p, i) => {
      if (p.currency !== currency)
        throw invalidRequest('All prices on a subscription must have the same `currency`.', {
          param: `items[${i}][price]`,
        });
      const r = recurrence(p);
      if (r.interval !== interval || r.count !== count)
        throw invalidRequest(
          'All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.',
          {
            param: `items[${i}][price]`,
          },
        );
    });
    const coupons = this.couponsOf(params, currency);
    const defaultTax = this.taxRates(params.default_tax_rates, 'default_tax_rates');
    const itemTax = itemParams.map((p, i) => this.taxRates(p.tax_rates, `items[${i}][tax_rates]`));
    const oneTime = arrayOf(params.add_invoice_items, 'add_invoice_items').map((p, i) => ({
      p,
      price: this.resolvePrice(p, `add_invoice_items[${i}]`, false),
      tax: this.taxRates(p.tax_rates, `add_invoice_items[${i}][tax_rates]`),
    }));
    const proration =
      oneOf(params.proration_behavior, PRORATION_BEHAVIORS, 'proration_behavior') ?? 'create_prorations';
    const paymentBehavior =
      oneOf(params.payment_behavior, PAYMENT_BEHAVIORS, 'payment_behavior') ?? 'allow_incomplete';

    const start = opts.start ?? intOf(params.backdate_start_date, 'backdate_start_date') ?? now;
    let trialEnd: number | null = null;
    if (params.trial_end !== undefined && params.trial_end !== 'now')
      trialEnd = intOf(params.trial_end, 'trial_end')!;
    else if (params.trial_end === undefined) {
      const days = intOf(params.trial_period_days, 'trial_period_days');
      if (days !== undefined && days > 0) trialEnd = start + days * DAY;
    }
    const anchorParam = intOf(params.billing_cycle_anchor, 'billing_cycle_anchor');
    const anchor = anchorParam ?? trialEnd ?? start;
    const firstEnd = trialEnd ?? (anchor > start ? anchor : nextBoundary(anchor, interval, count, start));

    const announce = this.events.reserve('customer.subscription.created');
    const items = itemParams.map((p, i) => ({
      id: newId('si'),
      object: 'subscription_item',
      billing_thresholds: null,
      created: now,
      current_period_end: firstEnd,
      current_period_start: start,
      discounts: [],
      metadata: isFormObject(p.metadata) ? p.metadata : {},
      price: prices[i],
      quantity: intOf(p.quantity, `items[${i}][quantity]`) ?? 1,
      subscription: sub.id,
      tax_rates: itemTax[i],
    }));
    let next: Obj = {
      ...sub,
      billing_cycle_anchor: anchor,
      currency,
      customer: customer.id,
      days_until_due:
        sub.collection_method === 'send_invoice'
          ? (intOf(params.days_until_due, 'days_until_due') ?? 30)
          : null,
      default_tax_rates: defaultTax,
      discounts: this.applyCoupons(coupons, customer.id, sub.id, now),
      items: itemList(sub.id, items),
      schedule: opts.schedule ?? null,
      start_date: start,
      status: trialEnd ? 'trialing' : 'active',
      trial_end: trialEnd,
      trial_start: trialEnd ? start : null,
      _interval: { interval, count },
    };
    const cancelAt = intOf(params.cancel_at, 'cancel_at');
    if (cancelAt !== undefined) next.cancel_at = cancelAt;
    if (boolOf(params.cancel_at_period_end, 'cancel_at_period_end')) next.cancel_at = firstEnd;
    this.put(next);

    for (const { p, price, tax } of oneTime) {
      this.createInvoiceItem({
        customer: customer.id,
        price,
        quantity: intOf(p.quantity, 'quantity') ?? 1,
        subscription: next.id,
        taxRates: tax,
        period: { start: now, end: now },
        metadata: isFormObject(p.metadata) ? (p.metadata as Record<string, string>) : {},
      });
    }

    // The first invoice: the trial ($0), the stub up to the anchor (prorated), or the first full period(s)
    // (a backdated start bills every period up to the one that contains now).
    const lines: LineInput[] = [];
    let periodStart = start;
    let periodEnd = firstEnd;
    for (;;) {
      const stub = !trialEnd && periodStart === start && anchor > start;
      for (const item of listOf(next, 'items')) {
        const full = Number((item.price as Obj).unit_amount) * Number(item.quantity);
        const amount = trialEnd
          ? 0
          : stub
            ? proration === 'none'
              ? 0
              : prorate(full, start, addInterval(anchor, interval, -count), anchor)
            : full;
        const kind = trialEnd ? 'trial' : stub ? 'stub' : 'full';
        lines.push(this.recurringLine(next, item, { start: periodStart, end: periodEnd }, amount, kind));
      }
      if (trialEnd || periodEnd > now) break;
      periodStart = periodEnd;
      periodEnd = nextBoundary(anchor, interval, count, periodStart);
    }
    setPeriod(next, periodStart, periodEnd);
    this.put(next);

    const invoice = this.createInvoice({
      customer: customer.id,
      subscription: next,
      reason: 'subscription_create',
      lines,
      sweep: true,
      at: now,
    });
    next = this.get('subscription', next.id)!;
    next.latest_invoice = invoice.id;
    this.put(next);
    const final = this.finalize(invoice.id);
    if (next.collection_method === 'charge_automatically' && final.status === 'open') {
      if (paymentBehavior === 'default_incomplete') {
        next.status = 'incomplete';
        this.put(next);
      } else this.pay(final.id, 'Subscription creation');
    }
    next = this.get('subscription', next.id)!;
    announce(next);
    if (trialEnd) this.scheduleTrialWillEnd(next);
    return next;
  }

  private scheduleTrialWillEnd(sub: Obj): void {
    sub._trial_will_end_at = Math.max(this.now(), Number(sub.trial_end) - 3 * DAY);
    this.put(sub);
  }

  private recurringLine(
    sub: Obj,
    item: Obj,
    period: { start: number; end: number },
    amount: number,
    kind: 'trial' | 'stub' | 'full',
  ): LineInput {
    const price = item.price as Obj;
    const name = this.productName(price);
    const quantity = Number(item.quantity);
    const { interval } = recurrence(price);
    const description =
      kind === 'trial'
        ? `Trial period for ${name}`
        : kind === 'stub'
          ? `${quantity} × ${name} (from ${day(period.start)} to ${day(period.end)})`
          : `${quantity} × ${name} (at ${money(Number(price.unit_amount), String(price.currency))} / ${interval})`;
    return {
      description,
      price,
      quantity,
      amount,
      period,
      taxRates: (item.tax_rates as Obj[]).length
        ? (item.tax_rates as Obj[])
        : (sub.default_tax_rates as Obj[]),
      discountable: true,
      metadata: { ...((sub.metadata as Record<string, string>) ?? {}) },
      subscriptionItem: item.id,
      proration: false,
    };
  }

  /** A pending invoice item (swept onto the customer's next invoice). */
  createInvoiceItem(spec: {
    customer: string;
    price: Obj;
    quantity: number;
    amount?: number;
    description?: string;
    subscription: string | null;
    subscriptionItem?: string | null;
    taxRates: Obj[];
    period: { start: number; end: number };
    proration?: boolean;
    credited?: { invoice: string; invoice_line_items: string[] } | null;
    metadata?: Record<string, string>;
    discountable?: boolean;
  }): Obj {
    const price = spec.price;
    const amount = spec.amount ?? Number(price.unit_amount) * spec.quantity;
    const ii: Obj = {
      id: newId('ii'),
      object: 'invoiceitem',
      amount,
      currency: price.currency,
      customer: spec.customer,
      date: this.now(),
      description: spec.description ?? this.productName(price),
      discountable: spec.discountable ?? true,
      discounts: [],
      invoice: null,
      livemode: false,
      metadata: spec.metadata ?? {},
      net_amount: amount,
      parent: spec.subscription
        ? {
            subscription_details: {
              subscription: spec.subscription,
              subscription_item: spec.subscriptionItem ?? null,
            },
            type: 'subscription_details',
          }
        : null,
      period: spec.period,
      pricing: {
        price_details: { price: price.id, product: idOf(price.product) },
        type: 'price_details',
        unit_amount_decimal: String(price.unit_amount),
      },
      proration: spec.proration ?? false,
      quantity: spec.quantity,
      tax_rates: spec.taxRates,
      test_clock: null,
      _price: price,
      _credited: spec.credited ?? null,
    };
    this.put(ii);
    this.events.emit('invoiceitem.created', ii);
    return ii;
  }

  /** Stripe's update: items, prorations, anchor reset, cancel_at(_period_end), metadata. */
  updateSubscription(before: Obj, applied: Obj, params: FormObject): Obj {
    if (before.status === 'canceled' || before.status === 'incomplete_expired')
      throw invalidRequest(`A canceled subscription can only update its cancellation_details and metadata.`, {
        param: 'items',
      });
    const now = this.now();
    const behavior =
      oneOf(params.proration_behavior, PRORATION_BEHAVIORS, 'proration_behavior') ?? 'create_prorations';
    const anchorParam =
      oneOf(params.billing_cycle_anchor, ['now', 'unchanged'], 'billing_cycle_anchor') ?? 'unchanged';
    const prorationDate = intOf(params.proration_date, 'proration_date') ?? now;
    const oldItems = listOf(before, 'items');
    const items = listOf(applied, 'items').map((i) => structuredClone(i));
    const itemParams = arrayOf(params.items, 'items');
    // Validate every item first.
    const resolved = itemParams.map((p, i) => {
      if (typeof p.id === 'string' && !items.some((it) => it.id === p.id))
        throw resourceMissing('subscription_item', p.id, `items[${i}][id]`, 400);
      const price =
        p.price !== undefined || p.price_data !== undefined
          ? this.resolvePrice(p, `items[${i}]`, true)
          : undefined;
      if (price && price.currency !== before.currency)
        throw invalidRequest('All prices on a subscription must have the same `currency`.', {
          param: `items[${i}][price]`,
        });
      if (typeof p.id !== 'string' && !price) throw parameterMissing(`items[${i}][price]`);
      return {
        p,
        price,
        tax: p.tax_rates === undefined ? undefined : this.taxRates(p.tax_rates, `items[${i}][tax_rates]`),
      };
    });
    const [periodStart, periodEnd] = periodOf(before);
    for (const { p, price, tax } of resolved) {
      const at = typeof p.id === 'string' ? items.findIndex((it) => it.id === p.id) : -1;
      if (at >= 0 && boolOf(p.deleted, 'deleted')) {
        items.splice(at, 1);
        continue;
      }
      if (at >= 0) {
        if (price) items[at].price = price;
        const q = intOf(p.quantity, 'quantity');
        if (q !== undefined) items[at].quantity = q;
        if (tax) items[at].tax_rates = tax;
        if (isFormObject(p.metadata))
          items[at].metadata = { ...(items[at].metadata as object), ...p.metadata };
        continue;
      }
      items.push({
        id: newId('si'),
        object: 'subscription_item',
        billing_thresholds: null,
        created: now,
        current_period_end: periodEnd,
        current_period_start: periodStart,
        discounts: [],
        metadata: isFormObject(p.metadata) ? p.metadata : {},
        price: price!,
        quantity: intOf(p.quantity, 'quantity') ?? 1,
        subscription: before.id,
        tax_rates: tax ?? [],
      });
    }
    const announce = this.events.reserve('customer.subscription.updated');
    let next: Obj = { ...applied, items: itemList(String(before.id), items) };
    if (params.cancel_at_period_end !== undefined) {
      const atEnd = boolOf(params.cancel_at_period_end, 'cancel_at_period_end');
      next.cancel_at_period_end = atEnd;
      next.cancel_at = atEnd ? periodEnd : params.cancel_at !== undefined ? next.cancel_at : null;
    }
    if (params.cancel_at !== undefined) next.cancel_at = intOf(params.cancel_at, 'cancel_at') ?? null;
    if (params.default_tax_rates !== undefined)
      next.default_tax_rates = this.taxRates(params.default_tax_rates, 'default_tax_rates');
    if (params.discounts !== undefined || params.coupon !== undefined)
      next.discounts = this.applyCoupons(
        this.couponsOf(params, String(before.currency)),
        idOf(before.customer),
        String(before.id),
        now,
      );

    const intervalChanged = items.some((it) => {
      const r = recurrence(it.price as Obj);
      const o = before._interval as { interval: Interval; count: number };
      return r.interval !== o.interval || r.count !== o.count;
    });
    const endTrial = params.trial_end === 'now' && before.status === 'trialing';
    const reset = anchorParam === 'now' || intervalChanged || endTrial;
    const trialing = before.status === 'trialing' && !endTrial;
    const pending: Obj[] = [];
    if (!trialing && behavior !== 'none' && periodEnd > prorationDate) {
      // Unused time on what changed or went away; remaining time on what changed or is new.
      for (const old of oldItems) {
        const now_ = items.find((it) => it.id === old.id);
        const changed = !now_ || idOf(now_.price) !== idOf(old.price) || now_.quantity !== old.quantity;
        if (!changed) continue;
        const full = Number((old.price as Obj).unit_amount) * Number(old.quantity);
        const billed = old._billed as { invoice: string; line: string } | undefined;
        pending.push(
          this.createInvoiceItem({
            customer: idOf(before.customer),
            price: old.price as Obj,
            quantity: Number(old.quantity),
            amount: -prorate(full, prorationDate, periodStart, periodEnd),
            description: `Unused time on ${String(old.quantity)} × ${this.productName(old.price as Obj)} after ${day(prorationDate)}`,
            subscription: String(before.id),
            subscriptionItem: old.id,
            taxRates: taxOfItem(old, next),
            period: { start: prorationDate, end: periodEnd },
            proration: true,
            credited: billed ? { invoice: billed.invoice, invoice_line_items: [billed.line] } : null,
            metadata: {},
          }),
        );
      }
      if (!reset) {
        for (const it of items) {
          const old = oldItems.find((o) => o.id === it.id);
          if (old && idOf(old.price) === idOf(it.price) && old.quantity === it.quantity) continue;
          const full = Number((it.price as Obj).unit_amount) * Number(it.quantity);
          pending.push(
            this.createInvoiceItem({
              customer: idOf(before.customer),
              price: it.price as Obj,
              quantity: Number(it.quantity),
              amount: prorate(full, prorationDate, periodStart, periodEnd),
              description: `Remaining time on ${String(it.quantity)} × ${this.productName(it.price as Obj)} after ${day(prorationDate)}`,
              subscription: String(before.id),
              subscriptionItem: it.id,
              taxRates: taxOfItem(it, next),
              period: { start: prorationDate, end: periodEnd },
              proration: true,
              metadata: {},
            }),
          );
        }
      }
    }
    if (reset) {
      const { interval, count } = recurrence(items[0].price as Obj);
      const end = nextBoundary(now, interval, count, now);
      next = {
        ...next,
        billing_cycle_anchor: now,
        status: 'active',
        ...(endTrial ? { trial_end: now } : {}),
        _interval: { interval, count },
      };
      setPeriod(next, now, end);
      this.put(next);
      const lines = listOf(next, 'items').map((it) =>
        this.recurringLine(
          next,
          it,
          { start: now, end },
          Number((it.price as Obj).unit_amount) * Number(it.quantity),
          'full',
        ),
      );
      const invoice = this.createInvoice({
        customer: idOf(before.customer),
        subscription: next,
        reason: 'subscription_update',
        lines,
        sweep: true,
        at: now,
      });
      this.finalizeAndCollect(invoice.id, 'Subscription update');
      next = this.get('subscription', next.id)!;
      next.latest_invoice = invoice.id;
    } else if (behavior === 'always_invoice' && pending.length > 0) {
      this.put(next);
      const invoice = this.createInvoice({
        customer: idOf(before.customer),
        subscription: next,
        reason: 'subscription_update',
        lines: [],
        sweep: true,
        at: now,
      });
      this.finalizeAndCollect(invoice.id, 'Subscription update');
      next = this.get('subscription', next.id)!;
      next.latest_invoice = invoice.id;
    }
    this.put(next);
    announce(next, previousAttributes(before, next));
    return next;
  }

  /** DELETE /v1/subscriptions/:id with `prorate` and `invoice_now`. */
  cancelSubscription(sub: Obj, params: FormObject, reason = 'cancellation_requested'): Obj {
    if (sub.status === 'canceled')
      throw invalidRequest(`No such subscription: '${sub.id}'`, {
        code: 'resource_missing',
        param: 'id',
        status: 404,
      });
    const now = this.now();
    const prorateIt = boolOf(params.prorate, 'prorate') ?? false;
    const invoiceNow = boolOf(params.invoice_now, 'invoice_now') ?? false;
    const [start, end] = periodOf(sub);
    if (prorateIt && sub.status !== 'trialing' && end > now) {
      for (const it of listOf(sub, 'items')) {
        const full = Number((it.price as Obj).unit_amount) * Number(it.quantity);
        const billed = it._billed as { invoice: string; line: string } | undefined;
        this.createInvoiceItem({
          customer: idOf(sub.customer),
          price: it.price as Obj,
          quantity: Number(it.quantity),
          amount: -prorate(full, now, start, end),
          description: `Unused time on ${String(it.quantity)} × ${this.productName(it.price as Obj)} after ${day(now)}`,
          subscription: sub.id,
          subscriptionItem: it.id,
          taxRates: taxOfItem(it, sub),
          period: { start: now, end },
          proration: true,
          credited: billed ? { invoice: billed.invoice, invoice_line_items: [billed.line] } : null,
        });
      }
    }
    if (invoiceNow && this.pendingItems(idOf(sub.customer), sub.id).length > 0) {
      const invoice = this.createInvoice({
        customer: idOf(sub.customer),
        subscription: sub,
        reason: 'subscription_cycle',
        lines: [],
        sweep: true,
        at: now,
      });
      this.finalizeAndCollect(invoice.id, 'Subscription update');
      sub = this.get('subscription', sub.id)!;
      sub.latest_invoice = invoice.id;
    }
    const canceled: Obj = {
      ...sub,
      status: 'canceled',
      canceled_at: now,
      ended_at: now,
      cancellation_details: {
        comment: null,
        feedback: null,
        ...(sub.cancellation_details as object),
        reason,
      },
    };
    this.put(canceled);
    this.events.emit('customer.subscription.deleted', canceled);
    return canceled;
  }

  private pendingItems(customer: string, subscription: string | null): Obj[] {
    return this.store
      .peekList('invoiceitem')
      .filter(
        (ii) =>
          ii.customer === customer &&
          ii.invoice === null &&
          (subscription === null ||
            (ii.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details
              ?.subscription === subscription),
      )
      .reverse()
      .map((ii) => structuredClone(ii));
  }

  // ── invoices ──

  /** A draft invoice with `lines` plus the customer's pending items (for the subscription when set). */
  createInvoice(spec: {
    customer: string;
    subscription: Obj | null;
    reason: string;
    lines: LineInput[];
    sweep: boolean;
    at: number;
    collectionMethod?: string;
    daysUntilDue?: number | null;
    metadata?: Record<string, string>;
    periodStart?: number;
    periodEnd?: number;
    description?: string | null;
  }): Obj {
    const customer = this.get('customer', spec.customer)!;
    const sub = spec.subscription;
    const id = newId('in');
    const swept = spec.sweep ? this.pendingItems(spec.customer, sub ? sub.id : null) : [];
    const inputs: LineInput[] = [
      ...swept.map((ii) => ({
        description: String(ii.description),
        price: ii._price as Obj,
        quantity: Number(ii.quantity),
        amount: Number(ii.amount),
        period: ii.period as { start: number; end: number },
        taxRates:
          (ii.tax_rates as Obj[]).length || !sub ? (ii.tax_rates as Obj[]) : (sub.default_tax_rates as Obj[]),
        discountable: ii.discountable !== false,
        metadata: (ii.metadata as Record<string, string>) ?? {},
        invoiceItem: ii.id,
        subscriptionItem:
          (ii.parent as { subscription_details?: { subscription_item?: string | null } } | null)
            ?.subscription_details?.subscription_item ?? undefined,
        proration: ii.proration === true,
        credited: ii._credited as LineInput['credited'],
      })),
      ...spec.lines,
    ];
    const currency = String(sub?.currency ?? inputs[0]?.price.currency ?? customer.currency ?? 'usd');
    const discounts = sub ? this.activeDiscounts(sub, spec.at) : [];
    const lines = this.buildLines(id, inputs, sub, currency, discounts);
    const collection = String(spec.collectionMethod ?? sub?.collection_method ?? 'charge_automatically');
    const invoice = this.invoiceShell(id, customer, sub, currency, lines, {
      reason: spec.reason,
      collection,
      daysUntilDue: spec.daysUntilDue ?? (sub?.days_until_due as number | null) ?? null,
      at: spec.at,
      metadata: spec.metadata ?? {},
      periodStart: spec.periodStart ?? spec.at,
      periodEnd: spec.periodEnd ?? spec.at,
      description: spec.description ?? null,
    });
    this.put(invoice);
    for (const ii of swept) this.put({ ...ii, invoice: id });
    // Which invoice line billed each subscription item's period (proration credits point back to it).
    if (sub) {
      const fresh = this.get('subscription', sub.id);
      if (fresh) {
        for (const line of lines) {
          const details = (
            line.parent as { subscription_item_details?: { subscription_item?: string; proration?: boolean } }
          ).subscription_item_details;
          if (!details || details.proration) continue;
          const item = listOf(fresh, 'items').find((it) => it.id === details.subscription_item);
          if (item) item._billed = { invoice: id, line: line.id };
        }
        this.put(fresh);
      }
    }
    for (const d of discounts) {
      const coupon = (this.store.peek('discount', d)?._coupon ?? {}) as Obj;
      if (coupon.duration === 'once' && sub) {
        const s = this.get('subscription', sub.id)!;
        s.discounts = (s.discounts as string[]).filter((x) => x !== d);
        this.put(s);
      }
    }
    this.events.emit('invoice.created', invoice);
    return invoice;
  }

  private activeDiscounts(sub: Obj, at: number): string[] {
    return ((sub.discounts as string[] | undefined) ?? []).filter((id) => {
      const d = this.store.peek('discount', id);
      return d && (d.end === null || Number(d.end) > at);
    });
  }

  private buildLines(
    invoiceId: string,
    inputs: LineInput[],
    sub: Obj | null,
    currency: string,
    discountIds: string[],
  ): Obj[] {
    const amounts = inputs.map(() => new Map<string, number>());
    for (const did of discountIds) {
      const coupon = this.store.peek('discount', did)?._coupon as Obj | undefined;
      if (!coupon) continue;
      if (typeof coupon.percent_off === 'number') {
        inputs.forEach((l, i) => {
          if (l.discountable) amounts[i].set(did, signedPercentOf(l.amount, coupon.percent_off as number));
        });
      } else if (typeof coupon.amount_off === 'number' && coupon.currency === currency) {
        const eligible = inputs.map((l, i) => ({ l, i })).filter(({ l }) => l.discountable && l.amount > 0);
        const base = eligible.reduce((a, { l }) => a + l.amount, 0);
        let left = Math.min(coupon.amount_off, base);
        eligible.forEach(({ l, i }, k) => {
          const share =
            k === eligible.length - 1
              ? left
              : Math.min(left, shareOf(Math.min(coupon.amount_off as number, base), l.amount, base));
          amounts[i].set(did, share);
          left -= share;
        });
      }
    }
    return inputs.map((l, i) => {
      const discountAmounts = [...amounts[i]].map(([discount, amount]) => ({ amount, discount }));
      const net = l.amount - discountAmounts.reduce((a, d) => a + d.amount, 0);
      const taxes = l.taxRates.map((rate) => {
        const pct = Number(rate.percentage);
        const inclusive = rate.inclusive === true;
        const tax = inclusive
          ? net < 0
            ? -inclusiveTax(-net, pct)
            : inclusiveTax(net, pct)
          : signedPercentOf(net, pct);
        return {
          amount: tax,
          tax_behavior: inclusive ? 'inclusive' : 'exclusive',
          tax_rate_details: { tax_rate: rate.id },
          taxability_reason: 'not_available',
          taxable_amount: inclusive ? net - tax : net,
          type: 'tax_rate_details',
        };
      });
      const subscription = sub?.id ?? null;
      const parent =
        l.subscriptionItem && subscription
          ? {
              invoice_item_details: null,
              subscription_item_details: {
                invoice_item: l.invoiceItem ?? null,
                proration: l.proration,
                proration_details: { credited_items: l.credited ?? null },
                subscription,
                subscription_item: l.subscriptionItem,
              },
              type: 'subscription_item_details',
            }
          : {
              invoice_item_details: {
                invoice_item: l.invoiceItem ?? null,
                proration: l.proration,
                proration_details: { credited_items: l.credited ?? null },
                subscription,
              },
              subscription_item_details: null,
              type: 'invoice_item_details',
            };
      return {
        id: newId('il'),
        object: 'line_item',
        amount: l.amount,
        currency,
        description: l.description,
        discount_amounts: discountAmounts,
        discountable: l.discountable,
        discounts: [],
        invoice: invoiceId,
        livemode: false,
        metadata: l.metadata,
        parent,
        period: l.period,
        pretax_credit_amounts: discountAmounts.map((d) => ({ ...d, type: 'discount' })),
        pricing: {
          price_details: { price: l.price.id, product: idOf(l.price.product) },
          type: 'price_details',
          unit_amount_decimal: String(l.price.unit_amount),
        },
        quantity: l.quantity,
        quantity_decimal: String(l.quantity),
        subscription,
        subtotal: l.amount,
        taxes,
      } as Obj;
    });
  }

  private invoiceShell(
    id: string,
    customer: Obj,
    sub: Obj | null,
    currency: string,
    lines: Obj[],
    o: {
      reason: string;
      collection: string;
      daysUntilDue: number | null;
      at: number;
      metadata: Record<string, string>;
      periodStart: number;
      periodEnd: number;
      description: string | null;
    },
  ): Obj {
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const subtotal = sum(lines.map((l) => Number(l.amount)));
    const discountsOf = (l: Obj) => (l.discount_amounts as Array<{ amount: number; discount: string }>) ?? [];
    const taxesOf = (l: Obj) =>
      (l.taxes as Array<{
        amount: number;
        tax_behavior: string;
        tax_rate_details: { tax_rate: string };
        taxable_amount: number;
      }>) ?? [];
    const discountTotal = sum(lines.flatMap((l) => discountsOf(l).map((d) => d.amount)));
    const exclusive = sum(
      lines.flatMap((l) =>
        taxesOf(l)
          .filter((t) => t.tax_behavior === 'exclusive')
          .map((t) => t.amount),
      ),
    );
    const inclusive = sum(
      lines.flatMap((l) =>
        taxesOf(l)
          .filter((t) => t.tax_behavior === 'inclusive')
          .map((t) => t.amount),
      ),
    );
    const total = subtotal - discountTotal + exclusive;
    const byDiscount = new Map<string, number>();
    for (const d of lines.flatMap(discountsOf))
      byDiscount.set(d.discount, (byDiscount.get(d.discount) ?? 0) + d.amount);
    const totalDiscounts = [...byDiscount].map(([discount, amount]) => ({ amount, discount }));
    const byRate = new Map<string, Json>();
    for (const t of lines.flatMap(taxesOf)) {
      const seen = byRate.get(t.tax_rate_details.tax_rate) as
        { amount: number; taxable_amount: number } | undefined;
      byRate.set(t.tax_rate_details.tax_rate, {
        ...t,
        amount: (seen?.amount ?? 0) + t.amount,
        taxable_amount: (seen?.taxable_amount ?? 0) + t.taxable_amount,
      });
    }
    return {
      id,
      object: 'invoice',
      account_country: 'US',
      account_name: 'Quillstack, Inc.',
      account_tax_ids: null,
      amount_due: total,
      amount_overpaid: 0,
      amount_paid: 0,
      amount_remaining: total,
      amount_shipping: 0,
      application: null,
      attempt_count: 0,
      attempted: false,
      auto_advance: true,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
      automatically_finalizes_at: o.reason === 'manual' ? null : o.at + this.draftSeconds,
      billing_reason: o.reason,
      collection_method: o.collection,
      created: o.at,
      currency,
      custom_fields: null,
      customer: customer.id,
      customer_account: null,
      customer_address: customer.address ?? null,
      customer_email: customer.email ?? null,
      customer_name: customer.name ?? null,
      customer_phone: customer.phone ?? null,
      customer_shipping: null,
      customer_tax_exempt: customer.tax_exempt ?? 'none',
      customer_tax_ids: [],
      default_payment_method: null,
      default_source: null,
      default_tax_rates: sub ? sub.default_tax_rates : [],
      description: o.description,
      discounts: totalDiscounts.map((d) => d.discount),
      due_date: null,
      effective_at: null,
      ending_balance: null,
      footer: null,
      from_invoice: null,
      hosted_invoice_url: null,
      invoice_pdf: null,
      issuer: { type: 'self' },
      last_finalization_error: null,
      latest_revision: null,
      lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
      livemode: false,
      metadata: o.metadata,
      next_payment_attempt: null,
      number: null,
      on_behalf_of: null,
      parent: sub
        ? {
            quote_details: null,
            subscription_details: { metadata: { ...((sub.metadata as object) ?? {}) }, subscription: sub.id },
            type: 'subscription_details',
          }
        : null,
      payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
      period_end: o.periodEnd,
      period_start: o.periodStart,
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      receipt_number: null,
      rendering: {
        amount_tax_display: null,
        pdf: { page_size: 'auto' },
        template: null,
        template_version: null,
      },
      shipping_cost: null,
      shipping_details: null,
      starting_balance: 0,
      statement_descriptor: null,
      status: 'draft',
      status_transitions: {
        finalized_at: null,
        marked_uncollectible_at: null,
        paid_at: null,
        voided_at: null,
      },
      subtotal,
      subtotal_excluding_tax: subtotal - inclusive,
      test_clock: null,
      total,
      total_discount_amounts: totalDiscounts,
      total_excluding_tax: total - exclusive - inclusive,
      total_pretax_credit_amounts: totalDiscounts.map((d) => ({ ...d, type: 'discount' })),
      total_taxes: [...byRate.values()],
      webhooks_delivered_at: null,
      _finalize_at: o.at + this.draftSeconds,
    };
  }

  /** draft → open: number, due date, hosted URLs, the customer's credit balance applied. */
  finalize(invoiceId: string): Obj {
    const before = this.get('invoice', invoiceId)!;
    if (before.status !== 'draft')
      throw invalidRequest(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`, {
        code: 'invoice_not_editable',
      });
    const now = this.now();
    const customer = this.get('customer', idOf(before.customer))!;
    const sequence = Number(customer.next_invoice_sequence ?? 1);
    const balance = Number(customer.balance ?? 0);
    const total = Number(before.total);
    // A credit balance (negative) pays what it can of the invoice; a negative total adds to the credit.
    let amountDue = total;
    let ending = balance;
    if (total < 0) {
      amountDue = 0;
      ending = balance + total;
    } else if (balance < 0) {
      const used = Math.min(-balance, total);
      amountDue = total - used;
      ending = balance + used;
    }
    this.put({ ...customer, next_invoice_sequence: sequence + 1, balance: ending });
    const secret = `test_${seededBase62(`hosted:${invoiceId}`, 64)}`;
    const account = 'acct_1QuillstackSandbox00000';
    const after: Obj = {
      ...before,
      amount_due: amountDue,
      amount_remaining: amountDue,
      automatically_finalizes_at: null,
      due_date:
        before.collection_method === 'send_invoice'
          ? now + Number(before._days_until_due ?? this.daysUntilDue(before)) * DAY
          : null,
      effective_at: now,
      ending_balance: ending,
      hosted_invoice_url: `https://invoice.stripe.com/i/${account}/${secret}?s=ap`,
      invoice_pdf: `https://pay.stripe.com/invoice/${account}/${secret}/pdf?s=ap`,
      next_payment_attempt: before.collection_method === 'charge_automatically' && amountDue > 0 ? now : null,
      number: `${String(customer.invoice_prefix)}-${String(sequence).padStart(4, '0')}`,
      starting_balance: balance,
      status: 'open',
      status_transitions: { ...(before.status_transitions as object), finalized_at: now },
      webhooks_delivered_at: now,
      _finalize_at: null,
    };
    this.put(after);
    this.events.emit('invoice.finalized', after);
    if (amountDue === 0) return this.markPaid(after.id, null);
    return after;
  }

  private daysUntilDue(invoice: Obj): number {
    const sub = this.subscriptionOf(invoice);
    return Number(sub?.days_until_due ?? 30);
  }

  subscriptionOf(invoice: Obj): Obj | undefined {
    const id = (invoice.parent as { subscription_details?: { subscription?: string } } | null)
      ?.subscription_details?.subscription;
    return id ? this.get('subscription', id) : undefined;
  }

  private finalizeAndCollect(invoiceId: string, description: string): Obj {
    const inv = this.finalize(invoiceId);
    if (inv.status === 'open' && inv.collection_method === 'charge_automatically')
      return this.pay(inv.id, description);
    return inv;
  }

  /** Collects an open invoice: a card payment (payment intent, charge, balance transaction) or out of band. */
  pay(invoiceId: string, description = 'Payment for Invoice', outOfBand = false): Obj {
    const invoice = this.get('invoice', invoiceId)!;
    if (invoice.status === 'paid')
      throw invalidRequest('Invoice is already paid.', { code: 'invoice_already_paid' });
    if (invoice.status !== 'open')
      throw invalidRequest(`You can only pay an open invoice. This invoice is ${String(invoice.status)}.`, {
        code: 'invoice_not_open',
      });
    const amount = Number(invoice.amount_remaining);
    if (outOfBand || amount === 0) return this.markPaid(invoiceId, null);
    const now = this.now();
    const customer = this.get('customer', idOf(invoice.customer))!;
    const currency = String(invoice.currency);
    const seed = newId('pay');
    const spec: CustomerSpec = {
      id: customer.id,
      name: String(customer.name ?? ''),
      email: String(customer.email ?? ''),
      invoicePrefix: String(customer.invoice_prefix),
      address: (customer.address as Stripe.Address | null) ?? null,
      phone: (customer.phone as string | null) ?? null,
    };
    const card: CardSpec = {
      kind: 'card',
      id: 'pm_card_visa',
      brand: 'visa',
      last4: '4242',
      country: currency === 'eur' ? 'FR' : 'US',
      expMonth: 12,
      expYear: 2034,
      funding: 'credit',
      fees: currency === 'eur' ? 'eu_card' : 'us_card',
    };
    const opts = { seed, customer: spec, amount, currency, method: card, created: now, description };
    const ids = paymentIds(seed);
    const fresh = { pi: newId('pi'), ch: newId('ch'), txn: newId('txn'), inpay: newId('inpay') };
    const reId = <T>(o: T): T =>
      JSON.parse(
        JSON.stringify(o)
          .split(ids.paymentIntent)
          .join(fresh.pi)
          .split(ids.charge)
          .join(fresh.ch)
          .split(ids.balanceTransaction)
          .join(fresh.txn)
          .split(ids.invoicePayment)
          .join(fresh.inpay),
      ) as T;
    const pi = reId(paymentIntentObject(opts)) as unknown as Obj;
    const charge = reId(chargeObject(opts)) as unknown as Obj;
    const txn = reId(chargeBalanceTransaction(opts, { created: now, payout: null })) as unknown as Obj;
    this.put(pi);
    this.put(charge);
    this.put(txn);
    this.events.emit('payment_intent.created', {
      ...pi,
      status: 'requires_confirmation',
      amount_received: 0,
      latest_charge: null,
    });
    this.events.emit('charge.succeeded', charge);
    this.events.emit('payment_intent.succeeded', pi);
    const paid = this.markPaid(invoiceId, fresh.pi);
    const payment = reId(invoicePaymentObject(opts, paid as unknown as Stripe.Invoice)) as unknown as Obj;
    this.put(payment);
    return paid;
  }

  private markPaid(invoiceId: string, paymentIntent: string | null): Obj {
    const before = this.get('invoice', invoiceId)!;
    const now = this.now();
    const paid: Obj = {
      ...before,
      amount_paid: Number(before.amount_paid) + Number(before.amount_remaining),
      amount_remaining: 0,
      attempt_count: paymentIntent ? Number(before.attempt_count) + 1 : before.attempt_count,
      attempted: paymentIntent ? true : before.attempted,
      auto_advance: false,
      next_payment_attempt: null,
      status: 'paid',
      status_transitions: { ...(before.status_transitions as object), paid_at: now },
      _payment_intent: paymentIntent,
    };
    this.put(paid);
    this.events.emit('invoice.paid', paid);
    if (paymentIntent) this.events.emit('invoice.payment_succeeded', paid);
    // A subscription waiting for its first payment becomes active.
    const sub = this.subscriptionOf(paid);
    if (sub && sub.status === 'incomplete') {
      const active = { ...sub, status: 'active' };
      this.update('customer.subscription.updated', sub, active);
    }
    return paid;
  }

  voidInvoice(invoiceId: string): Obj {
    const before = this.get('invoice', invoiceId)!;
    if (before.status !== 'open')
      throw invalidRequest(`You can only void an open invoice. This invoice is ${String(before.status)}.`);
    const after = {
      ...before,
      auto_advance: false,
      next_payment_attempt: null,
      status: 'void',
      status_transitions: { ...(before.status_transitions as object), voided_at: this.now() },
    };
    this.put(after);
    this.events.emit('invoice.voided', after);
    return after;
  }

  markUncollectible(invoiceId: string): Obj {
    const before = this.get('invoice', invoiceId)!;
    if (before.status !== 'open')
      throw invalidRequest(
        `You can only mark an open invoice uncollectible. This invoice is ${String(before.status)}.`,
      );
    const after = {
      ...before,
      auto_advance: false,
      next_payment_attempt: null,
      status: 'uncollectible',
      status_transitions: { ...(before.status_transitions as object), marked_uncollectible_at: this.now() },
    };
    this.put(after);
    this.events.emit('invoice.marked_uncollectible', after);
    return after;
  }

  // ── credit notes ──

  /** The credit note `params` describe (not stored): `/v1/credit_notes/preview` and create share it. */
  computeCreditNote(params: FormObject): { note: Obj; refund: number; credit: number; outOfBand: number } {
    const invoice = this.must('invoice', params.invoice, 'invoice');
    if (invoice.status !== 'open' && invoice.status !== 'paid')
      throw invalidRequest(
        `Invoice ${invoice.id} must be finalized (open or paid) to be credited; it is ${String(invoice.status)}.`,
        { param: 'invoice' },
      );
    const invLines = listOf(invoice, 'lines');
    const id = newId('cn');
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    let lineParams = arrayOf(params.lines, 'lines');
    const wholeAmount = intOf(params.amount, 'amount');
    if (lineParams.length === 0 && wholeAmount === undefined)
      throw invalidRequest('You must pass either `amount` or `lines` to create a credit note.', {
        param: 'lines',
      });
    if (lineParams.length === 0 && wholeAmount !== undefined) {
      lineParams = [
        { type: 'custom_line_item', description: 'Credit', unit_amount: String(wholeAmount), quantity: '1' },
      ];
    }
    const lines = lineParams.map((p, i) => {
      const param = `lines[${i}]`;
      const type = oneOf(p.type, ['invoice_line_item', 'custom_line_item'], `${param}[type]`);
      if (!type) throw parameterMissing(`${param}[type]`);
      if (type === 'invoice_line_item') {
        const line = invLines.find((l) => l.id === p.invoice_line_item);
        if (!line) {
          if (typeof p.invoice_line_item !== 'string') throw parameterMissing(`${param}[invoice_line_item]`);
          throw resourceMissing('invoice_line_item', p.invoice_line_item, `${param}[invoice_line_item]`, 400);
        }
        const lineAmount = Number(line.amount);
        const lineQty = Number(line.quantity ?? 1);
        const qty = intOf(p.quantity, `${param}[quantity]`);
        const amt = intOf(p.amount, `${param}[amount]`);
        const amount =
          amt ?? (qty === undefined || qty === lineQty ? lineAmount : shareOf(lineAmount, qty, lineQty));
        if (Math.abs(amount) > Math.abs(lineAmount))
          throw invalidRequest(`The credit for ${line.id} exceeds the line's amount.`, {
            param: `${param}[amount]`,
          });
        const discounts = ((line.discount_amounts as Array<{ amount: number; discount: string }>) ?? []).map(
          (d) => ({
            amount: amount === lineAmount ? d.amount : shareOf(d.amount, amount, lineAmount),
            discount: d.discount,
          }),
        );
        const net = amount - sum(discounts.map((d) => d.amount));
        const lineTaxes =
          (line.taxes as Array<{
            amount: number;
            tax_behavior: string;
            tax_rate_details: { tax_rate: string };
          }>) ?? [];
        const taxes = lineTaxes.map((t) => {
          const rate = this.store.peek('tax_rate', t.tax_rate_details.tax_rate);
          const pct = Number(rate?.percentage ?? 0);
          const inclusive = t.tax_behavior === 'inclusive';
          const tax =
            amount === lineAmount ? t.amount : inclusive ? inclusiveTax(net, pct) : signedPercentOf(net, pct);
          return {
            amount: tax,
            tax_behavior: t.tax_behavior,
            tax_rate_details: { tax_rate: t.tax_rate_details.tax_rate },
            taxability_reason: 'not_available',
            taxable_amount: inclusive ? net - tax : net,
            type: 'tax_rate_details',
          };
        });
        return this.creditLine(id, i, {
          amount,
          description: typeof p.description === 'string' ? p.description : String(line.description),
          discounts,
          invoiceLine: line.id,
          quantity: qty ?? lineQty,
          taxes,
          type,
          unit: Number(
            (line.pricing as { unit_amount_decimal?: string } | null)?.unit_amount_decimal ?? amount,
          ),
          metadata: p.metadata,
        });
      }
      const unit = intOf(p.unit_amount, `${param}[unit_amount]`);
      if (unit === undefined) throw parameterMissing(`${param}[unit_amount]`);
      const quantity = intOf(p.quantity, `${param}[quantity]`) ?? 1;
      const amount = unit * quantity;
      const taxes = this.taxRates(p.tax_rates, `${param}[tax_rates]`).map((rate) => {
        const pct = Number(rate.percentage);
        const inclusive = rate.inclusive === true;
        const tax = inclusive ? inclusiveTax(amount, pct) : percentOf(amount, pct);
        return {
          amount: tax,
          tax_behavior: inclusive ? 'inclusive' : 'exclusive',
          tax_rate_details: { tax_rate: rate.id },
          taxability_reason: 'not_available',
          taxable_amount: inclusive ? amount - tax : amount,
          type: 'tax_rate_details',
        };
      });
      if (typeof p.description !== 'string') throw parameterMissing(`${param}[description]`);
      return this.creditLine(id, i, {
        amount,
        description: p.description,
        discounts: [],
        invoiceLine: null,
        quantity,
        taxes,
        type,
        unit,
        metadata: p.metadata,
      });
    });
    const subtotal = sum(lines.map((l) => Number(l.amount)));
    const discount = sum(lines.map((l) => Number(l.discount_amount)));
    const allTaxes = lines.flatMap(
      (l) =>
        l.taxes as Array<{
          amount: number;
          tax_behavior: string;
          tax_rate_details: { tax_rate: string };
          taxable_amount: number;
        }>,
    );
    const exclusive = sum(allTaxes.filter((t) => t.tax_behavior === 'exclusive').map((t) => t.amount));
    const inclusive = sum(allTaxes.filter((t) => t.tax_behavior === 'inclusive').map((t) => t.amount));
    const total = subtotal - discount + exclusive;
    const creditedSoFar =
      Number(invoice.pre_payment_credit_notes_amount) + Number(invoice.post_payment_credit_notes_amount);
    if (total <= 0) throw invalidRequest('The credit note total must be positive.', { param: 'lines' });
    if (creditedSoFar + total > Number(invoice.total))
      throw invalidRequest(
        `The credit note total (${total}) exceeds what remains creditable on invoice ${invoice.id} (${Number(invoice.total) - creditedSoFar}).`,
        { param: 'lines' },
      );
    const prePayment = Math.min(total, Number(invoice.amount_remaining));
    const postPayment = total - prePayment;
    let refund = intOf(params.refund_amount, 'refund_amount') ?? 0;
    let credit = intOf(params.credit_amount, 'credit_amount') ?? 0;
    const outOfBand = intOf(params.out_of_band_amount, 'out_of_band_amount') ?? 0;
    if (
      params.refund_amount === undefined &&
      params.credit_amount === undefined &&
      params.out_of_band_amount === undefined
    )
      credit = postPayment; // Stripe's default: what was already paid goes to the customer's credit balance.
    if (refund + credit + outOfBand !== postPayment)
      throw invalidRequest(
        `The sum of credit_amount, refund_amount and out_of_band_amount (${refund + credit + outOfBand}) must equal the post-payment amount of the credit note (${postPayment}).`,
        { param: 'refund_amount' },
      );
    if (refund > 0 && !invoice._payment_intent)
      throw invalidRequest(`Invoice ${invoice.id} was not paid with a charge; it cannot be refunded.`, {
        param: 'refund_amount',
      });
    refund = Math.max(0, refund);
    credit = Math.max(0, credit);
    const byDiscount = new Map<string, number>();
    for (const d of lines.flatMap((l) => l.discount_amounts as Array<{ amount: number; discount: string }>))
      byDiscount.set(d.discount, (byDiscount.get(d.discount) ?? 0) + d.amount);
    const discounts = [...byDiscount].map(([d, amount]) => ({ amount, discount: d }));
    const byRate = new Map<string, Json>();
    for (const t of allTaxes) {
      const seen = byRate.get(t.tax_rate_details.tax_rate) as
        { amount: number; taxable_amount: number } | undefined;
      byRate.set(t.tax_rate_details.tax_rate, {
        ...t,
        amount: (seen?.amount ?? 0) + t.amount,
        taxable_amount: (seen?.taxable_amount ?? 0) + t.taxable_amount,
      });
    }
    const count = this.store.list('credit_note', { invoice: invoice.id }).length;
    const now = this.now();
    const note: Obj = {
      id,
      object: 'credit_note',
      amount: total,
      amount_shipping: 0,
      created: now,
      currency: invoice.currency,
      customer: idOf(invoice.customer),
      customer_account: null,
      customer_balance_transaction: null,
      discount_amount: discount,
      discount_amounts: discounts,
      effective_at: now,
      invoice: invoice.id,
      lines: { object: 'list', data: lines, has_more: false, url: `/v1/credit_notes/${id}/lines` },
      livemode: false,
      memo: typeof params.memo === 'string' ? params.memo : null,
      metadata: isFormObject(params.metadata) ? params.metadata : {},
      number: `${String(invoice.number)}-CN-${String(count + 1).padStart(2, '0')}`,
      out_of_band_amount: outOfBand > 0 ? outOfBand : null,
      pdf: `https://pay.stripe.com/credit_notes/acct_1QuillstackSandbox00000/test_${seededBase62(`cn-pdf:${id}`, 64)}/pdf?s=ap`,
      post_payment_amount: postPayment,
      pre_payment_amount: prePayment,
      pretax_credit_amounts: discounts.map((d) => ({ ...d, type: 'discount' })),
      reason:
        oneOf(
          params.reason,
          ['duplicate', 'fraudulent', 'order_change', 'product_unsatisfactory'],
          'reason',
        ) ?? null,
      refunds: [],
      shipping_cost: null,
      status: 'issued',
      subtotal,
      subtotal_excluding_tax: subtotal - inclusive,
      total,
      total_excluding_tax: total - exclusive - inclusive,
      total_taxes: [...byRate.values()],
      type: prePayment > 0 && postPayment > 0 ? 'mixed' : postPayment > 0 ? 'post_payment' : 'pre_payment',
      voided_at: null,
    };
    return { note, refund, credit, outOfBand };
  }

  private creditLine(
    noteId: string,
    index: number,
    l: {
      amount: number;
      description: string;
      discounts: Array<{ amount: number; discount: string }>;
      invoiceLine: string | null;
      quantity: number;
      taxes: Json[];
      type: string;
      unit: number;
      metadata: FormValue | undefined;
    },
  ): Obj {
    void noteId;
    void index;
    return {
      id: newId('cnli'),
      object: 'credit_note_line_item',
      amount: l.amount,
      description: l.description,
      discount_amount: l.discounts.reduce((a, d) => a + d.amount, 0),
      discount_amounts: l.discounts,
      invoice_line_item: l.invoiceLine,
      livemode: false,
      metadata: isFormObject(l.metadata) ? l.metadata : {},
      pretax_credit_amounts: l.discounts.map((d) => ({ ...d, type: 'discount' })),
      quantity: l.quantity,
      tax_rates: [],
      taxes: l.taxes,
      type: l.type,
      unit_amount: l.unit,
      unit_amount_decimal: String(l.unit),
    };
  }

  /** Issues the credit note: lowers what is due, refunds the charge, credits the customer balance. */
  issueCreditNote(params: FormObject): Obj {
    const { note, refund, credit } = this.computeCreditNote(params);
    const invoice = this.get('invoice', String(note.invoice))!;
    const now = this.now();
    if (refund > 0) {
      const pi = this.get('payment_intent', String(invoice._payment_intent))!;
      const charge = this.get('charge', String(pi.latest_charge))!;
      const seed = newId('rf');
      const ids = refundIds(seed);
      const fresh = { re: newId('re'), txn: newId('txn') };
      const reId = <T>(o: T): T =>
        JSON.parse(
          JSON.stringify(o).split(ids.refund).join(fresh.re).split(ids.balanceTransaction).join(fresh.txn),
        ) as T;
      const r = reId(
        refundObject({
          seed,
          charge: charge as unknown as Stripe.Charge,
          amount: refund,
          created: now,
          status: 'succeeded',
        }),
      ) as unknown as Obj;
      const [txn] = refundBalanceTransactions(r as unknown as Stripe.Refund, { payout: null });
      this.put(r);
      this.put(txn as unknown as Obj);
      const refunded = Number(charge.amount_refunded) + refund;
      const chargeAfter: Obj = {
        ...charge,
        amount_refunded: refunded,
        refunded: refunded === charge.amount,
        refunds: {
          object: 'list',
          data: [r, ...listOf(charge, 'refunds')],
          has_more: false,
          url: `/v1/charges/${charge.id}/refunds`,
        },
      };
      this.put(chargeAfter);
      note.refunds = [{ amount_refunded: refund, payment_record_refund: null, refund: r.id, type: 'refund' }];
      this.events.emit('refund.created', r);
      this.events.emit('charge.refunded', chargeAfter, {
        amount_refunded: charge.amount_refunded,
        refunded: charge.refunded,
      });
    }
    if (credit > 0) {
      const customer = this.get('customer', idOf(invoice.customer))!;
      const cbt: Obj = {
        id: newId('cbtxn'),
        object: 'customer_balance_transaction',
        amount: -credit,
        checkout_session: null,
        created: now,
        credit_note: note.id,
        currency: invoice.currency,
        customer: customer.id,
        customer_account: null,
        description: null,
        ending_balance: Number(customer.balance ?? 0) - credit,
        invoice: null,
        livemode: false,
        metadata: {},
        type: 'credit_note',
      };
      this.put(cbt);
      note.customer_balance_transaction = cbt.id;
      this.update('customer.updated', customer, { ...customer, balance: cbt.ending_balance });
    }
    this.put(note);
    this.events.emit('credit_note.created', note);
    const pre = Number(note.pre_payment_amount);
    const after: Obj = {
      ...invoice,
      amount_due: Number(invoice.amount_due) - pre,
      amount_remaining: Number(invoice.amount_remaining) - pre,
      pre_payment_credit_notes_amount: Number(invoice.pre_payment_credit_notes_amount) + pre,
      post_payment_credit_notes_amount:
        Number(invoice.post_payment_credit_notes_amount) + Number(note.post_payment_amount),
    };
    this.update('invoice.updated', invoice, after);
    if (invoice.status === 'open' && after.amount_remaining === 0) this.markPaid(invoice.id, null);
    return this.get('credit_note', note.id)!;
  }

  voidCreditNote(id: string): Obj {
    const note = this.get('credit_note', id)!;
    if (note.status === 'void') throw invalidRequest(`Credit note ${id} is already voided.`);
    const after = { ...note, status: 'void', voided_at: this.now() };
    this.put(after);
    this.events.emit('credit_note.voided', after);
    return after;
  }

  // ── subscription schedules ──

  parsePhases(params: FormObject, customer: string, start: number): Obj[] {
    const phases = arrayOf(params.phases, 'phases');
    if (phases.length === 0) throw parameterMissing('phases');
    let at = start;
    return phases.map((ph, i) => {
      const items = arrayOf(ph.items, `phases[${i}][items]`);
      if (items.length === 0) throw parameterMissing(`phases[${i}][items]`);
      const prices = items.map((p, j) => this.resolvePrice(p, `phases[${i}][items][${j}]`, true));
      const { interval, count } = recurrence(prices[0]);
      const iterations = intOf(ph.iterations, `phases[${i}][iterations]`);
      const endDate = intOf(ph.end_date, `phases[${i}][end_date]`);
      // `duration` (this API version) or the older `iterations` (billing periods of the phase's price).
      let end = endDate ?? (iterations !== undefined ? addInterval(at, interval, count * iterations) : null);
      if (end === null && isFormObject(ph.duration)) {
        const unit = oneOf(
          ph.duration.interval,
          ['day', 'week', 'month', 'year'],
          `phases[${i}][duration][interval]`,
        );
        if (!unit) throw parameterMissing(`phases[${i}][duration][interval]`);
        end = addInterval(
          at,
          unit,
          intOf(ph.duration.interval_count, `phases[${i}][duration][interval_count]`) ?? 1,
        );
      }
      if (end === null && i < phases.length - 1)
        throw invalidRequest('Only the last phase can be open-ended (no end_date or iterations).', {
          param: `phases[${i}][end_date]`,
        });
      if (end !== null && end <= at)
        throw invalidRequest('Phase end_date must be after its start_date.', {
          param: `phases[${i}][end_date]`,
        });
      const phase: Obj = {
        id: `phase_${i}`,
        object: 'phase',
        add_invoice_items: [],
        application_fee_percent: null,
        automatic_tax: { disabled_reason: null, enabled: false, liability: null },
        billing_cycle_anchor: null,
        collection_method: typeof ph.collection_method === 'string' ? ph.collection_method : null,
        currency: prices[0].currency,
        default_payment_method: null,
        default_tax_rates: this.taxRates(ph.default_tax_rates, `phases[${i}][default_tax_rates]`),
        description: null,
        discounts: arrayOf(ph.discounts, `phases[${i}][discounts]`).map((d, k) => ({
          coupon: this.must('coupon', d.coupon, `phases[${i}][discounts][${k}][coupon]`).id,
          discount: null,
          promotion_code: null,
        })),
        end_date: end,
        invoice_settings: null,
        items: items.map((p, j) => ({
          billing_thresholds: null,
          discounts: [],
          metadata: isFormObject(p.metadata) ? p.metadata : {},
          price: prices[j].id,
          quantity: intOf(p.quantity, `phases[${i}][items][${j}][quantity]`) ?? 1,
          tax_rates: this.taxRates(p.tax_rates, `phases[${i}][items][${j}][tax_rates]`),
        })),
        metadata: isFormObject(ph.metadata) ? ph.metadata : {},
        on_behalf_of: null,
        proration_behavior:
          oneOf(ph.proration_behavior, PRORATION_BEHAVIORS, `phases[${i}][proration_behavior]`) ??
          'create_prorations',
        start_date: at,
        transfer_data: null,
        trial_end: intOf(ph.trial_end, `phases[${i}][trial_end]`) ?? null,
      };
      void customer;
      at = end ?? at;
      return phase;
    });
  }

  /** Starts a not_started schedule whose start date has come: creates its subscription and bills it. */
  startSchedule(id: string): Obj {
    const before = this.get('subscription_schedule', id)!;
    const phase = (before.phases as Obj[])[0];
    const sub = this.subscriptionFromPhase(before, phase);
    const after: Obj = {
      ...before,
      current_phase: { end_date: phase.end_date, start_date: phase.start_date },
      status: 'active',
      subscription: sub.id,
    };
    return this.update('subscription_schedule.updated', before, after);
  }

  private subscriptionFromPhase(schedule: Obj, phase: Obj): Obj {
    const now = this.now();
    const subId = newId('sub');
    const defaults = subscriptionDefaults();
    const collection = String(
      phase.collection_method ??
        (schedule.default_settings as Json).collection_method ??
        'charge_automatically',
    );
    const base: Obj = {
      ...defaults,
      id: subId,
      object: 'subscription',
      created: now,
      collection_method: collection,
      metadata: { ...(phase.metadata as object) },
    };
    const params: FormObject = {
      customer: String(schedule.customer),
      items: (phase.items as Obj[]).map((it) => ({ price: String(it.price), quantity: String(it.quantity) })),
      default_tax_rates: (phase.default_tax_rates as Obj[]).map((t) => t.id),
      discounts: (phase.discounts as Array<{ coupon: string }>).map((d) => ({ coupon: d.coupon })),
      ...(phase.trial_end ? { trial_end: String(phase.trial_end) } : {}),
    };
    return this.createSubscription(base, params, { start: Number(phase.start_date), schedule: schedule.id });
  }

  /** The schedule's next phase (or its end) at the current phase's end date. */
  advanceSchedule(id: string): void {
    const before = this.get('subscription_schedule', id)!;
    const phases = before.phases as Obj[];
    const current = before.current_phase as { start_date: number; end_date: number };
    const index = phases.findIndex((p) => p.start_date === current.start_date);
    const next = phases[index + 1];
    const sub = this.get('subscription', String(before.subscription))!;
    if (next) {
      const items = listOf(sub, 'items');
      const params: FormObject = {
        items: [
          ...items.map((it) => ({ id: it.id, deleted: 'true' })),
          ...(next.items as Obj[]).map((it) => ({ price: String(it.price), quantity: String(it.quantity) })),
        ],
        proration_behavior: String(next.proration_behavior),
      };
      const applied = { ...sub, metadata: { ...(next.metadata as object) } };
      this.updateSubscription(sub, applied, params);
      this.update('subscription_schedule.updated', before, {
        ...before,
        current_phase: { end_date: next.end_date, start_date: next.start_date },
      });
      return;
    }
    const done: Obj = {
      ...before,
      completed_at: this.now(),
      current_phase: null,
      released_subscription: before.end_behavior === 'release' ? sub.id : null,
      status: 'completed',
    };
    this.put(done);
    this.events.emit('subscription_schedule.completed', done);
    if (before.end_behavior === 'cancel') this.cancelSubscription(sub, {});
    else this.update('customer.subscription.updated', sub, { ...sub, schedule: null });
  }

  releaseSchedule(id: string): Obj {
    const before = this.get('subscription_schedule', id)!;
    if (before.status !== 'active' && before.status !== 'not_started')
      throw invalidRequest(
        `You cannot release a subscription schedule that is currently ${String(before.status)}.`,
      );
    const subId = before.subscription as string | null;
    const after: Obj = {
      ...before,
      current_phase: null,
      released_at: this.now(),
      released_subscription: subId,
      status: 'released',
      subscription: null,
    };
    this.put(after);
    this.events.emit('subscription_schedule.released', after);
    if (subId) {
      const sub = this.get('subscription', subId)!;
      this.update('customer.subscription.updated', sub, { ...sub, schedule: null });
    }
    return after;
  }

  cancelSchedule(id: string, params: FormObject): Obj {
    const before = this.get('subscription_schedule', id)!;
    if (before.status !== 'active' && before.status !== 'not_started')
      throw invalidRequest(
        `You cannot cancel a subscription schedule that is currently ${String(before.status)}.`,
      );
    const after: Obj = { ...before, canceled_at: this.now(), current_phase: null, status: 'canceled' };
    this.put(after);
    this.events.emit('subscription_schedule.canceled', after);
    if (before.subscription) {
      const sub = this.get('subscription', String(before.subscription))!;
      if (sub.status !== 'canceled')
        this.cancelSubscription(sub, {
          prorate: params.prorate ?? 'false',
          invoice_now: params.invoice_now ?? 'false',
        });
    }
    return this.get('subscription_schedule', id)!;
  }

  // ── the clock ──

  /** The earliest thing due at or before `to`, if any. */
  private nextDue(to: number): { at: number; rank: number; run: () => string } | undefined {
    const due: Array<{ at: number; rank: number; run: () => string }> = [];
    for (const s of this.store.peekList('subscription_schedule')) {
      if (s.status === 'not_started' && Number(s._start_date) <= to)
        due.push({
          at: Number(s._start_date),
          rank: 0,
          run: () => (this.startSchedule(s.id), `started ${s.id}`),
        });
      const phase = s.current_phase as { end_date: number | null } | null;
      if (s.status === 'active' && phase?.end_date != null && phase.end_date <= to)
        due.push({
          at: phase.end_date,
          rank: 1,
          run: () => (this.advanceSchedule(s.id), `advanced ${s.id}`),
        });
    }
    for (const sub of this.store.peekList('subscription')) {
      if (['canceled', 'incomplete', 'incomplete_expired'].includes(String(sub.status))) continue;
      const willEnd = sub._trial_will_end_at as number | null | undefined;
      if (sub.status === 'trialing' && typeof willEnd === 'number' && willEnd <= to)
        due.push({ at: willEnd, rank: 2, run: () => this.trialWillEnd(sub.id) });
      const [, end] = periodOf(sub);
      const cancelAt = sub.cancel_at as number | null;
      const cancelDue = typeof cancelAt === 'number' && cancelAt <= end;
      if (cancelDue && cancelAt <= to)
        due.push({
          at: cancelAt,
          rank: 4,
          run: () => (this.cancelSubscription(this.get('subscription', sub.id)!, {}), `canceled ${sub.id}`),
        });
      if (!cancelDue && sub.status === 'trialing' && Number(sub.trial_end) <= to)
        due.push({ at: Number(sub.trial_end), rank: 3, run: () => this.renew(sub.id, true) });
      else if (!cancelDue && sub.status !== 'trialing' && end <= to)
        due.push({ at: end, rank: 5, run: () => this.renew(sub.id, false) });
    }
    for (const inv of this.store.peekList('invoice')) {
      if (
        inv.status === 'draft' &&
        typeof inv._finalize_at === 'number' &&
        inv._finalize_at <= to &&
        inv.billing_reason !== 'manual'
      )
        due.push({ at: inv._finalize_at, rank: 6, run: () => this.autoFinalize(inv.id) });
    }
    due.sort((a, b) => a.at - b.at || a.rank - b.rank);
    return due[0];
  }

  /**
   * Moves the clock to `to`, running what falls due on the way in time order: schedules start and change
   * phase, trial_will_end notices, trials end, subscriptions cancel at cancel_at / period end or renew
   * (draft invoice), drafts finalize after `renewalDraftSeconds` (and charge_automatically ones are paid).
   */
  advance(to: number, setClock: (t: number) => void): ClockResult {
    const actions: string[] = [];
    for (let guard = 0; guard < 100_000; guard++) {
      const next = this.nextDue(to);
      if (!next) break;
      setClock(Math.max(next.at, this.now()));
      actions.push(next.run());
    }
    setClock(to);
    return { now: to, actions };
  }

  private trialWillEnd(id: string): string {
    const sub = this.get('subscription', id)!;
    sub._trial_will_end_at = null;
    this.put(sub);
    this.events.emit('customer.subscription.trial_will_end', sub);
    return `trial_will_end ${id}`;
  }

  /** The period (or trial) ended: a new period and its (draft) invoice. */
  private renew(id: string, trialEnded: boolean): string {
    const before = this.get('subscription', id)!;
    const [prevStart, prevEnd] = periodOf(before);
    const { interval, count } = before._interval as { interval: Interval; count: number };
    const anchor = Number(before.billing_cycle_anchor);
    const start = prevEnd;
    const end = nextBoundary(anchor, interval, count, start);
    const next: Obj = { ...before, status: trialEnded ? 'active' : before.status };
    setPeriod(next, start, end);
    this.put(next);
    this.update('customer.subscription.updated', before, next);
    const lines = listOf(next, 'items').map((it) =>
      this.recurringLine(
        next,
        it,
        { start, end },
        Number((it.price as Obj).unit_amount) * Number(it.quantity),
        'full',
      ),
    );
    const invoice = this.createInvoice({
      customer: idOf(next.customer),
      subscription: next,
      reason: 'subscription_cycle',
      lines,
      sweep: true,
      at: start,
      periodStart: prevStart,
      periodEnd: prevEnd,
    });
    const sub = this.get('subscription', id)!;
    sub.latest_invoice = invoice.id;
    this.put(sub);
    if (this.draftSeconds === 0) this.autoFinalize(invoice.id);
    return `renewed ${id} → ${invoice.id}`;
  }

  private autoFinalize(id: string): string {
    this.finalizeAndCollect(id, 'Subscription cycle');
    return `finalized ${id}`;
  }
}

// ───────────────────────────── helpers ─────────────────────────────

function recurrence(price: Obj): { interval: Interval; count: number } {
  const r = price.recurring as { interval: Interval; interval_count?: number } | null;
  if (!r) throw invalidRequest(`The price ${price.id} is not recurring.`);
  return { interval: r.interval, count: r.interval_count ?? 1 };
}

function itemList(subId: string, data: Obj[]): Json {
  return {
    object: 'list',
    data,
    has_more: false,
    total_count: data.length,
    url: `/v1/subscription_items?subscription=${subId}`,
  };
}

export function periodOf(sub: Obj): [number, number] {
  const first = ((sub.items as { data?: Obj[] } | undefined)?.data ?? [])[0];
  return [Number(first?.current_period_start ?? 0), Number(first?.current_period_end ?? 0)];
}

function setPeriod(sub: Obj, start: number, end: number): void {
  for (const it of (sub.items as { data: Obj[] }).data) {
    it.current_period_start = start;
    it.current_period_end = end;
  }
}

function taxOfItem(item: Obj, sub: Obj): Obj[] {
  return (item.tax_rates as Obj[] | undefined)?.length
    ? (item.tax_rates as Obj[])
    : ((sub.default_tax_rates as Obj[]) ?? []);
}

/** A subscription's fields before its parameters are applied (the API's defaults). */
export function subscriptionDefaults(): Json {
  return {
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
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
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
    latest_invoice: null,
    livemode: false,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    status: 'active',
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: null,
  };
}
