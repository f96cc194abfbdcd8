/**
 * Reconciliation benchmark (child process of bench/run.ts; prints one JSON line):
 *  1. pure: 1M billing documents against 1M ERP postings through the streaming comparison, the way
 *     the flow runs it — 64 shards, each sorting its ~16k facts per side and merge-joining them —
 *     with time, rate, time per 100k records, the slowest shard (vs Lambda's 15 min) and peak memory;
 *  2. runtime: N Stripe invoices (and their invoice.finalized events) in the sandbox, spread over 20
 *     days, and N ledger postings through ReconciliationFlow: the month's run, then one day's run
 *     (the daily schedule's: that day's events, the postings read by id) side by side.
 */
import '../local/polyfills';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { reconcileStreams } from '../lambdas/domain/reconciliation/compare';
import { compareFacts, type BillingFact, type ErpFact } from '../lambdas/domain/reconciliation/facts';
import { RECONCILE_SHARDS } from '../lambdas/domain/reconciliation/report';
import type { JournalEntry } from '../lambdas/domain/model';
import { startLocalRuntime } from '../local/runtime';

const PERIOD = '2026-11';

async function pure(records: number) {
  const perShard = Math.ceil(records / RECONCILE_SHARDS);
  let peakRss = 0;
  let findings = 0;
  let slowestShardMs = 0;
  const start = performance.now();
  for (let shard = 0; shard < RECONCILE_SHARDS; shard++) {
    const t0 = performance.now();
    const billing: BillingFact[] = [];
    const erp: ErpFact[] = [];
    for (let i = 0; i < perShard; i++) {
      // Keys arrive unsorted (a shard's parts come from many slices); every 1000th differs by a cent.
      const id = `in_${((i * 7919) % perShard).toString(36)}x${shard}`;
      const b: BillingFact = {
        key: `invoice:${id}`,
        document: 'invoice',
        status: 'paid',
        currency: 'usd',
        amount: 1000 + i,
        tax: 80,
        date: '2026-11-15',
      };
      billing.push(b);
      erp.push({
        ...b,
        role: 'post',
        erpId: `stripe:invoice:${id}:post`,
        amount: b.amount + (i % 1000 === 0 ? 1 : 0),
      });
    }
    billing.sort(compareFacts);
    erp.sort(compareFacts);
    for await (const finding of reconcileStreams(billing, erp, { period: PERIOD })) if (finding) findings++;
    slowestShardMs = Math.max(slowestShardMs, performance.now() - t0);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - start) / 1000;
  const total = perShard * RECONCILE_SHARDS;
  return {
    records: total * 2,
    seconds,
    rate: (total * 2) / seconds,
    secondsPer100k: (seconds * 100_000) / (total * 2),
    slowestShardSeconds: slowestShardMs / 1000,
    peakRssMb: peakRss / 2 ** 20,
    findings,
  };
}

const DAYS = 20;
const dayOf = (i: number) => `2026-11-${String(1 + (i % DAYS)).padStart(2, '0')}`;

function entryFor(i: number): JournalEntry {
  const common = {
    currency: 'usd',
    sourceEventId: `evt_b${i}`,
    correlationId: `opp_b${i}`,
    sourceLineRef: null,
    servicePeriod: null,
  };
  return {
    schemaVersion: 'v1',
    entryId: `stripe:invoice:in_bench${i}:post`,
    idempotencyKey: `stripe:invoice:in_bench${i}:post`,
    kind: 'invoice',
    documentRef: `stripe:in_bench${i}`,
    subsidiary: 'US-INC',
    effectiveDate: dayOf(i),
    memo: 'bench',
    sourceEventId: `evt_b${i}`,
    correlationId: `opp_b${i}`,
    lines: [
      { account: 'accounts_receivable', debit: 1000 + i, credit: 0, memo: 'bench', ...common },
      { account: 'revenue', debit: 0, credit: 1000 + i, memo: 'bench', ...common },
    ],
  };
}

async function runtime(n: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'q2c-bench-rec-'));
  const rt = await startLocalRuntime({ port: 0, dataDir: dir, logLevel: 'ERROR' });
  try {
    // Billing's clock at the month end: the day runs are within Stripe's 30-day event retention.
    rt.stripe.freezeClock(Date.UTC(2026, 11, 1) / 1000);
    rt.stripe.setRateLimit(Infinity);
    const invoices = Array.from({ length: n }, (_, i) => {
      const at = Date.parse(`${dayOf(i)}T09:00:00Z`) / 1000 + i;
      return {
        id: `in_bench${i}`,
        object: 'invoice',
        status: 'open',
        currency: 'usd',
        total: 1000 + i,
        amount_paid: 0,
        total_taxes: [],
        created: at,
        status_transitions: { finalized_at: at, paid_at: null },
      };
    });
    const events = invoices.map((invoice, i) => ({
      id: `evt_bench${i}`,
      object: 'event',
      type: 'invoice.finalized',
      created: invoice.created,
      data: { object: invoice },
    }));
    rt.stripe.store.putAll([...invoices, ...events] as Parameters<typeof rt.stripe.store.putAll>[0]);
    for (let i = 0; i < n; i++) await rt.ledger.postJournal(entryFor(i));
    const timed = async (period: string) => {
      const t0 = performance.now();
      const record = await rt.reconcile(period);
      const seconds = (performance.now() - t0) / 1000;
      const out = record.output as { clean: boolean; billingDocuments: number; erpPostings: number };
      return { seconds, documents: out.billingDocuments, postings: out.erpPostings, clean: out.clean };
    };
    const month = await timed(PERIOD);
    const day = await timed(dayOf(9));
    return {
      documents: n,
      seconds: month.seconds,
      rate: (month.documents + month.postings) / month.seconds,
      clean: month.clean && day.clean,
      dayDocuments: day.documents,
      dayPostings: day.postings,
      daySeconds: day.seconds,
      dayToMonth: day.seconds / month.seconds,
    };
  } finally {
    await rt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void (async () => {
  const records = Number(process.argv[2] ?? 1_000_000);
  const documents = Number(process.argv[3] ?? 2_000);
  const p = await pure(records / 2);
  const r = await runtime(documents).catch((err: Error) => ({ error: err.message }));
  process.stdout.write(JSON.stringify({ pure: p, runtime: r }) + '\n');
  process.exit(0); // a runtime that failed to start may leave servers holding the event loop
})();
