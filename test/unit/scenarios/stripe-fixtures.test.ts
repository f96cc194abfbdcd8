/**
 * The Stripe fixtures and the demo scenario are test infrastructure other tests trust blindly, so
 * they get checked against independent arithmetic (Stripe's own Decimal type, not the builders'
 * integer maths), hand-computed figures, and every promise the demo makes.
 */
import Stripe from 'stripe';
import { DEMO_DISCOUNTS, DEMO_TAX_RATES, buildDemoScenario } from '../../../local/scenarios/demo';
import { STRIPE_API_VERSION, webhookPayload } from '../../../local/scenarios/stripe-events';
import {
  type ExpectedInvoice,
  FIXTURE_DISCOUNTS,
  FIXTURE_TAX_RATES,
  eurAnnual,
  expectedFigures,
  jpyUnknownCurrency,
  oldApiVersion,
  unhandledEvent,
  usdMonthlyWithTaxAndDiscount,
} from '../../fixtures/stripe';

const { Decimal } = Stripe;

// ───────────────────────────── independent recomputation ─────────────────────────────

const percentById = new Map<string, number>(
  [...Object.values(DEMO_TAX_RATES), ...Object.values(FIXTURE_TAX_RATES)].map((r) => [r.id, r.percent]),
);
const percentOffById = new Map<string, number>(
  [...Object.values(DEMO_DISCOUNTS), ...Object.values(FIXTURE_DISCOUNTS)].map((d) => [d.id, d.percentOff]),
);

/** round half up (amount × percent / 100) using Stripe's arbitrary-precision Decimal. */
function portion(amount: number, percent: number): number {
  return Decimal.from(amount)
    .mul(Decimal.from(String(percent)))
    .div(Decimal.from(100), 0, 'half-up')
    .toNumber();
}

const sumOf = (xs: ReadonlyArray<{ amount: number }> | null | undefined) =>
  (xs ?? []).reduce((a, x) => a + x.amount, 0);
const idOf = (ref: string | { id: string }) => (typeof ref === 'string' ? ref : ref.id);

function expectLineConsistent(invoice: Stripe.Invoice, line: Stripe.InvoiceLineItem): void {
  const unit = Number(String(line.pricing?.unit_amount_decimal));
  expect(Number.isInteger(unit)).toBe(true);
  expect(line.amount).toBe(unit * (line.quantity ?? 1));
  expect(line.subtotal).toBe(line.amount);
  expect(String(line.quantity_decimal)).toBe(String(line.quantity));
  expect(line.currency).toBe(invoice.currency);
  expect(line.invoice).toBe(invoice.id);
  for (const d of line.discount_amounts ?? []) {
    expect(d.amount).toBe(portion(line.amount, percentOffById.get(idOf(d.discount)) ?? NaN));
  }
  const net = line.amount - sumOf(line.discount_amounts);
  for (const tax of line.taxes ?? []) {
    expect(tax).toMatchObject({ tax_behavior: 'exclusive', type: 'tax_rate_details', taxable_amount: net });
    expect(tax.tax_rate_details?.tax_rate).toMatch(/^txr_/);
    expect(tax.amount).toBe(portion(net, percentById.get(tax.tax_rate_details?.tax_rate ?? '') ?? NaN));
  }
  if (line.parent?.type === 'invoice_item_details') {
    // One-off items are point-in-time: Stripe shows them with a zero-length period at invoice creation.
    expect(line.period).toEqual({ start: invoice.created, end: invoice.created });
    expect(line.parent.invoice_item_details?.invoice_item).toMatch(/^ii_/);
  } else {
    expect(line.parent?.type).toBe('subscription_item_details');
    expect(line.parent?.subscription_item_details?.subscription_item).toMatch(/^si_/);
    expect(line.period.end).toBeGreaterThan(line.period.start);
  }
}

function taxesByRate(lines: Stripe.InvoiceLineItem[]): Map<string, { amount: number; taxable: number }> {
  const byRate = new Map<string, { amount: number; taxable: number }>();
  for (const tax of lines.flatMap((l) => l.taxes ?? [])) {
    const rate = tax.tax_rate_details?.tax_rate ?? '';
    const seen = byRate.get(rate) ?? { amount: 0, taxable: 0 };
    byRate.set(rate, { amount: seen.amount + tax.amount, taxable: seen.taxable + (tax.taxable_amount ?? 0) });
  }
  return byRate;
}

function expectInvoiceConsistent(invoice: Stripe.Invoice): void {
  const lines = invoice.lines.data;
  expect(lines.length).toBeGreaterThan(0);
  expect(invoice.lines.has_more).toBe(false);
  lines.forEach((line) => expectLineConsistent(invoice, line));

  const subtotal = lines.reduce((a, l) => a + l.amount, 0);
  const discount = lines.reduce((a, l) => a + sumOf(l.discount_amounts), 0);
  const tax = lines.reduce((a, l) => a + sumOf(l.taxes), 0);
  expect(invoice.currency).toBe(invoice.currency.toLowerCase());
  expect(invoice.subtotal).toBe(subtotal);
  expect(sumOf(invoice.total_discount_amounts)).toBe(discount);
  expect(invoice.total_excluding_tax).toBe(subtotal - discount);
  expect(invoice.total).toBe(subtotal - discount + tax);
  expect(invoice.amount_due).toBe(invoice.total);

  const expectedTaxes = [...taxesByRate(lines)].map(([rate, t]) => ({
    rate,
    amount: t.amount,
    taxable: t.taxable,
  }));
  const actualTaxes = (invoice.total_taxes ?? []).map((t) => ({
    rate: t.tax_rate_details?.tax_rate,
    amount: t.amount,
    taxable: t.taxable_amount,
  }));
  expect(actualTaxes).toEqual(expectedTaxes);

  if (invoice.status === 'paid') {
    expect(invoice.amount_paid).toBe(invoice.total);
    expect(invoice.amount_remaining).toBe(0);
    expect(invoice.status_transitions.paid_at).toEqual(expect.any(Number));
    expect(invoice.status_transitions.paid_at).toBeGreaterThanOrEqual(
      invoice.status_transitions.finalized_at ?? Infinity,
    );
  } else {
    expect(invoice.status).toBe('open');
    expect(invoice.amount_paid).toBe(0);
    expect(invoice.amount_remaining).toBe(invoice.total);
    expect(invoice.status_transitions.paid_at).toBeNull();
  }
}

function figuresOf(invoice: Stripe.Invoice): ExpectedInvoice {
  return {
    currency: invoice.currency,
    subtotal: invoice.subtotal,
    discount: sumOf(invoice.total_discount_amounts),
    totalExcludingTax: invoice.total_excluding_tax ?? NaN,
    tax: sumOf(invoice.total_taxes),
    total: invoice.total,
    lines: invoice.lines.data.map((l) => ({
      amount: l.amount,
      discount: sumOf(l.discount_amounts),
      net: l.amount - sumOf(l.discount_amounts),
      tax: sumOf(l.taxes),
    })),
  };
}

const invoiceOf = (event: Stripe.Event): Stripe.Invoice => {
  if (event.type !== 'invoice.finalized' && event.type !== 'invoice.paid')
    throw new Error(`unexpected ${event.type}`);
  return event.data.object;
};

// ───────────────────────────── fixtures ─────────────────────────────

describe('Stripe fixtures', () => {
  const invoiceFixtures = { usdMonthlyWithTaxAndDiscount, eurAnnual, jpyUnknownCurrency, oldApiVersion };

  it.each(Object.entries(invoiceFixtures))('%s has internally consistent totals', (_name, fixture) => {
    expectInvoiceConsistent(fixture.invoice);
    expectInvoiceConsistent(fixture.finalized.data.object);
    if ('paidInvoice' in fixture) expectInvoiceConsistent(fixture.paidInvoice);
  });

  it.each(Object.entries(invoiceFixtures))('%s matches the hand-computed figures', (name, fixture) => {
    const expected: ExpectedInvoice = expectedFigures[name as keyof typeof expectedFigures];
    expect(figuresOf(fixture.invoice)).toEqual(expected);
    if ('paidInvoice' in fixture) expect(figuresOf(fixture.paidInvoice)).toEqual(expected);
  });

  it('renders the paid event as the same invoice, paid, a little later', () => {
    for (const fixture of [usdMonthlyWithTaxAndDiscount, eurAnnual]) {
      const { finalized, paid } = fixture;
      expect(paid.data.object.id).toBe(finalized.data.object.id);
      expect(finalized.data.object.status).toBe('open');
      expect(paid.data.object.status).toBe('paid');
      expect(paid.created).toBeGreaterThan(finalized.created);
      expect(paid.id).not.toBe(finalized.id);
    }
  });

  it('keeps the special cases special', () => {
    expect(usdMonthlyWithTaxAndDiscount.invoice.lines.data.map((l) => l.parent?.type)).toEqual([
      'subscription_item_details',
      'invoice_item_details',
    ]);
    const [annual] = eurAnnual.invoice.lines.data;
    expect(new Date(annual.period.start * 1000).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(new Date(annual.period.end * 1000).toISOString()).toBe('2027-11-01T00:00:00.000Z');
    expect(jpyUnknownCurrency.finalized.data.object.currency).toBe('jpy');
    expect(oldApiVersion.finalized.api_version).toBe('2024-06-20');
    expect(usdMonthlyWithTaxAndDiscount.finalized.api_version).toBe(STRIPE_API_VERSION);
    expect(unhandledEvent.type).toBe('customer.created');
    expect(unhandledEvent.data.object).toMatchObject({
      object: 'customer',
      id: expect.stringMatching(/^cus_/),
    });
  });

  it('survives the SDK webhook path: signed payload → constructEvent → same JSON, decimals as strings', () => {
    const secret = 'whsec_fixture_secret';
    const payload = webhookPayload(usdMonthlyWithTaxAndDiscount.paid);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    const received = Stripe.webhooks.constructEvent(payload, header, secret);
    expect(received).toEqual(JSON.parse(payload));
    expect(JSON.parse(payload).data.object.lines.data[0]).toMatchObject({
      quantity: 10,
      quantity_decimal: '10',
      pricing: { unit_amount_decimal: '4900' },
    });
  });
});

// ───────────────────────────── demo scenario ─────────────────────────────

describe('demo scenario', () => {
  const scenario = buildDemoScenario();
  const { events } = scenario;
  const invoices = new Map<string, { finalized?: Stripe.Invoice; paid?: Stripe.Invoice }>();
  for (const event of events) {
    const invoice = invoiceOf(event);
    const entry = invoices.get(invoice.id) ?? {};
    entry[event.type === 'invoice.paid' ? 'paid' : 'finalized'] = invoice;
    invoices.set(invoice.id, entry);
  }
  const latest = [...invoices.values()].map((e) => e.paid ?? e.finalized).filter((i) => i !== undefined);
  const allLines = latest.flatMap((i) => i.lines.data);

  it('is deterministic: two builds are deep-equal and byte-identical on the wire', () => {
    const again = buildDemoScenario();
    expect(again).toEqual(scenario);
    expect(again.events.map(webhookPayload)).toEqual(events.map(webhookPayload));
  });

  it('only carries invoice.finalized / invoice.paid events in API version 2026-10-28.endive', () => {
    for (const event of events) {
      expect(event).toMatchObject({ object: 'event', livemode: false, api_version: STRIPE_API_VERSION });
      expect(event.id).toMatch(/^evt_/);
      expect(['invoice.finalized', 'invoice.paid']).toContain(event.type);
    }
  });

  it('has unique event ids except exactly one exact duplicate delivery', () => {
    const byId = new Map<string, Stripe.Event[]>();
    for (const e of events) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
    const repeated = [...byId.values()].filter((copies) => copies.length > 1);
    expect(repeated).toHaveLength(1);
    expect(repeated[0]).toHaveLength(2);
    expect(webhookPayload(repeated[0][1])).toBe(webhookPayload(repeated[0][0]));
    expect(byId.size).toBe(events.length - 1);
  });

  it('bills at least 6 customers, at least 2 in EUR and the rest in USD', () => {
    const currencyByCustomer = new Map(latest.map((i) => [i.customer, i.currency]));
    expect(currencyByCustomer.size).toBeGreaterThanOrEqual(6);
    const currencies = [...currencyByCustomer.values()];
    expect(currencies.filter((c) => c === 'eur').length).toBeGreaterThanOrEqual(2);
    expect(currencies.every((c) => c === 'eur' || c === 'usd')).toBe(true);
    for (const i of latest) {
      expect(i.customer_name).toBeTruthy();
      expect(i.customer_email).toMatch(/@/);
    }
  });

  it('takes place in November 2026', () => {
    for (const i of latest) {
      expect(new Date(i.created * 1000).toISOString().slice(0, 7)).toBe('2026-11');
    }
  });

  it('has internally consistent totals on every invoice, in both states', () => {
    for (const { finalized, paid } of invoices.values()) {
      if (finalized) expectInvoiceConsistent(finalized);
      if (paid) expectInvoiceConsistent(paid);
    }
  });

  it('finalizes every invoice, pays most but leaves at least one open', () => {
    const entries = [...invoices.values()];
    expect(entries.every((e) => e.finalized?.status === 'open')).toBe(true);
    const paid = entries.filter((e) => e.paid);
    expect(paid.length).toBeGreaterThan(entries.length / 2);
    expect(paid.length).toBeLessThan(entries.length);
    for (const { finalized, paid: p } of paid) {
      expect(p?.status).toBe('paid');
      expect(figuresOf(p as Stripe.Invoice)).toEqual(figuresOf(finalized as Stripe.Invoice));
    }
  });

  it('pays each invoice after finalizing it (event creation time)', () => {
    const created = new Map<string, number>();
    for (const e of events) if (e.type === 'invoice.finalized') created.set(invoiceOf(e).id, e.created);
    for (const e of events.filter((x) => x.type === 'invoice.paid')) {
      expect(e.created).toBeGreaterThan(created.get(invoiceOf(e).id) ?? Infinity);
    }
  });

  it('delivers at least one invoice.paid before its invoice.finalized', () => {
    const firstType = new Map<string, string>();
    for (const e of events) if (!firstType.has(invoiceOf(e).id)) firstType.set(invoiceOf(e).id, e.type);
    expect([...firstType.values()]).toContain('invoice.paid');
  });

  it('covers tax, a discount, a one-time line, seats, monthly and annual periods', () => {
    expect(allLines.some((l) => sumOf(l.taxes) > 0)).toBe(true);
    expect(allLines.some((l) => sumOf(l.discount_amounts) > 0)).toBe(true);
    expect(
      allLines.some((l) => l.parent?.type === 'invoice_item_details' && l.period.start === l.period.end),
    ).toBe(true);
    expect(
      latest.some((i) => i.lines.data.length > 1 && i.lines.data.some((l) => (l.quantity ?? 0) > 1)),
    ).toBe(true);
    const months = allLines
      .filter((l) => l.period.end > l.period.start)
      .map((l) => {
        const start = new Date(l.period.start * 1000);
        const end = new Date(l.period.end * 1000);
        return (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
      });
    expect(months).toContain(1);
    expect(months).toContain(12);
  });

  it('carries a correlation id on every invoice (subscription metadata, or the invoice itself for one-offs)', () => {
    for (const i of latest) {
      const correlation =
        i.parent?.subscription_details?.metadata?.correlation_id ?? i.metadata?.correlation_id;
      expect(correlation).toMatch(/^opp_006Demo/);
      if (!i.parent) expect(i.lines.data.every((l) => l.parent?.type === 'invoice_item_details')).toBe(true);
    }
  });

  it('describes itself in human-readable lines', () => {
    expect(scenario.description.length).toBeGreaterThan(5);
    for (const i of latest) expect(scenario.description.join('\n')).toContain(i.customer_name ?? '?');
    expect(scenario.description.join('\n')).toMatch(/USD: invoiced \$27,006\.15, paid \$25,781\.15/);
    expect(scenario.description.join('\n')).toMatch(/EUR: invoiced €14,760\.00, paid €14,760\.00/);
  });
});
