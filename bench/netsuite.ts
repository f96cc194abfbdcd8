/**
 * NetSuite posting throughput under concurrency governance: the real adapter against the local
 * simulator with an account limit of 5 and 200 ms per request, as a ratio to the theoretical maximum
 * (limit / latency = 25 requests/s). Revenue releases post as one journal entry request each. The
 * simulator runs in its own process (bench/netsuite-simulator.ts), as NetSuite is remote; the
 * adapter starts cold (no reference ids cached), so the ratio includes its first lookups.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import mappingJson from '../config/mapping.json';
import { TokenBasedAuth } from '../lambdas/adapters/erp/netsuite/auth';
import { NetSuiteAdapter } from '../lambdas/adapters/erp/netsuite/netsuite-adapter';
import { parseMappingConfig } from '../lambdas/domain/config';
import { revenueReleaseEntry } from '../lambdas/domain/revenue/release';
import { buildSchedule } from '../lambdas/domain/revenue/schedule';
import type { SimulatorStats } from '../local/sandboxes/netsuite';

const LIMIT = 5;
const LATENCY_MS = 200;
const ACCOUNT = 'TSTDRV0000001';
const TBA = {
  consumerKey: 'bench-ck',
  consumerSecret: 'bench-cs',
  tokenId: 'bench-tk',
  tokenSecret: 'bench-ts',
};

export async function netsuiteThroughput(postings = 150) {
  const child = fork(
    path.join(__dirname, 'netsuite-simulator.ts'),
    [
      JSON.stringify({
        accountId: ACCOUNT,
        consumer: { key: TBA.consumerKey, secret: TBA.consumerSecret },
        token: { id: TBA.tokenId, secret: TBA.tokenSecret },
        concurrencyLimit: LIMIT,
        latencyMs: LATENCY_MS,
      }),
    ],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  const ns = { url: (await reply<{ url: string }>(child, undefined)).url };
  try {
    const adapter = new NetSuiteAdapter({
      accountId: ACCOUNT,
      baseUrl: ns.url,
      auth: new TokenBasedAuth({ accountId: ACCOUNT, credentials: async () => TBA }),
      mapping: parseMappingConfig(mappingJson),
      concurrencyLimit: LIMIT,
    });
    const entries = Array.from({ length: postings }, (_, i) => {
      const schedule = buildSchedule({
        lineRef: `stripe:il_bench${i}`,
        invoiceRef: `stripe:in_bench${i}`,
        subsidiary: 'US-INC',
        currency: 'usd',
        amount: 10_000 + i,
        servicePeriod: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
        correlationId: `opp_bench${i}`,
        sourceEventId: `evt_bench${i}`,
      });
      return revenueReleaseEntry(schedule, '2026-11');
    });
    const t0 = performance.now();
    const results = await Promise.all(
      entries.map((entry) => adapter.postDocument({ kind: 'revenue_release', data: {} }, entry!)),
    );
    const seconds = (performance.now() - t0) / 1000;
    const { stats, journalEntries: records } = await reply<{ stats: SimulatorStats; journalEntries: number }>(
      child,
      'stats',
    );
    return {
      rate: postings / seconds,
      theoretical: LIMIT / (LATENCY_MS / 1000),
      posted: results.filter((r) => r.outcome === 'posted').length,
      records,
      duplicates: records - new Set(results.map((r) => r.erpId)).size,
      refused: stats.rejectedConcurrency,
      maxInFlight: stats.maxInFlight,
    };
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** The child's next message (after sending `request`, if any). */
function reply<T>(child: ChildProcess, request: string | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`NetSuite simulator exited with ${code}`)));
    if (request) child.send(request);
  });
}
