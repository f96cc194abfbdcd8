/**
 * The November 2026 month scenario: every promise it makes (customers, plans, prorations, credit
 * notes, refunds, a failed refund, a lost dispute, a write-off, a void, two payouts, out-of-order and
 * duplicate delivery), the internal consistency of every object, and the hand-written expectation
 * literals against what the builders actually produce.
 */
import type Stripe from 'stripe';
import {
  type CurrencyExpectations,
  MONTH_EXPECTATIONS,
  buildMonthObjects,
  buildMonthScenario,
} from '../../../local/scenarios/month';
import { STRIPE_API_VERSION, webhookPayload } from '../../../local/scenarios/stripe-events';
import type { SandboxBalanceTransaction } from '../../../local/scenarios/stripe-money';
import {
  expectBalanceTransactionConsistent,
  expectChargeConsistent,
  expectCreditNoteConsistent,
  expectDisputeConsistent,
  expectInvoiceTotalsConsistent,
  expectPayoutConsistent,
  expectRefundConsistent,
  idOf,
  sum,
} from './money-checks';

const scenario = buildMonthScenario();
const objects = buildMonthObjects();
const { events } = scenario;

const byId = <T extends { id: string }>(items: readonly T[]) => new Map(items.map((i) => [i.id, i]));
const charges = byId(objects.charges);
const invoices = byId(objects.invoices);
const bts = byId(objects.balanceTransactions);
const must = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
};

const ofType = <T extends Stripe.Event['type']>(type: T) =>
  events.filter((e): e is Extract<Stripe.Event, { type: T }> => e.type === type);
const subjectOf = (e: Stripe.Event): string =>
  'id' in e.data.object && typeof e.data.object.id === 'string' ? e.data.object.id : '';
const monthOf = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 7);

// ───────────────────────────── figures from the built objects ─────────────────────────────

function figures(currency: 'usd' | 'eur'): CurrencyExpectations {
  const inv = objects.invoices.filter((i) => i.currency === currency);
  const refunds = objects.refunds.filter((r) => r.currency === currency);
  const balance = objects.balanceTransactions.filter((bt) => bt.currency === currency);
  const payout = must(
    objects.payouts.find((p) => p.currency === currency),
    `${currency} payout`,
  );
  const swept = balance.filter((bt) => bt._payout === payout.id && bt.type !== 'payout');
  const total = (xs: readonly Stripe.Invoice[], pick: (i: Stripe.Invoice) => number) => sum(xs.map(pick));
  return {
    customers: objects.customers.filter((c) => c.currency === currency).length,
    invoices: inv.length,
    invoiced: total(inv, (i) => i.total),
    tax: total(inv, (i) => sum((i.total_taxes ?? []).map((t) => t.amount))),
    paid: total(inv, (i) => i.amount_paid),
    open: total(
      inv.filter((i) => i.status === 'open'),
      (i) => i.amount_remaining,
    ),
    voided: total(
      inv.filter((i) => i.status === 'void'),
      (i) => i.total,
    ),
    uncollectible: total(
      inv.filter((i) => i.status === 'uncollectible'),
      (i) => i.amount_remaining,
    ),
    creditNoted: sum(
      objects.creditNotes
        .filter((cn) => cn.currency === currency && cn.status === 'issued')
        .map((cn) => cn.total),
    ),
    refunded: sum(refunds.filter((r) => r.status === 'succeeded').map((r) => r.amount)),
    refundFailed: sum(refunds.filter((r) => r.status === 'failed').map((r) => r.amount)),
    disputeLost: sum(
      objects.disputes.filter((d) => d.currency === currency && d.status === 'lost').map((d) => d.amount),
    ),
    disputeFees: sum(balance.filter((bt) => bt.reporting_category.startsWith('dispute')).map((bt) => bt.fee)),
    processingFees: sum(balance.filter((bt) => bt.type === 'charge').map((bt) => bt.fee)),
    payout: {
      amount: payout.amount,
      gross: sum(swept.map((bt) => bt.amount)),
      fees: sum(swept.map((bt) => bt.fee)),
      transactions: swept.length,
    },
    notPaidOut: sum(balance.filter((bt) => bt._payout === null).map((bt) => bt.net)),
  };
}

// ───────────────────────────── tests ─────────────────────────────

describe('month scenario: expectations', () => {
  it.each(['usd', 'eur'] as const)(
    'the hand-computed %s literals equal what the builders produce',
    (currency) => {
      expect(figures(currency)).toEqual(MONTH_EXPECTATIONS[currency]);
      expect(scenario.expectations[currency]).toEqual(MONTH_EXPECTATIONS[currency]);
    },
  );

  it('describes itself, with the same totals', () => {
    const text = scenario.description.join('\n');
    expect(text).toContain('USD: invoiced $50,233.58, paid $44,812.58');
    expect(text).toContain('payout $42,999.25');
    expect(text).toContain('EUR: invoiced €40,325.00, paid €40,325.00');
    expect(text).toContain('payout €13,892.39');
    for (const c of objects.customers) expect(text).toContain(c.name ?? '?');
  });
});

describe('month scenario: determinism and delivery', () => {
  it('is deterministic: two builds are deep-equal and byte-identical on the wire', () => {
    const again = buildMonthScenario();
    expect(again).toEqual(scenario);
    expect(again.events.map(webhookPayload)).toEqual(events.map(webhookPayload));
    expect(JSON.stringify(again.sandboxObjects)).toBe(JSON.stringify(scenario.sandboxObjects));
  });

  it('has unique event ids except the deliberate duplicate deliveries, which are byte-identical', () => {
    const copies = new Map<string, Stripe.Event[]>();
    for (const e of events) copies.set(e.id, [...(copies.get(e.id) ?? []), e]);
    const repeated = [...copies.values()].filter((c) => c.length > 1);
    expect(repeated.length).toBeGreaterThanOrEqual(2);
    for (const c of repeated) {
      expect(c).toHaveLength(2);
      expect(webhookPayload(c[1])).toBe(webhookPayload(c[0]));
    }
    expect(copies.size).toBe(events.length - repeated.length);
  });

  it('delivers at least 3 pairs out of order (a later event about the same object arrives first)', () => {
    const pairs: Array<[string, string]> = [];
    events.forEach((early, i) =>
      events.slice(i + 1).forEach((late) => {
        if (subjectOf(early) === subjectOf(late) && late.created < early.created && late.id !== early.id)
          pairs.push([late.type, early.type]);
      }),
    );
    expect(pairs.length).toBeGreaterThanOrEqual(3);
    // The retried invoice.finalized arrive after their invoice.paid.
    const firstTypes = new Map<string, string>();
    for (const e of events) if (!firstTypes.has(subjectOf(e))) firstTypes.set(subjectOf(e), e.type);
    expect(
      [...firstTypes.values()].filter((t) => t === 'invoice.paid' || t === 'invoice.payment_succeeded')
        .length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('only carries events of November 2026 in API version 2026-10-28.endive', () => {
    for (const e of events) {
      expect(e).toMatchObject({ object: 'event', livemode: false, api_version: STRIPE_API_VERSION });
      expect(monthOf(e.created)).toBe('2026-11');
    }
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
      'invoice.voided',
      'invoice.marked_uncollectible',
      'credit_note.created',
      'charge.refunded',
      'refund.created',
      'refund.updated',
      'charge.dispute.created',
      'charge.dispute.closed',
      'payout.paid',
      'customer.created',
      'customer.updated',
    ])
      expect(types).toContain(type);
  });
});

describe('month scenario: customers and invoices', () => {
  it('bills 20+ customers in USD and EUR, with a correlation id on every invoice', () => {
    expect(objects.customers.length).toBeGreaterThanOrEqual(20);
    const currencies = new Set(objects.invoices.map((i) => i.currency));
    expect([...currencies].sort()).toEqual(['eur', 'usd']);
    for (const i of objects.invoices) {
      const correlation =
        i.parent?.subscription_details?.metadata?.correlation_id ?? i.metadata?.correlation_id;
      expect(correlation).toMatch(/^opp_006Demo/);
      expect(monthOf(i.created)).toBe('2026-11');
      expectInvoiceTotalsConsistent(i);
    }
  });

  it('has monthly and annual plans', () => {
    const months = objects.invoices
      .flatMap((i) => i.lines.data)
      .filter((l) => l.parent?.subscription_item_details && !l.parent.subscription_item_details.proration)
      .map((l) => {
        const [start, end] = [new Date(l.period.start * 1000), new Date(l.period.end * 1000)];
        return (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
      });
    expect(new Set(months)).toEqual(new Set([1, 12]));
  });

  it('announces customers created and updated during the month, with the previous values', () => {
    expect(ofType('customer.created').length).toBeGreaterThanOrEqual(3);
    const updated = ofType('customer.updated');
    expect(updated.length).toBeGreaterThanOrEqual(3);
    for (const e of updated) {
      const previous = e.data.previous_attributes ?? {};
      expect(Object.keys(previous).length).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(previous))
        expect(e.data.object).not.toHaveProperty(key, value);
    }
  });

  it('has one mid-period upgrade invoiced with a credit and a charge proration', () => {
    const updates = objects.invoices.filter((i) => i.billing_reason === 'subscription_update');
    expect(updates).toHaveLength(1);
    const [upgrade] = updates;
    const [unused, remaining] = upgrade.lines.data;
    expect(unused.amount).toBeLessThan(0);
    expect(remaining.amount).toBeGreaterThan(0);
    for (const line of [unused, remaining]) {
      expect(line.parent?.subscription_item_details?.proration).toBe(true);
      expect(line.period).toEqual({ start: upgrade.created, end: unused.period.end });
    }
    const credited = must(
      unused.parent?.subscription_item_details?.proration_details?.credited_items ?? undefined,
      'credited items',
    );
    const original = must(invoices.get(credited.invoice), 'credited invoice');
    const originalLine = must(
      original.lines.data.find((l) => l.id === credited.invoice_line_items[0]),
      'credited line',
    );
    // The credit returns exactly the unused share of what the original line charged.
    const share =
      (unused.period.end - unused.period.start) / (originalLine.period.end - originalLine.period.start);
    expect(unused.amount).toBe(-originalLine.amount * share);
    expect(original.status).toBe('paid');
    expect(upgrade.status).toBe('paid');
  });

  it('voids one finalized invoice and writes off one open invoice that was never paid', () => {
    const voided = objects.invoices.filter((i) => i.status === 'void');
    const writtenOff = objects.invoices.filter((i) => i.status === 'uncollectible');
    expect(voided).toHaveLength(1);
    expect(writtenOff).toHaveLength(1);
    for (const [invoice, type] of [
      [voided[0], 'invoice.voided'],
      [writtenOff[0], 'invoice.marked_uncollectible'],
    ] as const) {
      const mine = events.filter((e) => subjectOf(e) === invoice.id).map((e) => e.type);
      expect(mine).toContain('invoice.finalized');
      expect(mine).toContain(type);
      expect(mine).not.toContain('invoice.paid');
      expect(invoice.amount_paid).toBe(0);
      expect(objects.invoicePayments.some((p) => p.invoice === invoice.id)).toBe(false);
    }
    expect(writtenOff[0].status_transitions.finalized_at).toBeLessThan(
      writtenOff[0].status_transitions.marked_uncollectible_at ?? 0,
    );
  });
});

describe('month scenario: payments and balance', () => {
  it('pays every paid invoice with one PaymentIntent → charge → balance transaction, consistently', () => {
    const intents = byId(objects.paymentIntents);
    const paid = objects.invoices.filter((i) => i.status === 'paid');
    expect(objects.invoicePayments).toHaveLength(paid.length);
    for (const invoice of paid) {
      const link = must(
        objects.invoicePayments.find((p) => p.invoice === invoice.id),
        `payment of ${invoice.id}`,
      );
      const intent = must(intents.get(idOf(link.payment.payment_intent) ?? ''), 'payment intent');
      const charge = must(charges.get(idOf(intent.latest_charge) ?? ''), 'charge');
      expect([link.amount_paid, intent.amount_received, charge.amount]).toEqual([
        invoice.amount_paid,
        invoice.amount_paid,
        invoice.amount_paid,
      ]);
      expect(charge.customer).toBe(invoice.customer);
      expect(idOf(charge.payment_intent)).toBe(intent.id);
      expectChargeConsistent(charge, must(bts.get(idOf(charge.balance_transaction) ?? ''), 'charge txn'));
    }
    objects.balanceTransactions.forEach(expectBalanceTransactionConsistent);
  });

  it('issues one partial post-payment credit note, refunded to the card', () => {
    expect(objects.creditNotes).toHaveLength(1);
    const [cn] = objects.creditNotes;
    expectCreditNoteConsistent(cn);
    const invoice = must(invoices.get(idOf(cn.invoice) ?? ''), 'credited invoice');
    expect(cn).toMatchObject({ type: 'post_payment', status: 'issued' });
    expect(cn.total).toBeLessThan(invoice.total);
    expect(invoice.post_payment_credit_notes_amount).toBe(cn.total);
    const refund = must(
      objects.refunds.find((r) => r.id === idOf(cn.refunds[0].refund)),
      'credit-note refund',
    );
    expect(refund).toMatchObject({ amount: cn.total, status: 'succeeded' });
    expect(ofType('credit_note.created').map((e) => e.data.object)).toEqual([cn]);
  });

  it('keeps every refund within its charge; one standalone partial refund, one that failed later', () => {
    const creditNoteRefunds = new Set(
      objects.creditNotes.flatMap((cn) => cn.refunds.map((r) => idOf(r.refund))),
    );
    for (const refund of objects.refunds)
      expectRefundConsistent(refund, must(charges.get(idOf(refund.charge) ?? ''), 'charge'));
    const standalone = objects.refunds.filter(
      (r) => !creditNoteRefunds.has(r.id) && r.status === 'succeeded',
    );
    expect(standalone).toHaveLength(1);
    expect(standalone[0].amount).toBeLessThan(
      must(charges.get(idOf(standalone[0].charge) ?? ''), 'charge').amount,
    );
    const refundedCharges = ofType('charge.refunded').map((e) => e.data.object.id);
    expect(refundedCharges).toContain(idOf(standalone[0].charge));
    expect(ofType('refund.created').map((e) => e.data.object.id)).toContain(standalone[0].id);

    const failed = objects.refunds.filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    const update = must(
      ofType('refund.updated').find((e) => e.data.object.id === failed[0].id),
      'refund.updated',
    );
    expect(update.data).toMatchObject({
      object: { status: 'failed' },
      previous_attributes: { status: 'succeeded' },
    });
    const created = must(
      ofType('refund.created').find((e) => e.data.object.id === failed[0].id),
      'refund.created',
    );
    expect(created.data.object.status).toBe('succeeded');
    expect(update.created).toBeGreaterThan(created.created);
    const back = must(bts.get(idOf(failed[0].failure_balance_transaction) ?? ''), 'failure txn');
    expect(back).toMatchObject({ reporting_category: 'refund_failure', amount: failed[0].amount });
    expect(must(charges.get(idOf(failed[0].charge) ?? ''), 'charge').amount_refunded).toBe(0);
  });

  it('opens one dispute with the $15.00 fee and closes it lost', () => {
    expect(objects.disputes).toHaveLength(1);
    const [dispute] = objects.disputes;
    const charge = must(charges.get(idOf(dispute.charge) ?? ''), 'disputed charge');
    expectDisputeConsistent(dispute, charge);
    expect(dispute.status).toBe('lost');
    expect(charge.disputed).toBe(true);
    expect(dispute.balance_transactions[0]).toMatchObject({ fee: 1500, amount: -dispute.amount });
    const [opened] = ofType('charge.dispute.created');
    const [closed] = ofType('charge.dispute.closed');
    expect(opened.data.object).toMatchObject({ id: dispute.id, status: 'needs_response' });
    expect(closed.data.object).toEqual(dispute);
    expect(closed.created).toBeGreaterThan(opened.created);
  });

  it('pays out USD and EUR once each, exactly the net of charges, refunds and dispute adjustments swept', () => {
    expect(objects.payouts.map((p) => [p.currency, p.status]).sort()).toEqual([
      ['eur', 'paid'],
      ['usd', 'paid'],
    ]);
    for (const payout of objects.payouts) expectPayoutConsistent(payout, objects.balanceTransactions);
    const sweptCategories = (currency: string) =>
      new Set(
        objects.balanceTransactions
          .filter((bt) => bt.currency === currency && bt._payout !== null && bt.type !== 'payout')
          .map((bt) => bt.reporting_category),
      );
    expect(sweptCategories('usd')).toEqual(new Set(['charge', 'refund', 'dispute']));
    expect(sweptCategories('eur')).toEqual(new Set(['charge', 'refund', 'refund_failure']));
    const announced = ofType('payout.paid').map((e) => e.data.object);
    expect(announced).toHaveLength(objects.payouts.length);
    expect(announced).toEqual(expect.arrayContaining(objects.payouts));
    // Some of the month's money is still in the balance: a payout sweeps only what is available.
    expect(objects.balanceTransactions.some((bt) => bt._payout === null)).toBe(true);
  });
});

describe('month scenario: sandbox objects', () => {
  const sandbox = scenario.sandboxObjects;
  const sandboxIds = new Set(sandbox.map((o) => o.id));

  it('holds every object of the month once, as built', () => {
    expect(sandboxIds.size).toBe(sandbox.length);
    const flat = [
      ...objects.customers,
      ...objects.invoices,
      ...objects.invoicePayments,
      ...objects.paymentIntents,
      ...objects.charges,
      ...objects.refunds,
      ...objects.creditNotes,
      ...objects.disputes,
      ...objects.balanceTransactions,
      ...objects.payouts,
    ];
    expect(sandbox).toEqual(flat);
    const kinds = new Set(sandbox.map((o) => o.object));
    for (const kind of [
      'charge',
      'payment_intent',
      'refund',
      'dispute',
      'balance_transaction',
      'payout',
      'credit_note',
      'invoice',
      'customer',
    ])
      expect(kinds).toContain(kind);
  });

  it('resolves every id the events and objects point at', () => {
    const refs: Array<string | undefined> = [
      ...events.map(subjectOf),
      ...objects.invoices.map((i) => idOf(i.customer)),
      ...objects.charges.flatMap((c) => [
        idOf(c.balance_transaction),
        idOf(c.payment_intent),
        idOf(c.customer),
      ]),
      ...objects.paymentIntents.map((p) => idOf(p.latest_charge)),
      ...objects.refunds.flatMap((r) => [
        idOf(r.balance_transaction),
        idOf(r.failure_balance_transaction),
        idOf(r.charge),
      ]),
      ...objects.creditNotes.flatMap((cn) => [idOf(cn.invoice), ...cn.refunds.map((r) => idOf(r.refund))]),
      ...objects.disputes.flatMap((d) => [idOf(d.charge), ...d.balance_transactions.map((bt) => bt.id)]),
      ...objects.payouts.map((p) => idOf(p.balance_transaction)),
      ...objects.balanceTransactions.flatMap((bt) => [idOf(bt.source), bt._payout ?? undefined]),
    ];
    const dangling = refs.filter((r): r is string => r !== undefined && !sandboxIds.has(r));
    expect(dangling).toEqual([]);
  });

  it('marks internal fields with a leading underscore, on balance transactions only', () => {
    for (const o of sandbox) {
      const internal = Object.keys(o).filter((k) => k.startsWith('_'));
      expect(internal).toEqual(o.object === 'balance_transaction' ? ['_payout'] : []);
    }
    const swept: SandboxBalanceTransaction[] = objects.balanceTransactions.filter(
      (bt) => bt._payout !== null,
    );
    expect(swept.every((bt) => bt._payout?.startsWith('po_'))).toBe(true);
  });
});
