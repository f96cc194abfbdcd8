/**
 * The crash-point explorer's machinery: kill a Lambda invocation right after its k-th successful write,
 * as a timeout or an out-of-memory kill would, then re-drive the same input and compare the tables.
 *
 * - Every AWS SDK v3 client (DynamoDB, its document client, SQS, EventBridge, S3) sends through
 *   `Client.prototype.send` of @smithy/core: one wrapper there sees every request the handlers make.
 * - An invocation is `LocalFunctions.invoke` run inside an AsyncLocalStorage scope, so only requests
 *   made on behalf of that invocation are counted or refused (the emulators, the test's own reads and
 *   Step Functions' service integrations are not Lambda code and never crash).
 * - After the k-th successful write of the flow, the invocation is dead: that write's caller gets an
 *   error and EVERY further request of that invocation is refused, so a handler's own try/catch (or a
 *   retry loop) cannot write anything more; whatever the handler returns or throws afterwards, the
 *   task fails with `Lambda.Unknown` — the error Step Functions reports for a function timeout or an
 *   out-of-memory error (AWS Step Functions developer guide, "Handle Lambda service exceptions").
 *   None of our retriers lists it, so the execution parks the event as technical, as it would in AWS.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  DeleteItemCommand,
  DynamoDBClient,
  paginateScan,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isDeepStrictEqual } from 'node:util';
import { TABLES, type TableDef, type TableKey } from '../../../lib/topology';
import { LocalFunctions } from '../../../local/lambda';
import { localTableName } from '../../../local/services/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/services/local-aws';

// The one base class every AWS SDK v3 client extends (a transitive dependency of every @aws-sdk client).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Client } = require('@smithy/core/client') as {
  Client: { prototype: { send: (command: unknown, ...rest: unknown[]) => Promise<unknown> } };
};

/** Requests that change state: the points after which a crash can leave partial work. */
const WRITE =
  /^(?:(?:Put|Update|Delete|BatchWrite|TransactWrite)(?:Item)?|SendMessage(?:Batch)?|DeleteMessage(?:Batch)?|PutEvents|PutObject|DeleteObject)Command$/;

export class InvocationKilled extends Error {
  override readonly name = 'Lambda.Unknown';
}

interface FlowScope {
  /** Crash after this many successful writes of the flow (undefined: count only). */
  crashAt?: number;
  writes: number;
  /** The function and request that were the crash point, once it happened. */
  crashedAfter?: string;
}
interface Scope {
  flow: FlowScope;
  invocation?: { fn: string; killed: boolean };
}

const scopes = new AsyncLocalStorage<Scope>();
let installed = false;

/** Installs the wrappers once per test file (jest gives each file its own module registry). */
export function installCrashPoints(): void {
  if (installed) return;
  installed = true;
  const send = Client.prototype.send;
  Client.prototype.send = async function (this: unknown, command: unknown, ...rest: unknown[]) {
    const scope = scopes.getStore();
    const invocation = scope?.invocation;
    if (!scope || !invocation) return send.call(this, command, ...rest);
    if (invocation.killed) throw new InvocationKilled(`${invocation.fn} is dead: request refused`);
    const out = await send.call(this, command, ...rest);
    const name = (command as { constructor: { name: string } }).constructor.name;
    if (WRITE.test(name)) {
      scope.flow.writes++;
      if (scope.flow.writes === scope.flow.crashAt) {
        invocation.killed = true;
        scope.flow.crashedAfter = `${invocation.fn}: ${name}`;
        throw new InvocationKilled(`${invocation.fn} killed after write ${scope.flow.writes} (${name})`);
      }
    }
    return out;
  };
  const invoke = LocalFunctions.prototype.invoke;
  LocalFunctions.prototype.invoke = async function (this: LocalFunctions, f, event) {
    const scope = scopes.getStore();
    if (!scope) return invoke.call(this, f, event);
    const invocation = { fn: f, killed: false };
    let result: unknown;
    try {
      result = await scopes.run({ flow: scope.flow, invocation }, () => invoke.call(this, f, event));
    } catch (err) {
      if (!invocation.killed) throw err;
    }
    // Killed: nothing it returned or threw ever left the sandbox.
    if (invocation.killed) throw new InvocationKilled(`${f} was killed (timeout / out of memory)`);
    return result;
  };
}

/** Runs `work` as one flow: counts its writes, and kills the invocation making write number `crashAt`. */
export async function inFlow<T>(crashAt: number | undefined, work: () => Promise<T>) {
  const flow: FlowScope = { crashAt, writes: 0 };
  const result = await scopes.run({ flow }, work);
  return { result, writes: flow.writes, crashedAfter: flow.crashedAfter };
}

export type Item = Record<string, AttributeValue>;
export type TablesSnapshot = Record<TableKey, Item[]>;

const TABLE_KEYS = Object.keys(TABLES) as TableKey[];
const keyOf = (t: TableKey, item: Item) => {
  const def: TableDef = TABLES[t];
  return JSON.stringify([item[def.partitionKey.name], def.sortKey ? item[def.sortKey.name] : null]);
};

/** Reads and rewrites the local tables directly (not Lambda code: never counted, never crashed). */
export class Tables {
  readonly client: DynamoDBClient;
  constructor(endpoint: string) {
    this.client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  }

  async snapshot(): Promise<TablesSnapshot> {
    const out = {} as TablesSnapshot;
    for (const t of TABLE_KEYS) {
      out[t] = [];
      const pages = paginateScan(
        { client: this.client },
        { TableName: localTableName(t), ConsistentRead: true },
      );
      for await (const page of pages) out[t].push(...((page.Items ?? []) as Item[]));
    }
    return out;
  }

  /** Makes the tables hold exactly `target` (deletes what is extra, puts what is missing or different). */
  async restore(target: TablesSnapshot): Promise<void> {
    const current = await this.snapshot();
    for (const t of TABLE_KEYS) {
      const want = new Map(target[t].map((i) => [keyOf(t, i), i]));
      const have = new Map(current[t].map((i) => [keyOf(t, i), i]));
      const requests: NonNullable<BatchWriteItemCommand['input']['RequestItems']>[string] = [];
      for (const [k, item] of have) {
        if (!want.has(k)) {
          const def: TableDef = TABLES[t];
          const Key: Item = { [def.partitionKey.name]: item[def.partitionKey.name] };
          if (def.sortKey) Key[def.sortKey.name] = item[def.sortKey.name];
          requests.push({ DeleteRequest: { Key } });
        }
      }
      for (const [k, item] of want)
        if (!isDeepStrictEqual(have.get(k), item)) requests.push({ PutRequest: { Item: item } });
      for (let i = 0; i < requests.length; i += 25) {
        let pending: typeof requests | undefined = requests.slice(i, i + 25);
        while (pending?.length) {
          const out: BatchWriteItemCommandOutput = await this.client.send(
            new BatchWriteItemCommand({ RequestItems: { [localTableName(t)]: pending } }),
          );
          pending = out.UnprocessedItems?.[localTableName(t)];
        }
      }
    }
  }

  /**
   * Time passes beyond the killed invocation's timeout: Powertools stamped its INPROGRESS record with
   * that deadline (`in_progress_expiration`, from the Lambda context's remaining time), after which a
   * retry may take the record over. Moving the deadline into the past is exactly that much time passing.
   */
  async expireInProgressIdempotency(): Promise<number> {
    const { idempotency } = await this.snapshot();
    let expired = 0;
    for (const item of idempotency) {
      if (item.status?.S !== 'INPROGRESS') continue;
      await this.client.send(
        new UpdateItemCommand({
          TableName: localTableName('idempotency'),
          Key: { id: item.id },
          UpdateExpression: 'SET in_progress_expiration = :past',
          ExpressionAttributeValues: { ':past': { N: String(Date.now() - 1) } },
        }),
      );
      expired++;
    }
    return expired;
  }

  /**
   * Circuit breakers likewise: an open window or a half-open probe is a deadline (openedAt + open period,
   * probeStartedAt + probe timeout). After a killed probe the circuit stays half-open until the probe
   * timeout, and the work parks as a dependency outage until then; the drain re-drives it after. Moving the
   * start of the window into the past is that time passing.
   */
  async expireBreakerWindows(): Promise<number> {
    const { circuitBreakers } = await this.snapshot();
    let expired = 0;
    for (const item of circuitBreakers) {
      const attribute =
        item.status?.S === 'half-open' ? 'probeStartedAt' : item.status?.S === 'open' ? 'openedAt' : null;
      if (!attribute) continue;
      await this.client.send(
        new UpdateItemCommand({
          TableName: localTableName('circuitBreakers'),
          Key: { pk: item.pk },
          UpdateExpression: 'SET #at = :long_ago',
          ExpressionAttributeNames: { '#at': attribute },
          ExpressionAttributeValues: { ':long_ago': { N: '1' } },
        }),
      );
      expired++;
    }
    return expired;
  }

  /** The time a re-drive comes after: past the killed invocation's timeout and any breaker window. */
  async letTimePass(): Promise<void> {
    await this.expireInProgressIdempotency();
    await this.expireBreakerWindows();
  }

  async put(t: TableKey, item: Item): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: localTableName(t), Item: item }));
  }

  async delete(t: TableKey, key: Item): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: localTableName(t), Key: key }));
  }

  destroy(): void {
    this.client.destroy();
  }
}

export interface Divergence {
  table: TableKey;
  key: string;
  crashFree: unknown;
  afterCrash: unknown;
}

/**
 * Values that are the wall clock of the run, not the books: ISO times and epoch numbers at or after the
 * explorer started (the scenario's own times are November 2026 and earlier).
 */
function normalise(value: unknown, since: number): unknown {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value))
    return Date.parse(value) >= since ? '<now>' : value;
  if (Array.isArray(value)) return value.map((v) => normalise(v, since));
  if (value instanceof Set) return [...value].map((v) => normalise(v, since)).sort();
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, since)]));
  return value;
}

/**
 * What must be identical after a crash and its re-drive: every item of the ledger (journal entries and
 * their lines, schedules, DUE index, closed periods, customers), the crosswalk (documents and deals), the
 * circuit breakers and the ERP permits. Of an idempotency record, its key and status (its expiry times and
 * stored result — `posted` vs `already-posted` — legitimately differ after a re-drive). The exception
 * queue is not compared (the crashed run parks once, technical, before its re-drive), nor its parked-once
 * markers (`parked#…` in the idempotency table), which are that queue's own de-duplication state.
 */
export function compareTables(
  crashFree: TablesSnapshot,
  afterCrash: TablesSnapshot,
  since: number,
): Divergence[] {
  const divergences: Divergence[] = [];
  for (const t of TABLE_KEYS) {
    const view = (i: Item) => {
      const item = unmarshall(i);
      if (t === 'idempotency') return { id: item.id, status: item.status };
      if (t === 'circuitBreakers') {
        // Times are the run's epoch milliseconds and the version a concurrency counter: the circuit is its status.
        const { pk, status, consecutiveFailures } = item;
        return { pk, status, consecutiveFailures };
      }
      return normalise(item, since);
    };
    const compared = (items: Item[]) =>
      t === 'idempotency' ? items.filter((i) => !String(unmarshall(i).id).startsWith('parked#')) : items;
    const a = new Map(compared(crashFree[t]).map((i) => [keyOf(t, i), view(i)]));
    const b = new Map(compared(afterCrash[t]).map((i) => [keyOf(t, i), view(i)]));
    for (const k of new Set([...a.keys(), ...b.keys()])) {
      if (!isDeepStrictEqual(a.get(k), b.get(k)))
        divergences.push({ table: t, key: k, crashFree: a.get(k), afterCrash: b.get(k) });
    }
  }
  return divergences;
}
