/**
 * A local NetSuite (SuiteTalk REST web services) for offline tests and the local runtime.
 *
 * Per request, in NetSuite's order: account concurrency governance (over the limit → 429
 * CONCURRENCY_LIMIT_EXCEEDED) → injected faults → authentication (TBA signature, or an
 * OAuth 2.0 bearer token) → route → the record's business rules, answered `latencyMs` after
 * arrival. Writes answer `204 No Content` with `Location: …/record/v1/<type>/<internal id>`;
 * errors use NetSuite's body shape.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { realmOf } from '../../../lambdas/adapters/erp/netsuite/auth';
import type { MappingConfig } from '../../../lambdas/domain/config';
import {
  concurrencyLimitExceeded,
  invalidContent,
  invalidLogin,
  NetSuiteHttpError,
  notFound,
  serverError,
} from './errors';
import { FaultInjector, type FaultHandle, type FaultSpec } from './faults';
import { ClientCredentialsIssuer, TbaVerifier, type ClientCredentialsOptions } from './oauth';
import { isRecordType, RecordBook, type SimRecordType } from './records';
import { NetSuiteStore } from './store';
import { runSuiteQl } from './suiteql';

export interface NetSuiteSimulatorOptions {
  /** e.g. `1234567` or `1234567_SB1`; the TBA realm must equal it (upper case, `_`). */
  accountId: string;
  consumer: { key: string; secret: string };
  token: { id: string; secret: string };
  /** Account concurrency limit (5 / 15 / 20 by service tier, +10 per SuiteCloud Plus licence). */
  concurrencyLimit: number;
  /** Added to every request before it is served (while it holds a concurrency slot). */
  latencyMs?: number;
  /** `YYYY-MM` periods that refuse postings. */
  closedPeriods?: string[];
  /** Master data to seed; config/mapping.json by default. */
  seed: MappingConfig;
  /** Accept OAuth 2.0 client credentials too (the certificate mapped to the integration). */
  oauth2?: ClientCredentialsOptions;
  /** Persist the account in this SQLite file (default: in memory). */
  dataFile?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Accepted OAuth timestamp skew, seconds (default 300). */
  timestampSkewSeconds?: number;
  /** Clock, epoch ms (for timestamp and token expiry tests). */
  now?: () => number;
}

export interface SimulatorStats {
  requests: number;
  inFlight: number;
  /** The most requests that were being served at once. */
  maxInFlight: number;
  /** Requests refused by concurrency governance (not injected 429s). */
  rejectedConcurrency: number;
  byStatus: Record<string, number>;
  /** Why authentication failed (NetSuite's response never says; tests may). */
  authFailures: Record<string, number>;
  tokensIssued: number;
}

export interface SimRecord {
  id: string;
  externalId: string | null;
  body: Record<string, unknown>;
}

const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const RECORD_PREFIX = '/services/rest/record/v1/';
const SUITEQL_PATH = '/services/rest/query/v1/suiteql';
const TOKEN_PATH = '/services/rest/auth/oauth2/v1/token';

export class NetSuiteSimulatorServer {
  readonly http: Server;
  readonly store: NetSuiteStore;
  private readonly book: RecordBook;
  private readonly tba: TbaVerifier;
  private readonly oauth2: ClientCredentialsIssuer | undefined;
  private readonly faults = new FaultInjector();
  private readonly hanging = new Set<ServerResponse>();
  private latencyMs: number;
  private readonly counters = {
    requests: 0,
    inFlight: 0,
    maxInFlight: 0,
    rejectedConcurrency: 0,
    byStatus: {} as Record<string, number>,
    authFailures: {} as Record<string, number>,
  };

  constructor(private readonly options: NetSuiteSimulatorOptions) {
    if (!Number.isInteger(options.concurrencyLimit) || options.concurrencyLimit < 1) {
      throw new RangeError('concurrencyLimit must be a positive integer');
    }
    const now = options.now ?? Date.now;
    this.latencyMs = options.latencyMs ?? 0;
    this.store = new NetSuiteStore(options.dataFile, options.seed);
    for (const p of options.closedPeriods ?? []) this.store.setPeriodClosed(p, true);
    this.book = new RecordBook(this.store, () => new Date(now()).toISOString().slice(0, 10));
    this.tba = new TbaVerifier({
      realm: realmOf(options.accountId),
      consumer: options.consumer,
      token: options.token,
      skewSeconds: options.timestampSkewSeconds ?? 300,
      now,
    });
    this.oauth2 =
      options.oauth2 && new ClientCredentialsIssuer(options.oauth2, () => this.url + TOKEN_PATH, now);
    this.http = createServer((req, res) => void this.handle(req, res));
    // Like NetSuite's edge, keep connections open between requests: clients (undici) subtract a
    // safety margin of ~1 s from the advertised `Keep-Alive: timeout`, so a short one would force a
    // new TCP connection per request. stop() closes every socket, idle ones included.
    this.http.keepAliveTimeout = 60_000;
  }

  get url(): string {
    return `http://${HOST}:${(this.http.address() as AddressInfo).port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.http.listen(this.options.port ?? 0, HOST, resolve));
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    this.store.close();
  }

  stats(): SimulatorStats {
    return {
      ...this.counters,
      byStatus: { ...this.counters.byStatus },
      authFailures: { ...this.counters.authFailures },
      tokensIssued: this.oauth2?.tokensIssued ?? 0,
    };
  }

  injectFault(spec: FaultSpec): FaultHandle {
    return this.faults.add(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  records(type: SimRecordType): SimRecord[] {
    return this.store.records(type);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counters.requests++;
    // Governance first: a request over the limit is refused before NetSuite does any work for it.
    if (this.counters.inFlight >= this.options.concurrencyLimit) {
      this.counters.rejectedConcurrency++;
      req.resume();
      return this.sendError(res, concurrencyLimitExceeded());
    }
    this.counters.inFlight++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
    res.once('close', () => this.counters.inFlight--);
    // `latencyMs` is NetSuite's response time: the simulator's own work happens inside it (as
    // NetSuite's does), so a request holds its slot for latencyMs, not latencyMs + processing.
    const answerAt = performance.now() + this.latencyMs;
    let answer: Answer;
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? HOST}`);
      const method = (req.method ?? 'GET').toUpperCase();
      const fault = this.faults.take(method, url.pathname);
      if (fault?.kind === 'status') throw serverError(fault.status);
      if (fault?.kind === 'throttle') {
        throw concurrencyLimitExceeded(
          fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {},
        );
      }
      if (fault?.kind === 'timeout' && !fault.afterCommit) return this.hang(res);
      answer = this.route(method, url, req, body);
      if (fault?.kind === 'timeout') return this.hang(res);
    } catch (err) {
      const error =
        err instanceof NetSuiteHttpError
          ? err
          : new NetSuiteHttpError(500, [{ code: 'UNEXPECTED_ERROR', detail: (err as Error).message }]);
      answer = { status: error.status, body: error.body(), headers: error.headers };
    }
    const wait = answerAt - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.send(res, answer.status, answer.body, answer.headers);
  }

  private route(method: string, url: URL, req: IncomingMessage, body: string): Answer {
    const path = url.pathname;
    if (path === TOKEN_PATH && method === 'POST') {
      if (!this.oauth2) throw notFound('OAuth 2.0 is not enabled for this account.');
      const answer = this.oauth2.issue(new URLSearchParams(body));
      return { status: answer.status, body: answer.body };
    }
    this.authenticate(method, url, req.headers.authorization);
    if (path === SUITEQL_PATH) {
      if (method !== 'POST')
        throw new NetSuiteHttpError(405, [{ code: 'METHOD_NOT_ALLOWED', detail: 'Use POST.' }]);
      if (!/\btransient\b/i.test(String(req.headers.prefer ?? ''))) {
        throw invalidContent('SuiteQL queries require the header Prefer: transient.');
      }
      const q = (json(body) as { q?: unknown }).q;
      const self = (limit: number, offset: number) =>
        `${this.url}${SUITEQL_PATH}?limit=${limit}&offset=${offset}`;
      return { status: 200, body: runSuiteQl(this.store, q, url.searchParams, self) };
    }
    if (path.startsWith(RECORD_PREFIX))
      return this.recordRoute(method, path.slice(RECORD_PREFIX.length), body, req);
    throw notFound(`The requested resource ${path} was not found.`);
  }

  private recordRoute(method: string, rest: string, body: string, req: IncomingMessage): Answer {
    const [type, key, ...more] = rest.split('/').map(decodeURIComponent);
    if (!type || !isRecordType(type) || more.length > 0) {
      throw notFound(`Record type '${type ?? ''}' does not exist or is not supported by this simulator.`);
    }
    const location = (id: number) => ({ Location: `${this.url}${RECORD_PREFIX}${type}/${id}` });
    if (method === 'GET' && key) return { status: 200, body: this.book.get(type, key) };
    if (method === 'POST' && !key) {
      const { id } = this.book.create(type, jsonObject(body, req));
      return { status: 204, headers: location(id) };
    }
    if (method === 'PUT' && key?.startsWith('eid:')) {
      const { id } = this.book.upsert(type, key.slice(4), jsonObject(body, req));
      return { status: 204, headers: location(id) };
    }
    throw new NetSuiteHttpError(405, [
      { code: 'METHOD_NOT_ALLOWED', detail: `${method} is not supported here.` },
    ]);
  }

  private authenticate(method: string, url: URL, header: string | undefined): void {
    const result =
      this.oauth2 && /^Bearer\s/i.test(header ?? '')
        ? this.oauth2.verifyBearer(header)
        : this.tba.verify(method, url, header);
    if (result.ok) return;
    this.counters.authFailures[result.reason] = (this.counters.authFailures[result.reason] ?? 0) + 1;
    throw invalidLogin();
  }

  private hang(res: ServerResponse): void {
    this.hanging.add(res);
    res.once('close', () => this.hanging.delete(res));
  }

  private sendError(res: ServerResponse, err: NetSuiteHttpError): void {
    this.send(res, err.status, err.body(), err.headers);
  }

  private send(
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ): void {
    this.counters.byStatus[status] = (this.counters.byStatus[status] ?? 0) + 1;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const contentType =
      status >= 400 ? 'application/vnd.oracle.resource+json; type=error' : 'application/json';
    res.writeHead(status, { ...(payload !== undefined ? { 'Content-Type': contentType } : {}), ...headers });
    res.end(payload);
  }
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () =>
      size > MAX_BODY_BYTES
        ? reject(new NetSuiteHttpError(413, [{ code: 'INVALID_CONTENT', detail: 'Request body too large.' }]))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

function json(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw invalidContent('Invalid JSON in the request body.');
  }
}

function jsonObject(body: string, req: IncomingMessage): Record<string, unknown> {
  if (!/application\/json/i.test(String(req.headers['content-type'] ?? ''))) {
    throw new NetSuiteHttpError(415, [
      { code: 'INVALID_CONTENT', detail: 'Content-Type must be application/json.' },
    ]);
  }
  const value = json(body);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidContent('Expected a JSON object.');
  return value as Record<string, unknown>;
}
