/**
 * The money builders and the named money fixtures: fees against Stripe's Decimal, every object's
 * invariants, and each fixture against the figures worked out by hand.
 */
import fc from 'fast-check';
import Stripe from 'stripe';
import {
  type InvoiceOptions,
  STRIPE_API_VERSION,
  customerObject,
  invoiceObject,
  stripeEvent,
  stripeId,
  unix,
  webhookPayload,
} from '../../../local/scenarios/stripe-events';
import {
  balanceTransactionObject,
  chargeObject,
  creditNoteObject,
  payoutObject,
  processingFee,
  publicBalanceTransaction,
  refundObject,
} from '../../../local/scenarios/stripe-money';
import { FIXTURE_CUSTOMERS, FIXTURE_TAX_RATES, usdMonthlyWithTaxAndDiscount } from '../../fixtures/stripe';
import * as moneyFixtures from '../../fixtures/stripe/money-events';
import {
  FIXTURE_CARDS,
  disputeLost,
  disputeWon,
  expectedMoneyFigures,
  payoutFailed,
  payoutPaid,
  postPaymentCreditNoteWithRefund,
  prePaymentCreditNoteOnOpenInvoice,
  refundFailed,
  refundSucceeded,
  uncollectibleInvoice,
  voidedInvoice,
} from '../../fixtures/stripe/money-events';
import {
  expectBalanceTransactionConsistent,
  expectChargeConsistent,
  expectCreditNoteConsistent,
  expectDisputeConsistent,
  expectInvoiceTotalsConsistent,
  expectPayoutConsistent,
  expectRefundConsistent,
  portion,
  sum,
} from './money-checks';

const nets = (bts: ReadonlyArray<{ net: number }>) => bts.map((bt) => bt.net);

// ───────────────────────────── every fixture ─────────────────────────────

const isEvent = (v: object): v is Stripe.Event => 'object' in v && v.object === 'event';
const isTxn = (v: object): v is Stripe.BalanceTransaction =>
  'object' in v && v.object === 'balance_transaction';
const isFixtureName = (name: string): name is keyof typeof expectedMoneyFigures =>
  name in expectedMoneyFigures;

/** The events and balance transactions a fixture holds, wherever they sit in it. */
function contents(value: unknown, found: { events: Stripe.Event[]; txns: Stripe.BalanceTransaction[] }) {
  if (Array.isArray(value)) value.forEach((v) => contents(v, found));
  else if (value !== null && typeof value === 'object') {
    if (isEvent(value)) found.events.push(value);
    else if (isTxn(value)) found.txns.push(value);
    else Object.values(value).forEach((v) => contents(v, found));
  }
  return found;
}

// Each named fixture, keyed like expectedMoneyFigures (the module exports nothing else of that shape).
const namedFixtures = Object.entries(moneyFixtures).filter(([name]) => isFixtureName(name));

describe('money fixtures', () => {
  it('has one fixture per hand-computed figure set', () => {
    expect(namedFixtures.map(([name]) => name).sort()).toEqual(Object.keys(expectedMoneyFigures).sort());
  });

  it.each(namedFixtures)('%s: events of November 2026, balance transactions that add up', (name, fixture) => {
    const { events, txns } = contents(fixture, { events: [], txns: [] });
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e).toMatchObject({ object: 'event', api_version: STRIPE_API_VERSION, livemode: false });
      expect(new Date(e.created * 1000).toISOString().slice(0, 7)).toBe('2026-11');
      const currency = 'currency' in e.data.object ? e.data.object.currency : undefined;
      expect(isFixtureName(name) && expectedMoneyFigures[name].currency).toBe(currency);
    }
    txns.forEach(expectBalanceTransactionConsistent);
  });
});

// ───────────────────────────── fees ─────────────────────────────

describe('processing fees', () => {
  it('matches the published pricing, rounded half up, for any amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 100_000_000 }), (amount) => {
        expect(processingFee(amount, 'us_card')).toBe(portion(amount, '2.9') + 30);
        expect(processingFee(amount, 'eu_card')).toBe(portion(amount, '1.5') + 25);
        expect(processingFee(amount, 'sepa_debit')).toBe(Math.min(portion(amount, '0.8'), 500));
      }),
    );
  });

  it('rounds exact halves up and caps SEPA at €5.00', () => {
    expect(processingFee(67_500, 'eu_card')).toBe(1_013 + 25); // 1,012.5 → 1,013
    expect(processingFee(20_500, 'us_card')).toBe(595 + 30); // 594.5 → 595
    expect(processingFee(62_500, 'sepa_debit')).toBe(500); // exactly the cap
    expect(processingFee(1_440_000, 'sepa_debit')).toBe(500);
    expect(processingFee(36_000, 'sepa_debit')).toBe(288);
  });
});

// ───────────────────────────── invoices: new states ─────────────────────────────

describe('invoice states', () => {
  it('renders a voided invoice: finalized, then void, nothing collected', () => {
    const { invoice, finalized, voided } = voidedInvoice;
    const expected = expectedMoneyFigures.voidedInvoice;
    expect(finalized.data.object.status).toBe('open');
    expect(invoice).toMatchObject({
      status: 'void',
      total: expected.total,
      amount_paid: expected.amountPaid,
    });
    expect(invoice.status_transitions.voided_at).toBe(voided.created);
    expect(voided.created).toBeGreaterThan(finalized.created);
    expect(voided.data.object).toEqual(invoice);
    expect(invoice).toMatchObject({ auto_advance: false, next_payment_attempt: null });
    expectInvoiceTotalsConsistent(invoice);
  });

  it('renders a written-off invoice: open, never paid, then uncollectible', () => {
    const { invoice, finalized, markedUncollectible } = uncollectibleInvoice;
    const expected = expectedMoneyFigures.uncollectibleInvoice;
    expect(finalized.data.object.status).toBe('open');
    expect(invoice).toMatchObject({ status: 'uncollectible', total: expected.total, amount_paid: 0 });
    expect(invoice.amount_remaining).toBe(expected.total);
    expect(invoice.status_transitions).toMatchObject({
      paid_at: null,
      marked_uncollectible_at: markedUncollectible.created,
    });
    expectInvoiceTotalsConsistent(invoice);
  });

  it('refuses impossible lifecycles', () => {
    const opts = { ...lifecycleOpts(), paidAt: unix('2026-11-02T00:00:00Z') };
    expect(() => invoiceObject({ ...opts, voidedAt: unix('2026-11-03T00:00:00Z') })).toThrow(
      /only be one of/,
    );
    expect(() =>
      invoiceObject({ ...opts, paidAt: undefined, voidedAt: unix('2026-10-01T00:00:00Z') }),
    ).toThrow(/before finalization/);
    expect(() => invoiceObject({ ...opts, paidAt: undefined, creditNotes: { postPayment: 1 } })).toThrow(
      /never paid/,
    );
  });

  it('builds proration lines with negative amounts, proration flags and the credited line', () => {
    const sub = {
      id: stripeId('sub', 'test:proration'),
      metadata: { correlation_id: 'opp_006DemoTestProrate' },
    };
    const period = { start: unix('2026-11-16T00:00:00Z'), end: unix('2026-12-01T00:00:00Z') };
    const base = { kind: 'subscription', price: 'price_x', product: 'prod_x', quantity: 3, period } as const;
    const invoice = invoiceObject({
      seed: 'test:proration',
      customer: FIXTURE_CUSTOMERS.northwind,
      currency: 'usd',
      created: period.start,
      subscription: sub,
      billingReason: 'subscription_update',
      lines: [
        {
          ...base,
          key: 'unused',
          description: 'Unused time',
          unitAmount: -1001,
          taxRate: FIXTURE_TAX_RATES.nySalesTax,
          proration: { creditedItems: { invoice: 'in_prev', invoiceLineItems: ['il_prev'] } },
        },
        {
          ...base,
          key: 'remaining',
          description: 'Remaining time',
          unitAmount: 2002,
          taxRate: FIXTURE_TAX_RATES.nySalesTax,
          proration: {},
        },
      ],
    });
    const [unused, remaining] = invoice.lines.data;
    expect(unused.amount).toBe(-3003);
    // 3,003 × 8.875% = 266.51625 → 267, mirrored for the credit.
    expect(unused.taxes?.[0].amount).toBe(-267);
    expect(remaining.taxes?.[0].amount).toBe(portion(6006, '8.875'));
    for (const line of [unused, remaining]) {
      expect(line.parent?.subscription_item_details).toMatchObject({
        proration: true,
        invoice_item: expect.stringMatching(/^ii_/),
      });
      expect(line.period).toEqual(period);
    }
    expect(unused.parent?.subscription_item_details?.proration_details?.credited_items).toEqual({
      invoice: 'in_prev',
      invoice_line_items: ['il_prev'],
    });
    expect(remaining.parent?.subscription_item_details?.proration_details?.credited_items).toBeNull();
    expectInvoiceTotalsConsistent(invoice);
    // Only proration lines may go negative.
    expect(() =>
      invoiceObject({
        seed: 'x',
        customer: FIXTURE_CUSTOMERS.northwind,
        currency: 'usd',
        created: 0,
        subscription: sub,
        lines: [{ ...base, key: 'x', description: 'x', unitAmount: -1 }],
      }),
    ).toThrow(/non-negative/);
  });
});

function lifecycleOpts(): InvoiceOptions {
  return {
    seed: 'test:lifecycle',
    customer: FIXTURE_CUSTOMERS.legacy,
    currency: 'usd',
    created: usdMonthlyWithTaxAndDiscount.invoice.created,
    lines: [
      { key: 'x', kind: 'one_time', description: 'x', price: 'price_x', product: 'prod_x', unitAmount: 1000 },
    ],
  };
}

// ───────────────────────────── credit notes ─────────────────────────────

function creditNoteFigures(cn: Stripe.CreditNote) {
  return {
    subtotal: cn.subtotal,
    discount: cn.discount_amount,
    totalExcludingTax: cn.total_excluding_tax,
    tax: sum((cn.total_taxes ?? []).map((t) => t.amount)),
    total: cn.total,
    prePayment: cn.pre_payment_amount,
    postPayment: cn.post_payment_amount,
    refunded: sum(cn.refunds.map((r) => r.amount_refunded)),
  };
}

describe('credit notes', () => {
  it('pre-payment credit on an open invoice lowers what is due', () => {
    const { invoice, invoiceAfter, creditNote, created } = prePaymentCreditNoteOnOpenInvoice;
    const expected = expectedMoneyFigures.prePaymentCreditNoteOnOpenInvoice;
    expectCreditNoteConsistent(creditNote);
    expect(creditNoteFigures(creditNote)).toEqual(expected.creditNote);
    expect(creditNote).toMatchObject({
      type: 'pre_payment',
      status: 'issued',
      invoice: invoice.id,
      refunds: [],
    });
    expect(invoice.total).toBe(expected.invoiceTotal);
    expect(invoiceAfter).toMatchObject({
      total: expected.invoiceTotal,
      amount_due: expected.amountDueAfter,
      amount_remaining: expected.amountDueAfter,
      pre_payment_credit_notes_amount: expected.creditNote.total,
      status: 'open',
    });
    expect(created.data.object).toEqual(creditNote);
    expect(creditNote.lines.data[0]).toMatchObject({
      invoice_line_item: invoice.lines.data[0].id,
      quantity: 2,
    });
  });

  it('post-payment credit is refunded to the card, and the invoice records it', () => {
    const f = postPaymentCreditNoteWithRefund;
    const expected = expectedMoneyFigures.postPaymentCreditNoteWithRefund;
    expectCreditNoteConsistent(f.creditNote);
    expect(creditNoteFigures(f.creditNote)).toEqual(expected.creditNote);
    expect(f.creditNote.type).toBe('post_payment');
    expect(f.creditNote.refunds).toEqual([
      {
        amount_refunded: expected.creditNote.refunded,
        payment_record_refund: null,
        refund: f.refund.id,
        type: 'refund',
      },
    ]);
    expect(f.invoice.total).toBe(expected.invoiceTotal);
    expect(f.invoiceAfter).toMatchObject({
      status: 'paid',
      post_payment_credit_notes_amount: expected.creditNote.total,
    });
    expectChargeConsistent(f.charge, f.balanceTransaction);
    expect([f.balanceTransaction.fee, f.balanceTransaction.net]).toEqual([
      expected.chargeFee,
      expected.chargeNet,
    ]);
    expectRefundConsistent(f.refund, f.charge);
    expect(f.refund.amount).toBe(expected.creditNote.refunded);
    expect(f.chargeAfter.amount_refunded).toBe(expected.creditNote.refunded);
    expect(f.refundBalanceTransaction).toMatchObject({
      type: 'refund',
      amount: -expected.creditNote.refunded,
      fee: 0,
    });
    expect(f.events.chargeRefunded.data.object).toEqual(f.chargeAfter);
    expect(f.events.creditNoteCreated.data.object.id).toBe(f.creditNote.id);
  });

  it('refuses credits that do not add up', () => {
    const invoice = postPaymentCreditNoteWithRefund.invoice;
    const line = { invoiceLine: invoice.lines.data[0], quantity: 3, taxRate: FIXTURE_TAX_RATES.frVat };
    const base = { seed: 'test:cn', invoice, created: invoice.created, lines: [line] };
    expect(() => creditNoteObject(base)).toThrow(/refunds 0 \+ out of band 0 ≠ 16200/);
    expect(() => creditNoteObject({ ...base, refunds: [{ refund: 're_x', amount: 100 }] })).toThrow(/≠/);
    expect(() => creditNoteObject({ ...base, lines: [{ ...line, quantity: 9 }] })).toThrow(
      /cannot credit 9 of 8/,
    );
    expect(() => creditNoteObject({ ...base, lines: [{ ...line, taxRate: undefined }] })).toThrow(/tax rate/);
    expect(creditNoteObject({ ...base, outOfBandAmount: 16_200 }).out_of_band_amount).toBe(16_200);
    expect(
      creditNoteObject({ ...base, outOfBandAmount: 16_200, voidedAt: invoice.created + 60 }),
    ).toMatchObject({
      status: 'void',
      voided_at: invoice.created + 60,
    });
  });
});

// ───────────────────────────── refunds ─────────────────────────────

describe('refunds', () => {
  it('a partial refund that succeeded', () => {
    const f = refundSucceeded;
    const expected = expectedMoneyFigures.refundSucceeded;
    expectChargeConsistent(f.charge, f.balanceTransaction);
    expectChargeConsistent(f.chargeAfter, f.balanceTransaction);
    expectRefundConsistent(f.refund, f.charge);
    expect([f.charge.amount, f.balanceTransaction.fee]).toEqual([expected.charge, expected.chargeFee]);
    expect(f.refund).toMatchObject({ status: 'succeeded', amount: expected.refund });
    expect(f.chargeAfter).toMatchObject({ amount_refunded: expected.amountRefundedAfter, refunded: false });
    expect(nets(f.refundBalanceTransactions)).toEqual([expected.refundNet]);
    f.refundBalanceTransactions.forEach(expectBalanceTransactionConsistent);
    expect(f.events.refundCreated.type).toBe('refund.created');
    expect(f.events.chargeRefunded.data.object.refunds?.data).toEqual([f.refund]);
    expect(f.invoicePayment).toMatchObject({
      invoice: usdMonthlyWithTaxAndDiscount.paidInvoice.id,
      payment: { type: 'payment_intent', payment_intent: f.paymentIntent.id },
      amount_paid: expected.charge,
    });
    expect(f.paymentIntent).toMatchObject({
      latest_charge: f.charge.id,
      amount_received: expected.charge,
      status: 'succeeded',
    });
  });

  it('a refund that failed: the money comes back and the charge is no longer refunded', () => {
    const f = refundFailed;
    const expected = expectedMoneyFigures.refundFailed;
    expectChargeConsistent(f.chargeAfter, f.balanceTransaction);
    expectRefundConsistent(f.refund, f.charge);
    expect([f.charge.amount, f.balanceTransaction.fee]).toEqual([expected.charge, expected.chargeFee]);
    expect(f.refund).toMatchObject({
      status: 'failed',
      failure_reason: 'lost_or_stolen_card',
      amount: expected.refund,
    });
    expect(nets(f.refundBalanceTransactions)).toEqual(expected.refundNets);
    expect(f.refundBalanceTransactions[1]).toMatchObject({
      id: f.refund.failure_balance_transaction,
      type: 'adjustment',
      reporting_category: 'refund_failure',
      source: f.refund.id,
    });
    expect(f.chargeAfter.amount_refunded).toBe(expected.amountRefundedAfter);
    expect(f.events.refundCreated.data.object.status).toBe('succeeded');
    expect(f.events.chargeRefunded.data.object.amount_refunded).toBe(expected.refund);
    expect(f.events.refundUpdated.data).toMatchObject({
      object: { status: 'failed' },
      previous_attributes: { status: 'succeeded' },
    });
    expect(f.events.refundUpdated.created).toBeGreaterThan(f.events.refundCreated.created);
  });

  it('refuses refunds beyond the charge and failure reasons without a failure', () => {
    const charge = refundSucceeded.charge;
    const base = { seed: 'test:refund', charge, created: charge.created } as const;
    expect(() => refundObject({ ...base, amount: charge.amount + 1, status: 'succeeded' })).toThrow(/within/);
    expect(() =>
      refundObject({ ...base, amount: 1, status: 'succeeded', failureReason: 'declined' }),
    ).toThrow(/failure_reason/);
    expect(() => refundObject({ ...base, amount: 1, status: 'failed' })).toThrow(/failure_reason/);
    const big = refundObject({ ...base, amount: charge.amount, status: 'succeeded' });
    const payment = refundSucceeded.payment;
    expect(() => chargeObject({ ...payment, refunds: [big, refundSucceeded.refund] })).toThrow(/refunded/);
    expect(refundObject({ ...base, amount: 1, status: 'pending' }).status).toBe('pending');
  });
});

// ───────────────────────────── disputes ─────────────────────────────

describe('disputes', () => {
  it.each([
    ['lost', disputeLost, expectedMoneyFigures.disputeLost],
    ['won', disputeWon, expectedMoneyFigures.disputeWon],
  ] as const)('%s: withdrawal with the fee, and what comes back', (outcome, f, expected) => {
    expectChargeConsistent(f.charge, f.balanceTransaction);
    expect(f.charge.disputed).toBe(true);
    expect([f.charge.amount, f.balanceTransaction.fee]).toEqual([expected.charge, expected.chargeFee]);
    expectDisputeConsistent(f.opened, f.charge);
    expectDisputeConsistent(f.closed, f.charge);
    expect(f.opened).toMatchObject({ status: 'needs_response', amount: expected.dispute });
    expect(f.closed.status).toBe(outcome);
    expect(f.disputeBalanceTransactions[0].fee).toBe(expected.disputeFee);
    expect(f.disputeBalanceTransactions[0].fee_details).toEqual([
      { amount: 1500, application: null, currency: 'usd', description: 'Dispute fee', type: 'stripe_fee' },
    ]);
    expect(nets(f.disputeBalanceTransactions)).toEqual(expected.balanceNets);
    expect(f.closed.balance_transactions).toEqual(f.disputeBalanceTransactions.map(publicBalanceTransaction));
    expect(f.events.created.data.object.status).toBe('needs_response');
    expect(f.events.closed.data.object.status).toBe(outcome);
  });
});

// ───────────────────────────── payouts ─────────────────────────────

describe('payouts', () => {
  it('a paid payout is the exact net of 2 charges (after fees) and 1 refund', () => {
    const f = payoutPaid;
    const expected = expectedMoneyFigures.payoutPaid;
    const all = [...f.transactions, ...f.payoutBalanceTransactions];
    expectPayoutConsistent(f.payout, all);
    expect(f.transactions.map((bt) => bt.type).sort()).toEqual(['charge', 'charge', 'refund']);
    expect(f.transactions.filter((bt) => bt.type === 'charge').every((bt) => bt.fee > 0)).toBe(true);
    expect({
      amount: f.payout.amount,
      gross: sum(f.transactions.map((bt) => bt.amount)),
      fees: sum(f.transactions.map((bt) => bt.fee)),
      transactions: f.transactions.length,
    }).toEqual({
      amount: expected.amount,
      gross: expected.gross,
      fees: expected.fees,
      transactions: expected.transactions,
    });
    expect(f.paid).toMatchObject({
      type: 'payout.paid',
      created: f.payout.arrival_date,
      data: { object: { status: 'paid' } },
    });
    expect(f.transactions).toContain(refundSucceeded.balanceTransaction);
  });

  it('a failed payout names its failure and the balance transaction that returns the money', () => {
    const f = payoutFailed;
    const expected = expectedMoneyFigures.payoutFailed;
    expectPayoutConsistent(f.payout, [...f.transactions, ...f.payoutBalanceTransactions]);
    expect(f.payout).toMatchObject({
      status: 'failed',
      failure_code: expected.failureCode,
      amount: expected.amount,
    });
    expect(sum(f.transactions.map((bt) => bt.amount))).toBe(expected.gross);
    expect(sum(f.transactions.map((bt) => bt.fee))).toBe(expected.fees);
    expect(f.failed.data.object).toEqual(f.payout);
  });

  it('refuses to pay out transactions not marked as swept by it, or another currency', () => {
    const untagged = { ...refundSucceeded.balanceTransaction, _payout: null };
    const base = {
      seed: 'test:payout',
      currency: 'usd',
      created: 0,
      arrivalDate: 86_400,
      status: 'paid',
      destination: 'ba_x',
    } as const;
    expect(() => payoutObject({ ...base, transactions: [untagged] })).toThrow(/not marked/);
    expect(() => payoutObject({ ...base, currency: 'eur', transactions: payoutPaid.transactions })).toThrow();
  });

  it('strips only the sandbox field when publishing a balance transaction', () => {
    const bt = balanceTransactionObject({
      id: 'txn_x',
      type: 'charge',
      reportingCategory: 'charge',
      amount: 1000,
      fees: [{ amount: 59, description: 'Stripe processing fees' }],
      currency: 'USD',
      created: 100,
      availableOn: 86_400,
      source: 'ch_x',
      description: null,
      payout: 'po_x',
      asOf: 1000,
    });
    expect(bt).toMatchObject({ _payout: 'po_x', net: 941, currency: 'usd', status: 'pending' });
    const visible = publicBalanceTransaction(bt);
    expect(visible).not.toHaveProperty('_payout');
    expect({ ...visible, _payout: 'po_x' }).toEqual(bt);
  });
});

// ───────────────────────────── events ─────────────────────────────

describe('stripeEvent for money objects', () => {
  it('carries each object under its own event types, previous_attributes only when given', () => {
    const events: Stripe.Event[] = [
      refundSucceeded.events.chargeRefunded,
      refundSucceeded.events.refundCreated,
      refundFailed.events.refundUpdated,
      postPaymentCreditNoteWithRefund.events.creditNoteCreated,
      disputeLost.events.created,
      disputeLost.events.closed,
      payoutPaid.paid,
      payoutFailed.failed,
      voidedInvoice.voided,
      uncollectibleInvoice.markedUncollectible,
    ];
    for (const event of events) {
      expect(event).toMatchObject({ object: 'event', api_version: STRIPE_API_VERSION, livemode: false });
      expect(event.id).toMatch(/^evt_/);
    }
    expect(events.filter((e) => 'previous_attributes' in e.data).map((e) => e.type)).toEqual([
      'refund.updated',
    ]);
  });

  it('builds customer.updated with the old values, and refuses unknown previous attributes', () => {
    const customer = customerObject({ ...FIXTURE_CUSTOMERS.harbor, email: 'new@harbor.example' }, 0);
    const updated = stripeEvent('customer.updated', customer, {
      previousAttributes: { email: FIXTURE_CUSTOMERS.harbor.email },
    });
    expect(updated.data.previous_attributes).toEqual({ email: FIXTURE_CUSTOMERS.harbor.email });
    const bogus: Partial<Stripe.Customer> = JSON.parse('{"not_a_field": 1}');
    expect(() => stripeEvent('customer.updated', customer, { previousAttributes: bogus })).toThrow(/lacks/);
  });

  it('does not let an event type carry the wrong object', () => {
    // @ts-expect-error payout.paid carries a Payout, not a Refund
    expect(() => stripeEvent('payout.paid', refundSucceeded.refund)).toThrow(/cannot carry a refund/);
  });

  it('survives the SDK webhook path: signed money payload → constructEvent → same JSON', () => {
    const secret = 'whsec_fixture_secret';
    for (const event of [
      postPaymentCreditNoteWithRefund.events.creditNoteCreated,
      disputeLost.events.closed,
    ]) {
      const payload = webhookPayload(event);
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret });
      expect(Stripe.webhooks.constructEvent(payload, header, secret)).toEqual(JSON.parse(payload));
    }
    expect(
      JSON.parse(webhookPayload(postPaymentCreditNoteWithRefund.events.creditNoteCreated)).data.object.lines
        .data[0],
    ).toMatchObject({
      unit_amount: 4500,
      unit_amount_decimal: '4500',
    });
  });

  it('uses test cards the fixtures name', () => {
    expect(refundSucceeded.charge.payment_method).toBe(FIXTURE_CARDS.northwind.id);
    expect(postPaymentCreditNoteWithRefund.charge.payment_method_details?.card?.country).toBe('FR');
  });
});
