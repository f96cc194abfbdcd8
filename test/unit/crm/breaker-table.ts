/**
 * The circuit breakers' state table in an in-memory dynalite, with the environment pointing the breaker
 * at it (local credentials, the table's env var, Q2C_BREAKER_OPEN_MS and any `env` of the caller).
 * `stop()` closes it and restores the environment as it was before.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import { TABLES } from '../../../lib/topology';
import { listenUrl, LOCAL_CREDENTIALS, LOCAL_REGION, LOOPBACK } from '../../../local/services/local-aws';

// dynalite is CommonJS without types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;

const TABLE = 'breakers';

export async function startBreakerTable(
  openMs: number,
  env: Record<string, string> = {},
): Promise<{ stop(): Promise<void> }> {
  const savedEnv = { ...process.env };
  const db = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => db.listen(0, LOOPBACK, resolve));
  const client = new DynamoDBClient({
    endpoint: listenUrl(db),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  client.destroy();
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: listenUrl(db),
    [TABLES.circuitBreakers.envVar]: TABLE,
    Q2C_BREAKER_OPEN_MS: String(openMs),
    ...env,
  });
  return {
    stop: async () => {
      await new Promise<void>((resolve) => db.close(() => resolve()));
      process.env = savedEnv;
    },
  };
}
