/**
 * Operator commands that tell the truth (issue 14 §4), run as a user types them — `npx q2c …`, i.e.
 * bin/q2c.cjs in a child process — against a runtime that replayed the demo month.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/topology';
import { startRuntimeProcess, type RunningRuntime } from './harness';

jest.setTimeout(600_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `npx q2c <args>` from the project root: the bin npx runs (bin/q2c.cjs) in a child process, as the
 * other CLI tests run it.
 */
function q2c(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'q2c.cjs'), ...args],
      { cwd: PROJECT_ROOT, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dataDir: string;
let runtime: RunningRuntime;
let url: string[];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-cli-ops-'));
  runtime = await startRuntimeProcess(dataDir, [], { demo: true });
  // The runtime's data dir holds the ops token the operator actions send.
  url = ['--url', runtime.url, '--data-dir', dataDir];
}, 300_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const exceptionQueue = async () =>
  (await runtime.ops.queues()).queues.find((q) => q.queue === 'exceptions') ?? { depth: 0, messages: [] };

describe('periods are checked before anything starts', () => {
  test.each([
    [['close', '--period', '2026-13'], /YYYY-MM.*got "2026-13"/],
    [['close', '--period', 'nov'], /YYYY-MM.*got "nov"/],
    [['reconcile', '--period', '2026-11-31'], /calendar day YYYY-MM-DD.*got "2026-11-31"/],
    [['revenue', '--period', '2026/11'], /YYYY-MM.*got "2026\/11"/],
  ])('q2c %j is refused with the reason, and nothing runs or parks', async (args, reason) => {
    const before = {
      parked: (await exceptionQueue()).depth,
      started: (await runtime.ops.health()).executions.started,
    };
    const run = await q2c([...args, ...url]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect((await exceptionQueue()).depth).toBe(before.parked);
    expect((await runtime.ops.health()).executions.started).toBe(before.started);
  });

  test('the ops API refuses them too: 400 with the reason, no execution started', async () => {
    const started = (await runtime.ops.health()).executions.started;
    await expect(runtime.ops.close('2026-13')).rejects.toThrow(/400: period must be YYYY-MM/);
    await expect(runtime.ops.close(null as unknown as string)).rejects.toThrow(/400: period must be/);
    await expect(runtime.ops.reconcile('2026-11-31')).rejects.toThrow(/400: .*calendar day/);
    await expect(runtime.ops.revenue('2026/11')).rejects.toThrow(/400: period must be YYYY-MM/);
    expect((await runtime.ops.health()).executions.started).toBe(started);
  });
});

describe('q2c replay reports outcomes', () => {
  test('--dry-run lists the events by their source ids, as q2c queues does', async () => {
    const queue = await exceptionQueue();
    const run = await q2c(['replay', '--from', 'exceptions', '--dry-run', ...url]);
    expect(run.code).toBe(0);
    for (const m of queue.messages) expect(run.stdout).toContain(m.sourceEventId ?? m.correlationId ?? '?');
    expect(run.stdout).toMatch(/sf:om:\S+\s+│ would replay/);
    expect((await exceptionQueue()).depth).toBe(queue.depth);
  });

  test('a replay follows each event to its end: an unmapped deal is parked again, with the reason', async () => {
    const before = await exceptionQueue();
    const run = await q2c(['replay', '--from', 'exceptions', ...url]);
    // Re-published is not resolved: the exit code says something is still parked.
    expect(run.code).toBe(1);
    for (const m of before.messages)
      expect(run.stdout).toMatch(
        new RegExp(`${m.sourceEventId}\\s+│ parked again\\s+│ business: unmapped_product`),
      );
    expect(run.stdout).toContain(`Outcomes: parked again ${before.depth}`);
    expect(run.stderr).toMatch(/replay: following the replayed events/); // no silent wait
    expect((await exceptionQueue()).depth).toBe(before.depth);
  });
});

describe('exceptions are resolved without a replay, audited', () => {
  test('q2c exceptions list shows what is parked, with the ids discard takes', async () => {
    const queue = await exceptionQueue();
    expect(queue.depth).toBeGreaterThan(0); // the demo's deal with an unmapped product
    const run = await q2c(['exceptions', 'list', ...url]);
    expect(run.code).toBe(0);
    for (const m of queue.messages) expect(run.stdout).toContain(m.messageId);
    expect(run.stdout).toMatch(/unmapped_product/);
  });

  test('q2c exceptions discard moves it to the archive in the data dir (when, why, who, the original)', async () => {
    const [parked] = (await exceptionQueue()).messages;
    const depth = (await exceptionQueue()).depth;
    const run = await q2c([
      'exceptions',
      'discard',
      '--id',
      parked.messageId,
      '--reason',
      'on-premise licences are billed outside Stripe',
      '--by',
      'ops-test',
      ...url,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Discarded ${parked.messageId}`);
    const after = await exceptionQueue();
    expect(after.depth).toBe(depth - 1);
    expect(after.messages.map((m) => m.messageId)).not.toContain(parked.messageId);

    const file = path.join(dataDir, 'exceptions-archive.jsonl');
    expect(existsSync(file)).toBe(true);
    const [record] = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(record).toMatchObject({
      messageId: parked.messageId,
      reason: 'on-premise licences are billed outside Stripe',
      by: 'ops-test',
      parked: { classification: parked.classification, reason: parked.reason },
    });
    expect(Date.parse(record.discardedAt)).toBeGreaterThan(Date.now() - 600_000);
    // The original message, whole: its event can still be replayed by hand later.
    expect(record.body).toContain(parked.sourceEventId ?? parked.correlationId ?? '');

    const archive = await q2c(['exceptions', 'archive', '--json', ...url]);
    expect(archive.code).toBe(0);
    expect(JSON.parse(archive.stdout)).toEqual([record]);
  });

  test("a failed command shows the server's reason (an unknown id), not a bare status", async () => {
    const run = await q2c(['exceptions', 'discard', '--id', 'no-such-message', '--reason', 'x', ...url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/→ 404: no parked exception no-such-message on the exception queue/);
  });
});

describe('journal and trial balance', () => {
  test('q2c journal filters by period, account, customer and document', async () => {
    const { entries } = await runtime.ops.journal();
    const invoice = entries.find((e) => e.kind === 'invoice' && /to stripe:cus_/.test(e.memo));
    expect(invoice).toBeDefined();
    const customer = /stripe:(cus_\w+)/.exec(invoice?.memo ?? '')?.[1] ?? '';
    const documentId = (invoice?.documentRef ?? '').replace('stripe:', '');
    const json = async (args: string[]) => {
      const run = await q2c(['journal', ...args, '--json', ...url]);
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as { entries: typeof entries }).entries;
    };
    const byDocument = await json(['--document', documentId]);
    expect(byDocument.map((e) => e.entryId)).toContain(invoice?.entryId);
    expect(byDocument.every((e) => e.documentRef.includes(documentId) || e.memo.includes(documentId))).toBe(
      true,
    );
    const byCustomer = await json(['--customer', customer]);
    expect(byCustomer.map((e) => e.entryId)).toEqual(
      expect.arrayContaining(byDocument.map((e) => e.entryId)),
    );
    expect(byCustomer.length).toBeLessThan(entries.length);
    const deferred = await json(['--account', 'deferred_revenue', '--period', '2026-11']);
    expect(deferred.length).toBeGreaterThan(0);
    expect(
      deferred.every(
        (e) =>
          e.effectiveDate.startsWith('2026-11-') && e.lines.some((l) => l.account === 'deferred_revenue'),
      ),
    ).toBe(true);
    const typo = await q2c(['journal', '--account', 'cash', ...url]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/--account must be one of accounts_receivable/);
  });

  test('q2c trial-balance groups by subsidiary, each balancing', async () => {
    const run = await q2c(['trial-balance', ...url]);
    expect(run.code).toBe(0);
    const subsidiaries = [...new Set((await runtime.ops.journal()).entries.map((e) => e.subsidiary))].sort();
    expect(subsidiaries.length).toBeGreaterThan(1);
    for (const s of subsidiaries) expect(run.stdout).toContain(`Trial balance — ${s}`);
    expect(run.stdout).toContain('Every currency balances: debits = credits.');
  });
});

describe('q2c status and /ops/health', () => {
  test('gauges equal the queues, every figure has its unit, no currency-less money rows', async () => {
    const run = await q2c(['status', ...url]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/currency=none|NONE/);
    const rows = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('│') && !l.includes('Metric'))
      .map((l) => l.split('│').map((c) => c.trim()));
    expect(rows.length).toBeGreaterThan(10);
    // [, metric, dimensions, kind, value, unit, p50, p95]
    for (const r of rows) {
      expect(['counter', 'gauge', 'timing']).toContain(r[3]);
      expect(r[5]).not.toBe('');
    }
    const queue = await exceptionQueue();
    for (const classification of ['business', 'technical', 'dependency-outage', 'rate-limited']) {
      const row = rows.find(
        (r) => r[1] === 'Parked exceptions' && r[2] === `classification=${classification}`,
      );
      const real = queue.messages.filter((m) => m.classification === classification).length;
      expect(row?.[4]).toBe(String(real));
    }
    const depth = rows.find((r) => r[1] === 'Queue depth' && r[2] === 'queue=exceptions');
    expect(depth?.[4]).toBe(String(queue.depth));
    const latency = rows.find((r) => r[1] === 'PostingLatency');
    expect(latency?.[3]).toBe('timing');
    expect(latency?.[6]).toMatch(/^\d+ ms$/);
  });

  test('/ops/health is degraded while an execution failed or work is parked, and says why', async () => {
    const health = (await runtime.ops.health()) as { status: string; reasons?: string[] };
    expect(health.status).toBe('degraded');
    expect(health.reasons?.join('\n')).toMatch(/\d+ executions? failed since start/);
  });
});

describe('errors a person can act on', () => {
  test('q2c --version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
    const run = await q2c(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  test('an invalid mapping file names the file, the JSON path, what is wrong; no stack trace, no data dir', async () => {
    const mapping = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'mapping.json'), 'utf8'));
    mapping.subsidiaries[0].functionalCurrency = 'dollars';
    const file = path.join(dataDir, '..', `${path.basename(dataDir)}-mapping.json`);
    writeFileSync(file, JSON.stringify(mapping));
    const fresh = `${dataDir}-never`;
    const run = await q2c(['serve', '--no-demo', '--port', '0', '--data-dir', fresh], {
      ...process.env,
      Q2C_MAPPING_FILE: file,
    });
    rmSync(file, { force: true });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file} is not a valid mapping configuration:`);
    expect(run.stderr).toMatch(
      /subsidiaries\[0\]\.functionalCurrency: lowercase ISO 4217 code \(found "dollars"\)/,
    );
    expect(run.stderr).toMatch(/Fix it in .* and start again/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(fresh)).toBe(false);
  });

  test('a port in use says to pass --port and leaves no lock or half-seeded data dir', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const fresh = `${dataDir}-port`;
    const run = await q2c(['serve', '--no-demo', '--port', String(port), '--data-dir', fresh]);
    await new Promise((resolve) => taken.close(resolve));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `port ${port} on 127.0.0.1 is in use (another q2c serve?): pass --port <free port>`,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(fresh)).toBe(false);
  });

  test('replay --archive --since yesterday names the accepted formats', async () => {
    const run = await q2c(['replay', '--archive', '--since', 'yesterday', ...url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--since "yesterday" is not a time: give an ISO 8601 date \(2026-11-30/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test('--target aws without credentials says how to provide them', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'q2c-nohome-'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, AWS_REGION: 'eu-west-1' };
    env.AWS_EC2_METADATA_DISABLED = 'true'; // no instance role to fall back on
    env.AWS_CONFIG_FILE = path.join(home, 'none');
    env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'none');
    const run = await q2c(['replay', '--from', 'exceptions', '--target', 'aws', '--stack', 'q2c'], env);
    rmSync(home, { recursive: true, force: true });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no AWS credentials found for --target aws: run `aws configure`/);
    expect(run.stderr).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});

describe('a second start of the demo', () => {
  test('says 0 new postings and how many are already in the ledger', async () => {
    const inLedger = (await runtime.ops.journal()).entries.length;
    await runtime.stop();
    runtime = await startRuntimeProcess(dataDir, [], { demo: true });
    expect(runtime.output()).toContain(`Posted:   0 new postings — ${inLedger} already in the ledger`);
    // Progress while the demo runs (not a TTY here: plain lines with counts).
    expect(runtime.output()).toMatch(/demo: Stripe deliveries: \d+\/\d+ sent \(\d+ s\)\n/);
    expect((await runtime.ops.journal()).entries.length).toBe(inLedger);
  });
});
