/**
 * CLI latency (part of `npm run bench`; alone: `npx tsx bench/cli.ts [runs]`): each read command as a
 * user runs it (`npx q2c <command>`, wall time of the child process), the same through node and the bin
 * (without npx's own start-up), and a plain HTTP request to the endpoint behind it — against a runtime
 * that replayed the demo month, so the tables are the real size. Medians of `runs` (default 5).
 */
import '../local/polyfills';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROJECT_ROOT } from '../lib/topology';
import { DEMO_PERIOD, runDemo } from '../local/demo';
import { startLocalRuntime } from '../local/runtime';

const RUNS = Number(process.argv[2] ?? 5);

const READS: { command: string[]; endpoint: string }[] = [
  { command: ['trial-balance'], endpoint: '/ops/trial-balance' },
  { command: ['journal'], endpoint: '/ops/journal' },
  { command: ['queues'], endpoint: '/ops/queues' },
  { command: ['status'], endpoint: '/ops/metrics' },
  { command: ['revenue', '--period', DEMO_PERIOD], endpoint: `/ops/revenue?period=${DEMO_PERIOD}` },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall seconds of a child process (asynchronous: the runtime in this process must keep answering). */
async function wall(file: string, args: string[]): Promise<number> {
  const started = performance.now();
  await promisify(execFile)(file, args, { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 });
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-bench-cli-'));
  const runtime = await startLocalRuntime({ port: 0, dataDir, logLevel: 'ERROR' });
  try {
    await runDemo(runtime, () => undefined);
    const bin = path.join(PROJECT_ROOT, 'bin', 'q2c.cjs');
    await wall(process.execPath, [bin, '--version']); // builds the bundle if a source changed
    const rows = [];
    for (const { command, endpoint } of READS) {
      const args = [...command, '--url', runtime.url, '--data-dir', dataDir];
      const npx: number[] = [];
      const node: number[] = [];
      const http: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        npx.push(await wall('npx', ['q2c', ...args]));
        node.push(await wall(process.execPath, [bin, ...args]));
        const started = performance.now();
        await (await fetch(`${runtime.url}${endpoint}`)).text();
        http.push((performance.now() - started) / 1000);
      }
      rows.push({
        command: `q2c ${command.join(' ')}`,
        'npx q2c (s)': median(npx).toFixed(3),
        'node bin/q2c.cjs (s)': median(node).toFixed(3),
        [`GET ${endpoint.split('?')[0]} (s)`]: median(http).toFixed(3),
      });
    }
    console.log(`CLI read commands, median of ${RUNS} (wall seconds; target ≤ 0.5 s)`);
    for (const r of rows)
      console.log(
        '  ' +
          Object.entries(r)
            .map(([k, v]) => `${k}: ${v}`)
            .join('  '),
      );
    console.log(JSON.stringify({ cliLatency: rows }));
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
