/**
 * Runs the real CLI (`q2c serve`) as a child process on a random port, as a user would, so each
 * start is a fresh process (a restart really restarts) and nothing is shared with the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/topology';
import { OpsClient } from '../../local/ops-client';
import { signStripePayload } from '../../local/webhook-client';

export const TEST_SECRET = 'whsec_integration_test_secret';

export interface RunningRuntime {
  url: string;
  /** Its data dir, whose ops.token `ops` sends with operator actions. */
  dataDir: string;
  ops: OpsClient;
  output: () => string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Replay the bundled demo month and wait until it is done, instead of starting empty. */
  demo?: boolean;
  /** Extra environment of the runtime process (e.g. Q2C_MAPPING_FILE). */
  env?: Record<string, string>;
  /** Serve the fault-injection routes (`--enable-fault-injection`). */
  faultInjection?: boolean;
}

export async function startRuntimeProcess(
  dataDir: string,
  extraArgs: string[] = [],
  options: StartOptions = {},
): Promise<RunningRuntime> {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const args = [
    tsx,
    'local/cli.ts',
    'serve',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    ...(options.demo ? [] : ['--no-demo']),
    '--retry-interval-ms',
    '200',
    ...(options.faultInjection ? ['--enable-fault-injection'] : []),
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      STRIPE_WEBHOOK_SECRET: TEST_SECRET,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`runtime did not start:\n${out}`)),
      // Generous: under CI load (2 cores, parallel workers) loading every handler takes a while.
      options.demo ? 240_000 : 90_000,
    );
    const check = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m && (!options.demo || out.includes('\nReady.'))) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`runtime exited with ${code}:\n${out}`)));
  });
  return { url, dataDir, ops: new OpsClient(url, dataDir), output: () => out, stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface PostOptions {
  secret?: string;
  timestamp?: number;
  signature?: string | null;
  body?: string;
}

export async function postStripe(
  url: string,
  event: unknown,
  opts: PostOptions = {},
): Promise<{ status: number; body: unknown }> {
  const body = opts.body ?? JSON.stringify(event);
  const signature =
    opts.signature === undefined
      ? signStripePayload(body, opts.secret ?? TEST_SECRET, opts.timestamp)
      : opts.signature;
  const res = await fetch(`${url}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'stripe-signature': signature }),
    },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, body: parsed };
}

/** Loads Stripe API objects into the runtime's Stripe sandbox (what the billing adapter reads). */
export async function seedStripe(runtime: RunningRuntime, objects: readonly object[]): Promise<void> {
  const res = await runtime.ops.action('/ops/stripe/objects', { objects });
  if (res.status !== 200)
    throw new Error(`seeding the Stripe sandbox failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Waits until every state machine execution started so far has finished. */
export async function settled(runtime: RunningRuntime): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { executions } = await runtime.ops.health();
    if (executions.inFlight === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('executions did not settle');
}
