/**
 * ApplyToBilling task: validate the deal, plan the Stripe change, make it with idempotency keys, record
 * the crosswalk with the applied version (stale and duplicate versions are skipped before any call).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { TABLES } from '../../lib/topology';
import { stripeSubscriptionBilling } from '../adapters/billing/stripe-subscriptions';
import { DynamoDealCrosswalk } from '../adapters/crosswalk/deal-crosswalk';
import { dynamo, requiredEnv } from '../adapters/store/dynamodb';
import { applyDealToBilling, type DealBillingResult } from '../domain/crm/apply';
import { Deal } from '../domain/crm/deal';
import { BusinessError } from '../domain/errors';
import { billingNow } from './commons/clock';
import { mappingConfig } from './commons/config';
import { logger, metrics, publishMetrics } from './commons/powertools';

const Input = z.object({ deal: Deal });
const billing = stripeSubscriptionBilling();

export const handler = async (event: unknown): Promise<DealBillingResult> => {
  const parsed = Input.safeParse(event);
  if (!parsed.success) throw new BusinessError('malformed_deal', z.prettifyError(parsed.error));
  const { deal } = parsed.data;
  logger.appendKeys({ correlationId: `sf:${deal.opportunity.id}` });
  try {
    const result = await applyDealToBilling(deal, {
      crosswalk: new DynamoDealCrosswalk(dynamo().doc, requiredEnv(TABLES.crosswalk.envVar)),
      billing,
      config: mappingConfig,
      now: billingNow,
    });
    // No outcome dimension: the Deal backlog widget subtracts DealsApplied by [service] (the outcome is logged).
    metrics.addMetric('DealsApplied', MetricUnit.Count, 1);
    logger.info('deal applied to billing', { outcome: result.outcome, summary: result.summary });
    return result;
  } catch (err) {
    if (err instanceof BusinessError) {
      metrics.addMetric('DealsRejected', MetricUnit.Count, 1);
      logger.warn('deal rejected', { reason: err.message });
    }
    throw err;
  } finally {
    logger.removeKeys(['correlationId']);
    publishMetrics();
  }
};
