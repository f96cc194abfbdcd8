/**
 * What an operator may type as a period, checked before anything runs: by the CLI before it calls the
 * runtime, and by the ops API before it starts a flow. A bad period that reached a flow would fail its
 * planning task and park `technical: invalid_period` on the exception queue (in AWS, that pages someone).
 * Each check returns the reason a person can act on, or undefined when the period is acceptable.
 */
import { isDay } from '../lambdas/domain/reconciliation/report';
import { isPeriod } from '../lambdas/domain/revenue/periods';

const shown = (value: unknown) => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value));

/** Month-end close: an accounting period or 'previous' (the month before now). */
export function closePeriodProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && (value === 'previous' || isPeriod(value))) return undefined;
  return `period must be YYYY-MM (month 01–12, e.g. 2026-11) or "previous", got ${shown(value)}`;
}

/** Reconciliation: a month, a real calendar day, or 'current' / 'previous' / 'yesterday'. */
export function reconcilePeriodProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && (['current', 'previous', 'yesterday'].includes(value) || isPeriod(value)))
    return undefined;
  if (typeof value === 'string' && isDay(value)) return undefined;
  return (
    'period must be a month YYYY-MM (e.g. 2026-11), a calendar day YYYY-MM-DD (e.g. 2026-11-30), ' +
    `"current", "previous" or "yesterday", got ${shown(value)}`
  );
}

/** Revenue waterfall: an accounting period. */
export function revenuePeriodProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && isPeriod(value)) return undefined;
  return `period must be YYYY-MM (month 01–12, e.g. 2026-11), got ${shown(value)}`;
}
