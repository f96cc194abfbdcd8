/**
 * PlanReconciliation task: what to reconcile — a month ('current' before close, 'previous', or YYYY-MM:
 * its billing slices, ERP segments and shards) or a day ('yesterday' from the daily schedule, or
 * YYYY-MM-DD: that day's Stripe events, and on the built-in ledger the postings looked up by id).
 */
import * as z from 'zod';
import { BusinessError } from '../domain/errors';
import {
  isDay,
  isReconciliationScope,
  planDayReconciliation,
  planReconciliation,
  resolvePeriod,
  type ReconciliationPlan,
} from '../domain/reconciliation/report';
import { billingNow } from './commons/clock';
import { erpTarget } from './commons/erp-target';
import { logger } from './commons/powertools';

const Input = z.object({
  period: z.string().default('current'),
  /** The execution name (from the ASL): names the run's staging objects and report. */
  runId: z.string().min(1).max(80).optional(),
});

export const handler = async (event: unknown): Promise<ReconciliationPlan> => {
  const parsed = Input.safeParse(event ?? {});
  if (!parsed.success) throw new BusinessError('invalid_reconciliation_input', parsed.error.message);
  const { period: requested, runId: given } = parsed.data;
  // Billing's clock: the wall clock in AWS, the Stripe sandbox's clock locally ('yesterday', retention).
  const now = new Date(billingNow() * 1000);
  const period = resolvePeriod(requested, now);
  if (!isReconciliationScope(period))
    throw new BusinessError(
      'invalid_period',
      `period must be YYYY-MM, YYYY-MM-DD, "current", "previous" or "yesterday", got ${requested}`,
    );
  const runId = given ?? `${period}-${now.toISOString().replace(/[:.]/g, '')}`;
  let plan: ReconciliationPlan;
  try {
    plan = isDay(period)
      ? planDayReconciliation(period, runId, { erpLookup: erpTarget() !== 'netsuite', now })
      : planReconciliation(period, runId);
  } catch (err) {
    if (err instanceof RangeError) throw new BusinessError('invalid_period', err.message);
    throw err;
  }
  logger.info('reconciliation planned', { period, runId: plan.runId, erpLookup: plan.erpLookup });
  return plan;
};
