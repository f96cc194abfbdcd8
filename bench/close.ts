/**
 * Month-end recognition benchmark: N schedule lines released by the real MonthEndCloseFlow on the
 * local runtime (ASL + handlers + dynalite), and the pure release computation for 100k lines, as
 * rates to put beside the direct PostInvoice baseline of bench/run.ts.
 */
import '../local/polyfills';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ScheduleStore } from '../lambdas/adapters/revenue/schedule-store';
import { dynamo } from '../lambdas/adapters/store/dynamodb';
import { buildSchedule, type ScheduleInput } from '../lambdas/domain/revenue/schedule';
import { revenueReleaseEntry } from '../lambdas/domain/revenue/release';
import { startLocalRuntime } from '../local/runtime';
import { localTableName } from '../local/services/dynamodb';

const input = (i: number): ScheduleInput => ({
  lineRef: `stripe:il_bench${i}`,
  invoiceRef: `stripe:in_bench${i}`,
  subsidiary: i % 3 ? 'US-INC' : 'EU-BV',
  currency: i % 3 ? 'usd' : 'eur',
  amount: 1_000 + (i % 997) * 13,
  // monthly lines, and every 7th an annual one starting mid-month (12 periods)
  servicePeriod:
    i % 7
      ? { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' }
      : { start: '2026-11-16T00:00:00.000Z', end: '2027-11-16T00:00:00.000Z' },
  correlationId: `opp_bench${i}`,
  sourceEventId: `evt_bench${i}`,
});

export function pureRelease(lines: number): { seconds: number; rate: number } {
  const schedules = Array.from({ length: lines }, (_, i) => buildSchedule(input(i)));
  const t0 = performance.now();
  let posted = 0;
  for (const s of schedules) if (revenueReleaseEntry(s, '2026-11')) posted++;
  const seconds = (performance.now() - t0) / 1000;
  if (posted !== lines) throw new Error(`expected ${lines} releases, got ${posted}`);
  return { seconds, rate: lines / seconds };
}

export async function closeThroughRuntime(
  lines: number,
): Promise<{ seconds: number; rate: number; released: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-bench-close-'));
  const runtime = await startLocalRuntime({ port: 0, dataDir, logLevel: 'ERROR' });
  try {
    const store = new ScheduleStore(dynamo().doc, localTableName('ledger'));
    for (let i = 0; i < lines; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, lines - i) }, (_, k) => store.create(input(i + k))),
      );
    }
    const t0 = performance.now();
    const record = await runtime.close('2026-11');
    const seconds = (performance.now() - t0) / 1000;
    if (record.status !== 'SUCCEEDED') throw new Error(`close failed: ${record.error} ${record.cause}`);
    const released = (record.output as { releasesPosted: number }).releasesPosted;
    if (released !== lines) throw new Error(`expected ${lines} releases, got ${released}`);
    return { seconds, rate: lines / seconds, released };
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// `tsx bench/close.ts <lines>`: run in its own process (one local runtime per process) and print JSON.
if (require.main === module) {
  const lines = Number(process.argv[2] ?? 5_000);
  closeThroughRuntime(lines)
    .then((close) => console.log(JSON.stringify({ close, pure: pureRelease(100_000) })))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
