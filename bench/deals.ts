/**
 * Deal to subscription, measured through the local runtime (a child process of bench/run.ts): the demo
 * org's ten deals close won over the three channels; for each, delivery → everything settled (deal flow,
 * Stripe billing, the sandbox's webhooks, the invoice posted), and the Stripe API calls made meanwhile.
 * Prints one JSON line.
 */
import '../local/polyfills';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createDemoCoupons, runDealDemo } from '../local/deal-demo';
import { percentile } from '../local/metrics';
import { startLocalRuntime } from '../local/runtime';

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'q2c-bench-deals-'));
  const runtime = await startLocalRuntime({ port: 0, dataDir: dir, logLevel: 'ERROR' });
  try {
    await createDemoCoupons(runtime);
    const deals = await runDealDemo(runtime);
    // Deals whose first invoice the sandbox billed right away (not the trial, schedule or parked ones).
    const billed = deals.filter((d) => d.billingStatus === 'Active');
    const sorted = billed.map((d) => d.settledMs).sort((a, b) => a - b);
    const callsByStatus: Record<string, number[]> = {};
    for (const d of deals) (callsByStatus[d.billingStatus ?? 'none'] ??= []).push(d.stripeCalls);
    const metrics = (await (await fetch(`${runtime.url}/ops/metrics`)).json()) as {
      metrics: { name: string; p50: number; p95: number; samples: number }[];
    };
    const quoteToBill = metrics.metrics.find((m) => m.name === 'QuoteToBillLatency');
    console.log(
      JSON.stringify({
        deals: deals.length,
        billedNow: billed.length,
        settledP50Ms: percentile(sorted, 50),
        settledP95Ms: percentile(sorted, 95),
        quoteToBill: quoteToBill ?? null,
        stripeCallsByStatus: callsByStatus,
      }),
    );
  } finally {
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
