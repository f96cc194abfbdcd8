/**
 * DynamoDB locally: dynalite (LevelDB-backed, persisted under the data dir) reached by the real
 * @aws-sdk/client-dynamodb. Tables are created from the same definitions CDK deploys.
 * dynalite has no TTL API, so `expiration` is not enforced locally (records simply persist), and no
 * fault hook: DynamoFaults wraps its request listener to answer throttling on the wire.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  type AttributeDefinition,
} from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import * as path from 'node:path';
import { TABLES, type TableDef, type TableKey } from '../../lib/topology';
import { DynamoFaults } from './dynamodb-faults';
import { listenUrl, LOCAL_CREDENTIALS, LOCAL_REGION, LOOPBACK } from './local-aws';

// dynalite is CommonJS without types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;

export const localTableName = (t: TableKey): string => `q2c-${TABLES[t].id}`;

export interface LocalDynamo {
  endpoint: string;
  /** Local only: DynamoDB throttling answered on the wire (local/services/dynamodb-faults.ts). */
  faults: DynamoFaults;
  stop(): Promise<void>;
}

export async function startDynamo(dataDir: string): Promise<LocalDynamo> {
  const server = dynalite({
    path: path.join(dataDir, 'dynamodb'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const faults = new DynamoFaults();
  faults.install(server);
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const endpoint = listenUrl(server);
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await createMissingTables(client);
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    faults,
    stop: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

async function createMissingTables(client: DynamoDBClient): Promise<void> {
  const { TableNames = [] } = await client.send(new ListTablesCommand({}));
  for (const key of Object.keys(TABLES) as TableKey[]) {
    const name = localTableName(key);
    if (!TableNames.includes(name))
      await client.send(new CreateTableCommand(createTableInput(name, TABLES[key])));
  }
}

/** The CreateTable request for a topology table: the same key schema CDK synthesizes. */
export function createTableInput(name: string, def: TableDef) {
  const keys = [def.partitionKey, ...(def.sortKey ? [def.sortKey] : [])];
  const AttributeDefinitions: AttributeDefinition[] = keys.map((k) => ({
    AttributeName: k.name,
    AttributeType: k.type,
  }));
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions,
    KeySchema: keys.map((k, i) => ({
      AttributeName: k.name,
      KeyType: i === 0 ? ('HASH' as const) : ('RANGE' as const),
    })),
  };
}
