/**
 * What a crash costs the local runtime: nothing. The real CLI (`q2c serve`, what `npm start` runs) is
 * SIGKILLed at seeded random moments of the full demo (deals, the Stripe month, month-end close), started
 * again on the same data dir each time, and the last start's demo — which re-delivers everything — must end
 * with exactly the trial balance, revenue waterfall and journal of an uninterrupted run. And Ctrl-C (SIGINT)
 * during the demo stops promptly, exit code 0, data dir released; the next start completes the same books.
 *
 * CI: CRASH_KILLS (default 3) kills. The full run: CRASH_KILLS=20.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../../lib/topology';
import { OpsClient } from '../../../local/ops-client';
import { seededRandom } from '../../../local/scenarios/delivery';
import { TEST_SECRET } from '../harness';

const KILLS = Number(process.env.CRASH_KILLS ?? 3);
jest.setTimeout((10 + KILLS * 3) * 60_000);

interface Serving {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(dataDir: string): Serving {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child = spawn(
    process.execPath,
    [tsx, 'local/cli.ts', 'serve', '--port', '0', '--data-dir', dataDir, '--retry-interval-ms', '200'],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, STRIPE_WEBHOOK_SECRET: TEST_SECRET, POWERTOOLS_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group (tsx runs the CLI in a child process): a signal to the group reaches the
      // runtime itself, as Ctrl-C in a terminal or the OOM killer would.
      detached: true,
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const serving = { child, output: () => out, exited };
  servings.push(serving);
  return serving;
}

/** Every runtime started, so none outlives the test file (each is its own process group). */
const servings: Serving[] = [];
afterAll(() => {
  for (const s of servings)
    if (s.child.exitCode === null && s.child.signalCode === null)
      process.kill(-(s.child.pid as number), 'SIGKILL');
});

const signalGroup = (s: Serving, signal: NodeJS.Signals) => process.kill(-(s.child.pid as number), signal);
const groupAlive = (s: Serving) => {
  try {
    process.kill(-(s.child.pid as number), 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves with the runtime's URL once the demo has finished (`Ready.`). */
async function ready(s: Serving, timeoutMs = 600_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(s.output());
    if (m && s.output().includes('\nReady.')) return m[1];
    if (s.child.exitCode !== null) throw new Error(`runtime exited with ${s.child.exitCode}:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the demo did not finish:\n${s.output().slice(-3000)}`);
}

async function terminate(s: Serving): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) signalGroup(s, 'SIGTERM');
  await s.exited;
}

/**
 * The books: trial balance and waterfall as they are, the journal as a multiset of entries without their
 * recording time and source event id, and with the ids the sandboxes mint at run time (the deal flow's Stripe subscriptions and
 * invoices and their invoice numbers, Salesforce record ids) replaced — the scenario's own ids (…Demo…) are kept.
 */
async function books(url: string) {
  const ops = new OpsClient(url);
  const [tb, revenue, journal] = await Promise.all([
    ops.trialBalance(),
    ops.revenue('2026-11'),
    ops.journal(),
  ]);
  const entries = journal.entries
    .map(({ recordedAt: _recordedAt, ...entry }) =>
      // Which of two deliveries carrying the same document (invoice.paid, invoice.payment_succeeded) came
      // first is the order of arrival, not the books: the entry's source event id is left out.
      JSON.stringify(entry, (k, v: unknown) => (k === 'sourceEventId' ? undefined : v))
        .replace(/\b[a-z]{2,6}_(?![A-Za-z0-9]*Demo)[A-Za-z0-9]{10,}\b/g, '<stripe-id>')
        .replace(/\b00[0-9A-Za-z]{13}(?:[0-9A-Za-z]{3})?\b/g, '<salesforce-id>')
        // Invoice numbers: the prefix of a customer the sandbox creates is random (Stripe's is too).
        .replace(/\b[A-Z0-9]{8}-\d{4}\b/g, '<invoice-number>'),
    )
    .sort();
  return {
    trialBalance: tb.accounts,
    unbalanced: tb.unbalancedCurrencies,
    waterfall: revenue.waterfall,
    entries,
  };
}

const dirs: string[] = [];
const tempDir = (name: string) => {
  const d = mkdtempSync(path.join(tmpdir(), `q2c-${name}-`));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

let expected: Awaited<ReturnType<typeof books>>;
let demoMs = 0;

/** Resolves once the runtime is listening (the demo starts right after). */
async function listening(s: Serving): Promise<void> {
  while (!/listening on http/.test(s.output())) {
    if (s.child.exitCode !== null) throw new Error(`runtime exited with ${s.child.exitCode}:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  const s = serve(tempDir('uninterrupted'));
  try {
    await listening(s);
    const started = Date.now();
    const url = await ready(s);
    demoMs = Date.now() - started;
    expected = await books(url);
  } finally {
    await terminate(s);
  }
  expect(expected.unbalanced).toEqual([]);
  expect(expected.entries.length).toBeGreaterThan(50);
});

describe('what a crash costs the local runtime', () => {
  it(`SIGKILL at ${KILLS} random moments of the demo, restarted each time: the same books as an uninterrupted run`, async () => {
    const started = Date.now();
    const random = seededRandom(`q2c-crash-kills-${KILLS}`);
    const dataDir = tempDir('killed');
    const moments: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const at = Math.round(random() * demoMs);
      moments.push(at);
      const s = serve(dataDir);
      await listening(s);
      await new Promise((r) => setTimeout(r, at)); // into the demo (deals, Stripe month, close)
      signalGroup(s, 'SIGKILL');
      await s.exited;
    }
    const s = serve(dataDir);
    try {
      expect(await books(await ready(s))).toEqual(expected);
    } finally {
      await terminate(s);
    }
    console.log(
      `SIGKILL test: ${KILLS} kills at ${moments.map((m) => (m / 1000).toFixed(1)).join(', ')} s of a ` +
        `${(demoMs / 1000).toFixed(1)} s demo; ${((Date.now() - started) / 1000).toFixed(1)} s in all`,
    );
  });

  it('Ctrl-C during the demo stops promptly and releases the data dir; the next start completes the same books', async () => {
    const dataDir = tempDir('interrupted');
    const s = serve(dataDir);
    // Into the Stripe month: deals applied, webhooks being delivered.
    while (!s.output().includes('Demo scenario:')) {
      if (s.child.exitCode !== null) throw new Error(s.output());
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const interrupted = Date.now();
    signalGroup(s, 'SIGINT');
    const { code } = await s.exited;
    // tsx runs the CLI in a child process: the runtime has stopped when its whole process group is gone.
    while (groupAlive(s) && Date.now() - interrupted < 30_000) await new Promise((r) => setTimeout(r, 50));
    const stopMs = Date.now() - interrupted;
    expect([0, 130]).toContain(code);
    expect(stopMs).toBeLessThan(15_000);
    expect(existsSync(path.join(dataDir, 'runtime.lock'))).toBe(false);
    expect(s.output()).not.toContain('\nReady.');

    const again = serve(dataDir);
    try {
      expect(await books(await ready(again))).toEqual(expected);
    } finally {
      await terminate(again);
    }
    console.log(`Ctrl-C during the demo: stopped in ${stopMs} ms (exit ${code})`);
  });
});
