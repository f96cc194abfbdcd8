/**
 * Trial balance: debits and credits per (account, currency), derived from the journal. Totals are
 * bigint so they stay exact at any volume (each line's amount is an exact integer number).
 */
import type { AccountKey, JournalEntry } from '../model';
import { amountFromJson, type JsonAmount } from '../money';

export interface TrialBalanceRow {
  account: AccountKey;
  currency: string;
  debit: bigint;
  credit: bigint;
}

export function trialBalance(entries: readonly Pick<JournalEntry, 'lines'>[]): TrialBalanceRow[] {
  const rows = new Map<string, TrialBalanceRow>();
  for (const entry of entries) {
    for (const l of entry.lines) {
      const key = `${l.currency}|${l.account}`;
      const row = rows.get(key) ?? { account: l.account, currency: l.currency, debit: 0n, credit: 0n };
      row.debit += BigInt(l.debit);
      row.credit += BigInt(l.credit);
      rows.set(key, row);
    }
  }
  return [...rows.values()].sort(
    (a, b) => a.currency.localeCompare(b.currency) || a.account.localeCompare(b.account),
  );
}

/** Currencies whose total debits differ from total credits (empty when the books balance). */
export function unbalancedCurrencies(rows: readonly TrialBalanceRow[]): string[] {
  const net = new Map<string, bigint>();
  for (const r of rows) net.set(r.currency, (net.get(r.currency) ?? 0n) + r.debit - r.credit);
  return [...net].filter(([, n]) => n !== 0n).map(([c]) => c);
}

/** A row on the JSON wire (ops API, `q2c trial-balance --json`): amounts as `amountToJson` renders them. */
export type TrialBalanceRowJson = Omit<TrialBalanceRow, 'debit' | 'credit'> & {
  debit: JsonAmount;
  credit: JsonAmount;
};

export const trialBalanceFromJson = (rows: readonly TrialBalanceRowJson[]): TrialBalanceRow[] =>
  rows.map((r) => ({ ...r, debit: amountFromJson(r.debit), credit: amountFromJson(r.credit) }));
