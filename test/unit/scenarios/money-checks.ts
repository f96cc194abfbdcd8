/**
 * Invariants of Stripe's money objects, checked with arithmetic independent of the builders (Stripe's
 * own arbitrary-precision Decimal for fees): shared by the fixture and month-scenario tests.
 */
import Stripe from 'stripe';
import type { SandboxBalanceTransaction } from '../../../local/scenarios/stripe-money';

const { Decimal } = Stripe;

/** round half up (amount × percent / 100), in Decimal. */
export function portion(amount: number, percent: string): number {
  return Decimal.from(amount).mul(Decimal.from(percent)).div(Decimal.from(100), 0, 'half-up').toNumber();
}

/** The processing fee Stripe charges for a charge, from its payment method (US card / EEA card / SEPA). */
export function expectedFee(charge: Stripe.Charge): number {
  const details = charge.payment_method_details;
  if (details?.type === 'sepa_debit') return Math.min(portion(charge.amount, '0.8'), 500);
  if (details?.card?.country === 'US') return portion(charge.amount, '2.9') + 30;
  return portion(charge.amount, '1.5') + 25;
}

export const sum = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0);
export const idOf = (ref: string | { id: string } | null | undefined): string | undefined =>
  ref === null || ref === undefined ? undefined : typeof ref === 'string' ? ref : ref.id;

export function expectBalanceTransactionConsistent(bt: Stripe.BalanceTransaction): void {
  expect(bt.id).toMatch(/^txn_/);
  expect(Number.isSafeInteger(bt.amount)).toBe(true);
  expect(bt.net).toBe(bt.amount - bt.fee);
  expect(bt.fee).toBe(sum(bt.fee_details.map((f) => f.amount)));
  for (const f of bt.fee_details) expect(f).toMatchObject({ type: 'stripe_fee', currency: bt.currency });
  expect(bt.exchange_rate).toBeNull();
  expect(bt.currency).toBe(bt.currency.toLowerCase());
  // Charges become available after the rolling delay, at midnight UTC; debits and adjustments at once.
  if (bt.type === 'charge') expect(bt.available_on % 86_400).toBe(0);
  if (bt.type === 'charge') expect(bt.available_on).toBeGreaterThan(bt.created);
  else expect(bt.available_on).toBe(bt.created);
}

/** A charge against its balance transaction: same gross, the right fee, refunds that add up. */
export function expectChargeConsistent(charge: Stripe.Charge, bt: Stripe.BalanceTransaction): void {
  expectBalanceTransactionConsistent(bt);
  expect(idOf(charge.balance_transaction)).toBe(bt.id);
  expect(bt).toMatchObject({ type: 'charge', reporting_category: 'charge', source: charge.id });
  expect(bt.amount).toBe(charge.amount);
  expect(bt.currency).toBe(charge.currency);
  expect(bt.fee).toBe(expectedFee(charge));
  expect(charge).toMatchObject({ status: 'succeeded', paid: true, captured: true });
  expect(charge.amount_captured).toBe(charge.amount);
  const refunds = charge.refunds?.data ?? [];
  const outstanding = refunds.filter((r) => r.status === 'succeeded' || r.status === 'pending');
  expect(charge.amount_refunded).toBe(sum(outstanding.map((r) => r.amount)));
  expect(charge.amount_refunded).toBeLessThanOrEqual(charge.amount);
  expect(charge.refunded).toBe(charge.amount_refunded === charge.amount);
  for (const r of refunds) expect(idOf(r.charge)).toBe(charge.id);
}

export function expectRefundConsistent(refund: Stripe.Refund, charge: Stripe.Charge): void {
  expect(refund.id).toMatch(/^re_/);
  expect(idOf(refund.charge)).toBe(charge.id);
  expect(idOf(refund.payment_intent)).toBe(idOf(charge.payment_intent));
  expect(refund.currency).toBe(charge.currency);
  expect(refund.amount).toBeGreaterThan(0);
  expect(refund.amount).toBeLessThanOrEqual(charge.amount);
  if (refund.status === 'failed') {
    expect(refund.failure_reason).toEqual(expect.any(String));
    expect(idOf(refund.failure_balance_transaction)).toMatch(/^txn_/);
  } else {
    expect(refund.failure_reason).toBeUndefined();
    expect(refund.failure_balance_transaction).toBeUndefined();
  }
}

/** Credit note totals = Σ lines − discounts + tax, split exactly into pre- and post-payment. */
export function expectCreditNoteConsistent(cn: Stripe.CreditNote): void {
  const lines = cn.lines.data;
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line.type).toBe('invoice_line_item');
    expect(line.invoice_line_item).toMatch(/^il_/);
    expect(line.amount).toBe((line.unit_amount ?? NaN) * (line.quantity ?? NaN));
    expect(String(line.unit_amount_decimal)).toBe(String(line.unit_amount));
    expect(line.discount_amount).toBe(sum(line.discount_amounts.map((d) => d.amount)));
    for (const tax of line.taxes ?? []) expect(tax.taxable_amount).toBe(line.amount - line.discount_amount);
  }
  const subtotal = sum(lines.map((l) => l.amount));
  const discount = sum(lines.map((l) => l.discount_amount));
  const tax = sum(lines.flatMap((l) => (l.taxes ?? []).map((t) => t.amount)));
  expect(cn.subtotal).toBe(subtotal);
  expect(cn.subtotal_excluding_tax).toBe(subtotal);
  expect(cn.discount_amount).toBe(discount);
  expect(sum(cn.discount_amounts.map((d) => d.amount))).toBe(discount);
  expect(cn.total_excluding_tax).toBe(subtotal - discount);
  expect(sum((cn.total_taxes ?? []).map((t) => t.amount))).toBe(tax);
  expect(cn.total).toBe(subtotal - discount + tax);
  expect(cn.amount).toBe(cn.total);
  expect(cn.amount_shipping).toBe(0);
  expect(cn.pre_payment_amount + cn.post_payment_amount).toBe(cn.total);
  const refunded = sum(cn.refunds.map((r) => r.amount_refunded));
  expect(refunded + (cn.out_of_band_amount ?? 0)).toBe(cn.post_payment_amount);
  const expectedType =
    cn.pre_payment_amount > 0 && cn.post_payment_amount > 0
      ? 'mixed'
      : cn.post_payment_amount > 0
        ? 'post_payment'
        : 'pre_payment';
  expect(cn.type).toBe(expectedType);
  expect(cn.status === 'void').toBe(cn.voided_at !== null);
}

/** Dispute amount within the charge; its withdrawal takes amount + fee; won disputes give both back. */
export function expectDisputeConsistent(dispute: Stripe.Dispute, charge: Stripe.Charge): void {
  expect(dispute.id).toMatch(/^dp_/);
  expect(idOf(dispute.charge)).toBe(charge.id);
  expect(dispute.currency).toBe(charge.currency);
  expect(dispute.amount).toBeLessThanOrEqual(charge.amount);
  const [withdrawal, reinstatement] = dispute.balance_transactions;
  expectBalanceTransactionConsistent(withdrawal);
  expect(withdrawal).toMatchObject({ type: 'adjustment', reporting_category: 'dispute', source: dispute.id });
  expect(withdrawal.amount).toBe(-dispute.amount);
  expect(withdrawal.fee).toBeGreaterThan(0);
  if (dispute.status === 'won') {
    expectBalanceTransactionConsistent(reinstatement);
    expect(reinstatement).toMatchObject({ reporting_category: 'dispute_reversal', amount: dispute.amount });
    expect(reinstatement.net).toBe(-withdrawal.net);
  } else {
    expect(dispute.balance_transactions).toHaveLength(1);
  }
  // Embedded balance transactions are public objects: the sandbox's `_payout` must not leak into them.
  for (const bt of dispute.balance_transactions)
    expect(Object.keys(bt).some((k) => k.startsWith('_'))).toBe(false);
}

/** A payout is exactly the net of what it swept; its own debit says so too. */
export function expectPayoutConsistent(
  payout: Stripe.Payout,
  all: readonly SandboxBalanceTransaction[],
): void {
  const mine = all.filter((bt) => bt._payout === payout.id);
  const swept = mine.filter((bt) => bt.type !== 'payout');
  const own = all.find((bt) => bt.id === idOf(payout.balance_transaction));
  expect(swept.length).toBeGreaterThan(0);
  for (const bt of swept) {
    expectBalanceTransactionConsistent(bt);
    expect(bt.currency).toBe(payout.currency);
    expect(bt.available_on).toBeLessThanOrEqual(payout.created);
  }
  expect(payout.amount).toBe(sum(swept.map((bt) => bt.net)));
  expect(own).toMatchObject({
    type: 'payout',
    reporting_category: 'payout',
    source: payout.id,
    _payout: payout.id,
  });
  expect(own?.amount).toBe(-payout.amount);
  expect(sum(mine.map((bt) => bt.net))).toBe(0);
  expect(payout.arrival_date % 86_400).toBe(0);
  expect(payout.arrival_date).toBeGreaterThan(payout.created);
  if (payout.status === 'failed') {
    expect(payout.failure_code).toEqual(expect.any(String));
    const returned = all.find((bt) => bt.id === idOf(payout.failure_balance_transaction));
    expect(returned).toMatchObject({ type: 'payout_failure', amount: payout.amount, _payout: null });
  } else {
    expect(payout.failure_balance_transaction).toBeNull();
  }
}

/** An invoice's figures (proration lines may be negative): lines, discounts and tax add up. */
export function expectInvoiceTotalsConsistent(invoice: Stripe.Invoice): void {
  const lines = invoice.lines.data;
  for (const l of lines) {
    expect(l.amount).toBe(Number(String(l.pricing?.unit_amount_decimal)) * (l.quantity ?? 1));
    expect(l.currency).toBe(invoice.currency);
  }
  const subtotal = sum(lines.map((l) => l.amount));
  const discount = sum(lines.flatMap((l) => (l.discount_amounts ?? []).map((d) => d.amount)));
  const tax = sum(lines.flatMap((l) => (l.taxes ?? []).map((t) => t.amount)));
  expect(invoice.subtotal).toBe(subtotal);
  expect(invoice.total_excluding_tax).toBe(subtotal - discount);
  expect(invoice.total).toBe(subtotal - discount + tax);
  expect(sum((invoice.total_taxes ?? []).map((t) => t.amount))).toBe(tax);
  expect(invoice.amount_due).toBe(invoice.total - invoice.pre_payment_credit_notes_amount);
  expect(invoice.amount_remaining).toBe(invoice.amount_due - invoice.amount_paid);
}
