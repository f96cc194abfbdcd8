/**
 * The local HTTP API: the same routes as the deployed HTTP API, turned into API Gateway v2
 * (payload format 2.0) events for the same ingest handler, plus the local ops API.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { bigintJsonReplacer } from '../lambdas/domain/money';

/** API Gateway HTTP APIs refuse payloads over 10 MB before any Lambda runs. */
const API_GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

export type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
export type OpsHandler = (url: URL) => Promise<unknown>;

/** An operator action (POST with a JSON body), e.g. month-end close. */
export type ActionHandler = (body: unknown, url: URL) => Promise<{ status: number; body: unknown }>;

/** Thrown by an ops handler for input it refuses: answered 400 with the reason (never a 5xx for bad input). */
export class BadRequest extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Routes {
  webhooks: Partial<Record<string, RouteHandler>>; // keyed by path, POST only
  ops: Partial<Record<string, OpsHandler>>; // keyed by path, GET only
  actions?: Partial<Record<string, ActionHandler>>; // keyed by path, POST with JSON
}

export interface HttpSecurity {
  /** The bearer token every operator action (POST /ops/*) must carry: `<data-dir>/ops.token`. */
  opsToken: string;
  /** Serve the fault-injection routes (/ops/…/fault, /ops/…/faults): `q2c serve --enable-fault-injection`. */
  faultInjection?: boolean;
}

/** Fault injection routes: /ops/bus/fault, /ops/dynamodb/fault(s), /ops/erp/faults — test drills only. */
export const isFaultRoute = (path: string): boolean => /^\/ops\/.+\/faults?$/.test(path);

export function createHttpServer(routes: Routes, security: HttpSecurity): Server {
  const served = security.faultInjection ? routes : withoutFaultRoutes(routes);
  const server = createServer((req, res) => {
    handle(served, security, req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy(); // too late for a status: cut the response short
      if (err instanceof BadRequest)
        return send(res, 400, { error: { code: err.code, message: err.message } });
      send(res, 500, { error: { code: 'internal_error', message: (err as Error).message } });
    });
  });
  // Node closes idle keep-alive connections after 5 s; a client whose event loop is busy can reuse one
  // just as it closes and gets ECONNRESET. API Gateway keeps them far longer: so does the local API.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

function withoutFaultRoutes(routes: Routes): Routes {
  const keep = <T>(table: Partial<Record<string, T>> = {}) =>
    Object.fromEntries(Object.entries(table).filter(([path]) => !isFaultRoute(path)));
  return { webhooks: routes.webhooks, ops: keep(routes.ops), actions: keep(routes.actions) };
}

/**
 * The Host values this server answers to: its loopback names and port. Anything else is a DNS
 * rebinding attempt (a web page whose name now resolves to 127.0.0.1) or a request that went astray.
 */
function ownHosts(req: IncomingMessage): Set<string> {
  const port = req.socket.localPort;
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/**
 * Who may talk to the local API: a request whose Host is one of the server's own loopback names, with
 * no Origin or the server's own (a browser sends Origin on every cross-origin POST and on CORS reads).
 * Returns the refusal, if any.
 */
function refusal(req: IncomingMessage): { status: number; code: string; message: string } | undefined {
  const hosts = ownHosts(req);
  const host = req.headers.host?.toLowerCase();
  if (!host || !hosts.has(host))
    return {
      status: 421,
      code: 'foreign_host',
      message: `Host must be one of ${[...hosts].join(', ')} (got ${host ?? 'none'})`,
    };
  const origin = req.headers.origin;
  if (origin !== undefined && ![...hosts].some((h) => origin.toLowerCase() === `http://${h}`))
    return { status: 403, code: 'foreign_origin', message: `requests from ${origin} are refused` };
  return undefined;
}

/** The request target as a URL, or undefined when it is none (`//`, `http://[/…`). */
function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  // Only origin-form targets ("/path?query"): the Host check above has judged the authority.
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
}

async function handle(
  routes: Routes,
  security: HttpSecurity,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const refused = refusal(req);
  if (refused) return send(res, refused.status, { error: { code: refused.code, message: refused.message } });
  const url = requestUrl(req);
  if (!url)
    return send(res, 400, {
      error: { code: 'invalid_url', message: `not a request path: ${JSON.stringify(req.url)}` },
    });
  const webhook = routes.webhooks[url.pathname];
  const ops = routes.ops[url.pathname];
  const action = routes.actions?.[url.pathname];
  if (action) return handleAction(action, security, req, res, url);
  if (!webhook && !ops) return send(res, 404, { message: 'Not Found' });
  const allowed = webhook ? 'POST' : 'GET';
  if (req.method !== allowed) return send(res, 405, { message: 'Method Not Allowed' });
  if (ops) return send(res, 200, await ops(url));
  if (!webhook) return;

  const body = await readBody(req);
  if (body === 'too-large') return send(res, 413, { message: 'Request Entity Too Large' });
  const result = await webhook(toApiGatewayEvent(req, url, body));
  res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
  res.end(result.body ?? '');
}

/**
 * An operator action: POST, `Authorization: Bearer <ops token>` and a JSON body. The token stops any
 * web page (a no-cors form POST carries no Authorization header) and any other local user; JSON only
 * stops the `text/plain` simple requests browsers send cross-origin without a preflight.
 */
async function handleAction(
  action: ActionHandler,
  security: HttpSecurity,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (req.method !== 'POST') return send(res, 405, { message: 'Method Not Allowed' });
  if (!hasToken(req.headers.authorization, security.opsToken))
    return send(res, 401, {
      error: {
        code: 'missing_ops_token',
        message: 'operator actions need "Authorization: Bearer <token>", the token in <data-dir>/ops.token',
      },
    });
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
    return send(res, 415, {
      error: { code: 'unsupported_media_type', message: 'send the body as Content-Type: application/json' },
    });
  const body = await readBody(req);
  if (body === 'too-large') return send(res, 413, { message: 'Request Entity Too Large' });
  let parsed: unknown;
  try {
    parsed = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    return send(res, 400, { error: { code: 'malformed_json', message: 'body is not valid JSON' } });
  }
  // Every action takes named members: null, a bare string or an array would reach them as a crash.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return send(res, 400, {
      error: {
        code: 'not_an_object',
        message: `the body must be a JSON object, got ${JSON.stringify(parsed)}`,
      },
    });
  const result = await action(parsed, url);
  send(res, result.status, result.body);
}

function hasToken(authorization: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (\S+)$/i.exec(authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > API_GATEWAY_MAX_BYTES) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toApiGatewayEvent(req: IncomingMessage, url: URL, body: Buffer): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = String(v);
  const now = new Date();
  const text = isText(headers['content-type']);
  return {
    version: '2.0',
    routeKey: `${req.method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'POST',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${req.method} ${url.pathname}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    // HTTP APIs pass text bodies through and base64-encode the rest, as here.
    body: text ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !text,
  };
}

const isText = (contentType: string | undefined): boolean =>
  !contentType || /^(text\/|application\/(json|xml|x-www-form-urlencoded|soap\+xml))/i.test(contentType);

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  // Totals are bigint in the domain: on the wire a number while exact, else a decimal string.
  res.end(JSON.stringify(body, bigintJsonReplacer, 1));
}
