/**
 * The crosswalk links a source document (e.g. stripe:in_123) to its canonical reference and ERP
 * id. Each link keeps the source version (event time) it was last written from, so a stale or
 * duplicate event never overwrites a newer link.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { retryable } from '../store/aws-errors';

export interface CrosswalkLink {
  sourceRef: string;
  /** What the link is to, e.g. `erp:invoice`, `erp:payment`. */
  target: string;
  canonicalRef: string;
  erpId: string;
  erpSystem: string;
  /** ISO time of the source event this link was written from. */
  sourceVersion: string;
  correlationId: string;
}

export class Crosswalk {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes the link unless a link from a newer source version exists. Returns whether it was applied. */
  async link(link: CrosswalkLink): Promise<boolean> {
    try {
      await retryable(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: link.sourceRef, sk: link.target, ...link },
            ConditionExpression: 'attribute_not_exists(pk) OR sourceVersion <= :v',
            ExpressionAttributeValues: { ':v': link.sourceVersion },
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async find(sourceRef: string, target: string): Promise<CrosswalkLink | undefined> {
    const { Item } = await retryable(() =>
      this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk: sourceRef, sk: target } })),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...link } = Item;
    return link as CrosswalkLink;
  }
}
