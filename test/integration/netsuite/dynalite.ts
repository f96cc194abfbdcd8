/** An in-memory dynalite with one pk/sk table for the shared concurrency permits, as local/services/dynamodb.ts starts it. */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Server } from 'node:http';
import { listenUrl, LOCAL_CREDENTIALS, LOCAL_REGION, LOOPBACK } from '../../../local/services/local-aws';

// dynalite is CommonJS without types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;

export const PERMITS_TABLE = 'q2c-netsuite-permits';

export interface LocalPermitsTable {
  doc: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

export async function startPermitsTable(): Promise<LocalPermitsTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const client = new DynamoDBClient({
    endpoint: listenUrl(server),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await client.send(
    new CreateTableCommand({
      TableName: PERMITS_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  return {
    doc: DynamoDBDocumentClient.from(client),
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
