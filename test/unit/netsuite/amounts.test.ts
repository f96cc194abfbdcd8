/** Minor units ↔ NetSuite decimal amounts: exact for every safe integer, never through a float. */
import fc from 'fast-check';
import {
  currencyExponent,
  fromDecimalString,
  NetSuiteAmount,
  toDecimalString,
  toNetSuiteJson,
} from '../../../lambdas/adapters/erp/netsuite/amounts';

const currencies = fc.constantFrom('usd', 'eur', 'jpy', 'krw', 'kwd', 'bhd', 'gbp');

/** The reference: BigInt division, independent of the string slicing under test. */
function reference(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const scale = 10n ** BigInt(exponent);
  const abs = BigInt(Math.abs(minor));
  const whole = (abs / scale).toString();
  const fraction = exponent ? `.${(abs % scale).toString().padStart(exponent, '0')}` : '';
  return `${minor < 0 ? '-' : ''}${whole}${fraction}`;
}

describe('toDecimalString', () => {
  it.each([
    [123456, 'usd', '1234.56'],
    [5, 'usd', '0.05'],
    [-5, 'usd', '-0.05'],
    [0, 'eur', '0.00'],
    [500, 'jpy', '500'],
    [1234, 'kwd', '1.234'],
    [Number.MAX_SAFE_INTEGER, 'usd', '90071992547409.91'],
  ])('%i %s → %s', (minor, currency, expected) => {
    expect(toDecimalString(minor, currency)).toBe(expected);
  });

  it('property: equals the BigInt reference and round-trips exactly, for every safe integer', () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger().filter((n) => n >= -Number.MAX_SAFE_INTEGER),
        currencies,
        (minor, currency) => {
          const text = toDecimalString(minor, currency);
          expect(text).toBe(reference(minor, currency));
          expect(fromDecimalString(text, currency)).toBe(minor);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: the JSON sent to NetSuite carries the exact digits as a number literal', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), currencies, (minor, currency) => {
        const json = toNetSuiteJson({ amount: new NetSuiteAmount(minor, currency), memo: 'x' });
        expect(json).toBe(`{"amount":${reference(minor, currency)},"memo":"x"}`);
      }),
    );
  });

  it('property: what NetSuite echoes back as a JSON number parses to the same minor units (≤ 15 digits)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e14, max: 1e14 }),
        fc.constantFrom('usd', 'eur', 'jpy'),
        (minor, currency) => {
          const echoed = String(JSON.parse(toNetSuiteJson(new NetSuiteAmount(minor, currency))));
          expect(fromDecimalString(echoed, currency)).toBe(minor);
        },
      ),
    );
  });
});

describe('fromDecimalString', () => {
  it('refuses to round: more decimals than the currency has is an error, as is a non-number', () => {
    expect(() => fromDecimalString('0.30000000000000004', 'usd')).toThrow(RangeError);
    expect(() => fromDecimalString('1.5', 'jpy')).toThrow(RangeError);
    expect(() => fromDecimalString('1e3', 'usd')).toThrow(RangeError);
    expect(fromDecimalString('1306.5', 'usd')).toBe(130650);
    expect(fromDecimalString('-0.00', 'usd')).toBe(0);
  });

  it('refuses non-integers on the way in', () => {
    expect(() => toDecimalString(0.5, 'usd')).toThrow(RangeError);
  });
});
