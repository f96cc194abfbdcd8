/**
 * npm run bench — measured side by side in one run (numbers, not tests):
 *  1. events/s end to end through the local runtime (signed HTTP webhook → bus → ASL → ledger)
 *     vs direct calls of the posting handler on the same dynalite, and their ratio;
 *  2. each deployed Lambda bundle's size and cold-init time on Node 20 and Node 24 (see bundles()).
 */
import '../local/polyfills';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type Stripe from 'stripe';
import { FUNCTIONS, PROJECT_ROOT } from '../lib/topology';
import { ensureNode24, isolateBundle, resolveEnvironment, synthesizeBundles } from './bundles';
import { mapStripeInvoiceEvent } from '../lambdas/domain/mapping/stripe-invoice';
import { normaliseStripeEvent, StripeEventShape } from '../lambdas/domain/envelope';
import { parseMappingConfig } from '../lambdas/domain/config';
import { lambdaContext } from '../local/lambda';
import { startLocalRuntime } from '../local/runtime';
import { invoiceObject, stripeEvent, stripeId, unix } from '../local/scenarios/stripe-events';
import { deliverStripeEvent } from '../local/webhook-client';
import mapping from '../config/mapping.json';
import { netsuiteThroughput } from './netsuite';

/** One local runtime per process: the close benchmark runs in a child process of its own. */
function closeBench(lines: number): {
  close: { rate: number; seconds: number };
  pure: { rate: number; seconds: number };
} {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const out = execFileSync(
    process.execPath,
    [tsx, path.join(PROJECT_ROOT, 'bench', 'close.ts'), String(lines)],
    {
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(out.toString().trim().split('\n').pop() as string);
}

/** Reconciliation: 1M synthetic records through the pure comparison, and a smaller run through the runtime. */
function reconcileBench(
  records: number,
  documents: number,
): Record<string, Record<string, number | string | boolean>> {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const out = execFileSync(
    process.execPath,
    [tsx, path.join(PROJECT_ROOT, 'bench', 'reconcile.ts'), String(records), String(documents)],
    { env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' }, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return JSON.parse(out.toString().trim().split('\n').pop() as string);
}

/** Deal to subscription through the runtime (its own child process: one runtime per process). */
function dealBench(): {
  deals: number;
  billedNow: number;
  settledP50Ms: number;
  settledP95Ms: number;
  quoteToBill: { p50: number; p95: number; samples: number } | null;
  stripeCallsByStatus: Record<string, number[]>;
} {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const out = execFileSync(process.execPath, [tsx, path.join(PROJECT_ROOT, 'bench', 'deals.ts')], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out.toString().trim().split('\n').pop() as string);
}

const N = Number(process.env.BENCH_EVENTS ?? 300);
const CONCURRENCY = 8;

function invoices(prefix: string, n: number): Stripe.Event[] {
  return Array.from({ length: n }, (_, i) => {
    const invoice = invoiceObject({
      seed: `${prefix}-${i}`,
      customer: {
        id: `cus_bench${i % 50}`,
        name: `Bench ${i % 50}`,
        email: `b${i % 50}@example.com`,
        invoicePrefix: 'BENCH',
      },
      currency: i % 3 === 0 ? 'eur' : 'usd',
      created: unix('2026-11-01T00:00:00Z'),
      subscription: { id: `sub_bench${i}`, metadata: { correlation_id: `opp_bench${i}` } },
      lines: [
        {
          description: 'Seats',
          price: stripeId('price', 'growth-seat-monthly-usd'),
          product: stripeId('prod', 'growth'), // mapped in config/mapping.json,
          unitAmount: 4_900,
          quantity: 1 + (i % 20),
          kind: 'subscription',
          period: { start: unix('2026-11-01T00:00:00Z'), end: unix('2026-12-01T00:00:00Z') },
        },
      ],
    });
    return stripeEvent('invoice.finalized', invoice);
  });
}

async function pool<T>(items: T[], worker: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await worker(items[next++]);
    }),
  );
}

async function throughput() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-bench-'));
  const runtime = await startLocalRuntime({ port: 0, dataDir, logLevel: 'ERROR' });
  try {
    const e2eEvents = invoices('e2e', N);
    let t0 = performance.now();
    await pool(e2eEvents, (e) =>
      deliverStripeEvent(`${runtime.url}/webhooks/stripe`, e, runtime.webhookSecret),
    );
    await runtime.idle();
    const e2eSeconds = (performance.now() - t0) / 1000;

    // Direct: the same PostInvoice handler on the same dynalite, given already-mapped postings.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const post = require(path.join(PROJECT_ROOT, FUNCTIONS.postInvoice.entry)).handler as (
      e: unknown,
      c: unknown,
    ) => Promise<unknown>;
    const config = parseMappingConfig(mapping);
    const postings = invoices('direct', N).map(
      (e) =>
        mapStripeInvoiceEvent(
          normaliseStripeEvent(StripeEventShape.parse(e), new Date()),
          config,
          e.api_version ?? '',
        ).invoicePosting,
    );
    t0 = performance.now();
    await pool(postings, (p) => post(p, lambdaContext('postInvoice')));
    const directSeconds = (performance.now() - t0) / 1000;

    const posted = (await runtime.ledger.listEntries()).length;
    return { e2eRate: N / e2eSeconds, directRate: N / directSeconds, posted };
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Each deployed bundle (synthesized with bundling, as `cdk deploy` uploads it): its size and its cold
 * init — require of the bundle in a fresh process, minus an empty process of the same binary, median of
 * 5 — on the Node running the tests and on Node 24 (Lambda's nodejs24.x), in a directory with no
 * node_modules and with the environment the template gives the function.
 */
async function bundles() {
  const out = mkdtempSync(path.join(tmpdir(), 'q2c-bundles-'));
  const isolated = mkdtempSync(path.join(tmpdir(), 'q2c-bundles-run-'));
  try {
    const { functions, resources } = synthesizeBundles(out);
    const nodes = { node20: process.execPath, node24: ensureNode24() };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const time = (node: string, args: string[], env: Record<string, string>) => {
      const t0 = performance.now();
      execFileSync(node, args, { env: { PATH: '/usr/bin:/bin', ...env }, stdio: 'pipe' });
      return performance.now() - t0;
    };
    const baseline = Object.fromEntries(
      Object.entries(nodes).map(([k, node]) => [
        k,
        median([1, 2, 3, 4, 5].map(() => time(node, ['-e', ''], {}))),
      ]),
    ) as Record<keyof typeof nodes, number>;
    const rows = [];
    for (const fn of functions) {
      const dir = isolateBundle(fn, isolated);
      // Placeholders: loading reads names and URLs, it does not call them.
      const env = {
        ...resolveEnvironment(fn, resources, (tag) =>
          tag.startsWith('SECRETS.') ? undefined : `bench-${tag}`,
        ),
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
      };
      const script = `require(${JSON.stringify(path.join(dir, fn.file))})`;
      const init = (k: keyof typeof nodes) =>
        median([1, 2, 3, 4, 5].map(() => time(nodes[k], ['-e', script], env))) - baseline[k];
      rows.push({ fn: fn.id, kb: fn.bytes / 1024, node20Ms: init('node20'), node24Ms: init('node24') });
    }
    return {
      rows,
      versions: Object.values(nodes).map((n) => execFileSync(n, ['--version']).toString().trim()),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(isolated, { recursive: true, force: true });
  }
}

const CLOSE_LINES = Number(process.env.BENCH_CLOSE_LINES ?? 5_000);

async function main() {
  // BENCH_ONLY=bundles: only the bundle sizes and init times (a synth, no runtime; ~1 min).
  if (process.env.BENCH_ONLY === 'bundles') return printBundles();
  console.log(
    `Quote-to-cash benchmark — ${N} invoice.finalized events, concurrency ${CONCURRENCY}, node ${process.version}`,
  );
  const t = await throughput();
  console.log('');
  console.log('Posting throughput (same machine, same dynalite, one run)');
  console.log(`  end to end through the local runtime : ${t.e2eRate.toFixed(1)} events/s`);
  console.log(`  direct PostInvoice handler calls     : ${t.directRate.toFixed(1)} postings/s`);
  console.log(`  ratio end-to-end / direct            : ${(t.e2eRate / t.directRate).toFixed(2)}`);
  console.log(`  journal entries posted               : ${t.posted} (expected ${2 * N})`);
  console.log('');
  console.log('Month-end recognition (MonthEndCloseFlow: 16 shards, inline Map, MaxConcurrency 4)');
  const { close, pure } = closeBench(CLOSE_LINES);
  console.log(
    `  close through the local runtime      : ${close.rate.toFixed(1)} schedule lines/s (${CLOSE_LINES} lines in ${close.seconds.toFixed(1)} s; BENCH_CLOSE_LINES to change)`,
  );
  console.log(`  ratio close / direct PostInvoice      : ${(close.rate / t.directRate).toFixed(2)}`);
  console.log(
    `  100k lines at that rate               : ${(100_000 / close.rate / 60).toFixed(1)} min on one process (AWS: 16 shards → ${(100_000 / 16 / close.rate).toFixed(0)} s per shard Lambda)`,
  );
  console.log(
    `  pure release computation (100k lines) : ${pure.rate.toFixed(0)} lines/s (${pure.seconds.toFixed(2)} s)`,
  );
  console.log('');
  console.log('Reconciliation (streaming merge-join over 64 shards; ReconciliationFlow on the runtime)');
  const rec = reconcileBench(
    Number(process.env.BENCH_RECONCILE_RECORDS ?? 1_000_000),
    Number(process.env.BENCH_RECONCILE_DOCUMENTS ?? 2_000),
  );
  const fmt = (v: unknown, d = 1) => (typeof v === 'number' ? v.toFixed(d) : String(v));
  console.log(
    `  pure: ${rec.pure.records} records in ${fmt(rec.pure.seconds)} s (${fmt(rec.pure.rate, 0)} records/s, ` +
      `${fmt(rec.pure.secondsPer100k, 2)} s per 100k), slowest shard ${fmt(rec.pure.slowestShardSeconds, 2)} s, ` +
      `peak RSS ${fmt(rec.pure.peakRssMb, 0)} MB`,
  );
  console.log(
    rec.runtime.error
      ? `  runtime: ${String(rec.runtime.error)}`
      : `  runtime: ${rec.runtime.documents} invoices vs postings in ${fmt(rec.runtime.seconds)} s ` +
          `(${fmt(rec.runtime.rate, 0)} records/s, clean: ${String(rec.runtime.clean)}); one day of them ` +
          `(${rec.runtime.dayDocuments} documents: its events, the postings read by id) in ${fmt(rec.runtime.daySeconds)} s ` +
          `— day / month ${fmt(rec.runtime.dayToMonth, 2)}`,
  );
  console.log('');
  const deals = dealBench();
  console.log(
    "Deal to subscription (the demo org's 10 deals over Outbound Message, Flow callout, Event Relay)",
  );
  console.log(
    `  closed won → first invoice posted     : p50 ${deals.settledP50Ms.toFixed(0)} ms, p95 ${deals.settledP95Ms.toFixed(0)} ms ` +
      `over ${deals.billedNow} deals billed at once (delivery → all settled)`,
  );
  if (deals.quoteToBill)
    console.log(
      `  QuoteToBillLatency metric (SystemModstamp → posted): p50 ${deals.quoteToBill.p50} ms, p95 ${deals.quoteToBill.p95} ms, n=${deals.quoteToBill.samples}`,
    );
  console.log(
    `  Stripe API calls per deal by outcome  : ${Object.entries(deals.stripeCallsByStatus)
      .map(([status, calls]) => `${status} ${calls.join('/')}`)
      .join(' · ')}`,
  );
  console.log('');
  const ns = await netsuiteThroughput();
  console.log('NetSuite posting under concurrency governance (simulator: limit 5, 200 ms per request)');
  console.log(
    `  throughput                            : ${ns.rate.toFixed(1)} postings/s of ${ns.theoretical} theoretical (${((100 * ns.rate) / ns.theoretical).toFixed(0)} %; goal ≥ 90 %)`,
  );
  console.log(
    `  posted / records / duplicates         : ${ns.posted} / ${ns.records} / ${ns.duplicates}; refused for concurrency ${ns.refused}; max in flight ${ns.maxInFlight}`,
  );
  console.log(`  ratio to direct PostInvoice            : ${(ns.rate / t.directRate).toFixed(2)}`);
  console.log('');
  await printBundles();
}

async function printBundles() {
  const b = await bundles();
  console.log(
    `Lambda bundles as deployed (cdk synth with bundling: esbuild, minified, node24, cjs) and cold init ` +
      `(require in a fresh process without node_modules, minus an empty one; median of 5) on ${b.versions.join(' and ')}`,
  );
  console.log(
    `  ${'function'.padEnd(26)} ${'size'.padStart(8)}   ${'init node 20'.padStart(12)} ${'init node 24'.padStart(12)}`,
  );
  for (const r of b.rows) {
    console.log(
      `  ${r.fn.padEnd(26)} ${r.kb.toFixed(0).padStart(4)} KiB   ${r.node20Ms.toFixed(0).padStart(9)} ms ${r.node24Ms.toFixed(0).padStart(9)} ms`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
