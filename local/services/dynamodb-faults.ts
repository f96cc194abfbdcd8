/**
 * DynamoDB throttling for the local dynalite, on the wire: armed faults answer matching requests
 * exactly as DynamoDB answers throttling (HTTP 400, `application/x-amz-json-1.0`,
 * `{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":…}`), so the real
 * AWS SDK v3 classifies them as throttling and retries them with its own backoff. dynalite has no
 * fault hook of its own: this wraps its HTTP request listener (no extra network hop). A fault
 * matches by operation (the X-Amz-Target suffix: PutItem, UpdateItem, TransactWriteItems…) and/or
 * table (TableName, or any table of a batch/transaction), fires on a share of matching requests
 * (`rate`) and for a number of them (`times`), and is counted.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { crc32 } from 'node:zlib';
import { FaultInjector, type FaultHandle } from '../sandboxes/fault-injector';

export const DYNAMODB_THROTTLING_EXCEPTIONS = [
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
] as const;
export type DynamoThrottlingException = (typeof DYNAMODB_THROTTLING_EXCEPTIONS)[number];

/** The messages DynamoDB sends with each (Developer Guide, "Error handling with DynamoDB"). */
const MESSAGES: Record<DynamoThrottlingException, string> = {
  ThrottlingException: 'Rate of requests exceeds the allowed throughput.',
  ProvisionedThroughputExceededException:
    'You exceeded your maximum allowed provisioned throughput for a table or for one or more global secondary indexes.',
};

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export interface DynamoRequest {
  /** X-Amz-Target operation, e.g. PutItem. */
  operation: string;
  /** Every table the request touches. */
  tables: string[];
}

export interface DynamoThrottleSpec {
  /** Which throttling answer (default ThrottlingException). */
  exception?: DynamoThrottlingException;
  /** Matching requests to throttle before the fault is spent; default 1, or until cleared when `rate` is given. */
  times?: number;
  /** Share (0–1] of matching requests throttled; default 1 (every one). */
  rate?: number;
  /** Only these operations (X-Amz-Target suffix). */
  operations?: readonly string[];
  /** Only requests touching one of these table names. */
  tables?: readonly string[];
}

interface ArmedThrottle {
  exception: DynamoThrottlingException;
  times?: number;
  match: (req: DynamoRequest) => boolean;
}

export interface DynamoFaultStats {
  /** Requests seen while a fault was armed or since the stats were reset. */
  requests: number;
  throttled: number;
  byException: Record<string, number>;
  byOperation: Record<string, number>;
  byTable: Record<string, number>;
}

const emptyStats = (): DynamoFaultStats => ({
  requests: 0,
  throttled: 0,
  byException: {},
  byOperation: {},
  byTable: {},
});

export class DynamoFaults {
  private readonly injector = new FaultInjector<DynamoRequest, ArmedThrottle>();
  private armed = 0;
  private counts = emptyStats();

  constructor(private readonly random: () => number = Math.random) {}

  /** Arms a throttle; returns a handle (remaining count, cancel). */
  throttle(spec: DynamoThrottleSpec = {}): FaultHandle {
    const exception = spec.exception ?? 'ThrottlingException';
    if (!DYNAMODB_THROTTLING_EXCEPTIONS.includes(exception))
      throw new Error(`unknown exception ${exception}`);
    const rate = spec.rate ?? 1;
    if (!(rate > 0 && rate <= 1)) throw new Error('rate must be in (0, 1]');
    const operations = spec.operations ? new Set(spec.operations) : undefined;
    const tables = spec.tables ? new Set(spec.tables) : undefined;
    const handle = this.injector.inject({
      exception,
      times: spec.times ?? (spec.rate === undefined ? 1 : Infinity),
      match: (req) =>
        (!operations || operations.has(req.operation)) &&
        (!tables || req.tables.some((t) => tables.has(t))) &&
        (rate >= 1 || this.random() < rate),
    });
    this.armed++;
    return handle;
  }

  clear(): void {
    this.injector.clear();
    this.armed = 0;
  }

  stats(): DynamoFaultStats {
    return JSON.parse(JSON.stringify(this.counts)) as DynamoFaultStats;
  }

  resetStats(): void {
    this.counts = emptyStats();
  }

  /** Wraps dynalite's request listener: requests pass straight through unless a fault was ever armed. */
  install(server: Server): void {
    const [dynalite] = server.listeners('request') as RequestListener[];
    if (!dynalite) throw new Error('dynalite server has no request listener');
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.armed === 0) return dynalite(req, res);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const request = describe(req, body);
        this.counts.requests++;
        const fault = request && this.injector.take(request);
        if (request && fault) {
          this.count(request, fault.exception);
          return answerThrottled(res, fault.exception);
        }
        // Not throttled: dynalite reads the same request from a replay of the buffered body.
        const replay = Object.assign(new PassThrough(), {
          headers: req.headers,
          method: req.method,
          url: req.url,
          httpVersion: req.httpVersion,
          socket: req.socket,
        });
        dynalite(replay as unknown as IncomingMessage, res);
        replay.end(body);
      });
    });
  }

  private count(req: DynamoRequest, exception: string): void {
    const c = this.counts;
    c.throttled++;
    c.byException[exception] = (c.byException[exception] ?? 0) + 1;
    c.byOperation[req.operation] = (c.byOperation[req.operation] ?? 0) + 1;
    for (const t of req.tables) c.byTable[t] = (c.byTable[t] ?? 0) + 1;
  }
}

/** The operation and tables of a DynamoDB JSON request; undefined when it is not one (dynalite answers it). */
function describe(req: IncomingMessage, body: Buffer): DynamoRequest | undefined {
  const target = String(req.headers['x-amz-target'] ?? '');
  const m = /^DynamoDB_20120810\.([A-Za-z]+)$/.exec(target);
  if (req.method !== 'POST' || !m) return undefined;
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return { operation: m[1], tables: tablesOf(input) };
}

function tablesOf(input: Record<string, unknown>): string[] {
  const tables = new Set<string>();
  if (typeof input.TableName === 'string') tables.add(input.TableName);
  if (input.RequestItems && typeof input.RequestItems === 'object')
    for (const t of Object.keys(input.RequestItems)) tables.add(t);
  if (Array.isArray(input.TransactItems))
    for (const item of input.TransactItems as Record<string, { TableName?: unknown }>[])
      for (const action of Object.values(item ?? {}))
        if (typeof action?.TableName === 'string') tables.add(action.TableName);
  return [...tables];
}

/** DynamoDB's throttling answer: 400, JSON 1.0, the fully qualified __type, a request id and CRC32. */
function answerThrottled(res: ServerResponse, exception: DynamoThrottlingException): void {
  const body = JSON.stringify({
    __type: `com.amazonaws.dynamodb.v20120810#${exception}`,
    message: MESSAGES[exception],
  });
  res.statusCode = 400;
  res.setHeader('Content-Type', 'application/x-amz-json-1.0');
  res.setHeader('x-amzn-RequestId', randomUUID().replace(/-/g, '').toUpperCase());
  res.setHeader('x-amz-crc32', String(crc32(body)));
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * A throttle from the ops API's JSON ({"exception","rate","times","operations","tables"}, or
 * {"clear":true} → 'clear'); table names pass through `resolveTable` (e.g. topology key → local name).
 * Throws a readable message on anything else.
 */
export function throttleSpecFrom(
  body: unknown,
  resolveTable: (name: string) => string = (t) => t,
): DynamoThrottleSpec | 'clear' {
  const usage =
    'give {"exception":"ThrottlingException"|"ProvisionedThroughputExceededException","rate":0–1,"times":n,"operations":[…],"tables":[…]} or {"clear":true}';
  const b = (body ?? {}) as Record<string, unknown>;
  if (b.clear === true) return 'clear';
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const problem =
    b.exception !== undefined && !DYNAMODB_THROTTLING_EXCEPTIONS.includes(b.exception as never)
      ? 'unknown exception'
      : b.rate !== undefined && !(typeof b.rate === 'number' && b.rate > 0 && b.rate <= 1)
        ? 'rate must be in (0, 1]'
        : b.times !== undefined && !(typeof b.times === 'number' && b.times > 0)
          ? 'times must be a positive number'
          : b.operations !== undefined && !strings(b.operations)
            ? 'operations must be a list of names'
            : b.tables !== undefined && !strings(b.tables)
              ? 'tables must be a list of names'
              : undefined;
  if (problem) throw new Error(`${problem}; ${usage}`);
  return {
    exception: b.exception as DynamoThrottlingException | undefined,
    rate: b.rate as number | undefined,
    times: b.times as number | undefined,
    operations: b.operations as string[] | undefined,
    tables: (b.tables as string[] | undefined)?.map(resolveTable),
  };
}

/** The write operations (to arm "writes only"). */
export const DYNAMODB_WRITE_OPERATIONS: readonly string[] = [...WRITES];
