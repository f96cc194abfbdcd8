/**
 * A local Stripe API (v1) that the real `stripe` SDK talks to, for offline tests and the local runtime:
 *
 *   const sandbox = await startStripeSandbox({ apiKey: 'sk_test_…', objects: [...] });
 *   const stripe = sandbox.client(); // new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })
 *
 * Per request, in Stripe's order: Request-Id → authentication (Bearer or Basic) → Stripe-Version →
 * rate limit → route → injected faults → idempotency → endpoint. Every response carries `Request-Id`
 * and `Stripe-Version`; errors use Stripe's envelope and statuses, so the SDK throws the same error
 * classes it would against api.stripe.com.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../../../lib/topology';
import { BillingEngine, type ClockResult } from './billing';
import { billingResources, webhookSecret } from './billing-resources';
import { Endpoints, type ApiResult } from './endpoints';
import { StripeApiError, errorEnvelope, invalidRequest, unrecognizedUrl } from './errors';
import { parseForm, type FormObject } from './form';
import { EventRecorder, WebhookDispatcher, type WebhookDelivery, type WebhookRetryOptions } from './events';
import { IdempotencyLayer, canonicalParams, scopeOf } from './idempotency';
import { newId, newRequestId } from './ids';
import { loadState, saveState } from './persistence';
import type { ResourceDefinition } from './resource-types';
import { ResourceRegistry, STRIPE_RESOURCES } from './resources';
import { StripeStore, type StripeObject } from './store';
import {
  DEFAULT_RATE_LIMIT_PER_SECOND,
  FaultInjector,
  RateLimiter,
  faultError,
  rateLimitError,
  type FaultHandle,
  type FaultSpec,
  type FaultStatus,
} from './traffic';

export interface StripeSandboxOptions {
  /** The secret key clients must present (`sk_test_…` or `rk_test_…`: the sandbox is test mode only). */
  apiKey: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Objects to start with. With a `dataFile`, only those not already in the file are added. */
  objects?: readonly StripeObject[];
  /** Persist the store (and idempotency keys) here, write-through, and load it on start. */
  dataFile?: string;
  /** Requests per second before 429 `rate_limit`; default 100 (Stripe live mode). `Infinity` disables. */
  rateLimitPerSecond?: number;
  /** Accepted `Stripe-Version` values; default the version the stripe SDK pins. The first is the default. */
  apiVersions?: readonly string[];
  /** Extra resource definitions, or replacements for built-in ones (matched by `path`). */
  resources?: readonly ResourceDefinition[];
  /**
   * The clock for `created` and other timestamps (unix seconds); default real time. `freezeClock` and
   * `advanceClock` override it from then on.
   */
  now?: () => number;
  /** Webhook endpoints to register at start (or re-point, when one with the same id exists). */
  webhookEndpoints?: readonly WebhookEndpointSpec[];
  /** Retry and timeout policy of webhook deliveries (fast by default: 100 ms doubling, 5 attempts). */
  webhookRetry?: WebhookRetryOptions;
  /** How long renewal invoices stay drafts before they are finalized (and paid); default 3600 s, as Stripe. */
  renewalDraftSeconds?: number;
}

export interface WebhookEndpointSpec {
  url: string;
  /** Event types, or `['*']` (default) for all. */
  enabledEvents?: readonly string[];
  /** A fixed `whsec_…` signing secret (e.g. the local runtime's), instead of a generated one. */
  secret?: string;
  /** A fixed `we_…` id, so restarts with a data file update the endpoint rather than add another. */
  id?: string;
}

export interface WebhookEndpointInfo {
  id: string;
  url: string;
  secret: string;
  enabledEvents: string[];
}

/** The store as tests see it: copies in, copies out. */
export type SandboxStore = Pick<StripeStore, 'put' | 'putAll' | 'get' | 'list' | 'all' | 'delete'>;

export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  status: number | 'timeout';
  idempotencyKey?: string;
  replayed: boolean;
  fault?: FaultStatus;
}

export interface StripeSandbox {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  /** The default `Stripe-Version`. */
  readonly apiVersion: string;
  /** A real SDK client for this sandbox (no network retries unless `config` says otherwise). */
  client(config?: Stripe.StripeConfig): Stripe;
  readonly store: SandboxStore;
  injectFault(spec: FaultSpec): FaultHandle;
  clearFaults(): void;
  setRateLimit(perSecond: number): void;
  /** The most recent requests (up to 1000), oldest first. */
  requests(): RequestLogEntry[];
  /** The sandbox clock (unix seconds). */
  now(): number;
  /** Stops the clock at `at` without running anything that falls due. */
  freezeClock(at: number): void;
  /**
   * Moves the (then frozen) clock forward to `to`, running in time order what falls due: schedules
   * start and change phase, trials end, subscriptions renew or cancel, draft invoices finalize and are paid.
   */
  advanceClock(to: number): ClockResult;
  /** Registers (or re-points) a webhook endpoint; returns its id and signing secret. */
  addWebhookEndpoint(spec: WebhookEndpointSpec): WebhookEndpointInfo;
  /** Resolves once every event raised so far has been delivered or has used up its attempts. */
  webhooksIdle(): Promise<void>;
  /** Every delivery attempt (event, endpoint, attempt, HTTP status), oldest first. */
  webhookDeliveries(): WebhookDelivery[];
  /** Events raised so far, oldest first (what `/v1/events` lists newest first). */
  events(): StripeObject[];
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_LOG = 1000;

type Handler = (params: FormObject) => ApiResult;

/** `sk_test_****…1234`, as Stripe echoes a wrong key. */
export function maskKey(key: string): string {
  const prefix = /^[a-z]+_(?:test|live)_/.exec(key)?.[0] ?? '';
  const rest = key.slice(prefix.length);
  if (rest.length <= 4) return prefix + '*'.repeat(rest.length);
  return prefix + '*'.repeat(rest.length - 4) + rest.slice(-4);
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
      if (size > MAX_BODY_BYTES) {
        reject(invalidRequest('Request body too large.', { status: 413 }));
      } else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

class StripeSandboxServer {
  readonly store: StripeStore;
  private readonly registry: ResourceRegistry;
  private readonly endpoints: Endpoints;
  private readonly idempotency = new IdempotencyLayer();
  private readonly limiter: RateLimiter;
  private readonly faults = new FaultInjector();
  private readonly versions: readonly string[];
  private readonly scope: string;
  private readonly log: RequestLogEntry[] = [];
  /** Responses held open by `'timeout'` faults, released on stop(). */
  private readonly hanging = new Set<ServerResponse>();
  readonly http: Server;
  readonly dispatcher: WebhookDispatcher;
  readonly recorder: EventRecorder;
  readonly billing: BillingEngine;
  private frozenAt: number | undefined;

  constructor(private readonly options: StripeSandboxOptions) {
    if (!/^(sk|rk)_test_\w+$/.test(options.apiKey)) {
      throw new Error('The Stripe sandbox needs a test-mode secret key (sk_test_… or rk_test_…)');
    }
    this.versions = options.apiVersions?.length ? options.apiVersions : [STRIPE_API_VERSION];
    this.registry = new ResourceRegistry();
    this.store = new StripeStore((obj) => this.registry.normalize(obj));
    const now = (): number => this.now();
    this.dispatcher = new WebhookDispatcher(this.store, options.webhookRetry);
    this.recorder = new EventRecorder(this.store, now, () => this.apiVersion, this.dispatcher);
    this.billing = new BillingEngine(this.store, now, this.recorder, {
      renewalDraftSeconds: options.renewalDraftSeconds,
    });
    for (const def of [...STRIPE_RESOURCES, ...billingResources(this.billing), ...(options.resources ?? [])])
      this.registry.register(def);
    this.endpoints = new Endpoints(this.store, now, (type, obj, previous) =>
      this.recorder.emit(type, obj, previous),
    );
    this.limiter = new RateLimiter(options.rateLimitPerSecond ?? DEFAULT_RATE_LIMIT_PER_SECOND);
    this.scope = scopeOf(options.apiKey);
    this.load();
    this.http = createServer((req, res) => void this.handle(req, res));
  }

  get apiVersion(): string {
    return this.versions[0];
  }

  now(): number {
    return this.frozenAt ?? (this.options.now ? this.options.now() : Math.floor(Date.now() / 1000));
  }

  freezeClock(at: number): void {
    this.frozenAt = at;
  }

  advanceClock(to: number): ClockResult {
    if (!Number.isSafeInteger(to)) throw new RangeError(`advanceClock needs unix seconds, got ${to}`);
    if (to < this.now()) throw new RangeError(`The clock cannot go back (now ${this.now()}, asked ${to})`);
    return this.billing.advance(to, (t) => (this.frozenAt = t));
  }

  addWebhookEndpoint(spec: WebhookEndpointSpec): WebhookEndpointInfo {
    const existing = spec.id ? this.store.peek('webhook_endpoint', spec.id) : undefined;
    const enabled = [...(spec.enabledEvents ?? ['*'])];
    const secret = spec.secret ?? (existing?._secret as string | undefined) ?? webhookSecret();
    const endpoint: StripeObject = {
      api_version: null,
      application: null,
      description: null,
      livemode: false,
      metadata: {},
      ...(existing ?? {}),
      id: spec.id ?? newId('we'),
      object: 'webhook_endpoint',
      created: (existing?.created as number | undefined) ?? this.now(),
      enabled_events: enabled,
      status: 'enabled',
      url: spec.url,
      _secret: secret,
    };
    this.store.put(endpoint);
    return { id: endpoint.id, url: spec.url, secret, enabledEvents: enabled };
  }

  injectFault(spec: FaultSpec): FaultHandle {
    return this.faults.inject(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  setRateLimit(perSecond: number): void {
    this.limiter.setRate(perSecond);
  }

  requests(): RequestLogEntry[] {
    return this.log.map((e) => ({ ...e }));
  }

  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  /** Loads the data file, then adds seed objects it lacks, then writes through on every change. */
  private load(): void {
    const { dataFile, objects = [] } = this.options;
    const saved = dataFile ? loadState(dataFile) : undefined;
    if (saved) {
      this.store.putAll(saved.objects);
      this.idempotency.load(saved.idempotency);
    }
    if (dataFile) {
      const save = (): void =>
        saveState(dataFile, { objects: this.store.peekAll(), idempotency: this.idempotency.all() });
      this.store.onChange(save);
      this.idempotency.onChange(save);
      if (!saved) save();
    }
    this.store.putAll(objects.filter((o) => !this.store.peek(o.object, o.id)));
    for (const spec of this.options.webhookEndpoints ?? []) this.addWebhookEndpoint(spec);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const version = header(req, 'stripe-version') ?? this.apiVersion;
    const idempotencyKey = method === 'POST' ? header(req, 'idempotency-key') : undefined;
    const entry: RequestLogEntry = { requestId, method, path: url.pathname, status: 0, replayed: false };
    if (idempotencyKey) entry.idempotencyKey = idempotencyKey;
    this.log.push(entry);
    if (this.log.length > MAX_LOG) this.log.shift();

    const headers: Record<string, string> = {
      'Request-Id': requestId,
      'Stripe-Version': this.versions.includes(version) ? version : this.apiVersion,
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
    };
    const send = (status: number, body: string, extra: Record<string, string> = {}): void => {
      entry.status = status;
      res.writeHead(status, {
        ...headers,
        ...extra,
        'Content-Type': 'application/json',
        'Cache-Control': 'no-cache, no-store',
      });
      res.end(body);
    };
    const sendError = (err: StripeApiError): void =>
      send(err.status, JSON.stringify(errorEnvelope(err.body, requestId, false), null, 2), err.headers);

    try {
      const body = await readBody(req);
      this.authenticate(req);
      if (!this.versions.includes(version)) {
        throw invalidRequest(`Invalid Stripe API version: ${version}`);
      }
      if (!this.limiter.take()) throw rateLimitError();
      const handler = this.route(method, url.pathname);
      const params = method === 'POST' ? this.parseBody(req, body) : parseForm(url.search);

      const fault = this.faults.take({ method, path: url.pathname, params, headers: req.headers });
      if (fault) entry.fault = fault.status;
      if (fault && fault.phase !== 'after') return this.fail(fault, res, entry, sendError);

      const endpoint = `${method} ${url.pathname}`;
      const canonical = idempotencyKey ? canonicalParams(params) : '';
      const replay =
        idempotencyKey && this.idempotency.lookup(this.scope, idempotencyKey, endpoint, canonical);
      let status: number;
      let text: string;
      let extra: Record<string, string> = {};
      if (replay) {
        ({ status, body: text } = replay);
        extra = { 'Idempotent-Replayed': 'true', 'Original-Request': replay.requestId };
        entry.replayed = true;
      } else {
        ({ status, text, extra } = this.run(handler, params, requestId, idempotencyKey));
        // Stripe saves a result once the endpoint has run: successes and server errors, not 4xx rejections.
        if (idempotencyKey && (status < 400 || status >= 500)) {
          this.idempotency.save({
            scope: this.scope,
            key: idempotencyKey,
            endpoint,
            params: canonical,
            status,
            body: text,
            requestId,
            savedAt: Date.now(),
          });
          extra = { ...extra, 'Original-Request': requestId };
        }
      }
      if (fault) return this.fail(fault, res, entry, sendError);
      send(status, text, extra);
    } catch (err) {
      if (err instanceof StripeApiError) return sendError(err);
      sendError(this.internalError(err));
    }
  }

  /** Runs an endpoint; its Stripe errors become responses (they may be saved for idempotent replay). */
  private run(
    handler: Handler,
    params: FormObject,
    requestId: string,
    idempotencyKey?: string,
  ): { status: number; text: string; extra: Record<string, string> } {
    // Events the request raises are recorded (and delivered) only if it succeeds.
    this.recorder.begin(requestId, idempotencyKey);
    try {
      const result = handler(params);
      this.recorder.commit();
      return { status: result.status, text: JSON.stringify(result.body, null, 2), extra: {} };
    } catch (err) {
      this.recorder.rollback();
      const e = err instanceof StripeApiError ? err : this.internalError(err);
      return {
        status: e.status,
        text: JSON.stringify(errorEnvelope(e.body, requestId, false), null, 2),
        extra: e.headers,
      };
    }
  }

  private internalError(err: unknown): StripeApiError {
    const message = err instanceof Error ? err.message : String(err);
    return new StripeApiError(500, {
      type: 'api_error',
      message: `Stripe sandbox internal error: ${message}`,
    });
  }

  private fail(
    fault: FaultSpec,
    res: ServerResponse,
    entry: RequestLogEntry,
    sendError: (e: StripeApiError) => void,
  ): void {
    if (fault.status !== 'timeout') return sendError(faultError(fault));
    // No answer: the client's own timeout fires (StripeConnectionError), as when Stripe is unreachable.
    entry.status = 'timeout';
    this.hanging.add(res);
    res.on('close', () => this.hanging.delete(res));
  }

  private authenticate(req: IncomingMessage): void {
    const auth = header(req, 'authorization') ?? '';
    let key = '';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    const basic = /^Basic\s+(\S+)\s*$/i.exec(auth);
    if (bearer) key = bearer[1];
    else if (basic) key = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
    const unauthorized = (message: string): StripeApiError =>
      new StripeApiError(
        401,
        { type: 'invalid_request_error', message },
        { 'WWW-Authenticate': 'Basic realm="Stripe"' },
      );
    if (key === '') {
      throw unauthorized(
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      );
    }
    if (key !== this.options.apiKey) throw unauthorized(`Invalid API Key provided: ${maskKey(key)}`);
  }

  private parseBody(req: IncomingMessage, body: string): FormObject {
    const type = header(req, 'content-type') ?? 'application/x-www-form-urlencoded';
    if (body !== '' && !type.startsWith('application/x-www-form-urlencoded')) {
      throw invalidRequest(
        'Invalid request (check that your POST content type is application/x-www-form-urlencoded). If you have any questions, we can help at https://support.stripe.com/.',
      );
    }
    return parseForm(body);
  }

  /** `/v1/<path>[/<id>[/<sub-list>]]` to the endpoint the resource definition provides, if any. */
  private route(method: string, pathname: string): Handler {
    const notFound = unrecognizedUrl(method, pathname);
    const m = /^\/v1\/([a-z_]+)(?:\/([^/]+))?(?:\/([a-z_]+))?$/.exec(pathname);
    const def = m && this.registry.forPath(m[1]);
    if (!m || !def) throw notFound;
    let id: string | undefined;
    try {
      id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    } catch {
      throw notFound;
    }
    const sub = m[3];
    // Search (`/v1/charges/search`) is not implemented: say so rather than "No such charge: 'search'".
    if (id === 'search' && sub === undefined) throw notFound;
    const ep = this.endpoints;
    const collectionAction = id !== undefined && sub === undefined ? def.collectionActions?.[id] : undefined;
    if (collectionAction) {
      if (method === collectionAction.method) return (p) => ep.collectionAction(def, id!, p);
      throw notFound;
    }
    if (id !== undefined && sub !== undefined && method === 'POST' && def.actions?.[sub]) {
      return (p) => ep.action(def, id, sub, p);
    }
    if (id === undefined) {
      if (method === 'GET' && def.list) return (p) => ep.list(def, p);
      if (method === 'POST' && def.create) return (p) => ep.create(def, p);
    } else if (sub === undefined) {
      if (method === 'GET' && def.retrieve !== false) return (p) => ep.retrieve(def, id, p);
      if (method === 'POST' && def.update) return (p) => ep.update(def, id, p);
      if (method === 'DELETE' && def.del) return (p) => ep.remove(def, id, p);
    } else {
      const spec = def.subLists?.[sub];
      if (method === 'GET' && spec) return (p) => ep.subList(def, id, sub, spec, p);
    }
    throw notFound;
  }
}

export async function startStripeSandbox(options: StripeSandboxOptions): Promise<StripeSandbox> {
  const server = new StripeSandboxServer(options);
  await new Promise<void>((resolve, reject) => {
    server.http.once('error', reject);
    server.http.listen(options.port ?? 0, HOST, () => resolve());
  });
  const { port } = server.http.address() as AddressInfo;
  const { store } = server;
  return {
    url: `http://${HOST}:${port}`,
    port,
    apiKey: options.apiKey,
    apiVersion: server.apiVersion,
    client: (config = {}) =>
      new Stripe(options.apiKey, {
        host: HOST,
        port,
        protocol: 'http',
        maxNetworkRetries: 0,
        telemetry: false,
        ...config,
      }),
    store: {
      put: (obj) => store.put(obj),
      putAll: (objs) => store.putAll(objs),
      get: (object, id) => store.get(object, id),
      list: (object, filter) => store.list(object, filter),
      all: () => store.all(),
      delete: (object, id) => store.delete(object, id),
    },
    injectFault: (spec) => server.injectFault(spec),
    clearFaults: () => server.clearFaults(),
    setRateLimit: (perSecond) => server.setRateLimit(perSecond),
    requests: () => server.requests(),
    now: () => server.now(),
    freezeClock: (at) => server.freezeClock(at),
    advanceClock: (to) => server.advanceClock(to),
    addWebhookEndpoint: (spec) => server.addWebhookEndpoint(spec),
    webhooksIdle: () => server.dispatcher.idle(),
    webhookDeliveries: () => server.dispatcher.deliveries(),
    events: () => store.list('event').reverse(),
    stop: async () => {
      server.dispatcher.stop();
      server.clearFaults();
      server.releaseHanging();
      await new Promise<void>((resolve) => {
        server.http.close(() => resolve());
        server.http.closeAllConnections();
      });
    },
  };
}
