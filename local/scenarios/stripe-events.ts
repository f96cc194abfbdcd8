/**
 * Typed builders for Stripe webhook fixtures, rendered as Stripe API version 2026-10-28.endive.
 *
 * The `stripe` package's TypeScript types are the contract: every builder returns a value typed as
 * `Stripe.Invoice` / `Stripe.Customer` / `Stripe.Event` without casting whole objects, so a field the
 * SDK adds, removes or renames breaks the build here instead of silently drifting from production.
 *
 * Amount rules (all integers in minor units, the way Stripe computes manual exclusive tax rates):
 *   line.amount   = unit amount × quantity                 (= line.subtotal)
 *   line discount = round½↑(amount × percent_off / 100)    (one coupon per line at most)
 *   line net      = amount − Σ discount_amounts
 *   line tax      = round½↑(net × tax percent / 100)       (per line, then summed — never on the total)
 *   invoice       subtotal = Σ amount; total_excluding_tax = subtotal − Σ discounts; total = that + Σ tax
 *
 * Ids are derived from seeds (sha-256 → base62), so fixtures are byte-stable across runs and machines.
 */
import { createHash } from 'node:crypto';
import Stripe from 'stripe';

/** The API version the installed SDK (stripe@23) pins; events default to it. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

// ───────────────────────────── ids and time ─────────────────────────────

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Deterministic base62 text of any length from a seed (sha-256 blocks, so no Math.random). */
export function seededBase62(seed: string, length: number): string {
  let out = '';
  for (let block = 0; out.length < length; block++) {
    const bytes = createHash('sha256').update(`${seed}#${block}`).digest();
    for (const byte of bytes) {
      if (out.length === length) break;
      out += BASE62[byte % 62];
    }
  }
  return out;
}

// Stripe uses short random ids (14 chars) for these objects and `1` + 23 chars for most others
// (compare cus_NeZwdNtLEOXuvB / si_RbeKiFlCtOutFl with in_1MtHbELkdIwHu7ixl4OzzPMv in the API reference).
const SHORT_ID_PREFIXES = new Set(['cus', 'prod', 'si', 'req']);

/** A realistic-looking, deterministic Stripe id, marked `Demo` so nobody mistakes it for a live object. */
export function stripeId(prefix: string, seed: string): string {
  const random = (length: number) => seededBase62(`${prefix}:${seed}`, length);
  return SHORT_ID_PREFIXES.has(prefix) ? `${prefix}_Demo${random(10)}` : `${prefix}_1Demo${random(19)}`;
}

/** A deterministic RFC 4122-shaped (v4 layout) id, as Stripe SDKs send for Idempotency-Key. */
export function seededUuid(seed: string): string {
  const hex = createHash('sha256').update(`uuid:${seed}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Unix seconds from an ISO timestamp; throws on typos rather than producing NaN fixtures. */
export function unix(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || ms % 1000 !== 0) throw new RangeError(`not a whole-second ISO timestamp: ${iso}`);
  return ms / 1000;
}

export const HOUR = 3600;
export const DAY = 86_400;

// ───────────────────────────── arithmetic ─────────────────────────────

function assertMinor(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  return value;
}

// Percentages are scaled to integers (4 decimals, as Stripe tax rates allow: 8.875 → 88750) so the
// arithmetic below never touches floating point.
function scaledPercent(percent: number): bigint {
  const scaled = Math.round(percent * 10_000);
  if (Math.abs(scaled - percent * 10_000) > 1e-6 || scaled < 0 || scaled > 1_000_000) {
    throw new RangeError(`percent must be within 0–100 with at most 4 decimals, got ${percent}`);
  }
  return BigInt(scaled);
}

/** round½↑(amount × percent / 100) in integer arithmetic; amount is non-negative minor units. */
export function percentOf(amount: number, percent: number): number {
  const numerator = BigInt(assertMinor(amount, 'amount')) * scaledPercent(percent);
  return Number((numerator + 500_000n) / 1_000_000n);
}

/**
 * percentOf for signed amounts (proration credits): the magnitude is rounded half up, i.e. half away
 * from zero, so a credit line's tax is exactly the negative of the same charge line's tax.
 */
export function signedPercentOf(amount: number, percent: number): number {
  return amount < 0 ? -percentOf(-amount, percent) : percentOf(amount, percent);
}

const total = (values: readonly number[]): number => values.reduce((acc, v) => acc + v, 0);

// ───────────────────────────── specs ─────────────────────────────

/** A manual, exclusive Tax Rate object (`txr_…`) as configured in the Dashboard. */
export interface TaxRateSpec {
  id: string;
  percent: number;
  displayName: string;
  jurisdiction: string;
}

/** A coupon applied to the subscription/invoice; the builder allocates it to the lines that carry it. */
export interface DiscountSpec {
  /** The Discount object id (`di_…`), i.e. the coupon as applied to this customer/subscription. */
  id: string;
  percentOff: number;
}

export interface LineSpec {
  /** Stable key for the line's ids (`il_…`, `si_…`, `ii_…`); defaults to the line's position. */
  key?: string;
  description: string;
  price: string;
  product: string;
  /** Unit price in minor units. */
  unitAmount: number;
  quantity?: number;
  /**
   * `subscription`: a subscription item, delivered over `period` (parent.subscription_item_details).
   * `one_time`: an invoice item (setup/onboarding fee); Stripe shows these with
   * period.start === period.end === invoice creation, i.e. delivered at a point in time.
   */
  kind: 'subscription' | 'one_time';
  /** Service period (unix seconds); required for subscription lines, ignored for one-time ones. */
  period?: { start: number; end: number };
  discount?: DiscountSpec;
  taxRate?: TaxRateSpec;
  /**
   * Marks a subscription line as a proration Stripe created for a mid-period change
   * (`proration_behavior: always_invoice`): `unitAmount` is then the prorated amount per unit — negative
   * for the unused time on the old price — and `period` runs from the change to the period end.
   * `creditedItems` names the earlier invoice line whose unused time this line gives back.
   */
  proration?: { creditedItems?: { invoice: string; invoiceLineItems: string[] } };
  /** The subscription item (`si_…`); defaults to one per subscription and price. A price change keeps its item. */
  subscriptionItem?: string;
}

export interface CustomerSpec {
  id: string;
  name: string;
  email: string;
  /** Stripe's per-customer invoice number prefix, e.g. `XAT8ODML` → invoice `XAT8ODML-0001`. */
  invoicePrefix: string;
  address?: Stripe.Address | null;
  phone?: string | null;
  taxExempt?: 'none' | 'exempt' | 'reverse';
  taxIds?: Stripe.Invoice.CustomerTaxId[];
  preferredLocales?: string[];
  metadata?: Record<string, string>;
}

/** The Stripe account issuing the invoices (our company). */
export interface AccountSpec {
  id: string;
  name: string;
  country: string;
}

export const DEFAULT_ACCOUNT: AccountSpec = {
  id: stripeId('acct', 'quillstack'),
  name: 'Quillstack, Inc.',
  country: 'US',
};

export interface InvoiceOptions {
  /** Seed for the invoice's ids (`in_…`, `il_…` and the hosted-invoice secret). */
  seed: string;
  customer: CustomerSpec;
  /** ISO 4217, any case; Stripe always renders it lowercase. */
  currency: string;
  /** Invoice creation time (unix seconds). */
  created: number;
  lines: LineSpec[];
  /** Invoice number sequence for this customer (→ `${invoicePrefix}-0007`). */
  sequence?: number;
  /** Subscription that generated the invoice → `parent.subscription_details`; omit for one-off invoices. */
  subscription?: { id: string; metadata?: Record<string, string> };
  /** Metadata on the invoice itself (one-off invoices carry their correlation id here). */
  metadata?: Record<string, string>;
  billingReason?: 'subscription_create' | 'subscription_cycle' | 'subscription_update' | 'manual';
  collectionMethod?: 'charge_automatically' | 'send_invoice';
  /** Payment terms for `send_invoice` (due_date = finalized_at + days). */
  daysUntilDue?: number;
  /** Defaults to created + 1 h for automatic renewals (Stripe's draft window), else `created`. */
  finalizedAt?: number;
  /** When set, the invoice is rendered in its paid state. */
  paidAt?: number;
  /** When set, the finalized invoice was voided then (status `void`); it can no longer be paid. */
  voidedAt?: number;
  /** When set, the open invoice was written off then (status `uncollectible`). */
  markedUncollectibleAt?: number;
  /**
   * Credit notes issued against the invoice so far. Pre-payment credit reduces `amount_due` (what is
   * still to collect); post-payment credit (refunds after payment) leaves the invoice's amounts alone.
   */
  creditNotes?: { prePayment?: number; postPayment?: number };
  /** Invoice-level period; Stripe sets it to the *previous* period on renewals, so default = created. */
  periodStart?: number;
  periodEnd?: number;
  account?: AccountSpec;
}

// ───────────────────────────── lines ─────────────────────────────

interface LineContext {
  invoiceId: string;
  seed: string;
  currency: string;
  created: number;
  subscription: InvoiceOptions['subscription'];
  /** Whether any line carries the invoice's discount (then undiscounted lines are non-discountable). */
  invoiceHasDiscount: boolean;
}

/** Figures of one line, kept next to the Stripe object so the invoice totals are sums of these. */
interface BuiltLine {
  item: Stripe.InvoiceLineItem;
  amount: number;
  discount: number;
  tax: number;
}

function linePeriod(spec: LineSpec, ctx: LineContext): Stripe.InvoiceLineItem.Period {
  if (spec.kind === 'one_time') return { start: ctx.created, end: ctx.created };
  if (!spec.period || spec.period.end <= spec.period.start) {
    throw new RangeError(`subscription line "${spec.description}" needs a service period with end > start`);
  }
  return { start: spec.period.start, end: spec.period.end };
}

function creditedItems(
  spec: LineSpec,
): Stripe.InvoiceLineItem.Parent.SubscriptionItemDetails.ProrationDetails {
  const credited = spec.proration?.creditedItems;
  return {
    credited_items: credited
      ? { invoice: credited.invoice, invoice_line_items: [...credited.invoiceLineItems] }
      : null,
  };
}

function lineParent(spec: LineSpec, key: string, ctx: LineContext): Stripe.InvoiceLineItem.Parent {
  const subscription = ctx.subscription?.id ?? null;
  if (spec.kind === 'subscription') {
    if (!subscription)
      throw new Error(`subscription line "${spec.description}" on an invoice without a subscription`);
    return {
      invoice_item_details: null,
      subscription_item_details: {
        // Prorations are pending invoice items the subscription change created, then swept onto the invoice.
        invoice_item: spec.proration ? stripeId('ii', `${ctx.seed}:${key}`) : null,
        proration: spec.proration !== undefined,
        proration_details: creditedItems(spec),
        subscription,
        subscription_item: spec.subscriptionItem ?? stripeId('si', `${subscription}:${spec.price}`),
      },
      type: 'subscription_item_details',
    };
  }
  if (spec.proration) throw new Error(`one-time line "${spec.description}" cannot be a proration`);
  return {
    invoice_item_details: {
      invoice_item: stripeId('ii', `${ctx.seed}:${key}`),
      proration: false,
      proration_details: { credited_items: null },
      subscription,
    },
    subscription_item_details: null,
    type: 'invoice_item_details',
  };
}

function lineTaxes(net: number, rate: TaxRateSpec | undefined): Stripe.InvoiceLineItem.Tax[] {
  if (!rate) return [];
  return [
    {
      amount: signedPercentOf(net, rate.percent),
      tax_behavior: 'exclusive',
      tax_rate_details: { tax_rate: rate.id },
      // Manual Tax Rates carry no Stripe Tax taxability decision.
      taxability_reason: 'not_available',
      taxable_amount: net,
      type: 'tax_rate_details',
    },
  ];
}

/** unit × quantity; only proration lines may be negative (the credit for unused time). */
function lineAmount(spec: LineSpec, quantity: number): number {
  if (!spec.proration)
    return assertMinor(assertMinor(spec.unitAmount, 'unitAmount') * quantity, 'line amount');
  const amount = spec.unitAmount * quantity;
  if (!Number.isSafeInteger(amount))
    throw new RangeError(`proration amount must be an integer, got ${amount}`);
  return amount;
}

function buildLine(spec: LineSpec, index: number, ctx: LineContext): BuiltLine {
  const key = spec.key ?? String(index);
  const quantity = assertMinor(spec.quantity ?? 1, 'quantity');
  const amount = lineAmount(spec, quantity);
  const discount = spec.discount ? signedPercentOf(amount, spec.discount.percentOff) : 0;
  const taxes = lineTaxes(amount - discount, spec.taxRate);
  const item: Stripe.InvoiceLineItem = {
    id: stripeId('il', `${ctx.seed}:${key}`),
    object: 'line_item',
    amount,
    currency: ctx.currency,
    description: spec.description,
    discount_amounts: spec.discount ? [{ amount: discount, discount: spec.discount.id }] : [],
    // The coupon sits on the subscription (invoice level), so lines list no item-level discounts;
    // lines it must not touch (e.g. onboarding fees) are marked non-discountable.
    discountable: !ctx.invoiceHasDiscount || spec.discount !== undefined,
    discounts: [],
    invoice: ctx.invoiceId,
    livemode: false,
    // Stripe mirrors the subscription's metadata onto its subscription lines.
    metadata: spec.kind === 'subscription' ? { ...(ctx.subscription?.metadata ?? {}) } : {},
    parent: lineParent(spec, key, ctx),
    period: linePeriod(spec, ctx),
    pretax_credit_amounts: spec.discount
      ? [{ amount: discount, discount: spec.discount.id, type: 'discount' }]
      : [],
    pricing: {
      price_details: { price: spec.price, product: spec.product },
      type: 'price_details',
      unit_amount_decimal: Stripe.Decimal.from(String(spec.unitAmount)),
    },
    quantity,
    quantity_decimal: Stripe.Decimal.from(String(quantity)),
    subscription: ctx.subscription?.id ?? null,
    subtotal: amount,
    taxes,
  };
  return { item, amount, discount, tax: total(taxes.map((t) => t.amount)) };
}

// ───────────────────────────── invoice aggregates ─────────────────────────────

function aggregateDiscounts(lines: readonly Stripe.InvoiceLineItem[]): Stripe.Invoice.TotalDiscountAmount[] {
  const byDiscount = new Map<string, number>();
  for (const d of lines.flatMap((l) => l.discount_amounts ?? [])) {
    const id = typeof d.discount === 'string' ? d.discount : d.discount.id;
    byDiscount.set(id, (byDiscount.get(id) ?? 0) + d.amount);
  }
  return [...byDiscount].map(([discount, amount]) => ({ amount, discount }));
}

function aggregateTaxes(lines: readonly Stripe.InvoiceLineItem[]): Stripe.Invoice.TotalTax[] {
  const byRate = new Map<string, Stripe.Invoice.TotalTax>();
  for (const tax of lines.flatMap((l) => l.taxes ?? [])) {
    const rate = tax.tax_rate_details?.tax_rate ?? 'none';
    const seen = byRate.get(rate);
    byRate.set(rate, {
      amount: (seen?.amount ?? 0) + tax.amount,
      tax_behavior: tax.tax_behavior,
      tax_rate_details: tax.tax_rate_details,
      taxability_reason: tax.taxability_reason,
      taxable_amount: (seen?.taxable_amount ?? 0) + (tax.taxable_amount ?? 0),
      type: 'tax_rate_details',
    });
  }
  return [...byRate.values()];
}

function invoiceNumber(customer: CustomerSpec, sequence: number): string {
  return `${customer.invoicePrefix}-${String(sequence).padStart(4, '0')}`;
}

/** Hosted invoice page + PDF, in the shape Stripe renders them for test-mode invoices. */
function hostedUrls(account: AccountSpec, seed: string): { hosted: string; pdf: string } {
  const secret = `test_${seededBase62(`hosted:${seed}`, 64)}`;
  return {
    hosted: `https://invoice.stripe.com/i/${account.id}/${secret}?s=ap`,
    pdf: `https://pay.stripe.com/invoice/${account.id}/${secret}/pdf?s=ap`,
  };
}

interface Lifecycle {
  billingReason: NonNullable<InvoiceOptions['billingReason']>;
  collectionMethod: 'charge_automatically' | 'send_invoice';
  finalizedAt: number;
  paidAt: number | null;
  voidedAt: number | null;
  markedUncollectibleAt: number | null;
  dueDate: number | null;
}

/** A finalized invoice ends paid, void or uncollectible — at most one of them, and never before finalizing. */
function checkTerminalState(opts: InvoiceOptions, finalizedAt: number): void {
  const ends = [opts.paidAt, opts.voidedAt, opts.markedUncollectibleAt].filter((t) => t !== undefined);
  if (ends.length > 1)
    throw new RangeError(`invoice ${opts.seed} can only be one of paid, void, uncollectible`);
  if (ends.some((t) => t < finalizedAt))
    throw new RangeError(`invoice ${opts.seed} changes state before finalization`);
}

function lifecycleOf(opts: InvoiceOptions): Lifecycle {
  const billingReason = opts.billingReason ?? (opts.subscription ? 'subscription_cycle' : 'manual');
  const collectionMethod = opts.collectionMethod ?? 'charge_automatically';
  // Renewal drafts stay open for edits for about an hour before Stripe finalizes them.
  const draftWindow = billingReason === 'subscription_cycle' ? HOUR : 0;
  const finalizedAt = opts.finalizedAt ?? opts.created + draftWindow;
  const paidAt = opts.paidAt ?? null;
  if (finalizedAt < opts.created)
    throw new RangeError(`invoice ${opts.seed} is finalized before it was created`);
  if (paidAt !== null && paidAt < finalizedAt)
    throw new RangeError(`invoice ${opts.seed} is paid before finalization`);
  checkTerminalState(opts, finalizedAt);
  const dueDate = collectionMethod === 'send_invoice' ? finalizedAt + (opts.daysUntilDue ?? 30) * DAY : null;
  return {
    billingReason,
    collectionMethod,
    finalizedAt,
    paidAt,
    voidedAt: opts.voidedAt ?? null,
    markedUncollectibleAt: opts.markedUncollectibleAt ?? null,
    dueDate,
  };
}

function statusOf(life: Lifecycle): Stripe.Invoice.Status {
  if (life.voidedAt !== null) return 'void';
  if (life.markedUncollectibleAt !== null) return 'uncollectible';
  return life.paidAt !== null ? 'paid' : 'open';
}

/** The fields that differ between the open, paid, void and uncollectible renderings of the same invoice. */
function paymentState(amountDue: number, life: Lifecycle) {
  const status = statusOf(life);
  const paid = status === 'paid';
  return {
    status,
    amountPaid: paid ? amountDue : 0,
    // amount_due − amount_paid: a void or written-off invoice still shows what was never collected.
    amountRemaining: paid ? 0 : amountDue,
    attempted: paid,
    attemptCount: paid ? 1 : 0,
    // Stripe stops auto-advancing once the invoice is paid, voided or written off.
    autoAdvance: status === 'open',
    // Charge-automatically invoices are attempted right at finalization; send_invoice waits for the customer.
    nextPaymentAttempt:
      status === 'open' && life.collectionMethod === 'charge_automatically' ? life.finalizedAt : null,
  };
}

function creditNoteAmounts(opts: InvoiceOptions, invoiceTotal: number) {
  const prePayment = assertMinor(opts.creditNotes?.prePayment ?? 0, 'pre-payment credit');
  const postPayment = assertMinor(opts.creditNotes?.postPayment ?? 0, 'post-payment credit');
  if (prePayment + postPayment > invoiceTotal)
    throw new RangeError(`invoice ${opts.seed} is credited beyond its total`);
  if (postPayment > 0 && opts.paidAt === undefined)
    throw new RangeError(`invoice ${opts.seed} has post-payment credit but was never paid`);
  return { prePayment, postPayment };
}

/** A complete, finalized `Stripe.Invoice` (open, or paid when `paidAt` is set) with consistent totals. */
export function invoiceObject(opts: InvoiceOptions): Stripe.Invoice {
  if (opts.lines.length === 0) throw new Error(`invoice ${opts.seed} needs at least one line`);
  const id = stripeId('in', opts.seed);
  const currency = opts.currency.toLowerCase();
  const account = opts.account ?? DEFAULT_ACCOUNT;
  const life = lifecycleOf(opts);
  const ctx: LineContext = {
    invoiceId: id,
    seed: opts.seed,
    currency,
    created: opts.created,
    subscription: opts.subscription,
    invoiceHasDiscount: opts.lines.some((l) => l.discount !== undefined),
  };
  const built = opts.lines.map((spec, i) => buildLine(spec, i, ctx));
  const lines = built.map((b) => b.item);
  const subtotal = total(built.map((b) => b.amount));
  const totalExcludingTax = subtotal - total(built.map((b) => b.discount));
  const invoiceTotal = totalExcludingTax + total(built.map((b) => b.tax));
  const credited = creditNoteAmounts(opts, invoiceTotal);
  // Pre-payment credit notes lower what is still due; the invoice total never changes.
  const amountDue = invoiceTotal - credited.prePayment;
  const totalDiscounts = aggregateDiscounts(lines);
  const pay = paymentState(amountDue, life);
  const urls = hostedUrls(account, opts.seed);
  const customer = opts.customer;

  // Keys in Stripe's (alphabetical) order, so a rendered payload diffs cleanly against a real one.
  return {
    id,
    object: 'invoice',
    account_country: account.country,
    account_name: account.name,
    account_tax_ids: null,
    amount_due: amountDue,
    amount_overpaid: 0,
    amount_paid: pay.amountPaid,
    amount_remaining: pay.amountRemaining,
    amount_shipping: 0,
    application: null,
    attempt_count: pay.attemptCount,
    attempted: pay.attempted,
    auto_advance: pay.autoAdvance,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: life.billingReason,
    collection_method: life.collectionMethod,
    created: opts.created,
    currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address ?? null,
    customer_email: customer.email,
    customer_name: customer.name,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: customer.taxExempt ?? 'none',
    customer_tax_ids: customer.taxIds ?? [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: totalDiscounts.map((d) => d.discount),
    due_date: life.dueDate,
    effective_at: life.finalizedAt,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: urls.hosted,
    invoice_pdf: urls.pdf,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: { ...(opts.metadata ?? {}) },
    next_payment_attempt: pay.nextPaymentAttempt,
    number: invoiceNumber(customer, opts.sequence ?? 1),
    on_behalf_of: null,
    parent: opts.subscription
      ? {
          quote_details: null,
          subscription_details: {
            metadata: { ...(opts.subscription.metadata ?? {}) },
            subscription: opts.subscription.id,
          },
          type: 'subscription_details',
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: opts.periodEnd ?? opts.created,
    period_start: opts.periodStart ?? opts.created,
    post_payment_credit_notes_amount: credited.postPayment,
    pre_payment_credit_notes_amount: credited.prePayment,
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
    status: pay.status,
    status_transitions: {
      finalized_at: life.finalizedAt,
      marked_uncollectible_at: life.markedUncollectibleAt,
      paid_at: life.paidAt,
      voided_at: life.voidedAt,
    },
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: null,
    total: invoiceTotal,
    total_discount_amounts: totalDiscounts,
    total_excluding_tax: totalExcludingTax,
    total_pretax_credit_amounts: totalDiscounts.map((d) => ({
      amount: d.amount,
      discount: d.discount,
      type: 'discount',
    })),
    total_taxes: aggregateTaxes(lines),
    // Stripe records the first successful webhook delivery a couple of seconds after creation.
    webhooks_delivered_at: opts.created + 2,
  };
}

// ───────────────────────────── customers ─────────────────────────────

/** A complete `Stripe.Customer` (as carried by customer.* events). */
export function customerObject(spec: CustomerSpec, created: number): Stripe.Customer {
  return {
    id: spec.id,
    object: 'customer',
    address: spec.address ?? null,
    balance: 0,
    created,
    currency: null,
    customer_account: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: spec.email,
    invoice_prefix: spec.invoicePrefix,
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: { ...(spec.metadata ?? {}) },
    name: spec.name,
    next_invoice_sequence: 1,
    phone: spec.phone ?? null,
    preferred_locales: spec.preferredLocales ?? [],
    shipping: null,
    tax_exempt: spec.taxExempt ?? 'none',
    test_clock: null,
  };
}

// ───────────────────────────── events ─────────────────────────────

// Runtime lists so the builder can check what it is given; `satisfies` ties them to the SDK's own
// event-type union, and building the event below proves each type really carries that object.
const INVOICE_EVENT_TYPES = [
  'invoice.created',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.updated',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'invoice.sent',
  'invoice.overdue',
] as const satisfies readonly Stripe.Event.Type[];
const CUSTOMER_EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
] as const satisfies readonly Stripe.Event.Type[];
const CHARGE_EVENT_TYPES = [
  'charge.succeeded',
  'charge.updated',
  'charge.refunded',
] as const satisfies readonly Stripe.Event.Type[];
const REFUND_EVENT_TYPES = [
  'refund.created',
  'refund.updated',
  'refund.failed',
  'charge.refund.updated',
] as const satisfies readonly Stripe.Event.Type[];
const CREDIT_NOTE_EVENT_TYPES = [
  'credit_note.created',
  'credit_note.updated',
  'credit_note.voided',
] as const satisfies readonly Stripe.Event.Type[];
const DISPUTE_EVENT_TYPES = [
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
  'charge.dispute.closed',
] as const satisfies readonly Stripe.Event.Type[];
const PAYOUT_EVENT_TYPES = [
  'payout.created',
  'payout.updated',
  'payout.paid',
  'payout.failed',
  'payout.reconciliation_completed',
] as const satisfies readonly Stripe.Event.Type[];
const PAYMENT_INTENT_EVENT_TYPES = [
  'payment_intent.created',
  'payment_intent.processing',
  'payment_intent.succeeded',
] as const satisfies readonly Stripe.Event.Type[];

export type InvoiceEventType = (typeof INVOICE_EVENT_TYPES)[number];
export type CustomerEventType = (typeof CUSTOMER_EVENT_TYPES)[number];
export type ChargeEventType = (typeof CHARGE_EVENT_TYPES)[number];
export type RefundEventType = (typeof REFUND_EVENT_TYPES)[number];
export type CreditNoteEventType = (typeof CREDIT_NOTE_EVENT_TYPES)[number];
export type DisputeEventType = (typeof DISPUTE_EVENT_TYPES)[number];
export type PayoutEventType = (typeof PAYOUT_EVENT_TYPES)[number];
export type PaymentIntentEventType = (typeof PAYMENT_INTENT_EVENT_TYPES)[number];
/** Every event type `stripeEvent` can build. */
export type SupportedEventType =
  | InvoiceEventType
  | CustomerEventType
  | ChargeEventType
  | RefundEventType
  | CreditNoteEventType
  | DisputeEventType
  | PayoutEventType
  | PaymentIntentEventType;
type EventOf<T extends Stripe.Event.Type> = Extract<Stripe.Event, { type: T }>;
/** The object an event of type T carries in `data.object` (per the SDK's event union). */
export type EventObjectOf<T extends SupportedEventType> = EventOf<T>['data']['object'];
type EventObject = EventObjectOf<SupportedEventType>;

const oneOf =
  <T extends string>(types: readonly T[]) =>
  (t: string): t is T =>
    (types as readonly string[]).includes(t);
const isInvoiceEventType = oneOf(INVOICE_EVENT_TYPES);
const isCustomerEventType = oneOf(CUSTOMER_EVENT_TYPES);
const isChargeEventType = oneOf(CHARGE_EVENT_TYPES);
const isRefundEventType = oneOf(REFUND_EVENT_TYPES);
const isCreditNoteEventType = oneOf(CREDIT_NOTE_EVENT_TYPES);
const isDisputeEventType = oneOf(DISPUTE_EVENT_TYPES);
const isPayoutEventType = oneOf(PAYOUT_EVENT_TYPES);
const isPaymentIntentEventType = oneOf(PAYMENT_INTENT_EVENT_TYPES);

export interface EventOptions<O = unknown> {
  /** Seed for `evt_…` and request ids; defaults to `${type}:${object.id}` (one event per type and object). */
  seed?: string;
  /**
   * Defaults to the matching status transition (paid_at for invoice.paid, finalized_at for finalized,
   * voided_at for voids, the latest refund for charge.refunded, arrival_date for payouts), else the
   * object's `created`.
   */
  created?: number;
  /** Defaults to STRIPE_API_VERSION; old endpoints render events in the version they were created with. */
  apiVersion?: string | null;
  /**
   * `'api'` (default): triggered by an API/Dashboard request → request id + idempotency key.
   * `'automatic'`: Stripe-initiated (subscription renewals, automatic charges) → both null.
   */
  origin?: 'api' | 'automatic';
  pendingWebhooks?: number;
  /** `*.updated` events: the changed fields' values before the change (`data.previous_attributes`). */
  previousAttributes?: Partial<O>;
}

function invoiceEventCreated(type: string, invoice: Stripe.Invoice): number {
  const transitions = invoice.status_transitions;
  if (type === 'invoice.paid' || type === 'invoice.payment_succeeded')
    return transitions.paid_at ?? invoice.created;
  if (type === 'invoice.finalized') return transitions.finalized_at ?? invoice.created;
  if (type === 'invoice.voided') return transitions.voided_at ?? invoice.created;
  if (type === 'invoice.marked_uncollectible') return transitions.marked_uncollectible_at ?? invoice.created;
  return invoice.created;
}

function defaultCreated(type: string, object: EventObject): number {
  switch (object.object) {
    case 'invoice':
      return invoiceEventCreated(type, object);
    case 'credit_note':
      return type === 'credit_note.voided' ? (object.voided_at ?? object.created) : object.created;
    case 'charge': {
      // charge.refunded fires when the latest refund is made.
      const refunds = type === 'charge.refunded' ? (object.refunds?.data ?? []) : [];
      return Math.max(object.created, ...refunds.map((r) => r.created));
    }
    case 'payout':
      // Stripe announces payout.paid / payout.failed on the expected arrival date.
      return type === 'payout.paid' || type === 'payout.failed' ? object.arrival_date : object.created;
    default:
      return object.created;
  }
}

// Split in two only to emit keys in Stripe's order: id, object, api_version, created, data,
// livemode, pending_webhooks, request, type.
function eventHead(type: string, object: EventObject, seed: string, opts: EventOptions) {
  return {
    id: stripeId('evt', seed),
    object: 'event',
    api_version: opts.apiVersion === undefined ? STRIPE_API_VERSION : opts.apiVersion,
    created: opts.created ?? defaultCreated(type, object),
  } as const;
}

function eventDelivery(seed: string, opts: EventOptions) {
  const request =
    opts.origin === 'automatic'
      ? { id: null, idempotency_key: null }
      : { id: stripeId('req', seed), idempotency_key: seededUuid(seed) };
  return { livemode: false, pending_webhooks: opts.pendingWebhooks ?? 1, request };
}

/** previous_attributes may only name fields the object has (Stripe sends the old values of changed fields). */
function isPreviousOf<O extends object>(object: O, previous: Partial<object>): previous is Partial<O> {
  return Object.keys(previous).every((key) => key in object);
}

/** `data`, with `previous_attributes` only when given (so other events stay byte-identical to before). */
function eventData<O extends object>(
  object: O,
  previous: Partial<object> | undefined,
): { object: O; previous_attributes?: Partial<O> } {
  if (previous === undefined) return { object };
  if (!isPreviousOf(object, previous))
    throw new TypeError('previous_attributes names fields the object lacks');
  return { object, previous_attributes: previous };
}

/**
 * A complete `Stripe.Event` wrapping an invoice, customer, charge, refund, credit note, dispute, payout
 * or payment intent, narrowed to the given event type (one overload per object kind, so
 * `stripeEvent('payout.paid', refund)` does not compile).
 */
export function stripeEvent<T extends InvoiceEventType>(
  type: T,
  object: Stripe.Invoice,
  opts?: EventOptions<Stripe.Invoice>,
): EventOf<T>;
export function stripeEvent<T extends CustomerEventType>(
  type: T,
  object: Stripe.Customer,
  opts?: EventOptions<Stripe.Customer>,
): EventOf<T>;
export function stripeEvent<T extends ChargeEventType>(
  type: T,
  object: Stripe.Charge,
  opts?: EventOptions<Stripe.Charge>,
): EventOf<T>;
export function stripeEvent<T extends RefundEventType>(
  type: T,
  object: Stripe.Refund,
  opts?: EventOptions<Stripe.Refund>,
): EventOf<T>;
export function stripeEvent<T extends CreditNoteEventType>(
  type: T,
  object: Stripe.CreditNote,
  opts?: EventOptions<Stripe.CreditNote>,
): EventOf<T>;
export function stripeEvent<T extends DisputeEventType>(
  type: T,
  object: Stripe.Dispute,
  opts?: EventOptions<Stripe.Dispute>,
): EventOf<T>;
export function stripeEvent<T extends PayoutEventType>(
  type: T,
  object: Stripe.Payout,
  opts?: EventOptions<Stripe.Payout>,
): EventOf<T>;
export function stripeEvent<T extends PaymentIntentEventType>(
  type: T,
  object: Stripe.PaymentIntent,
  opts?: EventOptions<Stripe.PaymentIntent>,
): EventOf<T>;
export function stripeEvent(
  type: SupportedEventType,
  object: EventObject,
  opts: EventOptions<object> = {},
): Stripe.Event {
  const seed = opts.seed ?? `${type}:${object.id}`;
  const head = eventHead(type, object, seed, opts);
  const delivery = eventDelivery(seed, opts);
  const previous = opts.previousAttributes;
  // One branch per object kind: each proves to the compiler that this (type, object) pair is a real event.
  if (object.object === 'invoice' && isInvoiceEventType(type))
    return { ...head, data: eventData(object, previous), ...delivery, type };
  if (object.object === 'customer' && isCustomerEventType(type))
    return { ...head, data: eventData(object, previous), ...delivery, type };
  if (object.object === 'charge' && isChargeEventType(type))
    return { ...head, data: eventData(object, previous), ...delivery, type };
  if (object.object === 'refund' && isRefundEventType(type))
    return { ...head, data: eventData(object, previous), ...delivery, type };
  if (object.object === 'credit_note' && isCreditNoteEventType(type))
    return { ...head, data: eventData(object, previous), ...delivery, type };
  if (object.object === 'dispute' && isDisputeEventType(type))
    return { ...head, data: eventData(object, previous), ...delivery, type };
  if (object.object === 'payout' && isPayoutEventType(type))
    return { ...head, data: eventData(object, previous), ...delivery, type };
  if (object.object === 'payment_intent' && isPaymentIntentEventType(type))
    return { ...head, data: eventData(object, previous), ...delivery, type };
  throw new TypeError(`a ${type} event cannot carry a ${object.object} object`);
}

/**
 * The webhook body exactly as Stripe sends it (pretty-printed JSON). Decimal fields
 * (`quantity_decimal`, `pricing.unit_amount_decimal`) serialise to strings here, which is also what
 * a handler sees after `stripe.webhooks.constructEvent` — the SDK does not revive them into Decimals.
 */
export function webhookPayload(event: Stripe.Event): string {
  return JSON.stringify(event, null, 2);
}
