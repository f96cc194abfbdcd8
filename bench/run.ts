/**
 * npm run bench — measured side by side in one run (numbers, not tests):
 *  1. events/s end to end through the local runtime (signed HTTP webhook → bus → ASL → ledger)
 *     vs direct calls of the posting handler on the same dynalite, and their ratio;
 *  2. each Lambda bundle's size (esbuild, the CDK bundling options) and cold-init time
 *     (require of the bundle in a fresh node process, minus an empty node process).
 */
import '../local/polyfills';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type Stripe from 'stripe';
import { FUNCTIONS, PROJECT_ROOT, type FunctionKey } from '../lib/topology';
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

async function bundles() {
  const out = mkdtempSync(path.join(tmpdir(), 'q2c-bundles-'));
  const node = (script: string) => {
    const t0 = performance.now();
    execFileSync(process.execPath, ['-e', script], { env: { ...process.env, AWS_REGION: 'us-east-1' } });
    return performance.now() - t0;
  };
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const baseline = median([1, 2, 3, 4, 5].map(() => node('')));
  const rows = [];
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
    const outfile = path.join(out, `${key}.js`);
    await build({
      entryPoints: [path.join(PROJECT_ROOT, FUNCTIONS[key].entry)],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      outfile,
      logLevel: 'silent',
    });
    const env =
      'process.env.IDEMPOTENCY_TABLE_NAME="t";process.env.LEDGER_TABLE_NAME="t";process.env.CROSSWALK_TABLE_NAME="t";';
    const init =
      median([1, 2, 3, 4, 5].map(() => node(`${env}require(${JSON.stringify(outfile)})`))) - baseline;
    rows.push({ fn: FUNCTIONS[key].id, kb: statSync(outfile).size / 1024, initMs: init });
  }
  rmSync(out, { recursive: true, force: true });
  return rows;
}

const CLOSE_LINES = Number(process.env.BENCH_CLOSE_LINES ?? 5_000);

async function main() {
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
  console.log(
    'Lambda bundles (esbuild, minified, node22, cjs) and cold init (require in a fresh node, minus empty node)',
  );
  for (const r of await bundles()) {
    console.log(
      `  ${r.fn.padEnd(22)} ${r.kb.toFixed(0).padStart(6)} KiB   init ${r.initMs.toFixed(0).padStart(4)} ms`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
