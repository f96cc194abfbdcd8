/**
 * The local HTTP API: the same routes as the deployed HTTP API, turned into API Gateway v2
 * (payload format 2.0) events for the same ingest handler, plus the local ops API.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

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

export function createHttpServer(routes: Routes): Server {
  const server = createServer((req, res) => {
    handle(routes, req, res).catch((err: unknown) => {
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

async function handle(routes: Routes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const webhook = routes.webhooks[url.pathname];
  const ops = routes.ops[url.pathname];
  const action = routes.actions?.[url.pathname];
  if (action) return handleAction(action, req, res, url);
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

async function handleAction(
  action: ActionHandler,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (req.method !== 'POST') return send(res, 405, { message: 'Method Not Allowed' });
  const body = await readBody(req);
  if (body === 'too-large') return send(res, 413, { message: 'Request Entity Too Large' });
  let parsed: unknown;
  try {
    parsed = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    return send(res, 400, { error: { code: 'malformed_json', message: 'body is not valid JSON' } });
  }
  const result = await action(parsed, url);
  send(res, result.status, result.body);
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
  res.end(JSON.stringify(body, null, 1));
}
