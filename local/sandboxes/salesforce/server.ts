/**
 * A local Salesforce org speaking the REST API the real `jsforce` client uses, for offline tests and
 * the local runtime:
 *
 *   const sf = await startSalesforceSandbox({ seed: buildDemoOrg().records });
 *   const conn = await sf.connect(); // jsforce OAuth 2.0 client credentials flow
 *   await conn.query("SELECT Id, Account.Name FROM Opportunity WHERE IsWon = true");
 *
 * Per request: OAuth token endpoint (no session) → `Authorization: Bearer` session check (401
 * INVALID_SESSION_ID) → daily API request limit (403 REQUEST_LIMIT_EXCEEDED) → injected faults →
 * route. Errors use Salesforce's `[{"message","errorCode","fields"}]` bodies and statuses, so
 * jsforce throws the same `errorCode`s it would against a real org.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection } from 'jsforce';
import { SALESFORCE_API_VERSION } from '../../../lambdas/adapters/crm/salesforce/fields';
import { salesforceId18 } from '../../../lambdas/domain/crm/events';
import {
  OAuthError,
  SalesforceApiError,
  invalidSession,
  notFound,
  saveErrors,
  sfError,
  type SaveError,
} from './errors';
import { FaultInjector, faultError, requestLimitExceeded, type FaultHandle, type FaultSpec } from './faults';
import { normalizeId, recordId } from './ids';
import { loadOrg, saveOrg, type Session } from './persistence';
import { OBJECTS, fieldDef, objectDef, type FieldDef, type ObjectDef } from './schema';
import { SoqlEngine, type QueryRecord, type QueryResult } from './soql';
import { SalesforceStore, attributes, formatDateTime, type SObjectRecord } from './store';

export const DEMO_ORG_ID = '00D5g000004Q2CQEA0';
const DEFAULT_CLIENT_ID = '3MVG9Q2C.sandbox.connected.app';
const DEFAULT_CLIENT_SECRET = 'q2c-sandbox-client-secret';
const DEFAULT_USERNAME = 'integration@quillstack.example';
const DEFAULT_PASSWORD = 'sandbox-password';
/** API versions served (Salesforce retired < 31.0); jsforce defaults to 50.0. */
const MIN_VERSION = 31;
const MAX_VERSION = Number(SALESFORCE_API_VERSION.split('.')[0]) + 2;
const DEFAULT_BATCH_SIZE = 2000;
const MIN_BATCH_SIZE = 200;
const CURSOR_TTL_MS = 15 * 60 * 1000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_LOG = 1000;
const HOST = '127.0.0.1';

export interface SalesforceSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Persist the org (records and sessions) here, write-through, and load it on start. */
  dataFile?: string;
  /** 18-character organisation id; default the demo org's `00D5g000004Q2CQEA0`. */
  orgId?: string;
  /** The connected app's consumer key and secret (client credentials and password grants). */
  clientId?: string;
  clientSecret?: string;
  /** The integration user for the password grant. */
  username?: string;
  password?: string;
  /** Records to start with (with `Id` and `attributes.type`). With a `dataFile`, only those it lacks. */
  seed?: readonly SObjectRecord[];
  /** The org's DailyApiRequests allowance; beyond it 403 REQUEST_LIMIT_EXCEEDED. Default unlimited. */
  rateLimit?: { perDay?: number };
  /** The clock for audit fields, token issue times and date literals; default the wall clock. */
  now?: () => Date;
}

export interface RequestLogEntry {
  seq: number;
  method: string;
  path: string;
  status: number | 'timeout';
  /** The first error code of a failed request. */
  errorCode?: string;
  /** The SOQL of a query request. */
  soql?: string;
  fault?: string;
  /** Subrequests of a composite request, by `METHOD path`. */
  subrequests?: string[];
}

/** The org seen from a test or the runtime: no session, no faults, no request log. */
export interface SandboxStore {
  insert(type: string, fields: Record<string, unknown>): string;
  update(type: string, id: string, fields: Record<string, unknown>): void;
  delete(type: string, id: string): void;
  /** The record with every field (derived ones included), or undefined if missing or deleted. */
  get(type: string, id: string): SObjectRecord | undefined;
  all(type: string): SObjectRecord[];
  /** A whole query result (no batching); throws SalesforceApiError like the API. */
  query(soql: string): QueryResult;
}

export interface SalesforceSandbox {
  /** `http://127.0.0.1:<port>`: the login URL and the instance URL. */
  readonly url: string;
  readonly port: number;
  readonly orgId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly username: string;
  readonly password: string;
  /** The API version `connect()` uses (SALESFORCE_API_VERSION). */
  readonly apiVersion: string;
  readonly store: SandboxStore;
  /** A real jsforce Connection, authorised with the OAuth 2.0 client credentials flow (re-run on 401). */
  connect(): Promise<Connection>;
  injectFault(spec: FaultSpec): FaultHandle;
  clearFaults(): void;
  /** Invalidates every session (as a password reset or session timeout does): next call is a 401. */
  expireSessions(): void;
  /** The most recent requests (up to 1000), oldest first. */
  requests(): RequestLogEntry[];
  stop(): Promise<void>;
}

interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Cursor {
  records: QueryRecord[];
  totalSize: number;
  batchSize: number;
  touched: number;
}

interface SubRequest {
  method: string;
  path: string;
  search: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(sfError(413, 'REQUEST_ENTITY_TOO_LARGE', 'Request body too large'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

class SalesforceSandboxServer {
  readonly store: SalesforceStore;
  readonly soql: SoqlEngine;
  readonly orgId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly username: string;
  readonly password: string;
  readonly userId: string;
  readonly http: Server;
  url = '';
  private readonly now: () => Date;
  private readonly sessions = new Map<string, Session>();
  private readonly cursors = new Map<string, Cursor>();
  private cursorCounter = 0;
  private readonly faults = new FaultInjector();
  private readonly log: RequestLogEntry[] = [];
  private seq = 0;
  private apiCalls = 0;
  private readonly hanging = new Set<ServerResponse>();

  constructor(private readonly options: SalesforceSandboxOptions) {
    this.now = options.now ?? (() => new Date());
    this.orgId = salesforceId18(options.orgId ?? DEMO_ORG_ID);
    if (!this.orgId.startsWith('00D')) throw new Error(`not an organisation id: ${this.orgId}`);
    this.clientId = options.clientId ?? DEFAULT_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
    this.username = options.username ?? DEFAULT_USERNAME;
    this.password = options.password ?? DEFAULT_PASSWORD;
    this.userId = recordId('005', 1);
    this.store = new SalesforceStore(this.now);
    this.soql = new SoqlEngine(this.store);
    this.load();
    this.http = createServer((req, res) => void this.handle(req, res));
  }

  private load(): void {
    const { dataFile, seed = [] } = this.options;
    const saved = dataFile ? loadOrg(dataFile) : undefined;
    if (saved && saved.orgId !== this.orgId) {
      throw new Error(`${dataFile} belongs to org ${saved.orgId}, not ${this.orgId}`);
    }
    if (saved) {
      this.store.load(saved.records, { overwrite: true });
      for (const s of saved.sessions) this.sessions.set(s.token, s);
    }
    this.store.load(seed, { overwrite: false });
    if (dataFile) {
      this.store.onChange(() => this.save());
      this.save();
    }
  }

  private save(): void {
    if (!this.options.dataFile) return;
    saveOrg(this.options.dataFile, {
      orgId: this.orgId,
      records: this.store.dump(),
      sessions: [...this.sessions.values()],
    });
  }

  injectFault(spec: FaultSpec): FaultHandle {
    return this.faults.inject(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  expireSessions(): void {
    this.sessions.clear();
    this.save();
  }

  requests(): RequestLogEntry[] {
    return this.log.map((e) => ({ ...e, ...(e.subrequests ? { subrequests: [...e.subrequests] } : {}) }));
  }

  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  // ───────────────────────────── HTTP ─────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const entry: RequestLogEntry = { seq: ++this.seq, method, path: url.pathname, status: 0 };
    this.log.push(entry);
    if (this.log.length > MAX_LOG) this.log.shift();
    const send = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
      entry.status = status;
      const limit = this.options.rateLimit?.perDay;
      res.writeHead(status, {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json;charset=UTF-8' }),
        'Sforce-Limit-Info': `api-usage=${this.apiCalls}/${limit ?? 15000}`,
        ...extra,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const sendError = (err: SalesforceApiError): void => {
      entry.errorCode = err.errorCode;
      send(err.status, err.body(), err.headers);
    };
    try {
      const text = await readBody(req);
      if (url.pathname === '/services/oauth2/token' || url.pathname === '/services/oauth2/revoke') {
        const r = this.oauth(req, url.pathname, text);
        if (r.status >= 400) entry.errorCode = (r.body as { error: string }).error;
        return send(r.status, r.body);
      }
      if (url.pathname === '/services/data' || url.pathname === '/services/data/') {
        return send(200, this.versions());
      }
      if (!url.pathname.startsWith('/services/data/')) throw notFound();
      this.authenticate(req);
      this.apiCalls += 1;
      const perDay = this.options.rateLimit?.perDay;
      if (perDay !== undefined && this.apiCalls > perDay) throw requestLimitExceeded();
      const body = this.parseJson(method, text);
      const soql = /\/query(All)?$/.test(url.pathname) ? (url.searchParams.get('q') ?? undefined) : undefined;
      if (soql !== undefined) entry.soql = soql;

      const fault = this.faults.take({
        method,
        path: url.pathname,
        body,
        ...(soql !== undefined ? { soql } : {}),
      });
      if (fault) {
        entry.fault = String(fault.status ?? `latency ${fault.latencyMs} ms`);
        if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
        if (fault.status === 'timeout') {
          entry.status = 'timeout';
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
          return;
        }
        if (fault.status !== undefined) throw faultError(fault);
      }
      const headers: Record<string, string | undefined> = {
        'sforce-query-options': header(req, 'sforce-query-options'),
      };
      const sub: SubRequest = { method, path: url.pathname, search: url.searchParams, headers, body };
      const result =
        url.pathname.match(/^\/services\/data\/v\d+\.\d\/composite\/?$/) && method === 'POST'
          ? this.composite(sub, entry)
          : this.dispatch(sub);
      if (result.status >= 400 && Array.isArray(result.body)) {
        entry.errorCode = (result.body[0] as { errorCode?: string } | undefined)?.errorCode;
      }
      send(result.status, result.body, result.headers);
    } catch (err) {
      if (err instanceof SalesforceApiError) return sendError(err);
      sendError(this.internalError(err));
    }
  }

  private internalError(err: unknown): SalesforceApiError {
    const message = err instanceof Error ? err.message : String(err);
    return sfError(500, 'UNKNOWN_EXCEPTION', `Salesforce sandbox internal error: ${message}`);
  }

  private parseJson(method: string, text: string): unknown {
    if (method === 'GET' || method === 'DELETE' || method === 'HEAD') return undefined;
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw sfError(
        400,
        'JSON_PARSER_ERROR',
        `Unexpected character in request body: ${(err as Error).message}`,
      );
    }
  }

  private authenticate(req: IncomingMessage): void {
    const auth = header(req, 'authorization') ?? '';
    const m = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(auth);
    if (!m || !this.sessions.has(m[1])) throw invalidSession();
  }

  private versions(): { label: string; url: string; version: string }[] {
    const out = [];
    for (let v = MIN_VERSION; v <= MAX_VERSION; v++) {
      out.push({ label: `v${v}.0`, url: `/services/data/v${v}.0`, version: `${v}.0` });
    }
    return out;
  }

  // ───────────────────────────── OAuth ─────────────────────────────

  private oauth(req: IncomingMessage, pathname: string, text: string): ApiResponse {
    try {
      if (req.method !== 'POST') throw new OAuthError(400, 'invalid_request', 'must use HTTP POST');
      const type = header(req, 'content-type') ?? '';
      if (!type.startsWith('application/x-www-form-urlencoded')) {
        throw new OAuthError(400, 'invalid_request', 'must use application/x-www-form-urlencoded');
      }
      const params = new URLSearchParams(text);
      if (pathname.endsWith('/revoke')) {
        const token = params.get('token') ?? '';
        if (!this.sessions.delete(token))
          throw new OAuthError(400, 'unsupported_token_type', 'this token type is not supported');
        this.save();
        return { status: 200 };
      }
      // Client credentials may come in the body or as HTTP Basic (RFC 6749 §2.3.1).
      let clientId = params.get('client_id');
      let clientSecret = params.get('client_secret');
      const basic = /^Basic\s+(\S+)$/i.exec(header(req, 'authorization') ?? '');
      if (basic && !clientId) {
        const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
        clientId = decodeURIComponent(id ?? '');
        clientSecret = decodeURIComponent(secret ?? '');
      }
      const grant = params.get('grant_type');
      if (grant !== 'client_credentials' && grant !== 'password') {
        throw new OAuthError(400, 'unsupported_grant_type', 'grant type not supported');
      }
      if (clientId !== this.clientId)
        throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
      if (clientSecret !== this.clientSecret)
        throw new OAuthError(400, 'invalid_client', 'invalid client credentials');
      if (
        grant === 'password' &&
        (params.get('username') !== this.username || params.get('password') !== this.password)
      ) {
        throw new OAuthError(400, 'invalid_grant', 'authentication failure');
      }
      const issuedAt = String(this.now().getTime());
      const token = `${this.orgId.slice(0, 15)}!AQ${randomBytes(36).toString('base64url')}`;
      this.sessions.set(token, { token, issuedAt });
      this.save();
      const id = `${this.url}/id/${this.orgId}/${this.userId}`;
      return {
        status: 200,
        body: {
          access_token: token,
          signature: createHmac('sha256', this.clientSecret)
            .update(id + issuedAt)
            .digest('base64'),
          scope: 'api',
          instance_url: this.url,
          id,
          token_type: 'Bearer',
          issued_at: issuedAt,
        },
      };
    } catch (err) {
      if (err instanceof OAuthError) return { status: err.status, body: err.body() };
      throw err;
    }
  }

  // ───────────────────────────── REST routes ─────────────────────────────

  /** One REST request (also a composite subrequest). Throws SalesforceApiError for error answers. */
  dispatch(req: SubRequest): ApiResponse {
    const m = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(req.path);
    if (!m) throw notFound();
    const major = Number(m[1]);
    if (major < MIN_VERSION || major > MAX_VERSION) throw notFound();
    const version = `${m[1]}.${m[2]}`;
    const rest = (m[3] ?? '').replace(/\/$/, '');
    const parts = rest
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p));
    const { method } = req;
    const allow = (allowed: string[]): void => {
      if (!allowed.includes(method)) {
        throw sfError(
          405,
          'METHOD_NOT_ALLOWED',
          `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`,
        );
      }
    };
    const [head, a, b, c] = parts;
    if (parts.length === 0) {
      allow(['GET']);
      return { status: 200, body: this.resources(version) };
    }
    switch (head) {
      case 'limits': {
        allow(['GET']);
        const max = this.options.rateLimit?.perDay ?? 15000;
        return {
          status: 200,
          body: { DailyApiRequests: { Max: max, Remaining: Math.max(0, max - this.apiCalls) } },
        };
      }
      case 'query':
      case 'queryAll':
        allow(['GET']);
        if (parts.length === 1) return this.query(req, version, head === 'queryAll');
        if (parts.length === 2) return this.queryMore(a, version);
        throw notFound();
      case 'sobjects':
        return this.sobjects(req, version, parts.slice(1), allow);
      case 'composite':
        if (a === 'sobjects') return this.collections(req, version, b, c, allow);
        throw notFound();
      default:
        throw notFound();
    }
  }

  private resources(version: string): Record<string, string> {
    const base = `/services/data/v${version}`;
    return {
      sobjects: `${base}/sobjects`,
      query: `${base}/query`,
      queryAll: `${base}/queryAll`,
      composite: `${base}/composite`,
      limits: `${base}/limits`,
    };
  }

  private sobjects(
    req: SubRequest,
    version: string,
    parts: string[],
    allow: (m: string[]) => void,
  ): ApiResponse {
    const { method } = req;
    if (parts.length === 0) {
      allow(['GET']);
      return { status: 200, body: this.describeGlobal(version) };
    }
    const obj = objectDef(parts[0]);
    if (!obj) throw notFound();
    if (parts.length === 1) {
      allow(['GET', 'POST']);
      if (method === 'GET') {
        return { status: 200, body: { objectDescribe: this.describeBasic(obj, version), recentItems: [] } };
      }
      const body = this.recordBody(req.body);
      if ('Id' in body || 'id' in body)
        throw sfError(400, 'INVALID_FIELD', 'Id not allowed for insert', ['Id']);
      const id = this.store.insert(obj.name, body);
      return {
        status: 201,
        body: { id, success: true, errors: [] },
        headers: { Location: `/services/data/v${version}/sobjects/${obj.name}/${id}` },
      };
    }
    if (parts.length === 2 && parts[1].toLowerCase() === 'describe') {
      allow(['GET']);
      return { status: 200, body: this.describe(obj, version) };
    }
    if (parts.length === 2) {
      allow(['GET', 'PATCH', 'DELETE']);
      const id = parts[1];
      if (method === 'GET') {
        const rec = this.store.live(obj, id);
        return { status: 200, body: this.store.view(obj, rec, version, this.fieldsParam(obj, req.search)) };
      }
      if (method === 'PATCH') {
        const body = this.recordBody(req.body);
        this.store.update(obj.name, id, body);
        return { status: 204 };
      }
      this.store.delete(obj.name, id);
      return { status: 204 };
    }
    if (parts.length === 3) {
      allow(['GET', 'PATCH', 'DELETE']);
      return this.byExternalId(req, version, obj, parts[1], parts[2]);
    }
    throw notFound();
  }

  /** `?fields=Name,StageName` → definitions (INVALID_FIELD for unknown names). */
  private fieldsParam(obj: ObjectDef, search: URLSearchParams): FieldDef[] | undefined {
    const raw = search.get('fields');
    if (!raw) return undefined;
    return raw.split(',').map((name) => {
      const def = fieldDef(obj, name.trim());
      if (!def) {
        throw sfError(
          400,
          'INVALID_FIELD',
          `No such column '${name.trim()}' on entity '${obj.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      return def;
    });
  }

  private recordBody(body: unknown): Record<string, unknown> {
    if (body === undefined) {
      throw sfError(
        400,
        'JSON_PARSER_ERROR',
        'The HTTP entity body is required, but this request has no entity body.',
      );
    }
    if (!isObject(body)) {
      throw sfError(
        400,
        'JSON_PARSER_ERROR',
        'Cannot deserialize instance of SObject from START_ARRAY value',
      );
    }
    return body;
  }

  private externalIdField(obj: ObjectDef, name: string): FieldDef {
    const def = fieldDef(obj, name);
    if (!def || !(def.externalId || def.name === 'Id')) {
      throw notFound(`Provided external ID field does not exist or is not accessible: ${name}`);
    }
    return def;
  }

  private matchExternal(obj: ObjectDef, def: FieldDef, value: string): string[] {
    if (def.name === 'Id') {
      const id = normalizeId(value);
      const rec = id ? this.store.raw(obj.name, id) : undefined;
      return rec && rec.IsDeleted !== true ? [String(rec.Id)] : [];
    }
    const wanted = value.toLowerCase();
    return this.store
      .rows(obj.name)
      .filter((r) => typeof r[def.name] === 'string' && (r[def.name] as string).toLowerCase() === wanted)
      .map((r) => String(r.Id));
  }

  /** GET / PATCH (upsert) / DELETE `/sobjects/{type}/{externalIdField}/{value}`. */
  private byExternalId(
    req: SubRequest,
    version: string,
    obj: ObjectDef,
    fieldName: string,
    value: string,
  ): ApiResponse {
    const def = this.externalIdField(obj, fieldName);
    const matches = this.matchExternal(obj, def, value);
    if (matches.length > 1) {
      return {
        status: 300,
        body: matches.map((id) => `/services/data/v${version}/sobjects/${obj.name}/${id}`),
      };
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!matches.length) throw notFound();
      if (req.method === 'DELETE') {
        this.store.delete(obj.name, matches[0]);
        return { status: 204 };
      }
      const rec = this.store.live(obj, matches[0]);
      return { status: 200, body: this.store.view(obj, rec, version, this.fieldsParam(obj, req.search)) };
    }
    const result = this.upsertOne(
      obj,
      def,
      value,
      this.recordBody(req.body),
      req.search.get('updateOnly') === 'true',
    );
    const v46 = Number(version) >= 46;
    if (result.created) {
      return {
        status: 201,
        body: { id: result.id, success: true, errors: [], ...(v46 ? { created: true } : {}) },
        headers: { Location: `/services/data/v${version}/sobjects/${obj.name}/${result.id}` },
      };
    }
    // API 46.0+ answers an update with 200 and a body; earlier versions with 204.
    return v46
      ? { status: 200, body: { id: result.id, success: true, errors: [], created: false } }
      : { status: 204 };
  }

  private upsertOne(
    obj: ObjectDef,
    def: FieldDef,
    value: string,
    body: Record<string, unknown>,
    updateOnly = false,
  ): { id: string; created: boolean } {
    const fields = { ...body };
    for (const k of Object.keys(fields)) {
      if (k.toLowerCase() !== def.name.toLowerCase()) continue;
      if (String(fields[k]).toLowerCase() !== value.toLowerCase()) {
        throw sfError(
          400,
          'INVALID_FIELD',
          `The value of ${def.name} in the body doesn't match the URL: ${String(fields[k])}`,
          [def.name],
        );
      }
      delete fields[k];
    }
    const matches = this.matchExternal(obj, def, value);
    if (matches.length > 1) {
      throw sfError(
        300,
        'DUPLICATE_EXTERNAL_ID',
        `${def.name}: more than one record found for external id field: [${matches.join(', ')}]`,
        [def.name],
      );
    }
    if (matches.length === 1) {
      this.store.update(obj.name, matches[0], fields);
      return { id: matches[0], created: false };
    }
    if (updateOnly || def.name === 'Id') throw notFound();
    return { id: this.store.insert(obj.name, { ...fields, [def.name]: value }), created: true };
  }

  // ───────────────────────────── query ─────────────────────────────

  private query(req: SubRequest, version: string, includeDeleted: boolean): ApiResponse {
    const q = req.search.get('q');
    if (q === null || q.trim() === '')
      throw sfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const result = this.soql.run(q, { apiVersion: version, includeDeleted, now: this.now() });
    const batchSize = this.batchSize(req.headers['sforce-query-options']);
    if (result.records.length <= batchSize) return { status: 200, body: result };
    this.expireCursors();
    const locator = recordId('01g', ++this.cursorCounter);
    this.cursors.set(locator, {
      records: result.records,
      totalSize: result.totalSize,
      batchSize,
      touched: Date.now(),
    });
    return { status: 200, body: this.page(locator, 0, version) };
  }

  private queryMore(locatorWithOffset: string, version: string): ApiResponse {
    const m = /^(\w{15,18})-(\d+)$/.exec(locatorWithOffset);
    const cursor = m ? this.cursors.get(m[1]) : undefined;
    if (!m || !cursor || Number(m[2]) > cursor.records.length) {
      throw sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    cursor.touched = Date.now();
    return { status: 200, body: this.page(m[1], Number(m[2]), version) };
  }

  private page(locator: string, offset: number, version: string): Record<string, unknown> {
    const cursor = this.cursors.get(locator)!;
    const end = offset + cursor.batchSize;
    const done = end >= cursor.records.length;
    if (done) this.cursors.delete(locator);
    return {
      totalSize: cursor.totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${locator}-${end}` }),
      records: cursor.records.slice(offset, end),
    };
  }

  private batchSize(option: string | undefined): number {
    const m = /batchSize\s*=\s*(\d+)/i.exec(option ?? '');
    if (!m) return DEFAULT_BATCH_SIZE;
    return Math.min(DEFAULT_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, Number(m[1])));
  }

  private expireCursors(): void {
    const cutoff = Date.now() - CURSOR_TTL_MS;
    for (const [k, c] of this.cursors) if (c.touched < cutoff) this.cursors.delete(k);
  }

  // ───────────────────────────── describe ─────────────────────────────

  private describeBasic(obj: ObjectDef, version: string): Record<string, unknown> {
    const base = `/services/data/v${version}/sobjects/${obj.name}`;
    return {
      name: obj.name,
      label: obj.label,
      keyPrefix: obj.keyPrefix,
      custom: false,
      createable: true,
      updateable: true,
      deletable: true,
      queryable: true,
      urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
    };
  }

  private describeGlobal(version: string): Record<string, unknown> {
    return {
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: [...OBJECTS.values()].map((o) => this.describeBasic(o, version)),
    };
  }

  private describe(obj: ObjectDef, version: string): Record<string, unknown> {
    return {
      ...this.describeBasic(obj, version),
      fields: [...obj.fields.values()].map((f) => ({
        name: f.name,
        label: f.label,
        type: f.type,
        custom: f.custom,
        createable: f.createable,
        updateable: f.updateable,
        nillable: !f.required && f.type !== 'boolean' && f.type !== 'id',
        externalId: f.externalId,
        idLookup: f.externalId || f.name === 'Id',
        length: f.length ?? 0,
        referenceTo: f.referenceTo ? [f.referenceTo] : [],
        relationshipName: f.relationshipName ?? null,
        restrictedPicklist: f.restricted ?? false,
        picklistValues: (f.picklistValues ?? []).map((value) => ({
          active: true,
          defaultValue: false,
          label: value,
          value,
        })),
        defaultValue: f.defaultValue ?? null,
      })),
      childRelationships: obj.childRelationships.map((c) => ({
        childSObject: c.childSObject,
        field: c.field,
        relationshipName: c.relationshipName,
        cascadeDelete: ['Quote', 'QuoteLineItem'].includes(c.childSObject),
      })),
    };
  }

  // ───────────────────────────── sObject Collections ─────────────────────────────

  private collections(
    req: SubRequest,
    version: string,
    typeName: string | undefined,
    extField: string | undefined,
    allow: (m: string[]) => void,
  ): ApiResponse {
    const { method } = req;
    if (typeName === undefined) {
      allow(['POST', 'PATCH', 'DELETE']);
      if (method === 'DELETE') {
        const ids = (req.search.get('ids') ?? '').split(',').filter(Boolean);
        return this.collectionWrite(ids, req.search.get('allOrNone') === 'true', (id) => {
          const found = this.store.rawById(id);
          if (!found) throw sfError(404, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
          this.store.delete(found.obj.name, id);
          return { id: String(found.fields.Id) };
        });
      }
      const { records, allOrNone } = this.collectionBody(req.body);
      return this.collectionWrite(records, allOrNone, (r) => {
        const {
          attributes: attrs,
          id,
          Id,
          ...fields
        } = r as Record<string, unknown> & { attributes?: { type?: string } };
        const obj = objectDef(attrs?.type ?? '');
        if (!obj) throw sfError(400, 'INVALID_TYPE', 'Missing or invalid sObject type in attributes');
        if (method === 'POST') {
          if (id !== undefined || Id !== undefined)
            throw sfError(400, 'INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']);
          return { id: this.store.insert(obj.name, fields) };
        }
        const target = String(id ?? Id ?? '');
        if (!target) throw sfError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
        this.store.update(obj.name, target, fields);
        return { id: normalizeId(target) ?? target };
      });
    }
    const obj = objectDef(typeName);
    if (!obj) throw notFound();
    if (extField === undefined) {
      // Retrieve several records: POST { ids, fields }.
      allow(['POST', 'GET']);
      const body = isObject(req.body) ? req.body : {};
      const ids = Array.isArray(body.ids)
        ? body.ids.map(String)
        : (req.search.get('ids') ?? '').split(',').filter(Boolean);
      const names = Array.isArray(body.fields)
        ? body.fields.map(String)
        : (req.search.get('fields') ?? '').split(',').filter(Boolean);
      if (!names.length) throw sfError(400, 'MISSING_ARGUMENT', 'fields is required');
      const fields = this.fieldsParam(obj, new URLSearchParams({ fields: names.join(',') }))!;
      return {
        status: 200,
        body: ids.map((id) => {
          const rec = this.store.raw(obj.name, id);
          return rec && rec.IsDeleted !== true ? this.store.view(obj, rec, version, fields) : null;
        }),
      };
    }
    allow(['PATCH']);
    const def = this.externalIdField(obj, extField);
    const { records, allOrNone } = this.collectionBody(req.body);
    return this.collectionWrite(records, allOrNone, (r) => {
      const { attributes: _a, ...fields } = r as Record<string, unknown>;
      const key = Object.keys(fields).find((k) => k.toLowerCase() === def.name.toLowerCase());
      const value = key ? fields[key] : undefined;
      if (value === undefined || value === null || value === '') {
        throw sfError(400, 'MISSING_ARGUMENT', `${def.name} not specified`, [def.name]);
      }
      return this.upsertOne(obj, def, String(value), fields);
    });
  }

  private collectionBody(body: unknown): { records: unknown[]; allOrNone: boolean } {
    if (!isObject(body) || !Array.isArray(body.records)) {
      throw sfError(400, 'JSON_PARSER_ERROR', 'The request body must have a records array');
    }
    if (body.records.length > 200) {
      throw sfError(
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 200 records into this call',
      );
    }
    return { records: body.records, allOrNone: body.allOrNone === true };
  }

  /** Runs each item; per-item save results; allOrNone rolls everything back on the first failure. */
  private collectionWrite<T>(
    items: T[],
    allOrNone: boolean,
    write: (item: T) => { id: string; created?: boolean },
  ): ApiResponse {
    const snapshot = allOrNone ? this.store.snapshot() : undefined;
    return this.store.batch(() => {
      const results: Record<string, unknown>[] = [];
      let failed = false;
      for (const item of items) {
        try {
          if (!isObject(item) && typeof item !== 'string')
            throw sfError(400, 'JSON_PARSER_ERROR', 'Invalid record');
          const r = write(item);
          results.push({
            id: r.id,
            success: true,
            errors: [],
            ...(r.created !== undefined ? { created: r.created } : {}),
          });
        } catch (err) {
          const e = err instanceof SalesforceApiError ? err : this.internalError(err);
          results.push({ success: false, errors: saveErrors(e) });
          failed = true;
        }
      }
      if (failed && snapshot) {
        this.store.restore(snapshot);
        const rolledBack: SaveError = {
          statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
          message:
            'Record rolled back because not all records were valid and the request was using AllOrNone header',
          fields: [],
        };
        return {
          status: 200,
          body: results.map((r) => (r.success ? { success: false, errors: [rolledBack] } : r)),
        };
      }
      return { status: 200, body: results };
    });
  }

  // ───────────────────────────── composite ─────────────────────────────

  private composite(req: SubRequest, entry: RequestLogEntry): ApiResponse {
    const body = req.body;
    if (!isObject(body) || !Array.isArray(body.compositeRequest)) {
      throw sfError(400, 'JSON_PARSER_ERROR', 'The request body must have a compositeRequest array');
    }
    const subs = body.compositeRequest as unknown[];
    if (subs.length === 0 || subs.length > 25) {
      throw sfError(400, 'LIMIT_EXCEEDED', 'A composite request must contain 1 to 25 subrequests');
    }
    const seen = new Set<string>();
    for (const s of subs) {
      const ref = isObject(s) ? s.referenceId : undefined;
      if (typeof ref !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(ref)) {
        throw sfError(400, 'INVALID_INPUT', `Invalid referenceId: ${String(ref)}`);
      }
      if (seen.has(ref))
        throw sfError(400, 'INVALID_INPUT', `Duplicate ReferenceId provided in the request: ${ref}`);
      seen.add(ref);
      if (!isObject(s) || typeof s.method !== 'string' || typeof s.url !== 'string') {
        throw sfError(400, 'INVALID_INPUT', `Subrequest ${ref} needs a method and a url`);
      }
    }
    const allOrNone = body.allOrNone === true;
    const snapshot = allOrNone ? this.store.snapshot() : undefined;
    entry.subrequests = [];
    const results: {
      body: unknown;
      httpHeaders: Record<string, string>;
      httpStatusCode: number;
      referenceId: string;
    }[] = [];
    const outputs = new Map<string, unknown>();
    const halted = (referenceId: string, message: string): (typeof results)[number] => ({
      body: [{ errorCode: 'PROCESSING_HALTED', message }],
      httpHeaders: {},
      httpStatusCode: 400,
      referenceId,
    });
    return this.store.batch(() => {
      let failedAt = -1;
      for (let i = 0; i < subs.length; i++) {
        const s = subs[i] as {
          method: string;
          url: string;
          referenceId: string;
          body?: unknown;
          httpHeaders?: Record<string, string>;
        };
        if (allOrNone && failedAt >= 0) {
          results.push(
            halted(
              s.referenceId,
              'The transaction was rolled back since another operation in the same transaction failed.',
            ),
          );
          continue;
        }
        let url: string;
        let subBody: unknown;
        try {
          url = this.resolveReferences(s.url, outputs, true) as string;
          subBody = s.body === undefined ? undefined : this.resolveReferences(s.body, outputs, false);
        } catch (err) {
          results.push(halted(s.referenceId, (err as Error).message));
          if (failedAt < 0) failedAt = i;
          continue;
        }
        const parsed = new URL(url, `http://${HOST}`);
        const method = s.method.toUpperCase();
        entry.subrequests!.push(`${method} ${parsed.pathname}`);
        let res: ApiResponse;
        try {
          if (/\/composite(\/|$)/.test(parsed.pathname) && !/\/composite\/sobjects/.test(parsed.pathname)) {
            throw sfError(400, 'INVALID_INPUT', 'composite requests cannot be nested');
          }
          res = this.dispatch({
            method,
            path: parsed.pathname,
            search: parsed.searchParams,
            headers: { 'sforce-query-options': s.httpHeaders?.['Sforce-Query-Options'] },
            body: subBody,
          });
        } catch (err) {
          const e = err instanceof SalesforceApiError ? err : this.internalError(err);
          res = { status: e.status, body: e.body() };
        }
        if (res.status < 400) outputs.set(s.referenceId, res.body);
        else if (failedAt < 0) failedAt = i;
        results.push({
          body: res.body ?? null,
          httpHeaders: res.headers ?? {},
          httpStatusCode: res.status,
          referenceId: s.referenceId,
        });
      }
      if (allOrNone && failedAt >= 0) {
        this.store.restore(snapshot!);
        for (let i = 0; i < failedAt; i++) {
          results[i] = halted(
            results[i].referenceId,
            'The transaction was rolled back since another operation in the same transaction failed.',
          );
        }
      }
      return { status: 200, body: { compositeResponse: results } };
    });
  }

  /** Replaces `@{ref.path}` (e.g. `@{NewAccount.id}`, `@{Q.records[0].Id}`) with earlier results. */
  private resolveReferences(value: unknown, outputs: Map<string, unknown>, inUrl: boolean): unknown {
    if (typeof value === 'string') {
      const whole = /^@\{([^}]+)\}$/.exec(value);
      if (whole && !inUrl) return this.lookupReference(whole[1], outputs);
      return value.replace(/@\{([^}]+)\}/g, (_m, expr: string) => {
        const v = this.lookupReference(expr, outputs);
        return inUrl ? encodeURIComponent(String(v)) : String(v);
      });
    }
    if (Array.isArray(value)) return value.map((v) => this.resolveReferences(v, outputs, inUrl));
    if (isObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, this.resolveReferences(v, outputs, inUrl)]),
      );
    }
    return value;
  }

  private lookupReference(expr: string, outputs: Map<string, unknown>): unknown {
    const [ref, ...path] = expr.split('.');
    const fail = (): never => {
      throw new Error(
        `Invalid reference specified. No value for ${expr} found in ${ref}. Provided referenceId ('${ref}') must be the referenceId of a previous successful subrequest.`,
      );
    };
    if (!outputs.has(ref)) fail();
    let cur: unknown = outputs.get(ref);
    for (const segment of path) {
      for (const [, key, index] of segment.matchAll(/([^[\]]+)|\[(\d+)\]/g)) {
        if (key !== undefined) cur = isObject(cur) ? cur[key] : undefined;
        else cur = Array.isArray(cur) ? cur[Number(index)] : undefined;
      }
    }
    if (cur === undefined || cur === null || typeof cur === 'object') fail();
    return cur;
  }
}

export async function startSalesforceSandbox(
  options: SalesforceSandboxOptions = {},
): Promise<SalesforceSandbox> {
  const server = new SalesforceSandboxServer(options);
  await new Promise<void>((resolve, reject) => {
    server.http.once('error', reject);
    server.http.listen(options.port ?? 0, HOST, () => resolve());
  });
  const { port } = server.http.address() as AddressInfo;
  const url = `http://${HOST}:${port}`;
  server.url = url;
  const { store } = server;
  const apiVersion = SALESFORCE_API_VERSION;
  const view = (type: string, id: string): SObjectRecord | undefined => {
    const rec = store.raw(type, id);
    return rec && rec.IsDeleted !== true ? store.view(store.object(type), rec, apiVersion) : undefined;
  };
  return {
    url,
    port,
    orgId: server.orgId,
    clientId: server.clientId,
    clientSecret: server.clientSecret,
    username: server.username,
    password: server.password,
    apiVersion,
    store: {
      insert: (type, fields) => store.insert(type, fields),
      update: (type, id, fields) => store.update(type, id, fields),
      delete: (type, id) => store.delete(type, id),
      get: view,
      all: (type) => store.rows(type).map((r) => store.view(store.object(type), r, apiVersion)),
      query: (soql) =>
        server.soql.run(soql, { apiVersion, includeDeleted: false, now: options.now?.() ?? new Date() }),
    },
    connect: async () => {
      const conn = new Connection({
        loginUrl: url,
        version: apiVersion,
        oauth2: { loginUrl: url, clientId: server.clientId, clientSecret: server.clientSecret },
        // The client credentials flow has no refresh token: on 401 jsforce re-runs the grant.
        refreshFn: (c, callback) => {
          c.oauth2
            .requestToken({ grant_type: 'client_credentials' })
            .then((res) => callback(null, res.access_token, res))
            .catch((err: Error) => callback(err));
        },
      });
      await conn.authorize({ grant_type: 'client_credentials' });
      return conn;
    },
    injectFault: (spec) => server.injectFault(spec),
    clearFaults: () => server.clearFaults(),
    expireSessions: () => server.expireSessions(),
    requests: () => server.requests(),
    stop: async () => {
      server.clearFaults();
      server.releaseHanging();
      await new Promise<void>((resolve) => {
        server.http.close(() => resolve());
        server.http.closeAllConnections();
      });
    },
  };
}

export { attributes, formatDateTime };
