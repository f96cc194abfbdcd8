/**
 * Journal entries are immutable, balanced transactions (formance-style): balances are derived
 * from them, never edited in place. These helpers are the invariants every posting obeys.
 */
import type { AccountKey, JournalEntry, JournalLine } from '../model';
import { sum } from '../money';

export interface LineContext {
  currency: string;
  sourceEventId: string;
  correlationId: string;
}

/**
 * One side of a line from a signed amount: positive → the natural side, negative → the other.
 * (A credit-side account with a negative amount, e.g. a proration credit line, becomes a debit.)
 */
export function line(
  ctx: LineContext,
  account: AccountKey,
  side: 'debit' | 'credit',
  amount: number,
  memo: string,
  extra: Pick<JournalLine, 'sourceLineRef' | 'servicePeriod'> = { sourceLineRef: null, servicePeriod: null },
): JournalLine {
  const flipped = amount < 0;
  const actual = flipped ? (side === 'debit' ? 'credit' : 'debit') : side;
  const magnitude = Math.abs(amount);
  return {
    account,
    debit: actual === 'debit' ? magnitude : 0,
    credit: actual === 'credit' ? magnitude : 0,
    currency: ctx.currency,
    memo,
    sourceEventId: ctx.sourceEventId,
    correlationId: ctx.correlationId,
    ...extra,
  };
}

export class UnbalancedEntryError extends Error {
  override readonly name = 'UnbalancedEntryError';
}

/** Debits equal credits in every currency of the entry, or the entry is rejected. */
export function assertBalanced(entry: Pick<JournalEntry, 'entryId' | 'lines'>): void {
  for (const [currency, { debit, credit }] of totalsByCurrency(entry.lines)) {
    if (debit !== credit) {
      throw new UnbalancedEntryError(
        `journal ${entry.entryId} does not balance in ${currency.toUpperCase()}: debits ${debit} ≠ credits ${credit}`,
      );
    }
  }
}

export function totalsByCurrency(
  lines: readonly JournalLine[],
): Map<string, { debit: number; credit: number }> {
  const totals = new Map<string, { debit: number; credit: number }>();
  for (const l of lines) {
    const t = totals.get(l.currency) ?? { debit: 0, credit: 0 };
    t.debit += l.debit;
    t.credit += l.credit;
    totals.set(l.currency, t);
  }
  return totals;
}

/** Zero lines carry no information and clutter the ledger. */
export const nonZero = (lines: JournalLine[]): JournalLine[] =>
  lines.filter((l) => l.debit !== 0 || l.credit !== 0);

export const entryTotal = (entry: Pick<JournalEntry, 'lines'>): number =>
  sum(entry.lines.map((l) => l.debit));
