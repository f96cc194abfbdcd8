/** fast-check generators for canonical documents (integer minor units, any mix of line kinds). */
import fc from 'fast-check';
import type { Invoice, InvoiceLine, Payment } from '../../../lambdas/domain/model';

const amount = fc.integer({ min: -5_000_000, max: 50_000_000 });
const iso = (ms: number) => new Date(ms).toISOString();
const BASE = Date.UTC(2026, 0, 1);

export const invoiceLine: fc.Arbitrary<InvoiceLine> = fc
  .record({
    id: fc.stringMatching(/^il_[A-Za-z0-9]{6}$/),
    amount,
    discountPct: fc.integer({ min: 0, max: 100 }),
    tax: fc.integer({ min: 0, max: 5_000_000 }),
    ratable: fc.boolean(),
    startDay: fc.integer({ min: 0, max: 700 }),
    days: fc.integer({ min: 1, max: 400 }),
  })
  .map((l) => {
    const discount = Math.trunc((l.amount * l.discountPct) / 100);
    const start = BASE + l.startDay * 86_400_000;
    return {
      lineRef: `stripe:${l.id}`,
      description: `line ${l.id}`,
      productRef: null,
      priceRef: null,
      quantity: 1,
      amount: l.amount,
      discount,
      netAmount: l.amount - discount,
      tax: l.tax,
      recognition: l.ratable ? 'ratable' : 'point_in_time',
      servicePeriod: l.ratable ? { start: iso(start), end: iso(start + l.days * 86_400_000) } : null,
      proration: false,
    } satisfies InvoiceLine;
  });

export const invoice: fc.Arbitrary<Invoice> = fc
  .record({
    id: fc.stringMatching(/^in_[A-Za-z0-9]{8}$/),
    currency: fc.constantFrom('usd', 'eur', 'gbp'),
    lines: fc.array(invoiceLine, { minLength: 0, maxLength: 12 }),
    eventId: fc.stringMatching(/^evt_[A-Za-z0-9]{8}$/),
    correlationId: fc.stringMatching(/^opp_[A-Za-z0-9]{8}$/),
  })
  .map(({ id, currency, lines, eventId, correlationId }) => {
    const subtotal = lines.reduce((s, l) => s + l.amount, 0);
    const discountTotal = lines.reduce((s, l) => s + l.discount, 0);
    const taxTotal = lines.reduce((s, l) => s + l.tax, 0);
    return {
      schemaVersion: 'v1',
      invoiceRef: `stripe:${id}`,
      source: { system: 'stripe', id, eventId, eventType: 'invoice.finalized' },
      number: null,
      customerRef: 'stripe:cus_X',
      subscriptionRef: null,
      subsidiary: 'US-INC',
      currency,
      issuedAt: iso(BASE),
      subtotal,
      discountTotal,
      taxTotal,
      total: subtotal - discountTotal + taxTotal,
      lines,
      correlationId,
    } satisfies Invoice;
  });

export const payment: fc.Arbitrary<Payment> = fc
  .record({
    id: fc.stringMatching(/^in_[A-Za-z0-9]{8}$/),
    amount: fc.integer({ min: 0, max: 100_000_000 }),
    currency: fc.constantFrom('usd', 'eur'),
  })
  .map(({ id, amount: a, currency }) => ({
    schemaVersion: 'v1',
    paymentRef: `stripe:${id}:payment`,
    invoiceRef: `stripe:${id}`,
    source: { system: 'stripe', id, eventId: 'evt_1', eventType: 'invoice.paid' },
    customerRef: 'stripe:cus_X',
    subsidiary: 'US-INC',
    currency,
    amount: a,
    paidAt: iso(BASE),
    correlationId: 'opp_1',
  }));
