/**
 * PlanReconciliation task: which period to reconcile ('current' from the daily schedule, 'previous'
 * before close, or YYYY-MM), the billing slices and ERP segments to extract, and the shards to compare.
 */
import { z } from 'zod';
import { BusinessError } from '../domain/errors';
import {
  isPeriod,
  planReconciliation,
  resolvePeriod,
  type ReconciliationPlan,
} from '../domain/reconciliation/report';
import { logger } from './commons/powertools';

const Input = z.object({
  period: z.string().default('current'),
  /** The execution name (from the ASL): names the run's staging objects and report. */
  runId: z.string().min(1).max(80).optional(),
});

export const handler = async (event: unknown): Promise<ReconciliationPlan> => {
  const parsed = Input.safeParse(event ?? {});
  if (!parsed.success) throw new BusinessError('invalid_reconciliation_input', parsed.error.message);
  const { period: requested, runId } = parsed.data;
  const now = new Date();
  const period = resolvePeriod(requested, now);
  if (!isPeriod(period))
    throw new BusinessError(
      'invalid_period',
      `period must be YYYY-MM, "current" or "previous", got ${requested}`,
    );
  const plan = planReconciliation(period, runId ?? `${period}-${now.toISOString().replace(/[:.]/g, '')}`);
  logger.info('reconciliation planned', { period, runId: plan.runId });
  return plan;
};
