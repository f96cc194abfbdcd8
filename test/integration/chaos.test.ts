/**
 * Chaos suite (issue 7) through the local runtime with NetSuite as the ERP:
 * 1. CHAOS_EVENTS distinct Stripe events (the demo month cloned per customer set: invoices, payments,
 *    refunds, credit notes, disputes, payouts), each delivered 1–3 times, shuffled (seeded), while 20%
 *    of NetSuite requests fail (5xx, 429 with Retry-After, timeouts whose write committed), some
 *    EventBridge PutEvents calls are throttled at ingest (a non-2xx the sender re-delivers, as Stripe
 *    does) and ~15% of DynamoDB writes to the idempotency, ledger and crosswalk tables are throttled on
 *    the wire (ThrottlingException / ProvisionedThroughputExceededException, armed through
 *    POST /ops/dynamodb/fault: the SDK retries them, the rare write that outlives its attempts is a
 *    TransientError the state machine retries). Concurrent duplicates wait for the first delivery
 *    (IdempotencyAlreadyInProgressError retrier) instead of parking. After `q2c replay --from exceptions`
 *    and `--from dlq`: every expected document in NetSuite exactly once, nothing parked, every journal
 *    entry balanced, reconciliation clean.
 * 2. SIGKILL mid-stream of a `q2c serve --erp netsuite` process, restart on the same data dir,
 *    re-deliver everything: nothing lost, nothing double-posted.
 * Default size is CI-friendly; CHAOS_EVENTS=10000 (`npm run chaos`) runs the full size.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type Stripe from 'stripe';
import { PROJECT_ROOT } from '../../lib/topology';
import { OpsClient } from '../../local/ops-client';
import { runReplay } from '../../local/replay/run';
import { localTarget } from '../../local/replay/targets';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import type { FaultSpec, NetSuiteSimulator } from '../../local/sandboxes/netsuite';
import { localTableName } from '../../local/services/dynamodb';
import { DYNAMODB_WRITE_OPERATIONS, type DynamoFaultStats } from '../../local/services/dynamodb-faults';
import { seededRandom } from '../../local/scenarios/delivery';
import { deliverStripeEvent } from '../../local/webhook-client';
import { buildChaosMonth, chaosDeliveries, type ChaosMonth } from './chaos-month';
import { TEST_SECRET } from './harness';

// 170 → two clones of the month (178 distinct events, ~420 deliveries): about a minute on 2 cores.
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 170);
const FAULT_RATE = 0.2;
// Share of DynamoDB writes (idempotency, ledger, crosswalk tables) answered with throttling.
const DYNAMODB_THROTTLE_RATE = Number(process.env.CHAOS_DYNAMODB_THROTTLE_RATE ?? 0.15);
// ~2.5 distinct events/s through faults on 2 cores, plus the SIGKILL drill: generous for the full size.
jest.setTimeout(Math.max(600_000, EVENTS * 1_500));
const PERIOD = '2026-11';
const figures: Record<string, unknown> = { events: EVENTS };

afterAll(() => console.log(`chaos figures ${JSON.stringify(figures, null, 2)}`));

const TRANSACTION_TYPES = [
  'invoice',
  'customerPayment',
  'creditMemo',
  'customerRefund',
  'journalEntry',
  'deposit',
];

interface TransactionRow {
  recordtype: string;
  externalid: string;
}

/** What NetSuite holds, read with SQL from the simulator's account (in-process or its SQLite file). */
type Sql = (query: string) => unknown[];

function assertExactlyOnce(sql: Sql, month: ChaosMonth): Record<string, number> {
  const rows = sql('SELECT recordtype, externalid FROM "transaction"') as TransactionRow[];
  // Zero duplicate postings: one externalId is one record, across every transaction type.
  const byExternalId = new Map<string, string[]>();
  for (const r of rows)
    byExternalId.set(r.externalid, [...(byExternalId.get(r.externalid) ?? []), r.recordtype]);
  const duplicated = [...byExternalId].filter(([, types]) => types.length > 1);
  expect(duplicated).toEqual([]);
  // Zero lost: every document the scenario implies is there.
  const has = (type: string) => new Set(rows.filter((r) => r.recordtype === type).map((r) => r.externalid));
  const missing = (type: string, ids: string[]) => ids.filter((id) => !has(type).has(id));
  expect(missing('invoice', month.expected.invoice)).toEqual([]);
  expect(missing('customerpayment', month.expected.customerPayment)).toEqual([]);
  expect(missing('deposit', month.expected.deposit)).toEqual([]);
  expect(missing('creditmemo', month.expected.creditMemo)).toEqual([]);
  const refunds = new Set([...has('customerrefund'), ...has('journalentry')]);
  expect(month.expected.refund.filter((id) => !refunds.has(id))).toEqual([]);
  // Every clone is the same month: the same documents, so none lost in one clone and not another.
  const perClone = new Map<number, string[]>();
  for (const r of rows) {
    const m = /x(\d+)(?![A-Za-z0-9])/.exec(r.externalid);
    if (!m) continue;
    const shape = `${r.recordtype} ${r.externalid.replace(/x\d+(?![A-Za-z0-9])/g, '')}`;
    perClone.set(Number(m[1]), [...(perClone.get(Number(m[1])) ?? []), shape]);
  }
  const reference = (perClone.get(0) ?? []).sort();
  expect(reference.length).toBeGreaterThan(0);
  for (let c = 1; c < month.clones; c++) expect([c, (perClone.get(c) ?? []).sort()]).toEqual([c, reference]);
  // Every journal entry balanced (debits = credits per entry, in its currency).
  const unbalanced = sql(
    `SELECT t.externalid, SUM(COALESCE(l.debitforeignamount, 0)) AS dr, SUM(COALESCE(l.creditforeignamount, 0)) AS cr
       FROM "transaction" t JOIN transactionline l ON l."transaction" = t.id
      WHERE t.recordtype = 'journalentry' GROUP BY t.id HAVING ABS(dr - cr) > 0.000001`,
  );
  expect(unbalanced).toEqual([]);
  return Object.fromEntries(TRANSACTION_TYPES.map((t) => [t, has(t.toLowerCase()).size]));
}

/** Delivers like Stripe: a non-2xx (or no answer) is delivered again, up to `attempts` times. */
async function deliverUntilAcknowledged(url: string, event: Stripe.Event, attempts = 8) {
  let retries = 0;
  for (let i = 0; i < attempts; i++) {
    try {
      const d = await deliverStripeEvent(url, event, TEST_SECRET);
      if (d.status >= 200 && d.status < 300) return { acknowledged: true, retries };
      if (d.status < 500 && d.status !== 429) throw new Error(`${event.id} refused: ${d.status} ${d.body}`);
    } catch (err) {
      if ((err as Error).message.includes('refused')) throw err;
    }
    retries++;
    await new Promise((r) => setTimeout(r, 50 * retries));
  }
  return { acknowledged: false, retries };
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

describe('chaos: mixed month × duplicates × shuffle × 20% ERP faults × DynamoDB throttling', () => {
  let runtime: LocalRuntime;
  let ns: NetSuiteSimulator;
  let dir: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'q2c-chaos-'));
    process.env.NETSUITE_REQUEST_TIMEOUT_MS = '1000';
    process.env.Q2C_BREAKER_OPEN_MS = '1000';
    runtime = await startLocalRuntime({
      port: 0,
      dataDir: dir,
      webhookSecret: TEST_SECRET,
      logLevel: 'ERROR',
      erp: 'netsuite',
      retryIntervalMs: 100,
      drainIntervalMs: 500,
      faultInjection: true,
    });
    ns = runtime.netsuite as NetSuiteSimulator;
  });
  afterAll(async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.env = savedEnv;
  });

  it('after replay: zero duplicate postings, zero lost events, journals balanced, reconciliation clean', async () => {
    const started = Date.now();
    const month = buildChaosMonth(EVENTS);
    runtime.stripe.store.putAll(JSON.parse(JSON.stringify(month.sandboxObjects)));
    const stream = chaosDeliveries(month.events, `chaos-${EVENTS}`);
    Object.assign(figures, {
      distinctEvents: month.events.length,
      monthClones: month.clones,
      deliveries: stream.length,
    });

    // 20% of NetSuite requests hit a fault: kept at the rate by topping up single-shot faults as requests arrive.
    const random = seededRandom('chaos-faults');
    const injected: Record<string, number> = {
      '5xx': 0,
      '429': 0,
      'timeout-committed': 0,
      'timeout-lost': 0,
    };
    let pending: { kind: string; remaining: () => number }[] = [];
    const requestsBefore = ns.stats().requests;
    const topUp = () => {
      const requests = ns.stats().requests - requestsBefore;
      pending = pending.filter((p) => (p.remaining() === 0 ? (injected[p.kind]++, false) : true));
      const total = Object.values(injected).reduce((a, b) => a + b, 0) + pending.length;
      for (let i = total; i < Math.floor(requests * FAULT_RATE) + 1 && pending.length < 3; i++) {
        const r = random();
        const [kind, spec]: [string, FaultSpec] =
          r < 0.4
            ? ['5xx', { kind: 'status', status: ([500, 502, 503, 504] as const)[Math.floor(random() * 4)] }]
            : r < 0.8
              ? ['429', { kind: 'throttle', retryAfterSeconds: 1 }]
              : r < 0.95
                ? ['timeout-committed', { kind: 'timeout', afterCommit: true }]
                : ['timeout-lost', { kind: 'timeout' }];
        pending.push({ kind, remaining: ns.injectFault(spec).remaining });
      }
    };
    const timer = setInterval(topUp, 20);

    // EventBridge throttling at ingest: the webhook answers non-2xx and the sender re-delivers.
    const ops = new OpsClient(runtime.url, runtime.dataDir);
    const busFault = (times: number) => ops.action('/ops/bus/fault', { mode: 'throttle', times });
    let busThrottles = 0;
    let senderRetries = 0;

    // DynamoDB throttling on the wire: ~15% of writes to the idempotency, ledger and crosswalk tables.
    const dynamoFault = (spec: object) => ops.action('/ops/dynamodb/fault', spec);
    const throttled = {
      tables: ['idempotency', 'ledger', 'crosswalk'],
      operations: DYNAMODB_WRITE_OPERATIONS,
    };
    for (const [exception, rate] of [
      ['ThrottlingException', DYNAMODB_THROTTLE_RATE * 0.6],
      ['ProvisionedThroughputExceededException', DYNAMODB_THROTTLE_RATE * 0.4],
    ] as const)
      if (rate > 0) expect((await dynamoFault({ ...throttled, exception, rate })).status).toBe(200);
    const webhook = `${runtime.url}/webhooks/stripe`;
    await pool(stream, 8, async (event) => {
      if (random() < 0.03) {
        busThrottles += 2;
        await busFault(2);
      }
      const outcome = await deliverUntilAcknowledged(webhook, event);
      senderRetries += outcome.retries;
      expect([event.id, outcome.acknowledged]).toEqual([event.id, true]);
    });
    figures.deliverSeconds = (Date.now() - started) / 1000;
    await runtime.idle();
    clearInterval(timer);
    topUp();
    ns.clearFaults();
    pending = [];
    await busFault(0);
    const dynamoThrottles = (await (
      await fetch(`${runtime.url}/ops/dynamodb/faults`)
    ).json()) as DynamoFaultStats;
    await dynamoFault({ clear: true });
    const stats = ns.stats();
    Object.assign(figures, {
      faultsInjected: injected,
      netsuiteRequests: stats.requests - requestsBefore,
      netsuiteByStatus: stats.byStatus,
      busThrottlesArmed: busThrottles,
      dynamoThrottles,
      senderRedeliveries: senderRetries,
      settledSeconds: (Date.now() - started) / 1000,
    });
    const faults = Object.values(injected).reduce((a, b) => a + b, 0);
    expect(faults).toBeGreaterThan(0);
    // Both throttling answers were given, on writes of each table (unless CHAOS_DYNAMODB_THROTTLE_RATE=0).
    if (DYNAMODB_THROTTLE_RATE > 0) {
      expect(Object.keys(dynamoThrottles.byException).sort()).toEqual([
        'ProvisionedThroughputExceededException',
        'ThrottlingException',
      ]);
      const unthrottled = (['idempotency', 'ledger', 'crosswalk'] as const).filter(
        (t) => !((dynamoThrottles.byTable[localTableName(t)] ?? 0) > 0),
      );
      expect(unthrottled).toEqual([]);
    }

    // Replay what was parked (as an operator would: `q2c replay --from exceptions`, then `--from dlq`).
    const parked = async () =>
      (await ops.queues()).queues.flatMap((q) => q.messages.map((m) => ({ queue: q.queue, ...m })));
    const parkedBefore = await parked();
    figures.parkedBeforeReplay = parkedBefore.length;
    figures.parkedByError = parkedBefore.reduce<Record<string, number>>(
      (acc, m) => ({ ...acc, [m.error ?? m.classification]: (acc[m.error ?? m.classification] ?? 0) + 1 }),
      {},
    );
    figures.parkedByClassification = parkedBefore.reduce<Record<string, number>>(
      (acc, m) => ({
        ...acc,
        [`${m.queue}/${m.classification}`]: (acc[`${m.queue}/${m.classification}`] ?? 0) + 1,
      }),
      {},
    );
    const replays: Record<string, number> = {};
    for (let round = 0; round < 5 && (await parked()).length > 0; round++) {
      const target = await localTarget(runtime.url, runtime.dataDir);
      try {
        for (const from of ['exceptions', 'dlq'] as const) {
          const report = await runReplay(target, { kind: 'queue', from, filter: {}, dryRun: false });
          replays[from] = (replays[from] ?? 0) + report.tally.totals().replayed;
        }
      } finally {
        target.close();
      }
      await runtime.idle();
    }
    figures.replayed = replays;
    expect(await parked()).toEqual([]);

    figures.netsuiteRecords = assertExactlyOnce((q) => ns.sql(q), month);

    const reconciliation = await ops.reconcile(PERIOD);
    expect(reconciliation.status).toBe('SUCCEEDED');
    const summary = reconciliation.output as {
      clean: boolean;
      billingDocuments: number;
      erpPostings: number;
    };
    figures.reconciliation = reconciliation.output;
    // Every billing document of the month was compared …
    const e = month.expected;
    expect(summary.billingDocuments).toBe(
      e.invoice.length + e.customerPayment.length + e.creditMemo.length + e.refund.length + e.deposit.length,
    );
    // … against what NetSuite holds (extract-erp-facts reads NetSuite by SuiteQL in `--erp netsuite`): clean.
    expect(summary.erpPostings).toBeGreaterThanOrEqual(summary.billingDocuments);
    expect(reconciliation.output).toMatchObject({ period: PERIOD, clean: true, unexplained: 0 });
    const report = JSON.parse(readFileSync(reconciliation.files?.json ?? '', 'utf8')) as {
      findings: { explained: boolean }[];
    };
    expect(report.findings.filter((f) => !f.explained)).toEqual([]);
    figures.totalSeconds = (Date.now() - started) / 1000;
  });
});

/** `q2c serve --erp netsuite` as one OS process (tsx as a loader, not a wrapper), so SIGKILL kills the runtime itself. */
async function serveProcess(
  dataDir: string,
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/cli.ts', 'serve', '--port', '0', '--data-dir', dataDir, '--no-demo'].concat([
      '--erp',
      'netsuite',
      '--retry-interval-ms',
      '200',
      '--drain-interval-ms',
      '500',
    ]),
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, STRIPE_WEBHOOK_SECRET: TEST_SECRET, POWERTOOLS_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runtime did not start:\n${out}`)), 60_000);
    child.stdout?.on('data', () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`runtime exited with ${code}:\n${out}`)));
  });
  return { url, child, output: () => out };
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

async function waitSettled(ops: OpsClient, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < deadline) {
    const { executions } = await ops.health();
    quiet = executions.inFlight === 0 ? quiet + 1 : 0;
    if (quiet >= 5) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('executions did not settle');
}

async function seed(url: string, dataDir: string, objects: readonly object[]) {
  const res = await new OpsClient(url, dataDir).action('/ops/stripe/objects', { objects });
  expect(res.status).toBe(200);
}

describe('chaos: SIGKILL mid-stream, restart on the same data dir', () => {
  let dir: string;
  let live: ChildProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'q2c-chaos-kill-'));
  });
  afterAll(async () => {
    if (live && live.exitCode === null && live.signalCode === null) {
      live.kill('SIGTERM');
      await exited(live);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('nothing lost, nothing double-posted', async () => {
    const started = Date.now();
    const month = buildChaosMonth(Number(process.env.CHAOS_KILL_EVENTS ?? 89));
    const objects = JSON.parse(JSON.stringify(month.sandboxObjects)) as object[];
    const stream = chaosDeliveries(month.events, 'chaos-sigkill');

    const first = await serveProcess(dir);
    live = first.child;
    await seed(first.url, dir, objects);
    const ops = new OpsClient(first.url, dir);
    const acknowledged = new Set<number>();
    let killedWithInFlight = -1;
    let killed = false;
    const killAt = Math.floor(stream.length / 2);
    await pool(
      stream.map((event, i) => ({ event, i })),
      6,
      async ({ event, i }) => {
        if (killed) return;
        if (i >= killAt && !killed) {
          // Kill only while executions are in flight (the point of the drill).
          const inFlight = await ops.health().then(
            (h) => h.executions.inFlight,
            () => 0,
          );
          if (killed) return;
          if (inFlight > 0) {
            killed = true;
            killedWithInFlight = inFlight;
            first.child.kill('SIGKILL');
            return;
          }
        }
        try {
          const d = await deliverStripeEvent(`${first.url}/webhooks/stripe`, event, TEST_SECRET);
          if (d.status >= 200 && d.status < 300) acknowledged.add(i);
        } catch {
          // connection reset by the kill: not acknowledged, Stripe retries it
        }
      },
    );
    if (!killed) {
      first.child.kill('SIGKILL');
      killed = true;
    }
    await exited(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');
    figures.sigkill = { deliveriesBeforeKill: acknowledged.size, inFlightAtKill: killedWithInFlight };

    // Restart on the same data dir (the lock of the dead process is taken over) and re-deliver as Stripe
    // would: first what was never acknowledged, then — an operator's belt and braces — everything again.
    const second = await serveProcess(dir);
    live = second.child;
    await seed(second.url, dir, objects);
    const ops2 = new OpsClient(second.url, dir);
    const unacknowledged = stream.filter((_, i) => !acknowledged.has(i));
    for (const batch of [unacknowledged, month.events]) {
      await pool(batch, 6, async (event) => {
        const outcome = await deliverUntilAcknowledged(`${second.url}/webhooks/stripe`, event);
        expect([event.id, outcome.acknowledged]).toEqual([event.id, true]);
      });
      await waitSettled(ops2);
    }
    // Executions killed mid-posting left their Powertools idempotency records IN_PROGRESS: re-deliveries of
    // those events park as IdempotencyAlreadyInProgressError until the record's in-progress expiry (the
    // function timeout, ≤ 30 s, as a crashed Lambda's would) passes; then a replay posts them.
    const replayed: Record<string, number> = { rounds: 0 };
    const parkedNow = async () => (await ops2.queues()).queues.flatMap((q) => q.messages);
    figures.sigkillParkedAfterRedelivery = (await parkedNow()).length;
    const deadline = Date.now() + 120_000;
    while ((await parkedNow()).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5_000));
      const target = await localTarget(second.url, dir);
      try {
        for (const from of ['exceptions', 'dlq'] as const) {
          const report = await runReplay(target, { kind: 'queue', from, filter: {}, dryRun: false });
          replayed[from] = (replayed[from] ?? 0) + report.tally.totals().replayed;
        }
      } finally {
        target.close();
      }
      replayed.rounds++;
      await waitSettled(ops2);
    }
    expect(await parkedNow()).toEqual([]);
    second.child.kill('SIGTERM');
    await exited(second.child);

    const db = new Database(path.join(dir, 'netsuite.sqlite'), { readonly: true });
    try {
      const records = assertExactlyOnce((q) => db.prepare(q).all(), month);
      Object.assign(figures.sigkill as object, {
        distinctEvents: month.events.length,
        deliveries: stream.length,
        unacknowledgedRedelivered: unacknowledged.length,
        redeliveredAgain: month.events.length,
        replayed,
        netsuiteRecords: records,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      db.close();
    }
  });
});
