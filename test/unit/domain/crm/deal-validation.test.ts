import fc from 'fast-check';
import { BusinessError } from '../../../../lambdas/domain/errors';
import { decimalToMinor, discountedUnitPrice } from '../../../../lambdas/domain/crm/deal';
import { dealProblems, validateDeal } from '../../../../lambdas/domain/crm/validate';
import { config, line, northwindNew, northwindUpsell } from './deals';

describe('decimalToMinor (Salesforce decimals → minor units, no float arithmetic)', () => {
  it.each([
    [49, 'usd', 4900],
    ['49.00', 'usd', 4900],
    [49.9, 'usd', 4990],
    [0.1 + 0.2, 'usd', 30], // 0.30000000000000004: the float's extra digits round away
    [18000, 'eur', 1800000],
    ['12.345', 'usd', 1235], // half away from zero
    ['-1.005', 'usd', -101],
    [4900, 'jpy', 4900], // zero-decimal currency
    ['4900.5', 'jpy', 4901],
    [1e21, 'usd', 1e23],
    [1e-7, 'usd', 0],
  ])('%s %s → %i', (value, currency, minor) => expect(decimalToMinor(value, currency)).toBe(minor));

  it('refuses what is not a decimal', () => {
    expect(() => decimalToMinor('12,50', 'usd')).toThrow('not a decimal');
    expect(() => decimalToMinor(Number.NaN, 'usd')).toThrow();
  });

  it('property: every cent amount survives JSON number → minor units exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }), (cents) => {
        const asSalesforceSends = JSON.parse(JSON.stringify(Number((cents / 100).toFixed(2)))) as number;
        expect(decimalToMinor(asSalesforceSends, 'usd')).toBe(cents);
        expect(decimalToMinor((cents / 100).toFixed(2), 'usd')).toBe(cents);
      }),
    );
  });

  it('applies a line discount percent exactly', () => {
    expect(discountedUnitPrice(4900, 10)).toBe(4410);
    expect(discountedUnitPrice(4900, '12.5')).toBe(4288); // 4287.5 rounds up
    expect(discountedUnitPrice(4900, null)).toBe(4900);
    expect(discountedUnitPrice(4900, 100)).toBe(0);
  });
});

describe('validateDeal', () => {
  it('resolves the Northwind deal: mapped prices, one-time implementation, monthly, US-INC', () => {
    const v = validateDeal(northwindNew(), config);
    expect(v.intent).toBe('new');
    expect(v.subsidiary.id).toBe('US-INC');
    expect(v.interval).toBe('month');
    expect(v.lines.map((l) => [l.productCode, l.quantity, l.recurring, l.price])).toEqual([
      ['GROWTH-SEAT', 20, true, { kind: 'price', id: 'price_Q2cGrowthSeatMonthlyUsd', unitAmount: 4900 }],
      [
        'SUPPORT-PREMIUM',
        1,
        true,
        { kind: 'price', id: 'price_Q2cSupportPremiumMonthlyUsd', unitAmount: 29900 },
      ],
      ['IMPLEMENTATION', 1, false, { kind: 'price', id: 'price_Q2cImplementationUsd', unitAmount: 250000 }],
    ]);
  });

  it('bills a negotiated unit price with price_data on the mapped product', () => {
    const v = validateDeal(northwindNew({ lines: [line('GROWTH-SEAT', 20, 4410)] }), config);
    expect(v.lines[0].price).toEqual({
      kind: 'price_data',
      unitAmount: 4410,
      data: {
        currency: 'usd',
        product: 'prod_DemoawVgYYX81y',
        unit_amount: 4410,
        recurring: { interval: 'month' },
      },
    });
  });

  it('names an unmapped product with the fix', () => {
    const deal = northwindNew({ lines: [line('LEGACY-ONPREM', 1, 990000)] });
    expect(() => validateDeal(deal, config)).toThrow(BusinessError);
    expect(() => validateDeal(deal, config)).toThrow(
      /^unmapped_product: product LEGACY-ONPREM .* is not mapped to a Stripe product; add salesforceProductCode "LEGACY-ONPREM"/,
    );
  });

  it('reports every problem at once, classified by the first', () => {
    const deal = northwindNew({ lines: [line('LEGACY-ONPREM', 1, 100), line('GROWTH-SEAT', 2.5, 4900)] });
    deal.billingContact = { name: 'Nancy', email: null };
    expect(dealProblems(deal, config).map((p) => p.code)).toEqual([
      'missing_billing_email',
      'unmapped_product',
      'fractional_quantity',
    ]);
    expect(() => validateDeal(deal, config)).toThrow(
      /^missing_billing_email: .*; product LEGACY-ONPREM.*; GROWTH-SEAT .*quantity 2.5/,
    );
  });

  it('refuses a currency the subsidiary does not bill (French account quoted in USD)', () => {
    const deal = northwindNew();
    deal.account.billingAddress.country = 'FR';
    expect(dealProblems(deal, config)[0]).toEqual({
      code: 'currency_not_mapped',
      message:
        'Northwind Traders is billed by EU-BV (billing country FR), which bills EUR, not USD; quote it in a billed currency or map the currency',
    });
  });

  it('refuses a product without a price in the currency and frequency', () => {
    const deal = northwindNew({ lines: [line('STARTER-SEAT', 3, 1900)] });
    deal.account.billingAddress.country = 'DE';
    deal.opportunity.currency = 'eur';
    expect(dealProblems(deal, config)).toEqual([
      {
        code: 'no_price',
        message:
          'STARTER-SEAT has no Stripe price in EUR billed monthly (configured: USD/month); add one to config/mapping.json',
      },
    ]);
  });

  it('needs a primary quote with lines, a billing contact, and an original opportunity for amendments', () => {
    const noQuote = { ...northwindNew(), quote: null };
    expect(dealProblems(noQuote, config).map((p) => p.code)).toEqual(['no_primary_quote']);
    expect(dealProblems(northwindNew({ lines: [] }), config).map((p) => p.code)).toEqual(['no_quote_lines']);
    expect(dealProblems({ ...northwindNew(), billingContact: null }, config).map((p) => p.code)).toEqual([
      'missing_billing_contact',
    ]);
    const orphan = northwindUpsell();
    orphan.opportunity.originalOpportunityId = null;
    expect(dealProblems(orphan, config).map((p) => p.code)).toEqual(['missing_original_opportunity']);
  });

  it('a cancellation needs no lines; an open opportunity is not billable', () => {
    const cancel = northwindUpsell([]);
    cancel.opportunity.type = 'Cancellation';
    expect(validateDeal(cancel, config).intent).toBe('cancel');
    const open = northwindNew();
    open.opportunity.isWon = false;
    expect(dealProblems(open, config).map((p) => p.code)).toEqual(['deal_not_won']);
  });
});
