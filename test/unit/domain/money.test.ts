import fc from 'fast-check';
import {
  amountFromJson,
  bigintJsonReplacer,
  exactTotal,
  formatMoney,
  type JsonAmount,
  sum,
} from '../../../lambdas/domain/money';

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

describe('exact totals at volume (issue 12 defect 5)', () => {
  const MAX = Number.MAX_SAFE_INTEGER;
  const amount = fc.integer({ min: -MAX, max: MAX });

  it('the issue’s case: 9,007,199,254,740,000 + 1,001 is 9,007,199,254,741,001, not 9007199254741000', () => {
    expect(exactTotal([9_007_199_254_740_000, 1_001])).toBe(9_007_199_254_741_001n);
    expect(() => sum([9_007_199_254_740_000, 1_001])).toThrow(RangeError);
  });

  it('property: the total of many large amounts equals the bigint oracle', () => {
    fc.assert(
      fc.property(fc.array(amount, { maxLength: 300 }), (values) => {
        let oracle = 0n;
        for (const v of values) oracle = oracle + BigInt(v);
        expect(exactTotal(values)).toBe(oracle);
      }),
    );
  });

  it('property: sum is exact when the total fits a number and refuses it otherwise', () => {
    fc.assert(
      fc.property(fc.array(amount, { maxLength: 50 }), (values) => {
        const exact = exactTotal(values);
        if (exact <= BigInt(MAX) && exact >= -BigInt(MAX)) expect(BigInt(sum(values))).toBe(exact);
        else expect(() => sum(values)).toThrow(RangeError);
      }),
    );
  });

  it('property: JSON amounts are numbers while exact, decimal strings beyond, and read back exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), (n) => {
        const wire = JSON.parse(JSON.stringify({ n }, bigintJsonReplacer)) as { n: JsonAmount };
        expect(typeof wire.n).toBe(n <= BigInt(MAX) && n >= -BigInt(MAX) ? 'number' : 'string');
        expect(amountFromJson(wire.n)).toBe(n);
      }),
    );
    expect(() => amountFromJson(1.5)).toThrow(RangeError);
    expect(() => amountFromJson('12e3')).toThrow(RangeError);
  });

  it('formats bigint totals digit for digit', () => {
    expect(formatMoney(9_007_199_254_741_001n, 'cad')).toBe('90,071,992,547,410.01 CAD');
    expect(formatMoney(-(10n ** 20n) - 7n, 'jpy')).toBe('-100,000,000,000,000,000,007 JPY');
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), (n) => {
        const text = formatMoney(n, 'usd').replace(' USD', '').replace(/,/g, '').replace('.', '');
        expect(BigInt(text)).toBe(n);
      }),
    );
  });
});
