/**
 * Issue 12 defect 5: the trial balance and the revenue waterfall add exactly whatever the volume.
 * Oracle: plain bigint addition written here over the lines, not the domain's code.
 */
import fc from 'fast-check';
import { line, type LineContext } from '../../../lambdas/domain/accounting/journal';
import { trialBalance, unbalancedCurrencies } from '../../../lambdas/domain/accounting/trial-balance';
import type { AccountKey } from '../../../lambdas/domain/model';
import { revenueWaterfall, type WaterfallEntry } from '../../../lambdas/domain/revenue/waterfall';

const MAX = Number.MAX_SAFE_INTEGER;
const ctx = (currency: string): LineContext => ({ currency, sourceEventId: 'evt', correlationId: 'opp' });

/** A balanced two-line entry: `amount` debited to `debit`, credited to `credit`. */
const entry = (
  kind: string,
  date: string,
  currency: string,
  debit: AccountKey,
  credit: AccountKey,
  amount: number,
): WaterfallEntry => ({
  kind,
  subsidiary: 'US-INC',
  effectiveDate: date,
  lines: [
    line(ctx(currency), debit, 'debit', amount, kind),
    line(ctx(currency), credit, 'credit', amount, kind),
  ],
});

const bigAmount = fc.integer({ min: 1, max: MAX });

describe('trial balance at volume', () => {
  it('two CAD invoices of 9,007,199,254,740,000 and 1,001 cents: AR 9,007,199,254,741,001', () => {
    const rows = trialBalance([
      entry('invoice', '2026-11-02', 'cad', 'accounts_receivable', 'revenue', 9_007_199_254_740_000),
      entry('invoice', '2026-11-02', 'cad', 'accounts_receivable', 'revenue', 1_001),
    ]);
    expect(rows.find((r) => r.account === 'accounts_receivable')?.debit).toBe(9_007_199_254_741_001n);
    expect(unbalancedCurrencies(rows)).toEqual([]);
  });

  it('property: every row equals the bigint oracle and the books balance, for many near-2^53 amounts', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            amount: bigAmount,
            currency: fc.constantFrom('usd', 'cad'),
            debit: fc.constantFrom<AccountKey>('accounts_receivable', 'stripe_clearing', 'bad_debt'),
            credit: fc.constantFrom<AccountKey>('revenue', 'deferred_revenue', 'accounts_receivable'),
          }),
          { minLength: 1, maxLength: 200 },
        ),
        (specs) => {
          const entries = specs.map((s) =>
            entry('invoice', '2026-11-02', s.currency, s.debit, s.credit, s.amount),
          );
          const oracle = new Map<string, { debit: bigint; credit: bigint }>();
          for (const s of specs) {
            const d = oracle.get(`${s.currency}|${s.debit}`) ?? { debit: 0n, credit: 0n };
            d.debit += BigInt(s.amount);
            oracle.set(`${s.currency}|${s.debit}`, d);
            const c = oracle.get(`${s.currency}|${s.credit}`) ?? { debit: 0n, credit: 0n };
            c.credit += BigInt(s.amount);
            oracle.set(`${s.currency}|${s.credit}`, c);
          }
          const rows = trialBalance(entries);
          expect(
            new Map(rows.map((r) => [`${r.currency}|${r.account}`, { debit: r.debit, credit: r.credit }])),
          ).toEqual(oracle);
          expect(unbalancedCurrencies(rows)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('revenue waterfall at volume', () => {
  it('property: billed, recognised and the closing balance are exact and the roll-forward ties', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ billed: bigAmount, released: fc.nat({ max: 100 }) }), {
          minLength: 2,
          maxLength: 100,
        }),
        (lines) => {
          const entries = lines.flatMap((l) => {
            const release = Math.floor((l.billed / 100) * l.released);
            return [
              entry('invoice', '2026-11-02', 'usd', 'accounts_receivable', 'deferred_revenue', l.billed),
              ...(release > 0
                ? [entry('revenue_release', '2026-11-30', 'usd', 'deferred_revenue', 'revenue', release)]
                : []),
            ];
          });
          let billed = 0n;
          let recognised = 0n;
          for (const l of lines) {
            billed += BigInt(l.billed);
            recognised += BigInt(Math.floor((l.billed / 100) * l.released));
          }
          const [row] = revenueWaterfall(entries, '2026-11');
          expect(row).toEqual({
            subsidiary: 'US-INC',
            currency: 'usd',
            openingDeferred: 0n,
            billed,
            adjustments: 0n,
            recognised,
            closingDeferred: billed - recognised,
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
