/** Trial balance: debits and credits per (account, currency), derived from the journal. */
import type { AccountKey, JournalEntry } from '../model';

export interface TrialBalanceRow {
  account: AccountKey;
  currency: string;
  debit: number;
  credit: number;
}

export function trialBalance(entries: readonly Pick<JournalEntry, 'lines'>[]): TrialBalanceRow[] {
  const rows = new Map<string, TrialBalanceRow>();
  for (const entry of entries) {
    for (const l of entry.lines) {
      const key = `${l.currency}|${l.account}`;
      const row = rows.get(key) ?? { account: l.account, currency: l.currency, debit: 0, credit: 0 };
      row.debit += l.debit;
      row.credit += l.credit;
      rows.set(key, row);
    }
  }
  return [...rows.values()].sort(
    (a, b) => a.currency.localeCompare(b.currency) || a.account.localeCompare(b.account),
  );
}

/** Currencies whose total debits differ from total credits (empty when the books balance). */
export function unbalancedCurrencies(rows: readonly TrialBalanceRow[]): string[] {
  const net = new Map<string, number>();
  for (const r of rows) net.set(r.currency, (net.get(r.currency) ?? 0) + r.debit - r.credit);
  return [...net].filter(([, n]) => n !== 0).map(([c]) => c);
}
