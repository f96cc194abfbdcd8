/**
 * What each posted document does to the revenue schedules: an invoice creates one per ratable
 * line; a credit note (or its void) and an invoice void re-allocate what is still deferred, so no
 * stale deferral is left behind and nothing already recognised is touched. Pure: the handler applies
 * these to the schedule store, each change once (keyed by the posting that caused it).
 */
import type { CreditMemo, Invoice, JournalEntry } from '../model';
import {
  scheduledTotal,
  type RevenueSchedule,
  type ScheduleInput,
  scheduleInputsForInvoice,
} from './schedule';
import { reallocate } from './reallocate';

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
    case 'credit_memo_void': {
      const sign = entry.kind === 'credit_memo' ? -1 : 1;
      return (document as CreditMemo).lines
        .filter((l) => l.recognition === 'ratable' && l.invoiceLineRef && l.amount !== 0)
        .map((l) => ({
          type: 'change',
          lineRef: l.invoiceLineRef as string,
          changeKey: `${entry.idempotencyKey}#${l.lineRef}`,
          effectiveDate: entry.effectiveDate,
          delta: sign * l.amount,
        }));
    }
    default:
      return [];
  }
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

/** Applies a change to a schedule: voids remove the whole amount, so what was recognised is given back. */
export function applyScheduleChange(
  schedule: RevenueSchedule,
  effect: Extract<ScheduleEffect, { type: 'change' }>,
  firstOpenPeriod: string,
): RevenueSchedule {
  const amount = effect.delta === 'cancel' ? -scheduledTotal(schedule) : effect.delta;
  return reallocate(schedule, { amount, effectiveDate: effect.effectiveDate, firstOpenPeriod });
}
