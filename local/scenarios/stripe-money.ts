/**
 * Typed builders for the money side of Stripe (API version 2026-10-28.endive): payment intents,
 * charges, refunds, credit notes, disputes, payouts, balance transactions and invoice payments.
 *
 * As in stripe-events.ts, the `stripe` package's types are the contract: every builder returns the SDK
 * type without casting whole objects. Amounts are integers in minor units; a balance transaction's
 * `net` is always `amount − fee`, and a payout's amount is always the sum of the nets it sweeps.
 *
 * Fees (what Stripe charges the seller, rounded half up per transaction):
 *   US cards       2.9% + 30¢
 *   EEA cards      1.5% + €0.25
 *   SEPA Debit     0.8%, capped at €5.00
 *   dispute        a flat fee (e.g. $15.00) on the dispute's withdrawal
 *   refunds        no fee, and the original processing fee is not returned
 *
 * Balance transactions carry one internal field, `_payout` (the payout that swept them, or null while
 * they sit in the balance): the local Stripe sandbox strips `_` fields from responses and uses it to
 * answer `balance_transactions.list({ payout })`. `SandboxBalanceTransaction` says so in the type.
 */
import Stripe from 'stripe';
import {
  type AccountSpec,
  type CustomerSpec,
  DAY,
  DEFAULT_ACCOUNT,
  type TaxRateSpec,
  percentOf,
  seededBase62,
  stripeId,
} from './stripe-events';

// ───────────────────────────── fees ─────────────────────────────

export type FeeSchedule = 'us_card' | 'eu_card' | 'sepa_debit';

/** Stripe's processing fee for a successful payment of `amount` (minor units) on the given schedule. */
export function processingFee(amount: number, schedule: FeeSchedule): number {
  switch (schedule) {
    case 'us_card':
      return percentOf(amount, 2.9) + 30;
    case 'eu_card':
      return percentOf(amount, 1.5) + 25;
    case 'sepa_debit':
      return Math.min(percentOf(amount, 0.8), 500);
  }
}

/**
 * Days until a payment's funds become available (the "rolling" payout delay). Illustrative: US cards
 * settle in 2 days, EEA cards in 3, SEPA Direct Debit only after the 7-day return window's first part.
 */
export const AVAILABILITY_DAYS: Readonly<Record<FeeSchedule, number>> = {
  us_card: 2,
  eu_card: 3,
  sepa_debit: 7,
};

/** 00:00 UTC of the day `days` after `at` — Stripe reports `available_on` / `arrival_date` at midnight UTC. */
export function midnightAfter(at: number, days: number): number {
  return Math.floor(at / DAY) * DAY + days * DAY;
}

// ───────────────────────────── payment methods ─────────────────────────────

export interface CardSpec {
  kind: 'card';
  /** The PaymentMethod (`pm_…`). */
  id: string;
  brand: 'visa' | 'mastercard' | 'amex';
  last4: string;
  /** Issuing country; decides the fee schedule (US vs EEA pricing). */
  country: string;
  expMonth: number;
  expYear: number;
  funding: 'credit' | 'debit';
  fees: 'us_card' | 'eu_card';
}

export interface SepaDebitSpec {
  kind: 'sepa_debit';
  id: string;
  bankCode: string;
  country: string;
  last4: string;
  /** The SEPA mandate (`mandate_…`) the customer signed. */
  mandate: string;
}

export type PaymentMethodSpec = CardSpec | SepaDebitSpec;

export const feeScheduleOf = (method: PaymentMethodSpec): FeeSchedule =>
  method.kind === 'sepa_debit' ? 'sepa_debit' : method.fees;

const fingerprint = (method: PaymentMethodSpec) => seededBase62(`fingerprint:${method.id}`, 16);

/** Deterministic decimal digits (card last4, acquirer reference numbers). */
export function seededDigits(seed: string, length: number): string {
  return [...seededBase62(`digits:${seed}`, length)].map((c) => String(c.charCodeAt(0) % 10)).join('');
}

function cardDetails(card: CardSpec, amount: number, chargeId: string): Stripe.Charge.PaymentMethodDetails {
  return {
    card: {
      amount_authorized: amount,
      authorization_code: seededBase62(`auth:${chargeId}`, 6).toUpperCase(),
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: 'pass', cvc_check: null },
      country: card.country,
      electronic_commerce_indicator: null,
      exp_month: card.expMonth,
      exp_year: card.expYear,
      fingerprint: fingerprint(card),
      funding: card.funding,
      installments: null,
      last4: card.last4,
      mandate: null,
      network: card.brand,
      network_token: { used: false },
      network_transaction_id: seededBase62(`ntid:${chargeId}`, 15).toUpperCase(),
      regulated_status: 'unregulated',
      three_d_secure: null,
      transaction_link_id: null,
      wallet: null,
    },
    type: 'card',
  };
}

function sepaDetails(sepa: SepaDebitSpec): Stripe.Charge.PaymentMethodDetails {
  return {
    sepa_debit: {
      bank_code: sepa.bankCode,
      branch_code: null,
      country: sepa.country,
      fingerprint: fingerprint(sepa),
      last4: sepa.last4,
      mandate: sepa.mandate,
    },
    type: 'sepa_debit',
  };
}

// ───────────────────────────── balance transactions ─────────────────────────────

/** A balance transaction as the local sandbox stores it: the public object plus the payout that swept it. */
export type SandboxBalanceTransaction = Stripe.BalanceTransaction & { _payout: string | null };

export interface FeeLine {
  amount: number;
  description: string;
}

export interface BalanceTransactionSpec {
  id: string;
  type: Stripe.BalanceTransaction.Type;
  /** Stripe's accounting grouping: charge, refund, refund_failure, dispute, dispute_reversal, payout, … */
  reportingCategory: string;
  /** Signed gross amount: positive into the balance, negative out of it. */
  amount: number;
  /** Stripe fees on this transaction (all `stripe_fee`); negative when a fee is given back. */
  fees?: readonly FeeLine[];
  currency: string;
  created: number;
  availableOn: number;
  source: string;
  description: string | null;
  /** The payout that swept this transaction; null while it is still in the Stripe balance. */
  payout: string | null;
  /** When the sandbox's "now" is; transactions not yet available by then are `pending`. Defaults to available. */
  asOf?: number;
}

export function balanceTransactionObject(spec: BalanceTransactionSpec): SandboxBalanceTransaction {
  if (!Number.isSafeInteger(spec.amount)) throw new RangeError(`amount must be an integer: ${spec.amount}`);
  const fees = spec.fees ?? [];
  const fee = fees.reduce((acc, f) => acc + f.amount, 0);
  const currency = spec.currency.toLowerCase();
  return {
    id: spec.id,
    object: 'balance_transaction',
    amount: spec.amount,
    available_on: spec.availableOn,
    balance_type: 'payments',
    created: spec.created,
    currency,
    description: spec.description,
    // Same-currency settlement: nothing was converted.
    exchange_rate: null,
    fee,
    fee_details: fees.map((f) => ({
      amount: f.amount,
      application: null,
      currency,
      description: f.description,
      type: 'stripe_fee',
    })),
    net: spec.amount - fee,
    reporting_category: spec.reportingCategory,
    source: spec.source,
    status: spec.asOf !== undefined && spec.availableOn > spec.asOf ? 'pending' : 'available',
    type: spec.type,
    _payout: spec.payout,
  };
}

/** The balance transaction as the API returns it (embedded in disputes, or after the sandbox strips `_` fields). */
export function publicBalanceTransaction(bt: SandboxBalanceTransaction): Stripe.BalanceTransaction {
  const { _payout, ...visible } = bt;
  return visible;
}

// ───────────────────────────── payment intents, charges, invoice payments ─────────────────────────────

/** Ids of everything one payment creates, derived from one seed so they can be referenced before they exist. */
export function paymentIds(seed: string) {
  return {
    paymentIntent: stripeId('pi', seed),
    charge: stripeId('ch', seed),
    balanceTransaction: stripeId('txn', `charge:${seed}`),
    invoicePayment: stripeId('inpay', seed),
  };
}

export interface PaymentOptions {
  /** Seed for the ids (`pi_…`, `ch_…`, `txn_…`, `inpay_…`), see paymentIds. */
  seed: string;
  customer: CustomerSpec;
  amount: number;
  currency: string;
  method: PaymentMethodSpec;
  /** When the payment was initiated (card: authorized and captured; SEPA: the debit was submitted). */
  created: number;
  /** Billing's description of the attempt: "Subscription creation", "Subscription update", "Payment for Invoice". */
  description: string | null;
  account?: AccountSpec;
}

/** A succeeded, automatically captured PaymentIntent — the minimum Billing leaves behind for an invoice payment. */
export function paymentIntentObject(opts: PaymentOptions): Stripe.PaymentIntent {
  const ids = paymentIds(opts.seed);
  return {
    id: ids.paymentIntent,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: opts.amount,
    amount_capturable: 0,
    amount_received: opts.amount,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${ids.paymentIntent}_secret_${seededBase62(`secret:${opts.seed}`, 25)}`,
    confirmation_method: 'automatic',
    created: opts.created,
    currency: opts.currency.toLowerCase(),
    customer: opts.customer.id,
    customer_account: null,
    description: opts.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: ids.charge,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: opts.method.id,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: [opts.method.kind],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: 'off_session',
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_group: null,
  };
}

export interface ChargeOptions extends PaymentOptions {
  /** Refunds issued against the charge so far, in creation order (any status). */
  refunds?: readonly Stripe.Refund[];
  /** Whether a dispute was opened on the charge. */
  disputed?: boolean;
}

/** Refunded money: what is out or on its way out. Failed and canceled refunds returned theirs. */
export const refundedAmount = (refunds: readonly Stripe.Refund[]): number =>
  refunds.filter((r) => r.status === 'succeeded' || r.status === 'pending').reduce((a, r) => a + r.amount, 0);

function checkRefunds(chargeId: string, amount: number, refunds: readonly Stripe.Refund[]): number {
  for (const r of refunds) {
    if (r.charge !== chargeId)
      throw new Error(`refund ${r.id} belongs to ${String(r.charge)}, not ${chargeId}`);
  }
  const refunded = refundedAmount(refunds);
  if (refunded > amount) throw new RangeError(`charge ${chargeId} refunded ${refunded} of ${amount}`);
  return refunded;
}

/** A succeeded `Stripe.Charge` with its balance transaction id, refunds (expanded) and dispute flag. */
export function chargeObject(opts: ChargeOptions): Stripe.Charge {
  const ids = paymentIds(opts.seed);
  const account = opts.account ?? DEFAULT_ACCOUNT;
  const refunds = opts.refunds ?? [];
  const amountRefunded = checkRefunds(ids.charge, opts.amount, refunds);
  const customer = opts.customer;
  return {
    id: ids.charge,
    object: 'charge',
    amount: opts.amount,
    amount_captured: opts.amount,
    amount_refunded: amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: ids.balanceTransaction,
    billing_details: {
      address: customer.address ?? null,
      email: customer.email,
      name: customer.name,
      phone: customer.phone ?? null,
      tax_id: null,
    },
    calculated_statement_descriptor: account.name
      .replace(/[^A-Za-z0-9 ]/g, '')
      .toUpperCase()
      .slice(0, 22),
    captured: true,
    created: opts.created,
    currency: opts.currency.toLowerCase(),
    customer: customer.id,
    description: opts.description,
    disputed: opts.disputed ?? false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 10 + (Number(seededDigits(`risk:${opts.seed}`, 2)) % 40),
      seller_message: 'Payment complete.',
      type: 'authorized',
    },
    paid: true,
    payment_intent: ids.paymentIntent,
    payment_method: opts.method.id,
    payment_method_details:
      opts.method.kind === 'card'
        ? cardDetails(opts.method, opts.amount, ids.charge)
        : sepaDetails(opts.method),
    receipt_email: null,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/${seededBase62(`receipt:${opts.seed}`, 88)}`,
    refunded: amountRefunded === opts.amount,
    refunds: {
      object: 'list',
      data: [...refunds].reverse(), // newest first, like every Stripe list
      has_more: false,
      url: `/v1/charges/${ids.charge}/refunds`,
    },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

export interface ChargeBalanceOptions {
  /** When the funds landed in the balance (the charge's success). */
  created: number;
  payout: string | null;
  asOf?: number;
}

/** The `charge` balance transaction: gross in, the processing fee out, available after the rolling delay. */
export function chargeBalanceTransaction(
  opts: PaymentOptions,
  balance: ChargeBalanceOptions,
): SandboxBalanceTransaction {
  const ids = paymentIds(opts.seed);
  const schedule = feeScheduleOf(opts.method);
  return balanceTransactionObject({
    id: ids.balanceTransaction,
    type: 'charge',
    reportingCategory: 'charge',
    amount: opts.amount,
    fees: [{ amount: processingFee(opts.amount, schedule), description: 'Stripe processing fees' }],
    currency: opts.currency,
    created: balance.created,
    availableOn: midnightAfter(balance.created, AVAILABILITY_DAYS[schedule]),
    source: ids.charge,
    description: opts.description,
    payout: balance.payout,
    asOf: balance.asOf,
  });
}

/** The 2025+ link between an invoice and the PaymentIntent that paid it (charges no longer name invoices). */
export function invoicePaymentObject(opts: PaymentOptions, invoice: Stripe.Invoice): Stripe.InvoicePayment {
  const ids = paymentIds(opts.seed);
  const paidAt = invoice.status_transitions.paid_at;
  if (invoice.status !== 'paid' || paidAt === null) throw new Error(`invoice ${invoice.id} is not paid`);
  if (invoice.amount_paid !== opts.amount) throw new RangeError(`payment ≠ amount paid on ${invoice.id}`);
  return {
    id: ids.invoicePayment,
    object: 'invoice_payment',
    amount_paid: opts.amount,
    amount_requested: opts.amount,
    created: invoice.status_transitions.finalized_at ?? invoice.created,
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { payment_intent: ids.paymentIntent, type: 'payment_intent' },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: paidAt },
  };
}

// ───────────────────────────── refunds ─────────────────────────────

export const refundIds = (seed: string) => ({
  refund: stripeId('re', seed),
  balanceTransaction: stripeId('txn', `refund:${seed}`),
  failureBalanceTransaction: stripeId('txn', `refund_failure:${seed}`),
});

export interface RefundOptions {
  seed: string;
  /** The charge being refunded (any rendering: only its ids, currency and customer are read). */
  charge: Stripe.Charge;
  amount: number;
  created: number;
  status: 'pending' | 'succeeded' | 'failed';
  /** Required for failed refunds: lost_or_stolen_card, expired_or_canceled_card, declined, unknown, … */
  failureReason?: string;
  reason?: Stripe.Refund.Reason | null;
  metadata?: Record<string, string>;
}

function refundDestination(
  charge: Stripe.Charge,
  seed: string,
): Stripe.Refund.DestinationDetails | undefined {
  if (charge.payment_method_details?.type !== 'card') return undefined;
  return {
    card: {
      reference: seededDigits(`arn:${seed}`, 23),
      reference_status: 'available',
      reference_type: 'acquirer_reference_number',
      type: 'refund',
    },
    type: 'card',
  };
}

/** A `Stripe.Refund` of part or all of a charge; a failed one names its failure balance transaction. */
export function refundObject(opts: RefundOptions): Stripe.Refund {
  const ids = refundIds(opts.seed);
  const failed = opts.status === 'failed';
  if (failed !== (opts.failureReason !== undefined))
    throw new Error(`refund ${opts.seed}: failure_reason goes with, and only with, status failed`);
  if (!Number.isSafeInteger(opts.amount) || opts.amount <= 0 || opts.amount > opts.charge.amount)
    throw new RangeError(`refund ${opts.seed} must be within 1…${opts.charge.amount}, got ${opts.amount}`);
  const destination = refundDestination(opts.charge, opts.seed);
  return {
    id: ids.refund,
    object: 'refund',
    amount: opts.amount,
    balance_transaction: ids.balanceTransaction,
    charge: opts.charge.id,
    created: opts.created,
    currency: opts.charge.currency,
    customer: opts.charge.customer,
    customer_account: null,
    ...(destination ? { destination_details: destination } : {}),
    ...(failed ? { failure_balance_transaction: ids.failureBalanceTransaction } : {}),
    ...(opts.failureReason !== undefined ? { failure_reason: opts.failureReason } : {}),
    metadata: { ...(opts.metadata ?? {}) },
    payment_intent: opts.charge.payment_intent,
    payment_method: opts.charge.payment_method,
    reason: opts.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: opts.status,
    transfer_reversal: null,
  };
}

export interface RefundBalanceOptions {
  payout: string | null;
  /** For failed refunds: when the money came back, and which payout swept that. */
  failedAt?: number;
  failurePayout?: string | null;
  asOf?: number;
}

/**
 * The refund's balance transactions: the debit when it was issued (no fee, and the charge's fee is not
 * returned), plus — when it failed — the adjustment that puts the money back (reporting category
 * `refund_failure`).
 */
export function refundBalanceTransactions(
  refund: Stripe.Refund,
  balance: RefundBalanceOptions,
): SandboxBalanceTransaction[] {
  if (typeof refund.balance_transaction !== 'string')
    throw new Error(`refund ${refund.id} has no balance transaction`);
  const common = { currency: refund.currency, source: refund.id, asOf: balance.asOf };
  const issued = balanceTransactionObject({
    ...common,
    id: refund.balance_transaction,
    type: 'refund',
    reportingCategory: 'refund',
    amount: -refund.amount,
    created: refund.created,
    availableOn: refund.created,
    description: `REFUND FOR CHARGE (${String(refund.charge)})`,
    payout: balance.payout,
  });
  if (refund.status !== 'failed') return [issued];
  if (balance.failedAt === undefined || typeof refund.failure_balance_transaction !== 'string')
    throw new Error(`failed refund ${refund.id} needs failedAt and a failure balance transaction`);
  const returned = balanceTransactionObject({
    ...common,
    id: refund.failure_balance_transaction,
    type: 'adjustment',
    reportingCategory: 'refund_failure',
    amount: refund.amount,
    created: balance.failedAt,
    availableOn: balance.failedAt,
    description: `Refund failure for ${String(refund.charge)}`,
    payout: balance.failurePayout ?? null,
  });
  return [issued, returned];
}

// ───────────────────────────── credit notes ─────────────────────────────

export interface CreditNoteLineSpec {
  /** The invoice line being credited (`il_…`); its unit price, discount and tax rate are reused. */
  invoiceLine: Stripe.InvoiceLineItem;
  /** How many of the line's units to credit. */
  quantity: number;
  /** Required when the invoice line was taxed: the same rate, so the credit reverses the same tax. */
  taxRate?: TaxRateSpec;
  description?: string;
}

export interface CreditNoteOptions {
  seed: string;
  /** The invoice as it stood when the credit note was issued (its amount_remaining splits pre/post payment). */
  invoice: Stripe.Invoice;
  lines: readonly CreditNoteLineSpec[];
  created: number;
  /** Credit note number on this invoice (→ `${invoice.number}-CN-01`). */
  sequence?: number;
  reason?: Stripe.CreditNote.Reason | null;
  memo?: string | null;
  /**
   * Post-payment: refunds that pay the credit back (`refunds[]`). One entry may omit `amount`: it then
   * takes whatever the post-payment amount leaves (what `refund_amount` on create does).
   */
  refunds?: ReadonlyArray<{ refund: string; amount?: number }>;
  /** Post-payment: the part settled outside Stripe (e.g. a bank transfer). */
  outOfBandAmount?: number;
  /** When set, the credit note was voided then (status `void`). */
  voidedAt?: number;
  account?: AccountSpec;
}

/** round½↑(value × numerator / denominator) for non-negative integers: a proportional share of a line. */
function share(value: number, numerator: number, denominator: number): number {
  return Number((2n * BigInt(value) * BigInt(numerator) + BigInt(denominator)) / (2n * BigInt(denominator)));
}

interface BuiltCreditLine {
  item: Stripe.CreditNoteLineItem;
  amount: number;
  discount: number;
  tax: number;
}

function unitAmountOf(line: Stripe.InvoiceLineItem): number {
  const unit = Number(String(line.pricing?.unit_amount_decimal ?? NaN));
  if (!Number.isSafeInteger(unit) || unit < 0)
    throw new RangeError(`line ${line.id} has no integer unit price`);
  return unit;
}

function creditTaxes(net: number, spec: CreditNoteLineSpec): Stripe.CreditNoteLineItem.Tax[] {
  const invoiceRates = (spec.invoiceLine.taxes ?? []).map((t) => t.tax_rate_details?.tax_rate);
  if (invoiceRates.length === 0) return [];
  if (!spec.taxRate || invoiceRates.length !== 1 || invoiceRates[0] !== spec.taxRate.id)
    throw new Error(
      `credit of ${spec.invoiceLine.id} must name the line's tax rate ${String(invoiceRates[0])}`,
    );
  return [
    {
      amount: percentOf(net, spec.taxRate.percent),
      tax_behavior: 'exclusive',
      tax_rate_details: { tax_rate: spec.taxRate.id },
      taxability_reason: 'not_available',
      taxable_amount: net,
      type: 'tax_rate_details',
    },
  ];
}

function buildCreditLine(spec: CreditNoteLineSpec, index: number, seed: string): BuiltCreditLine {
  const line = spec.invoiceLine;
  const lineQuantity = line.quantity ?? 1;
  if (!Number.isSafeInteger(spec.quantity) || spec.quantity <= 0 || spec.quantity > lineQuantity)
    throw new RangeError(`cannot credit ${spec.quantity} of ${lineQuantity} units of ${line.id}`);
  const unit = unitAmountOf(line);
  const amount = unit * spec.quantity;
  // The invoice line's discount, given back pro rata to the units credited.
  const discounts = (line.discount_amounts ?? []).map((d) => ({
    amount: share(d.amount, spec.quantity, lineQuantity),
    discount: typeof d.discount === 'string' ? d.discount : d.discount.id,
  }));
  const discount = discounts.reduce((a, d) => a + d.amount, 0);
  const taxes = creditTaxes(amount - discount, spec);
  const item: Stripe.CreditNoteLineItem = {
    id: stripeId('cnli', `${seed}:${index}`),
    object: 'credit_note_line_item',
    amount,
    description: spec.description ?? line.description,
    discount_amount: discount,
    discount_amounts: discounts,
    invoice_line_item: line.id,
    livemode: false,
    metadata: {},
    pretax_credit_amounts: discounts.map((d) => ({ ...d, type: 'discount' })),
    quantity: spec.quantity,
    tax_rates: [],
    taxes,
    type: 'invoice_line_item',
    unit_amount: unit,
    unit_amount_decimal: Stripe.Decimal.from(String(unit)),
  };
  return { item, amount, discount, tax: taxes.reduce((a, t) => a + t.amount, 0) };
}

function aggregateCreditTaxes(lines: readonly Stripe.CreditNoteLineItem[]): Stripe.CreditNote.TotalTax[] {
  const byRate = new Map<string, Stripe.CreditNote.TotalTax>();
  for (const tax of lines.flatMap((l) => l.taxes ?? [])) {
    const rate = tax.tax_rate_details?.tax_rate ?? 'none';
    const seen = byRate.get(rate);
    byRate.set(rate, {
      ...tax,
      amount: (seen?.amount ?? 0) + tax.amount,
      taxable_amount: (seen?.taxable_amount ?? 0) + (tax.taxable_amount ?? 0),
    });
  }
  return [...byRate.values()];
}

function aggregateCreditDiscounts(
  lines: readonly Stripe.CreditNoteLineItem[],
): Stripe.CreditNote.DiscountAmount[] {
  const byDiscount = new Map<string, number>();
  for (const d of lines.flatMap((l) => l.discount_amounts)) {
    const id = typeof d.discount === 'string' ? d.discount : d.discount.id;
    byDiscount.set(id, (byDiscount.get(id) ?? 0) + d.amount);
  }
  return [...byDiscount].map(([discount, amount]) => ({ amount, discount }));
}

/**
 * How Stripe splits a credit note: it first lowers what is still due on the invoice (pre-payment),
 * the rest (post-payment) must be refunded, credited or settled out of band — exactly.
 */
function creditSplit(opts: CreditNoteOptions, total: number) {
  const prePayment = Math.min(total, opts.invoice.amount_remaining);
  const postPayment = total - prePayment;
  const outOfBand = opts.outOfBandAmount ?? 0;
  const refunds = refundAllocations(opts, postPayment - outOfBand);
  const refunded = refunds.reduce((a, r) => a + r.amount, 0);
  if (refunded + outOfBand !== postPayment)
    throw new RangeError(
      `credit note ${opts.seed}: refunds ${refunded} + out of band ${outOfBand} ≠ ${postPayment}`,
    );
  const type: Stripe.CreditNote.Type =
    prePayment > 0 && postPayment > 0 ? 'mixed' : postPayment > 0 ? 'post_payment' : 'pre_payment';
  return { prePayment, postPayment, outOfBand, refunds, type };
}

/** Resolves the one refund allowed to omit its amount to what the others leave of `toRefund`. */
function refundAllocations(
  opts: CreditNoteOptions,
  toRefund: number,
): Array<{ refund: string; amount: number }> {
  const refunds = opts.refunds ?? [];
  const open = refunds.filter((r) => r.amount === undefined);
  if (open.length > 1) throw new Error(`credit note ${opts.seed}: only one refund may take the remainder`);
  const fixed = refunds.reduce((a, r) => a + (r.amount ?? 0), 0);
  return refunds.map((r) => ({ refund: r.refund, amount: r.amount ?? toRefund - fixed }));
}

/** A `Stripe.CreditNote` crediting units of invoice lines, with Stripe's totals and pre/post-payment split. */
export function creditNoteObject(opts: CreditNoteOptions): Stripe.CreditNote {
  const invoice = opts.invoice;
  if (!['open', 'paid'].includes(invoice.status ?? ''))
    throw new Error(`cannot credit a ${invoice.status} invoice`);
  if (invoice.customer === null) throw new Error(`invoice ${invoice.id} has no customer to credit`);
  const id = stripeId('cn', opts.seed);
  const account = opts.account ?? DEFAULT_ACCOUNT;
  const built = opts.lines.map((spec, i) => buildCreditLine(spec, i, opts.seed));
  const lines = built.map((b) => b.item);
  const subtotal = built.reduce((a, b) => a + b.amount, 0);
  const discount = built.reduce((a, b) => a + b.discount, 0);
  const total = subtotal - discount + built.reduce((a, b) => a + b.tax, 0);
  const split = creditSplit(opts, total);
  const discounts = aggregateCreditDiscounts(lines);
  return {
    id,
    object: 'credit_note',
    amount: total,
    amount_shipping: 0,
    created: opts.created,
    currency: invoice.currency,
    customer: invoice.customer,
    customer_account: null,
    customer_balance_transaction: null,
    discount_amount: discount,
    discount_amounts: discounts,
    effective_at: opts.created,
    invoice: invoice.id,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/credit_notes/${id}/lines` },
    livemode: false,
    memo: opts.memo ?? null,
    metadata: {},
    number: `${invoice.number}-CN-${String(opts.sequence ?? 1).padStart(2, '0')}`,
    out_of_band_amount: split.outOfBand > 0 ? split.outOfBand : null,
    pdf: `https://pay.stripe.com/credit_notes/${account.id}/test_${seededBase62(`cn-pdf:${opts.seed}`, 64)}/pdf?s=ap`,
    post_payment_amount: split.postPayment,
    pre_payment_amount: split.prePayment,
    pretax_credit_amounts: discounts.map((d) => ({ ...d, type: 'discount' })),
    reason: opts.reason ?? null,
    refunds: split.refunds.map((r) => ({
      amount_refunded: r.amount,
      payment_record_refund: null,
      refund: r.refund,
      type: 'refund',
    })),
    shipping_cost: null,
    status: opts.voidedAt === undefined ? 'issued' : 'void',
    subtotal,
    subtotal_excluding_tax: subtotal,
    total,
    total_excluding_tax: subtotal - discount,
    total_taxes: aggregateCreditTaxes(lines),
    type: split.type,
    voided_at: opts.voidedAt ?? null,
  };
}

// ───────────────────────────── disputes ─────────────────────────────

export const disputeIds = (seed: string) => ({
  dispute: stripeId('dp', seed),
  withdrawal: stripeId('txn', `dispute:${seed}`),
  reinstatement: stripeId('txn', `dispute_reversal:${seed}`),
});

export interface DisputeOptions {
  seed: string;
  charge: Stripe.Charge;
  /** Defaults to the whole charge. */
  amount?: number;
  created: number;
  status: 'needs_response' | 'under_review' | 'won' | 'lost';
  /** fraudulent, product_not_received, subscription_canceled, … */
  reason: string;
  /** The network's dispute fee, taken with the withdrawal (e.g. 1500 = $15.00). */
  fee: number;
  evidenceDueBy: number;
  /** For won disputes: when the funds (and the fee) came back. */
  closedAt?: number;
  networkReasonCode?: string;
  payouts: { withdrawal: string | null; reinstatement?: string | null };
  asOf?: number;
}

export interface BuiltDispute {
  dispute: Stripe.Dispute;
  /** Withdrawal (amount + fee out), plus the reinstatement (amount + fee back) once won. */
  balanceTransactions: SandboxBalanceTransaction[];
}

function disputeBalanceTransactions(opts: DisputeOptions, amount: number): SandboxBalanceTransaction[] {
  const ids = disputeIds(opts.seed);
  const common = {
    currency: opts.charge.currency,
    source: ids.dispute,
    type: 'adjustment',
    asOf: opts.asOf,
  } as const;
  const withdrawal = balanceTransactionObject({
    ...common,
    id: ids.withdrawal,
    reportingCategory: 'dispute',
    amount: -amount,
    fees: [{ amount: opts.fee, description: 'Dispute fee' }],
    created: opts.created,
    availableOn: opts.created,
    description: `Chargeback withdrawal for ${opts.charge.id}`,
    payout: opts.payouts.withdrawal,
  });
  if (opts.status !== 'won') return [withdrawal];
  if (opts.closedAt === undefined) throw new Error(`won dispute ${opts.seed} needs closedAt`);
  const reinstatement = balanceTransactionObject({
    ...common,
    id: ids.reinstatement,
    reportingCategory: 'dispute_reversal',
    amount,
    // Winning returns the dispute fee too: a negative fee.
    fees: [{ amount: -opts.fee, description: 'Dispute fee refund' }],
    created: opts.closedAt,
    availableOn: opts.closedAt,
    description: `Chargeback reversal for ${opts.charge.id}`,
    payout: opts.payouts.reinstatement ?? null,
  });
  return [withdrawal, reinstatement];
}

const NO_EVIDENCE: Stripe.Dispute.Evidence = {
  access_activity_log: null,
  billing_address: null,
  cancellation_policy: null,
  cancellation_policy_disclosure: null,
  cancellation_rebuttal: null,
  customer_communication: null,
  customer_email_address: null,
  customer_name: null,
  customer_purchase_ip: null,
  customer_signature: null,
  duplicate_charge_documentation: null,
  duplicate_charge_explanation: null,
  duplicate_charge_id: null,
  enhanced_evidence: {},
  product_description: null,
  receipt: null,
  refund_policy: null,
  refund_policy_disclosure: null,
  refund_refusal_explanation: null,
  service_date: null,
  service_documentation: null,
  shipping_address: null,
  shipping_carrier: null,
  shipping_date: null,
  shipping_documentation: null,
  shipping_tracking_number: null,
  uncategorized_file: null,
  uncategorized_text: null,
};

/** A card `Stripe.Dispute` with its balance transactions embedded (as the API returns them). */
export function disputeObject(opts: DisputeOptions): BuiltDispute {
  const amount = opts.amount ?? opts.charge.amount;
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > opts.charge.amount)
    throw new RangeError(`dispute ${opts.seed} must be within 1…${opts.charge.amount}`);
  const balanceTransactions = disputeBalanceTransactions(opts, amount);
  const card = opts.charge.payment_method_details?.card;
  const submitted = opts.status === 'under_review' || opts.status === 'won';
  const dispute: Stripe.Dispute = {
    id: disputeIds(opts.seed).dispute,
    object: 'dispute',
    amount,
    balance_transactions: balanceTransactions.map(publicBalanceTransaction),
    charge: opts.charge.id,
    created: opts.created,
    currency: opts.charge.currency,
    enhanced_eligibility_types: [],
    evidence: NO_EVIDENCE,
    evidence_details: {
      due_by: opts.evidenceDueBy,
      enhanced_eligibility: {},
      has_evidence: submitted,
      past_due: false,
      submission_count: submitted ? 1 : 0,
      submission_method: submitted ? 'manual' : 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    network_reason_code: opts.networkReasonCode ?? null,
    payment_intent: opts.charge.payment_intent,
    payment_method_details: {
      card: {
        brand: card?.brand ?? 'unknown',
        case_type: 'chargeback',
        network: card?.network ?? 'unknown',
        network_reason_code: opts.networkReasonCode ?? null,
      },
      type: 'card',
    },
    reason: opts.reason,
    status: opts.status,
  };
  return { dispute, balanceTransactions };
}

// ───────────────────────────── payouts ─────────────────────────────

export const payoutIds = (seed: string) => ({
  payout: stripeId('po', seed),
  balanceTransaction: stripeId('txn', `payout:${seed}`),
  failureBalanceTransaction: stripeId('txn', `payout_failure:${seed}`),
});

export interface PayoutOptions {
  seed: string;
  currency: string;
  created: number;
  arrivalDate: number;
  status: 'paid' | 'failed';
  /** Every balance transaction the payout sweeps; each must already name this payout in `_payout`. */
  transactions: readonly SandboxBalanceTransaction[];
  /** The bank account (`ba_…`) it was sent to. */
  destination: string;
  /** For failed payouts: the bank's reason, and when the money came back to the balance. */
  failure?: { code: string; message: string; at: number };
  asOf?: number;
}

export interface BuiltPayout {
  payout: Stripe.Payout;
  /** The payout's own debit (`type: payout`), plus the `payout_failure` credit when the bank returned it. */
  balanceTransactions: SandboxBalanceTransaction[];
}

function checkSwept(opts: PayoutOptions, payoutId: string): number {
  for (const bt of opts.transactions) {
    if (bt._payout !== payoutId) throw new Error(`${bt.id} is not marked as swept by ${payoutId}`);
    if (bt.currency !== opts.currency)
      throw new Error(`${bt.id} is ${bt.currency}, the payout ${opts.currency}`);
  }
  const amount = opts.transactions.reduce((a, bt) => a + bt.net, 0);
  if (amount <= 0) throw new RangeError(`payout ${opts.seed} would be ${amount}: nothing to pay out`);
  return amount;
}

function payoutBalanceTransactions(opts: PayoutOptions, amount: number): SandboxBalanceTransaction[] {
  const ids = payoutIds(opts.seed);
  const common = { currency: opts.currency, source: ids.payout, asOf: opts.asOf } as const;
  const sent = balanceTransactionObject({
    ...common,
    id: ids.balanceTransaction,
    type: 'payout',
    reportingCategory: 'payout',
    amount: -amount,
    created: opts.created,
    availableOn: opts.created,
    description: 'STRIPE PAYOUT',
    // Listing a payout's transactions returns the payout's own debit too.
    payout: ids.payout,
  });
  if (opts.status !== 'failed') return [sent];
  if (!opts.failure) throw new Error(`failed payout ${opts.seed} needs a failure`);
  const returned = balanceTransactionObject({
    ...common,
    id: ids.failureBalanceTransaction,
    type: 'payout_failure',
    reportingCategory: 'payout_reversal',
    amount,
    created: opts.failure.at,
    availableOn: opts.failure.at,
    description: `Payout failure: ${opts.failure.message}`,
    // Back in the balance: the next payout picks it up.
    payout: null,
  });
  return [sent, returned];
}

/** An automatic `Stripe.Payout` whose amount is exactly the net of the balance transactions it sweeps. */
export function payoutObject(opts: PayoutOptions): BuiltPayout {
  const ids = payoutIds(opts.seed);
  const amount = checkSwept(opts, ids.payout);
  const failed = opts.status === 'failed';
  const payout: Stripe.Payout = {
    id: ids.payout,
    object: 'payout',
    amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: opts.arrivalDate,
    automatic: true,
    balance_transaction: ids.balanceTransaction,
    created: opts.created,
    currency: opts.currency.toLowerCase(),
    description: 'STRIPE PAYOUT',
    destination: opts.destination,
    failure_balance_transaction: failed ? ids.failureBalanceTransaction : null,
    failure_code: opts.failure?.code ?? null,
    failure_message: opts.failure?.message ?? null,
    livemode: false,
    metadata: {},
    method: 'standard',
    original_payout: null,
    payout_method: null,
    reconciliation_status: 'completed',
    reversed_by: null,
    source_type: 'card',
    statement_descriptor: null,
    status: opts.status,
    trace_id: failed
      ? { status: 'unsupported', value: null }
      : { status: 'supported', value: seededBase62(`trace:${opts.seed}`, 15).toUpperCase() },
    type: 'bank_account',
  };
  return { payout, balanceTransactions: payoutBalanceTransactions(opts, amount) };
}
