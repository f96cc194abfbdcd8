/**
 * WriteBack / WriteBackFailure tasks: the billing outcome (subscription id, status, link, last sync) or
 * the reason it failed goes back onto the Opportunity, and a new Stripe customer id onto the Account.
 * A written-back outcome is noted in the crosswalk (`writtenBackVersion`): a replay of a deal whose
 * write-back was parked finds it missing and writes the stored outcome back; once noted, it skips.
 */
import * as z from 'zod';
import { TABLES } from '../../lib/topology';
import { DynamoDealCrosswalk } from '../adapters/crosswalk/deal-crosswalk';
import { withSalesforce } from '../adapters/crm/salesforce/connection';
import { type DealStatusWriteBack, writeBackDealStatus } from '../adapters/crm/salesforce/deals';
import { BILLING_STATUSES } from '../adapters/crm/salesforce/fields';
import { dynamo, requiredEnv } from '../adapters/store/dynamodb';
import { BusinessError } from '../domain/errors';
import { causeMessage } from '../domain/exceptions';
import { logger } from './commons/powertools';

const Input = z.union([
  z.object({
    billing: z.object({
      opportunityId: z.string(),
      accountId: z.string(),
      /** The applied version whose outcome this is. */
      version: z.string(),
      writeBackPending: z.boolean().optional(),
      status: z.enum(BILLING_STATUSES),
      subscriptionId: z.string().nullable(),
      scheduleId: z.string().nullable(),
      customerId: z.string().nullable(),
      customerCreated: z.boolean(),
      link: z.string().nullable(),
    }),
  }),
  z.object({
    failure: z.object({
      opportunityId: z.string(),
      /** The Step Functions error Cause: the message locally, `{errorMessage,…}` JSON in AWS. */
      cause: z.string().nullable().optional(),
      error: z.string().nullable().optional(),
    }),
  }),
]);

/** Through the salesforce circuit breaker: when open, DependencyOutageError without a call. */
const writeToSalesforce = (w: DealStatusWriteBack) => withSalesforce((conn) => writeBackDealStatus(conn, w));

export const handler = async (event: unknown): Promise<{ written: 'status' | 'failure' }> => {
  const parsed = Input.safeParse(event);
  if (!parsed.success) throw new BusinessError('malformed_write_back', z.prettifyError(parsed.error));
  const syncedAt = new Date().toISOString();
  if ('billing' in parsed.data) {
    const b = parsed.data.billing;
    await writeToSalesforce({
      opportunityId: b.opportunityId,
      accountId: b.accountId,
      status: b.status,
      subscriptionId: b.subscriptionId ?? b.scheduleId,
      link: b.link,
      error: null,
      customerId: b.customerCreated ? b.customerId : null,
      syncedAt,
    });
    const crosswalk = new DynamoDealCrosswalk(dynamo().doc, requiredEnv(TABLES.crosswalk.envVar));
    const noted = await crosswalk.recordWrittenBack(b.opportunityId, b.version);
    if (b.writeBackPending || !noted)
      logger.info('billing outcome written back', {
        opportunityId: b.opportunityId,
        version: b.version,
        replayedWriteBack: b.writeBackPending === true,
        noted,
      });
    return { written: 'status' };
  }
  const f = parsed.data.failure;
  const reason = causeMessage(f.cause ?? '') || f.error || 'billing failed';
  logger.info('writing a billing failure back', { opportunityId: f.opportunityId });
  await writeToSalesforce({
    opportunityId: f.opportunityId,
    accountId: null,
    status: 'Failed',
    subscriptionId: null,
    link: null,
    error: reason,
    customerId: null,
    syncedAt,
  });
  return { written: 'failure' };
};
