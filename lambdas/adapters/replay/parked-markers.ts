/**
 * The parked markers the posting flows claim before they send an exception message (a conditional
 * PutItem of `parked#<source>#<classification>#<error>` in the idempotency table, in the ASL): one
 * message per source event or opportunity and reason, across redeliveries and restarts. Whoever takes
 * a parked message off the queue to re-drive it releases its marker first, so a replay that fails
 * again parks exactly one new message.
 */
import { DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface ParkedMarkers {
  release(key: string): Promise<void>;
}

export function dynamoParkedMarkers(client: DynamoDBClient, tableName: string): ParkedMarkers {
  return {
    release: async (key) => {
      // Deleting a marker that is not there (TTL, a manual clean-up) is not an error.
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { id: { S: key } } }));
    },
  };
}
