/**
 * Crosswalk rows of the deal flow, in the crosswalk table next to the ERP links:
 *
 *   pk sf:account:<id>          sk billing:customer      → Stripe customer (one per account, never replaced)
 *   pk stripe:<cus_…>           sk sf:account            → Salesforce account (so the ERP customer chain
 *                                                           stripe:<cus_…> → erp:customer can be walked back)
 *   pk sf:opportunity:<id>      sk billing:subscription  → subscription / schedule, customer, applied version,
 *                                                           its outcome (`applied`) and the version written
 *                                                           back to the Opportunity (`writtenBackVersion`)
 *   pk stripe:<sub_…|sub_sched_…> sk sf:opportunity      → the opportunity that last shaped it
 *
 * The opportunity row is written only when the version is newer than (or equal to, for an idempotent
 * retry) the one recorded, so a stale or duplicate delivery can never roll it back.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  AccountCustomer,
  AppliedOutcome,
  DealCrosswalk,
  OpportunityBillingLink,
} from '../../domain/crm/apply';
import { retryable } from '../store/aws-errors';

const keys = {
  account: (id: string) => ({ pk: `sf:account:${id}`, sk: 'billing:customer' }),
  opportunity: (id: string) => ({ pk: `sf:opportunity:${id}`, sk: 'billing:subscription' }),
};

export class DynamoDealCrosswalk implements DealCrosswalk {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async opportunity(opportunityId: string): Promise<OpportunityBillingLink | undefined> {
    const { Item } = await retryable(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: keys.opportunity(opportunityId),
          ConsistentRead: true,
        }),
      ),
    );
    if (!Item) return undefined;
    return {
      opportunityId: Item.opportunityId as string,
      accountId: Item.accountId as string,
      version: Item.version as string,
      correlationId: Item.correlationId as string,
      customerId: (Item.customerId as string | undefined) ?? null,
      subscriptionId: (Item.subscriptionId as string | undefined) ?? null,
      scheduleId: (Item.scheduleId as string | undefined) ?? null,
      fingerprint: (Item.fingerprint as string | undefined) ?? null,
      applied: (Item.applied as AppliedOutcome | undefined) ?? null,
      writtenBackVersion: (Item.writtenBackVersion as string | undefined) ?? null,
    };
  }

  async recordWrittenBack(opportunityId: string, version: string): Promise<boolean> {
    try {
      await retryable(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.opportunity(opportunityId),
            UpdateExpression: 'SET writtenBackVersion = :v, writtenBackAt = :t',
            // Only while `version` is the applied one: a newer version's own write-back records itself.
            ConditionExpression: '#version = :v',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':v': version, ':t': new Date().toISOString() },
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async customerOf(accountId: string): Promise<AccountCustomer | undefined> {
    const { Item } = await retryable(() =>
      this.db.send(
        new GetCommand({ TableName: this.tableName, Key: keys.account(accountId), ConsistentRead: true }),
      ),
    );
    return Item
      ? { customerId: Item.customerId as string, createdFor: (Item.createdFor as string | undefined) ?? null }
      : undefined;
  }

  async recordCustomer(accountId: string, customerId: string, createdFor: string): Promise<void> {
    const recordedAt = new Date().toISOString();
    try {
      await retryable(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.account(accountId), accountId, customerId, createdFor, recordedAt },
            ConditionExpression: 'attribute_not_exists(pk) OR customerId = :c',
            ExpressionAttributeValues: { ':c': customerId },
          }),
        ),
      );
    } catch (err) {
      // Another customer is already linked: keep it (the first one wins; billing used it).
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    await retryable(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `stripe:${customerId}`, sk: 'sf:account', accountId, customerId, recordedAt },
        }),
      ),
    );
  }

  /**
   * The reverse rows (billing id → opportunity) first, the opportunity row last: the opportunity row is
   * what makes a retry see the version as applied, so a crash before it makes the retry redo everything
   * (Stripe's idempotency keys return the same objects) instead of skipping the rows it never wrote.
   * Each row is written only from a version at least as new as the one it holds.
   */
  async recordOpportunity(link: OpportunityBillingLink): Promise<boolean> {
    const recordedAt = new Date().toISOString();
    const versionMs = Date.parse(link.version);
    const newerOrSame = async (item: Record<string, unknown>): Promise<boolean> => {
      try {
        await retryable(() =>
          this.db.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...item, versionMs, recordedAt },
              ConditionExpression:
                'attribute_not_exists(pk) OR attribute_not_exists(versionMs) OR versionMs <= :v',
              ExpressionAttributeValues: { ':v': versionMs },
            }),
          ),
        );
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) return false;
        throw err;
      }
    };
    for (const billingId of [link.subscriptionId, link.scheduleId]) {
      if (!billingId) continue;
      await newerOrSame({
        pk: `stripe:${billingId}`,
        sk: 'sf:opportunity',
        opportunityId: link.opportunityId,
        accountId: link.accountId,
        version: link.version,
        correlationId: link.correlationId,
      });
    }
    return newerOrSame({ ...keys.opportunity(link.opportunityId), ...link });
  }
}
