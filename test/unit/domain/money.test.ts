import fc from 'fast-check';
import { formatMoney } from '../../../lambdas/domain/money';

describe('money', () => {
  it.each([
    [2_702_615, 'usd', '27,026.15 USD'],
    [5, 'eur', '0.05 EUR'],
    [-120_000, 'usd', '-1,200.00 USD'],
    [41_250, 'jpy', '41,250 JPY'],
    [0, 'usd', '0.00 USD'],
  ])('formats %i %s as %s', (amount, currency, text) => expect(formatMoney(amount, currency)).toBe(text));

  it('property: formatting never loses a minor unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (n) => {
        const text = formatMoney(n, 'usd').replace(' USD', '').replace(/,/g, '').replace('.', '');
        expect(Number(text)).toBe(n === 0 ? 0 : n);
      }),
    );
  });
});
