/**
 * What each posted document does to the revenue schedules: an invoice creates one per ratable
 * line; a credit note re-allocates what is still deferred and its void restores it; an invoice void
 * cancels what is still deferred and gives back what closed periods released. Pure: the handler applies
 * these to the schedule store, each change once (keyed by the posting that caused it).
 */
import type { CreditMemo, CreditMemoVoid, Invoice, JournalEntry } from '../model';
import { type RevenueSchedule, type ScheduleInput, scheduleInputsForInvoice } from './schedule';
import { cancelForVoid, reallocate } from './reallocate';

export type ScheduleEffect =
  | { type: 'create'; input: ScheduleInput }
  | {
      type: 'change';
      lineRef: string;
      /** Applied once per schedule: the posting's idempotency key (+ line). */
      changeKey: string;
      effectiveDate: string;
      /** Signed delta, or 'cancel' to remove everything not yet recognised (voids). */
      delta: number | 'cancel';
    };

export function scheduleEffects(entry: JournalEntry, document: unknown): ScheduleEffect[] {
  switch (entry.kind) {
    case 'invoice':
      return scheduleInputsForInvoice(document as Invoice).map((input) => ({ type: 'create', input }));
    case 'invoice_void':
      return ratableLineRefs(entry).map((lineRef) => ({
        type: 'change',
        lineRef,
        changeKey: `${entry.idempotencyKey}#${lineRef}`,
        effectiveDate: entry.effectiveDate,
        delta: 'cancel',
      }));
    case 'credit_memo':
      return creditedLineChanges(entry, document as CreditMemo, -1, entry.effectiveDate);
    case 'credit_memo_void': {
      // The void's document names the credit note; the entry alone has no credited-line amounts by line.
      const { creditMemo } = document as Partial<CreditMemoVoid>;
      if (!creditMemo?.lines) {
        throw new TypeError(
          `${entry.idempotencyKey}: the void's document does not carry the credit note it voids`,
        );
      }
      // Restored from the credit note's own date, so while those periods are open the void is the
      // exact mirror of the reduction (allocation is sign-symmetric); closed periods stay as released.
      return creditedLineChanges(entry, creditMemo, 1, creditMemo.issuedAt);
    }
    default:
      return [];
  }
}

/** One change per ratable credited line: −amount for the credit note, +amount for its void. */
function creditedLineChanges(
  entry: JournalEntry,
  creditMemo: CreditMemo,
  sign: 1 | -1,
  effectiveDate: string,
): ScheduleEffect[] {
  return creditMemo.lines
    .filter((l) => l.recognition === 'ratable' && l.invoiceLineRef && l.amount !== 0)
    .map((l) => ({
      type: 'change',
      lineRef: l.invoiceLineRef as string,
      changeKey: `${entry.idempotencyKey}#${l.lineRef}`,
      effectiveDate,
      delta: sign * l.amount,
    }));
}

/** The deferred lines of an invoice (or its void) are those booked to deferred_revenue with a line ref. */
function ratableLineRefs(entry: JournalEntry): string[] {
  return [
    ...new Set(
      entry.lines
        .filter((l) => l.account === 'deferred_revenue' && l.sourceLineRef)
        .map((l) => l.sourceLineRef as string),
    ),
  ];
}

/**
 * Applies a change to a schedule. A void cancels every open period whatever its date and gives back
 * what closed periods released (DESIGN.md §5), so a line voided before any close releases nothing.
 */
export function applyScheduleChange(
  schedule: RevenueSchedule,
  effect: Extract<ScheduleEffect, { type: 'change' }>,
  firstOpenPeriod: string,
): RevenueSchedule {
  if (effect.delta === 'cancel') return cancelForVoid(schedule, firstOpenPeriod);
  return reallocate(schedule, { amount: effect.delta, effectiveDate: effect.effectiveDate, firstOpenPeriod });
}
