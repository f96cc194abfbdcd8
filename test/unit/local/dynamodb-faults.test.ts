/**
 * The local DynamoDB throttling hook answers on the wire exactly as DynamoDB does, so the real AWS SDK
 * v3 classifies it as throttling and retries it (or surfaces it once its attempts are spent).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { localTableName, startDynamo, type LocalDynamo } from '../../../local/services/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/services/local-aws';

describe('DynamoFaults: DynamoDB throttling on the local dynalite', () => {
  let dir: string;
  let db: LocalDynamo;
  let raw: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  const idempotency = localTableName('idempotency');
  const ledger = localTableName('ledger');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'q2c-ddb-faults-'));
    db = await startDynamo(dir);
  });
  beforeEach(() => {
    // A fresh client per test: the SDK's retry quota starts full, maxAttempts is the SDK's default for DynamoDB.
    raw = new DynamoDBClient({ endpoint: db.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    doc = DynamoDBDocumentClient.from(raw);
    db.faults.clear();
    db.faults.resetStats();
  });
  afterEach(() => raw.destroy());
  const maxAttempts = () => raw.config.maxAttempts();
  afterAll(async () => {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (id: string, table = idempotency) =>
    doc.send(
      new PutCommand({
        TableName: table,
        Item: table === ledger ? { pk: id, sk: 'entry', status: 'COMPLETED' } : { id, status: 'COMPLETED' },
      }),
    );

  test('answers as DynamoDB does: 400, x-amz-json-1.0, the qualified __type and message', async () => {
    db.faults.throttle({ times: 1 });
    db.faults.throttle({ times: 1, exception: 'ProvisionedThroughputExceededException' });
    const call = () =>
      fetch(db.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.GetItem',
        },
        body: JSON.stringify({ TableName: idempotency, Key: { id: { S: 'x' } } }),
      });
    const first = await call();
    expect(first.status).toBe(400);
    expect(first.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(first.headers.get('x-amzn-requestid')).toMatch(/^[0-9A-F]{32}$/);
    expect(await first.json()).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
      message: 'Rate of requests exceeds the allowed throughput.',
    });
    const second = await call();
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      message:
        'You exceeded your maximum allowed provisioned throughput for a table or for one or more global secondary indexes.',
    });
    // Both faults spent: the next request reaches dynalite (unsigned here, so dynalite refuses it itself).
    const third = await call();
    expect(((await third.json()) as { __type: string }).__type).not.toMatch(/Throttl|ProvisionedThroughput/);
  });

  test.each(['ThrottlingException', 'ProvisionedThroughputExceededException'] as const)(
    'the SDK retries %s: maxAttempts - 1 throttles, PutItem succeeds on the last attempt',
    async (exception) => {
      const attempts = await maxAttempts();
      expect(attempts).toBeGreaterThanOrEqual(3);
      const throttles = attempts - 1;
      db.faults.throttle({ exception, times: throttles, operations: ['PutItem'] });
      const out = await put(`retried-${exception}`);
      expect(out.$metadata.httpStatusCode).toBe(200);
      expect(out.$metadata.attempts).toBe(attempts);
      expect(out.$metadata.totalRetryDelay).toBeGreaterThan(0);
      const got = await doc.send(
        new GetCommand({ TableName: idempotency, Key: { id: `retried-${exception}` } }),
      );
      expect(got.Item).toEqual({ id: `retried-${exception}`, status: 'COMPLETED' });
      expect(db.faults.stats()).toMatchObject({
        throttled: throttles,
        byException: { [exception]: throttles },
        byOperation: { PutItem: throttles },
        byTable: { [idempotency]: throttles },
      });
    },
  );

  test('more throttles than attempts: the error surfaces as ThrottlingException after maxAttempts', async () => {
    const attempts = await maxAttempts();
    db.faults.throttle({ times: attempts + 2 });
    const err = (await put('never').catch((e: unknown) => e)) as {
      name: string;
      message: string;
      $metadata: { httpStatusCode: number; attempts: number };
    };
    expect(err.name).toBe('ThrottlingException');
    expect(err.message).toBe('Rate of requests exceeds the allowed throughput.');
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400, attempts });
    expect(db.faults.stats().throttled).toBe(attempts);
    const got = await doc.send(new GetCommand({ TableName: idempotency, Key: { id: 'never' } }));
    expect(got.Item).toBeUndefined();
  });

  test('matches by operation and by table (also tables inside batch and transaction requests)', async () => {
    db.faults.throttle({ times: Infinity, operations: ['UpdateItem'], tables: [ledger] });
    // Another table, another operation: untouched.
    expect((await put('free')).$metadata.attempts).toBe(1);
    expect((await put('free', ledger)).$metadata.attempts).toBe(1);
    const update = new UpdateCommand({
      TableName: ledger,
      Key: { pk: 'a', sk: 'b' },
      UpdateExpression: 'SET v = :v',
      ExpressionAttributeValues: { ':v': 1 },
    });
    const err = (await doc.send(update).catch((e: unknown) => e)) as { name: string };
    expect(err.name).toBe('ThrottlingException');
    const attempts = await maxAttempts();
    expect(db.faults.stats()).toMatchObject({ throttled: attempts, byOperation: { UpdateItem: attempts } });
    db.faults.clear();
    db.faults.throttle({ times: 1, tables: [ledger] });
    const batch = await fetch(db.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.BatchWriteItem',
      },
      body: JSON.stringify({ RequestItems: { [idempotency]: [], [ledger]: [] } }),
    });
    expect(batch.status).toBe(400);
    db.faults.throttle({ times: 1, tables: [ledger] });
    const transaction = await fetch(db.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.TransactWriteItems',
      },
      body: JSON.stringify({
        TransactItems: [{ Put: { TableName: idempotency } }, { Update: { TableName: ledger } }],
      }),
    });
    expect(transaction.status).toBe(400);
    expect(db.faults.stats().byOperation).toMatchObject({ BatchWriteItem: 1, TransactWriteItems: 1 });
  });

  test('rate: a share of matching requests, until cleared', async () => {
    db.faults.clear();
    db.faults.throttle({ rate: 0.3, operations: ['GetItem'] });
    const client = new DynamoDBClient({
      endpoint: db.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    const reads = DynamoDBDocumentClient.from(client);
    let failed = 0;
    for (let i = 0; i < 200; i++)
      await reads
        .send(new GetCommand({ TableName: idempotency, Key: { id: `r${i}` } }))
        .catch(() => failed++);
    client.destroy();
    expect(failed).toBe(db.faults.stats().throttled);
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
    db.faults.clear();
    expect((await put('after-clear')).$metadata.attempts).toBe(1);
    expect(() => db.faults.throttle({ rate: 0 })).toThrow(/rate/);
  });
});
