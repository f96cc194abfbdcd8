/**
 * The local runtime is closed to hostile web pages and to the network — each point through real HTTP
 * requests against `q2c serve` started as a user starts it (bin/q2c.cjs, a child process):
 *  - CSRF: operator actions need the data dir's bearer token and a JSON body; a foreign Origin is refused;
 *  - DNS rebinding: a Host that is not the runtime's own loopback name and port is refused, on every route;
 *  - every listening socket of the runtime's processes is on loopback (read from /proc, not from our code);
 *  - fault injection exists only with --enable-fault-injection;
 *  - a period that has not ended cannot be closed; the webhook secret is printed only when it is the demo's;
 *  - bad input is a 400 with its reason, never a 5xx (the issue's cases, then a small fuzz).
 */
import fc from 'fast-check';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/topology';
import { DEFAULT_LOCAL_WEBHOOK_SECRET } from '../../local/defaults';
import { OpsClient } from '../../local/ops-client';
import { TEST_SECRET } from './harness';

interface Served {
  url: string;
  port: number;
  dataDir: string;
  token: string;
  child: ChildProcess;
  output: () => string;
  ops: OpsClient;
}

const started: Served[] = [];

/** `q2c serve` through the installed bin, in a fresh data dir; `env` values of undefined are unset. */
async function serve(args: string[], env: Record<string, string | undefined>): Promise<Served> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-security-'));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(
    process.execPath,
    [
      path.join(PROJECT_ROOT, 'bin', 'q2c.cjs'),
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--no-demo',
      ...args,
    ],
    { cwd: PROJECT_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runtime did not start:\n${out}`)), 90_000);
    child.stdout?.on('data', () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m && out.includes('\nReady.')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`runtime exited with ${code}:\n${out}`)));
  });
  const served: Served = {
    url,
    port: Number(new URL(url).port),
    dataDir,
    token: readFileSync(path.join(dataDir, 'ops.token'), 'utf8').trim(),
    child,
    output: () => out,
    ops: new OpsClient(url, dataDir),
  };
  started.push(served);
  return served;
}

interface Answer {
  status: number;
  body: string;
}

/** One HTTP request with exactly these headers (fetch would not let a test set Host). */
function send(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A connection per request (agent: false): each answer stands on its own.
    const req = request(
      { host: '127.0.0.1', port, method, path: target, headers, setHost: false, agent: false },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Raw bytes over a socket, for request targets no HTTP client would send (`http://[/…`). */
function sendRaw(port: number, head: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

const own = (s: Served) => `127.0.0.1:${s.port}`;
const action = (s: Served, extra: Record<string, string> = {}) => ({
  host: own(s),
  'content-type': 'application/json',
  authorization: `Bearer ${s.token}`,
  ...extra,
});

let runtime: Served;
let drills: Served;

beforeAll(async () => {
  [runtime, drills] = await Promise.all([
    serve([], { STRIPE_WEBHOOK_SECRET: TEST_SECRET }),
    serve(['--enable-fault-injection', '--erp', 'netsuite'], { STRIPE_WEBHOOK_SECRET: undefined }),
  ]);
}, 200_000);

afterAll(async () => {
  for (const s of started) {
    if (s.child.exitCode === null) {
      const exited = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      await exited;
    }
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});

const ACTIONS = [
  '/ops/close',
  '/ops/executions/start',
  '/ops/functions/invoke',
  '/ops/reconcile',
  '/ops/archive/replay',
  '/ops/stripe/objects',
];
const FAULT_ACTIONS = ['/ops/bus/fault', '/ops/dynamodb/fault', '/ops/erp/faults'];

/** An invoice a forged POST would try to post (the body of a real demo execution is not needed). */
const forgedInvoice = JSON.stringify({
  stateMachine: 'postInvoice',
  input: { 'detail-type': 'invoice.finalized', detail: { id: 'in_forged', amount_due: 999_999_00 } },
});

describe('CSRF: operator actions need the ops token and JSON', () => {
  it('creates <data-dir>/ops.token, owner-only, and never prints it', () => {
    const file = path.join(runtime.dataDir, 'ops.token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(runtime.token.length).toBeGreaterThanOrEqual(32);
    expect(runtime.token).not.toBe(drills.token); // one per data dir
    expect(runtime.output()).not.toContain(runtime.token);
  });

  it.each(ACTIONS)(
    '%s: a no-cors text/plain POST from a web page is refused and changes nothing',
    async (route) => {
      const before = await runtime.ops.health();
      // What a hostile page can send without a preflight: text/plain, its own Origin, no Authorization.
      const forged = await send(
        runtime.port,
        'POST',
        route,
        { host: own(runtime), 'content-type': 'text/plain', origin: 'http://evil.example' },
        route === '/ops/executions/start' ? forgedInvoice : '{"period":"2026-11"}',
      );
      expect(forged.status).toBe(403);
      // Same without Origin (a non-browser client without the token): no token, no action.
      const noToken = await send(
        runtime.port,
        'POST',
        route,
        { host: own(runtime), 'content-type': 'application/json' },
        '{}',
      );
      expect(noToken.status).toBe(401);
      expect(JSON.parse(noToken.body)).toMatchObject({ error: { code: 'missing_ops_token' } });
      const wrongToken = await send(
        runtime.port,
        'POST',
        route,
        action(runtime, { authorization: `Bearer ${drills.token}` }),
        '{}',
      );
      expect(wrongToken.status).toBe(401);
      // With the token but not JSON: a simple cross-origin request type, refused as well.
      const plain = await send(
        runtime.port,
        'POST',
        route,
        action(runtime, { 'content-type': 'text/plain' }),
        '{}',
      );
      expect(plain.status).toBe(415);
      const after = await runtime.ops.health();
      expect(after.executions.started).toBe(before.executions.started);
    },
  );

  it('the token, JSON and the runtime’s own Origin are accepted; a foreign Origin is not, even with the token', async () => {
    const objects = JSON.stringify({ objects: [{ id: 'cus_csrf', object: 'customer' }] });
    const foreign = await send(
      runtime.port,
      'POST',
      '/ops/stripe/objects',
      action(runtime, { origin: 'http://evil.example' }),
      objects,
    );
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ error: { code: 'foreign_origin' } });
    const ownOrigin = await send(
      runtime.port,
      'POST',
      '/ops/stripe/objects',
      action(runtime, { origin: `http://${own(runtime)}` }),
      objects,
    );
    expect([ownOrigin.status, JSON.parse(ownOrigin.body)]).toEqual([200, { loaded: 1 }]);
    // The CLI's client reads the token from the data dir.
    expect(await runtime.ops.action('/ops/stripe/objects', JSON.parse(objects))).toEqual({
      status: 200,
      body: { loaded: 1 },
    });
    expect(await new OpsClient(runtime.url, drills.dataDir).action('/ops/stripe/objects', {})).toMatchObject({
      status: 401,
    });
  });

  it('a cross-origin read is refused too (a page may not read the journal through CORS)', async () => {
    const read = await send(runtime.port, 'GET', '/ops/journal', {
      host: own(runtime),
      origin: 'https://evil.example',
    });
    expect(read.status).toBe(403);
  });
});

describe('DNS rebinding: only the runtime’s own loopback Host', () => {
  it.each(['/ops/journal', '/ops/executions', '/ops/health', '/webhooks/stripe', '/nowhere'])(
    '%s with Host: evil.example → 421',
    async (route) => {
      const res = await send(
        runtime.port,
        route.startsWith('/webhooks') ? 'POST' : 'GET',
        route,
        { host: 'evil.example' },
        '{}',
      );
      expect(res.status).toBe(421);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'foreign_host' } });
      expect(res.body).not.toContain('entries');
    },
  );

  it('refuses the right name on another port and a missing Host; accepts 127.0.0.1, localhost and [::1] with the port', async () => {
    expect(
      (await send(runtime.port, 'GET', '/ops/health', { host: `127.0.0.1:${runtime.port + 1}` })).status,
    ).toBe(421);
    expect((await send(runtime.port, 'GET', '/ops/health', { host: 'localhost' })).status).toBe(421);
    expect((await sendRaw(runtime.port, 'GET /ops/health HTTP/1.0\r\n\r\n')).status).toBe(421);
    for (const host of [
      `127.0.0.1:${runtime.port}`,
      `localhost:${runtime.port}`,
      `[::1]:${runtime.port}`,
      `LOCALHOST:${runtime.port}`,
    ])
      expect([host, (await send(runtime.port, 'GET', '/ops/health', { host })).status]).toEqual([host, 200]);
  });
});

/** Listening TCP sockets of a process and its descendants, from /proc (hex address → readable). */
function listeningSockets(rootPid: number): { pid: number; address: string }[] {
  const pids: number[] = [];
  const walk = (pid: number) => {
    pids.push(pid);
    for (const task of readdirSync(`/proc/${pid}/task`))
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter(Boolean))
        walk(Number(child));
  };
  walk(rootPid);
  const found: { pid: number; address: string }[] = [];
  for (const pid of pids) {
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
    for (const table of ['tcp', 'tcp6']) {
      for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        // sl local_address rem_address st … inode (10th column); st 0A = LISTEN
        if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9])) continue;
        found.push({ pid, address: readableAddress(cols[1]) });
      }
    }
  }
  return found;
}

/** /proc/net/tcp{,6} addresses: little-endian 32-bit words in hex, then the port in hex. */
function readableAddress(hex: string): string {
  const [addr, port] = hex.split(':');
  const words = addr.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  const ip =
    bytes.length === 4
      ? bytes.join('.')
      : `[${Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16)).join(':')}]`;
  return `${ip}:${parseInt(port, 16)}`;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[0:0:0:0:0:0:0:1\]|\[0:0:0:0:0:ffff:7f[0-9a-f]{2}:[0-9a-f]+\]):\d+$/;

describe('listening sockets', () => {
  it.each([
    ['ledger runtime', () => runtime],
    ['NetSuite runtime with fault drills', () => drills],
  ])(
    'every socket the %s listens on is loopback (HTTP API, DynamoDB, SQS/S3, EventBridge, sandboxes)',
    (_, which) => {
      const s = which();
      const sockets = listeningSockets(s.child.pid as number);
      expect(sockets.map((x) => x.address)).toContain(own(s));
      // The runtime's own server, dynalite, fauxqs, the PutEvents endpoint, the Stripe and Salesforce sandboxes.
      expect(sockets.length).toBeGreaterThanOrEqual(6);
      expect(sockets.filter((x) => !LOOPBACK.test(x.address))).toEqual([]);
    },
  );

  it('the serve command refuses a non-loopback --host', async () => {
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'q2c.cjs'), 'serve', '--host', '0.0.0.0'],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).not.toBe(0);
    expect(err).toMatch(/--host.*0\.0\.0\.0.*127\.0\.0\.1/s);
  });
});

describe('fault injection only with --enable-fault-injection', () => {
  it.each(FAULT_ACTIONS)('%s does not exist without the flag', async (route) => {
    const res = await send(runtime.port, 'POST', route, action(runtime), '{"mode":"throttle","times":1}');
    expect(res.status).toBe(404);
  });

  it('GET /ops/dynamodb/faults does not exist without the flag; all exist with it', async () => {
    expect((await send(runtime.port, 'GET', '/ops/dynamodb/faults', { host: own(runtime) })).status).toBe(
      404,
    );
    expect((await send(drills.port, 'GET', '/ops/dynamodb/faults', { host: own(drills) })).status).toBe(200);
    expect(await drills.ops.action('/ops/bus/fault', { mode: 'throttle', times: 0 })).toEqual({
      status: 200,
      body: { mode: 'throttle', times: 0 },
    });
    expect((await drills.ops.action('/ops/dynamodb/fault', { clear: true })).status).toBe(200);
    expect(await drills.ops.action('/ops/erp/faults', { clear: true })).toEqual({
      status: 200,
      body: { cleared: true },
    });
    expect(drills.output()).toContain('fault injection enabled');
  });
});

describe('month-end close of a period that has not ended', () => {
  it('POST /ops/close {"period":"2098-07"} → 409 with the reason; nothing starts, nothing is parked', async () => {
    const before = await runtime.ops.health();
    const res = await runtime.ops.action('/ops/close', { period: '2098-07' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      error: { code: 'period_not_ended', message: expect.stringMatching(/2098-07 has not ended/) },
    });
    expect((await runtime.ops.health()).executions.started).toBe(before.executions.started);
    const { queues } = await runtime.ops.queues();
    expect(queues.flatMap((q) => q.messages)).toEqual([]);
  });

  it('the close flow itself refuses it too (as deployed): started directly, it fails and parks period_not_ended', async () => {
    const res = await runtime.ops.action('/ops/executions/start', {
      stateMachine: 'monthEndClose',
      input: { period: '2098-07' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'FAILED', error: 'MonthEndCloseFailed' });
    // Parked with its reason, as the deployed flow parks it.
    const { queues } = await runtime.ops.queues();
    const parked = queues.flatMap((q) => q.messages);
    expect(parked).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^period_not_ended: 2098-07/) }),
    ]);
  });

  it('a period that has ended closes', async () => {
    const res = await runtime.ops.action('/ops/close', { period: '2026-10' });
    expect(res).toMatchObject({ status: 200, body: { status: 'SUCCEEDED' } });
  });
});

describe('the webhook secret is printed only when it is the built-in demo default', () => {
  it('a secret from STRIPE_WEBHOOK_SECRET is not printed', () => {
    expect(runtime.output()).not.toContain(TEST_SECRET);
    expect(runtime.output()).toContain('signing secret from STRIPE_WEBHOOK_SECRET');
  });
  it('the demo default is printed, so users can sign test events', () => {
    expect(drills.output()).toContain(`signing secret: ${DEFAULT_LOCAL_WEBHOOK_SECRET}`);
  });
});

describe('never a 5xx for bad input', () => {
  const raw = (target: string) =>
    // HTTP/1.0: the answer comes unchunked, as the body alone.
    sendRaw(runtime.port, `GET ${target} HTTP/1.0\r\nHost: ${own(runtime)}\r\n\r\n`);

  it('GET // and GET http://[/ops/health (no URL) → 400', async () => {
    for (const target of ['//', 'http://[/ops/health']) {
      const res = await raw(target);
      expect([target, res.status]).toEqual([target, 400]);
    }
    expect(JSON.parse((await raw('//')).body)).toMatchObject({ error: { code: 'invalid_url' } });
  });

  it('bad periods and bodies → 400 with the reason', async () => {
    const revenue = await send(runtime.port, 'GET', '/ops/revenue?period=garbage', { host: own(runtime) });
    expect([revenue.status, JSON.parse(revenue.body)]).toEqual([
      400,
      {
        error: {
          code: 'invalid_period',
          message: expect.stringMatching(/^period must be YYYY-MM.*got "garbage"$/),
        },
      },
    ]);
    const cases: [string, string, string][] = [
      ['/ops/stripe/objects', '{"objects":[1]}', 'invalid_object'],
      ['/ops/close', 'null', 'not_an_object'],
      ['/ops/close', '"not-a-period"', 'not_an_object'],
      ['/ops/close', '{"period":"not-a-period"}', 'invalid_period'],
      ['/ops/close', '{"period":"2026-13"}', 'invalid_period'],
      ['/ops/close', '{', 'malformed_json'],
    ];
    for (const [route, body, code] of cases) {
      const res = await send(runtime.port, 'POST', route, action(runtime), body);
      expect([route, body, res.status, JSON.parse(res.body).error.code]).toEqual([route, body, 400, code]);
      expect(JSON.parse(res.body).error.message).toEqual(expect.any(String));
    }
  });

  it('a fuzz over the ops routes (paths, queries, methods, JSON bodies) never answers 5xx', async () => {
    const routes = [
      ...ACTIONS,
      '/ops/health',
      '/ops/journal',
      '/ops/trial-balance',
      '/ops/queues',
      '/ops/revenue',
      '/ops/metrics',
      '/ops/events',
      '/ops/executions',
      '/ops/endpoints',
      '/ops/erp',
      '/ops/salesforce/relay',
    ];
    const keys = [
      'period',
      'objects',
      'stateMachine',
      'input',
      'since',
      'until',
      'function',
      'payload',
      'bus',
      'status',
    ];
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.dictionary(fc.constantFrom(...keys), fc.jsonValue()).map((v) => JSON.stringify(v)),
      fc.string(),
    );
    const query = fc
      .dictionary(
        fc.constantFrom(...keys, 'redriven'),
        fc.oneof(fc.string(), fc.constantFrom('2026-11', 'FAILED', 'false')),
      )
      .map((q) => new URLSearchParams(q).toString());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        query,
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        body,
        async (route, q, method, b) => {
          const res = await send(
            runtime.port,
            method,
            `${route}${q ? `?${q}` : ''}`,
            action(runtime),
            method === 'GET' ? undefined : b,
          );
          if (res.status >= 500) throw new Error(`${method} ${route}?${q} ${b} → ${res.status} ${res.body}`);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
