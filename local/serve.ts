/**
 * `q2c serve`: boots the local runtime and (unless --no-demo) replays the demo month. Kept out of
 * local/cli.ts so the read commands never load the runtime: the CLI bundle (bin/cli-bundle.cjs)
 * leaves this module, and all it imports, to tsx, loaded only when serving.
 */
import { releaseDataDir } from './data-dir-lock';
import { runDemo } from './demo';
import { DEFAULT_LOCAL_WEBHOOK_SECRET } from './defaults';
import { OPS_TOKEN_FILE } from './ops-token';
import { startLocalRuntime, type LocalRuntime } from './runtime';

/** How long Ctrl-C lets in-flight executions finish before the runtime stops under them. */
const SHUTDOWN_GRACE_MS = 3_000;
/** Signals this close to the first are copies of the same Ctrl-C (terminal group, npm and tsx relaying it). */
const REPEATED_SIGNAL_MS = 1_000;

/** The options of `q2c serve` as commander parses them (strings until here). */
export interface ServeOptions {
  port: string;
  host: string;
  dataDir: string;
  demo: boolean;
  enableFaultInjection?: boolean;
  logLevel: string;
  erp: 'ledger' | 'netsuite';
  retryIntervalMs?: string;
  drainIntervalMs: string;
  breakerOpenMs?: string;
  maxConcurrentExecutions: string;
}

export async function serve(opts: ServeOptions): Promise<void> {
  // Read by the handlers when they load (local runs and tests only).
  if (opts.breakerOpenMs) process.env.Q2C_BREAKER_OPEN_MS = opts.breakerOpenMs;
  // Ctrl-C is handled from the first moment (while starting, during the demo, once ready): the runtime
  // stops, in-flight work gets a few seconds, the data dir is released. Whatever did not finish is
  // re-delivered by the next start (a second Ctrl-C exits at once; that is a crash, and safe too).
  const started: { runtime?: LocalRuntime } = {};
  let stopping = false;
  let firstSignalAt = 0;
  const stop = (running: LocalRuntime) =>
    running.stop({ graceMs: SHUTDOWN_GRACE_MS }).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stopping failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      // Ctrl-C reaches every process of the terminal's group, and npm / tsx relay it too: copies of the
      // same keystroke arrive within moments. A second Ctrl-C after that exits at once (still unlocked).
      if (Date.now() - firstSignalAt < REPEATED_SIGNAL_MS) return;
      if (started.runtime) releaseDataDir(started.runtime.dataDir);
      process.exit(130);
    }
    stopping = true;
    firstSignalAt = Date.now();
    process.stdout.write(`\n${signal}: stopping; unfinished work is re-delivered on the next start…\n`);
    // While starting, the start's continuation stops it (the emulators and the lock are not all up yet).
    if (started.runtime) void stop(started.runtime);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const runtime = await startLocalRuntime({
    port: Number(opts.port),
    host: opts.host,
    dataDir: opts.dataDir,
    logLevel: opts.logLevel,
    erp: opts.erp,
    retryIntervalMs: opts.retryIntervalMs === undefined ? undefined : Number(opts.retryIntervalMs),
    drainIntervalMs: Number(opts.drainIntervalMs),
    maxConcurrentExecutions: Number(opts.maxConcurrentExecutions),
    faultInjection: opts.enableFaultInjection === true,
  });
  started.runtime = runtime;
  if (stopping) return void stop(runtime); // interrupted while starting
  const print = (line: string) => process.stdout.write(line + '\n');
  print(`Quote-to-cash local runtime listening on ${runtime.url}`);
  // Only the built-in demo secret is printed (so users can sign test events); a real one never is.
  const secret =
    runtime.webhookSecret === DEFAULT_LOCAL_WEBHOOK_SECRET
      ? `signing secret: ${runtime.webhookSecret}`
      : 'signing secret from STRIPE_WEBHOOK_SECRET';
  print(`  POST ${runtime.url}/webhooks/stripe   Stripe webhooks (${secret})`);
  print(`  GET  ${runtime.url}/ops/trial-balance | /ops/journal | /ops/queues | /ops/events | /ops/health`);
  print(`  data dir: ${runtime.dataDir} (operator actions: Authorization: Bearer <${OPS_TOKEN_FILE} in it>)`);
  if (opts.enableFaultInjection)
    print('  fault injection enabled: /ops/bus/fault, /ops/dynamodb/fault, /ops/erp/faults');
  if (opts.demo) {
    print('');
    try {
      await runDemo(runtime, print);
    } catch (err) {
      if (stopping) return; // the runtime went away under the demo: the shutdown exits
      throw err;
    }
  }
  if (stopping) return;
  print('');
  print(
    `Ready. Send more events (e.g. stripe listen --forward-to ${runtime.url}/webhooks/stripe); Ctrl-C to stop.`,
  );
}
