import { parseMappingConfig, toFunctional } from '../../../lambdas/domain/config';
import { normaliseStripeEvent, StripeEventShape } from '../../../lambdas/domain/envelope';
import { BusinessError } from '../../../lambdas/domain/errors';
import { mapStripeInvoiceEvent } from '../../../lambdas/domain/mapping/stripe-invoice';
import { STRIPE_API_VERSION } from '../../../lib/topology';
import mappingJson from '../../../config/mapping.json';
import {
  eurAnnual,
  expectedFigures,
  jpyUnknownCurrency,
  oldApiVersion,
  usdMonthlyWithTaxAndDiscount,
} from '../../fixtures/stripe';

const config = parseMappingConfig(mappingJson);
const envelopeOf = (event: unknown) =>
  normaliseStripeEvent(StripeEventShape.parse(event), new Date('2026-11-02T00:00:00Z'));
const map = (event: unknown) => mapStripeInvoiceEvent(envelopeOf(event), config, STRIPE_API_VERSION);

describe('Stripe invoice → canonical invoice', () => {
  it('maps lines, discounts, tax and totals to the hand-computed figures', () => {
    const { invoicePosting, paymentPosting } = map(usdMonthlyWithTaxAndDiscount.finalized);
    const exp = expectedFigures.usdMonthlyWithTaxAndDiscount;
    expect(paymentPosting).toBeUndefined();
    expect(invoicePosting.idempotencyKey).toBe(
      `stripe:invoice:${usdMonthlyWithTaxAndDiscount.invoice.id}:post`,
    );
    const inv = invoicePosting.invoice;
    expect(inv).toMatchObject({
      currency: 'usd',
      subsidiary: 'US-INC',
      subtotal: exp.subtotal,
      discountTotal: exp.discount,
      taxTotal: exp.tax,
      total: exp.total,
    });
    expect(
      inv.lines.map((l) => ({ amount: l.amount, discount: l.discount, net: l.netAmount, tax: l.tax })),
    ).toEqual(exp.lines);
    expect(inv.lines.map((l) => l.recognition)).toEqual(['ratable', 'point_in_time']);
    expect(inv.lines[0].servicePeriod).toEqual({
      start: '2026-11-01T00:00:00.000Z',
      end: '2026-12-01T00:00:00.000Z',
    });
    expect(inv.source.eventId).toBe(usdMonthlyWithTaxAndDiscount.finalized.id);
  });

  it('takes the correlation id from the subscription metadata (set from the opportunity)', () => {
    const meta = usdMonthlyWithTaxAndDiscount.invoice.parent?.subscription_details?.metadata ?? {};
    expect(map(usdMonthlyWithTaxAndDiscount.finalized).invoicePosting.invoice.correlationId).toBe(
      meta.correlation_id,
    );
  });

  it('adds the payment when the invoice is paid, with the same invoice posting key', () => {
    const fromPaid = map(usdMonthlyWithTaxAndDiscount.paid);
    const fromFinalized = map(usdMonthlyWithTaxAndDiscount.finalized);
    expect(fromPaid.invoicePosting.idempotencyKey).toBe(fromFinalized.invoicePosting.idempotencyKey);
    expect(fromPaid.paymentPosting?.payment).toMatchObject({
      amount: expectedFigures.usdMonthlyWithTaxAndDiscount.total,
      currency: 'usd',
      invoiceRef: fromPaid.invoicePosting.invoice.invoiceRef,
    });
  });

  it('books EUR in the EU subsidiary', () => {
    const inv = map(eurAnnual.finalized).invoicePosting.invoice;
    expect(inv).toMatchObject({
      subsidiary: 'EU-BV',
      currency: 'eur',
      total: expectedFigures.eurAnnual.total,
    });
    expect(inv.lines[0].servicePeriod).toEqual({
      start: '2026-11-01T00:00:00.000Z',
      end: '2027-11-01T00:00:00.000Z',
    });
  });

  it.each([
    ['an unmapped currency', jpyUnknownCurrency.finalized, 'unmapped_currency', /JPY/],
    ['another Stripe API version', oldApiVersion.finalized, 'unsupported_api_version', /2024-06-20/],
  ])('parks %s as a business error with a readable reason', (_label, event, code, reason) => {
    let caught: unknown;
    try {
      map(event);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BusinessError);
    expect((caught as BusinessError).code).toBe(code);
    expect((caught as BusinessError).message).toMatch(reason);
  });

  it('enriches each line with item, tax code and dimensions from the mapping configuration', () => {
    const inv = map(usdMonthlyWithTaxAndDiscount.finalized).invoicePosting.invoice;
    expect(inv.lines.map((l) => [l.item, l.taxCode, l.dimensions])).toEqual([
      [
        'SUB-TEAM',
        'US-NY-SALES',
        { department: 'Sales', class: 'Subscription', location: undefined, region: 'NA' },
      ],
      [
        'PS-ONBOARDING',
        'US-NY-SALES',
        { department: 'Professional Services', class: 'Services', location: undefined, region: 'NA' },
      ],
    ]);
    expect(inv.paymentTerms).toBe('Net 30');
  });

  it.each([
    ['product', 'stripeProduct', 'unmapped_product', /prod_\w+ \(stripe:il_\w+\) has no item mapping/],
    ['tax rate', 'stripeTaxRate', 'missing_tax_code', /tax rate txr_\w+ \(stripe:il_\w+\) has no tax code/],
  ])('parks a line whose %s is not mapped, naming it', (_what, field, code, reason) => {
    const partial = structuredClone(mappingJson) as {
      products: { stripeProduct: string }[];
      taxRates: { stripeTaxRate: string }[];
    };
    const ids = new Set([
      ...usdMonthlyWithTaxAndDiscount.invoice.lines.data.map((l) => l.pricing?.price_details?.product),
      ...usdMonthlyWithTaxAndDiscount.invoice.lines.data.flatMap((l) =>
        (l.taxes ?? []).map((t) => t.tax_rate_details?.tax_rate),
      ),
    ]);
    if (field === 'stripeProduct')
      partial.products = partial.products.filter((p) => !ids.has(p.stripeProduct));
    else partial.taxRates = partial.taxRates.filter((t) => !ids.has(t.stripeTaxRate));
    const envelope = envelopeOf(usdMonthlyWithTaxAndDiscount.finalized);
    expect(() => mapStripeInvoiceEvent(envelope, parseMappingConfig(partial), STRIPE_API_VERSION)).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(reason) }),
    );
  });

  it('refuses an invoice whose lines do not add up to its total rather than mis-posting it', () => {
    const event = structuredClone(usdMonthlyWithTaxAndDiscount.finalized);
    event.data.object.total += 1;
    expect(() => map(event)).toThrow(/invoice_total_mismatch/);
  });

  it('refuses an invoice whose event carries only some of its lines', () => {
    const event = structuredClone(usdMonthlyWithTaxAndDiscount.finalized);
    event.data.object.lines.has_more = true;
    expect(() => map(event)).toThrow(/incomplete_invoice_lines/);
  });
});

describe('mapping configuration', () => {
  it('converts to the functional currency in integer arithmetic with the fixed rate table', () => {
    expect(toFunctional(config, 1_440_000, 'eur', 'usd')).toBe(1_562_400); // 14,400.00 × 1.0850
    expect(toFunctional(config, 1, 'eur', 'usd')).toBe(1); // 1.085 cents rounds to 1
    expect(toFunctional(config, -1_000, 'eur', 'usd')).toBe(-1_085);
    expect(toFunctional(config, 500, 'usd', 'usd')).toBe(500);
    const withJpy = parseMappingConfig({ ...mappingJson, exchangeRates: { jpy: { usd: '0.0067' } } });
    expect(toFunctional(withJpy, 41_250, 'jpy', 'usd')).toBe(27_638); // ¥41,250 × 0.0067 = $276.375 → 27,638 cents
    expect(() => toFunctional(config, 1, 'gbp', 'usd')).toThrow(/missing_exchange_rate: no GBP→USD rate/);
  });

  it('rejects a currency booked by two subsidiaries with a clear message', () => {
    expect(() =>
      parseMappingConfig({
        subsidiaries: [
          { id: 'A', name: 'A', functionalCurrency: 'usd', currencies: ['usd'] },
          { id: 'B', name: 'B', functionalCurrency: 'usd', currencies: ['usd'] },
        ],
      }),
    ).toThrow(/currency usd is booked by both A and B/);
  });

  it('rejects a malformed file', () => {
    expect(() => parseMappingConfig({ subsidiaries: [{ id: 'A' }] })).toThrow(
      /is not a valid mapping configuration/,
    );
  });
});
