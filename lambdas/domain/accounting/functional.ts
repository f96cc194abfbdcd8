/**
 * Multi-currency: entries are booked in the transaction currency; each line also records its
 * amount in the subsidiary's functional currency. Rounding each line separately can leave the
 * functional side a minor unit out of balance, so the residue goes to the largest line of the
 * short side: the functional view balances exactly, like the transaction view.
 */
import type { JournalEntry, JournalLine } from '../model';

export function withFunctionalAmounts(
  entry: JournalEntry,
  functionalCurrency: string,
  convert: (amount: number) => number,
): JournalEntry {
  const currency = entry.lines[0]?.currency;
  if (!currency || currency === functionalCurrency) return entry;
  const lines: JournalLine[] = entry.lines.map((l) => ({
    ...l,
    functional: { currency: functionalCurrency, debit: convert(l.debit), credit: convert(l.credit) },
  }));
  const debit = lines.reduce((s, l) => s + (l.functional?.debit ?? 0), 0);
  const credit = lines.reduce((s, l) => s + (l.functional?.credit ?? 0), 0);
  const residue = debit - credit;
  if (residue !== 0) {
    const side = residue > 0 ? 'credit' : 'debit';
    const target = lines.reduce((best, l) =>
      (l.functional?.[side] ?? 0) > (best.functional?.[side] ?? 0) ? l : best,
    );
    if (target.functional) target.functional[side] += Math.abs(residue);
  }
  return { ...entry, lines };
}
