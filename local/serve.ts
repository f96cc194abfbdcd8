/**
 * `q2c serve`: boots the local runtime and (unless --no-demo) replays the demo month. Kept out of
 * local/cli.ts so the read commands never load the runtime: the CLI bundle (bin/cli-bundle.cjs)
 * leaves this module, and all it imports, to tsx, loaded only when serving.
 */
import { runDemo } from './demo';
import { DEFAULT_LOCAL_WEBHOOK_SECRET } from './defaults';
import { OPS_TOKEN_FILE } from './ops-token';
import { startLocalRuntime } from './runtime';

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
    await runDemo(runtime, print);
  }
  print('');
  print(
    `Ready. Send more events (e.g. stripe listen --forward-to ${runtime.url}/webhooks/stripe); Ctrl-C to stop.`,
  );
  const shutdown = () => {
    void runtime.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
