/**
 * Deferred revenue waterfall (roll-forward) for one period, derived from the journal alone:
 *
 *   opening deferred + billed + adjustments − recognised = closing deferred
 *
 * Amounts are bigint: exact at any volume. Movements are bucketed by entry kind; the closing balance is computed independently (every entry
 * dated up to the period's last day) and must agree, so an entry counted twice or missed by the
 * classification fails loudly instead of producing a report that does not tie to the ledger.
 */
import type { JournalEntry } from '../model';
import { amountFromJson, type JsonAmount } from '../money';
import { InvalidDateError, lastDayOf, periodOf } from './periods';

/** Any journal entry; `kind` is a plain string so future kinds (credit_note, void, …) fit unchanged. */
export type WaterfallEntry = Pick<JournalEntry, 'subsidiary' | 'effectiveDate' | 'lines'> & { kind: string };

export interface WaterfallRow {
  subsidiary: string;
  currency: string;
  /** Deferred balance (credit − debit) of every entry before the period. */
  openingDeferred: bigint;
  /** Net deferred credits of invoice entries in the period (proration credit lines reduce it). */
  billed: bigint;
  /** Net deferred movement of every other kind in the period: credit notes, voids (negative reduces). */
  adjustments: bigint;
  /** Net deferred debits of revenue_release entries in the period (a negative catch-up reduces it). */
  recognised: bigint;
  closingDeferred: bigint;
}

export class WaterfallIdentityError extends Error {
  override readonly name = 'WaterfallIdentityError';
}

type Bucket = 'opening' | 'billed' | 'adjustments' | 'recognised' | 'after';

function bucketOf(entry: WaterfallEntry, period: string): Bucket {
  const entryPeriod = periodOf(entry.effectiveDate);
  if (entryPeriod < period) return 'opening';
  if (entryPeriod > period) return 'after';
  if (entry.kind === 'invoice') return 'billed';
  if (entry.kind === 'revenue_release') return 'recognised';
  return 'adjustments';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function revenueWaterfall(entries: readonly WaterfallEntry[], period: string): WaterfallRow[] {
  const periodEnd = lastDayOf(period);
  // Plain dates only (as JournalEntry requires): bucketing and the closing balance compare them as text.
  const undated = entries.find((e) => !DATE.test(e.effectiveDate));
  if (undated) {
    throw new InvalidDateError(`journal entry effectiveDate is not YYYY-MM-DD: '${undated.effectiveDate}'`);
  }
  const rows = new Map<string, WaterfallRow & { balanceAtEnd: bigint }>();
  for (const entry of entries) {
    // The balance side: everything dated up to the period end. The movement side: bucketOf.
    if (entry.effectiveDate > periodEnd) continue;
    const bucket = bucketOf(entry, period);
    for (const l of entry.lines) {
      if (l.account !== 'deferred_revenue') continue;
      const key = `${entry.subsidiary}|${l.currency}`;
      const row = rows.get(key) ?? {
        subsidiary: entry.subsidiary,
        currency: l.currency,
        openingDeferred: 0n,
        billed: 0n,
        adjustments: 0n,
        recognised: 0n,
        closingDeferred: 0n,
        balanceAtEnd: 0n,
      };
      const netCredit = BigInt(l.credit) - BigInt(l.debit);
      if (bucket === 'opening') row.openingDeferred += netCredit;
      else if (bucket === 'billed') row.billed += netCredit;
      else if (bucket === 'recognised') row.recognised -= netCredit;
      else if (bucket === 'adjustments') row.adjustments += netCredit;
      row.balanceAtEnd += netCredit;
      rows.set(key, row);
    }
  }
  return [...rows.values()]
    .map(({ balanceAtEnd, ...row }) => {
      const closingDeferred = row.openingDeferred + row.billed + row.adjustments - row.recognised;
      if (closingDeferred !== balanceAtEnd) {
        throw new WaterfallIdentityError(
          `${row.subsidiary} ${row.currency.toUpperCase()} ${period}: roll-forward closes at ${closingDeferred} but deferred_revenue balance is ${balanceAtEnd}`,
        );
      }
      return { ...row, closingDeferred };
    })
    .sort((a, b) => a.subsidiary.localeCompare(b.subsidiary) || a.currency.localeCompare(b.currency));
}

const AMOUNTS = ['openingDeferred', 'billed', 'adjustments', 'recognised', 'closingDeferred'] as const;

/** A row on the JSON wire (ops API, `q2c revenue --json`): amounts as `amountToJson` renders them. */
export type WaterfallRowJson = Omit<WaterfallRow, (typeof AMOUNTS)[number]> &
  Record<(typeof AMOUNTS)[number], JsonAmount>;

export const waterfallFromJson = (rows: readonly WaterfallRowJson[]): WaterfallRow[] =>
  rows.map((r) => ({
    ...r,
    ...(Object.fromEntries(AMOUNTS.map((k) => [k, amountFromJson(r[k])])) as Pick<
      WaterfallRow,
      (typeof AMOUNTS)[number]
    >),
  }));
