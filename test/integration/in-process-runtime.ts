/**
 * The local runtime started in-process (so a test can reach its sandboxes and inject faults), in a fresh
 * data directory and with extra environment for its handlers; `stop()` stops it, removes the directory
 * and restores the environment. Plus the polling and parked-message reads the fault tests share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { OpsClient } from '../../local/ops-client';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime';
import type { NetSuiteSimulator } from '../../local/sandboxes/netsuite';

export interface InProcessRuntime {
  runtime: LocalRuntime;
  ops: OpsClient;
  stop(): Promise<void>;
}

export async function startInProcessRuntime(
  prefix: string,
  env: Record<string, string>,
  options: LocalRuntimeOptions,
): Promise<InProcessRuntime> {
  const savedEnv = { ...process.env };
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  Object.assign(process.env, env);
  let runtime: LocalRuntime | undefined;
  const stop = async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.env = savedEnv;
  };
  try {
    runtime = await startLocalRuntime({ port: 0, dataDir: dir, logLevel: 'ERROR', ...options });
  } catch (err) {
    await stop();
    throw err;
  }
  return { runtime, ops: new OpsClient(runtime.url, runtime.dataDir), stop };
}

/** Polls `check` every 200 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not met within ${timeoutMs} ms`);
}

/** The messages parked in every exception queue, optionally only those of one classification. */
export async function parkedMessages(ops: OpsClient, classification?: string) {
  return (await ops.queues()).queues
    .flatMap((q) => q.messages)
    .filter((m) => classification === undefined || m.classification === classification);
}

export interface NetSuiteRuntime extends InProcessRuntime {
  ns: NetSuiteSimulator;
}

/** The runtime with NetSuite as the ERP (its simulator at hand), NetSuite requests timing out after 1.5 s. */
export async function startNetSuiteRuntime(
  prefix: string,
  env: Record<string, string>,
  options: LocalRuntimeOptions,
): Promise<NetSuiteRuntime> {
  const started = await startInProcessRuntime(
    prefix,
    { NETSUITE_REQUEST_TIMEOUT_MS: '1500', ...env },
    { ...options, erp: 'netsuite' },
  );
  return { ...started, ns: started.runtime.netsuite as NetSuiteSimulator };
}
