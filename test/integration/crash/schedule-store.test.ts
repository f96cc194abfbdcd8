/**
 * Issue 12 defect 1: a crash after the schedule's Put and before its DUE#<period> index writes must not
 * lose recognised revenue. The retry of the same posting completes the index (and never duplicates the
 * schedule); the same holds for a schedule change crashed before its re-index. Real dynalite, real store.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Server } from 'node:http';
import { ScheduleStore } from '../../../lambdas/adapters/revenue/schedule-store';
import type { ScheduleInput } from '../../../lambdas/domain/revenue/schedule';
import { TABLES } from '../../../lib/topology';
import { createTableInput } from '../../../local/services/dynamodb';
import { listenUrl, LOCAL_CREDENTIALS, LOCAL_REGION, LOOPBACK } from '../../../local/services/local-aws';

// dynalite is CommonJS without types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;

const TABLE = 'q2c-ledger-schedule-crash';
let server: Server;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;

/** The process dies right after its first write of this command type: nothing after it runs. */
class Killed extends Error {}
function dyingAfterFirst(commandName: string): DynamoDBDocumentClient {
  let killed = false;
  return new Proxy(doc, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
      return async (command: { constructor: { name: string } }) => {
        if (killed) throw new Killed('the invocation is gone');
        const out = await target.send(command as never);
        if (command.constructor.name === commandName) {
          killed = true;
          throw new Killed(`killed after ${commandName}`);
        }
        return out;
      };
    },
  });
}

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  client = new DynamoDBClient({
    endpoint: listenUrl(server),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await client.send(new CreateTableCommand(createTableInput(TABLE, TABLES.ledger)));
  doc = DynamoDBDocumentClient.from(client);
});
afterAll(async () => {
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// An annual line billed 15 Nov 2026: due in 13 calendar months (Nov 2026 … Nov 2027).
const annual: ScheduleInput = {
  lineRef: 'stripe:il_brightline_annual',
  invoiceRef: 'stripe:in_brightline',
  subsidiary: 'US-INC',
  currency: 'usd',
  amount: 1_800_000,
  servicePeriod: { start: '2026-11-15T00:00:00.000Z', end: '2027-11-15T00:00:00.000Z' },
  correlationId: 'corr-1',
  sourceEventId: 'evt_1',
};

const dueItems = async (lineRef: string) => {
  const { Items = [] } = await doc.send(new ScanCommand({ TableName: TABLE }));
  return Items.filter((i) => String(i.pk).startsWith('DUE#') && i.lineRef === lineRef)
    .map((i) => String(i.pk))
    .sort();
};

describe('ScheduleStore crash safety', () => {
  it('a retry after a crash between the schedule Put and the DUE index completes the index', async () => {
    const crashing = new ScheduleStore(dyingAfterFirst('PutCommand'), TABLE);
    await expect(crashing.create(annual)).rejects.toThrow(Killed);
    expect(await dueItems(annual.lineRef)).toEqual([]); // the window the defect left open

    const retried = await new ScheduleStore(doc, TABLE).create(annual);
    const periods = retried.periods.map((p) => `DUE#${p.period}`).sort();
    expect(periods).toHaveLength(13);
    expect(periods).toContain('DUE#2026-11');
    expect(await dueItems(annual.lineRef)).toEqual(periods);

    // Never duplicated: one schedule item, version 1, and the line is found due in its first month.
    const { Items = [] } = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': `SCHEDULE#${annual.lineRef}` },
      }),
    );
    expect(Items.map((i) => i.version)).toEqual([1]);
  });

  it('a retried schedule change crashed before its re-index completes the index of the changed schedule', async () => {
    const line = { ...annual, lineRef: 'stripe:il_extended', invoiceRef: 'stripe:in_extended' };
    const store = new ScheduleStore(doc, TABLE);
    await store.create({
      ...line,
      servicePeriod: { start: line.servicePeriod.start, end: '2026-12-15T00:00:00.000Z' },
    });
    expect(await dueItems(line.lineRef)).toEqual(['DUE#2026-11', 'DUE#2026-12']);

    // A change moves 100.00 of December into January 2027; the process dies right after the UpdateItem.
    const stored = (await store.get(line.lineRef))!.schedule;
    const changed = {
      ...stored,
      periods: [
        ...stored.periods.map((p) => (p.period === '2026-12' ? { ...p, amount: p.amount - 10_000 } : p)),
        { period: '2027-01', amount: 10_000, days: 0 },
      ],
    };
    const crashing = new ScheduleStore(dyingAfterFirst('UpdateCommand'), TABLE);
    await expect(crashing.change(line.lineRef, 'cn:1', () => changed)).rejects.toThrow(Killed);
    expect(await dueItems(line.lineRef)).not.toContain('DUE#2027-01');

    expect(await store.change(line.lineRef, 'cn:1', () => changed)).toBe('already-applied');
    expect(await dueItems(line.lineRef)).toContain('DUE#2027-01');
  });
});
