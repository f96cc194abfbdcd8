/**
 * `npx q2c smoke --target local --url …`, run as a user runs it (a child process through bin/q2c.cjs)
 * against the local runtime (a child process too): every hop answers, the invoice and its void are in
 * the journal as mirror images, every account nets to zero (nothing left in the books), and a failing
 * hop exits 1 naming it — the API hop (wrong signing secret) and the execution hop (a runtime whose
 * mapping does not know the smoke invoice's product, so PostingFlow parks it).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/topology';
import { startRuntimeProcess, TEST_SECRET, type RunningRuntime } from './harness';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function q2c(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin', 'q2c.cjs'), ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, STRIPE_WEBHOOK_SECRET: TEST_SECRET, ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface Report {
  eventId: string;
  invoiceId: string;
  failedHop?: string;
  hops: { hop: string; ok: boolean; detail: string; latencyMs: number }[];
}

describe('q2c smoke --target local', () => {
  let dir: string;
  let runtime: RunningRuntime;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'q2c-smoke-'));
    runtime = await startRuntimeProcess(dir);
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows the event through every hop, then voids it: the books net to zero', async () => {
    const run = await q2c(['smoke', '--target', 'local', '--url', runtime.url, '--json']);
    expect(run.stderr).not.toMatch(/FAILED at hop/);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.failedHop).toBeUndefined();
    expect(report.hops.map((h) => [h.hop, h.ok])).toEqual([
      ['api', true],
      ['bus archive', true],
      ['execution', true],
      ['erp posting', true],
      ['crosswalk', true],
      ['reversal api', true],
      ['reversal posting', true],
    ]);
    for (const h of report.hops) expect(h.latencyMs).toBeGreaterThanOrEqual(0);

    // The journal holds the smoke invoice and its void, line for line the mirror image (debits ↔ credits).
    const { entries } = await runtime.ops.journal();
    const smoke = entries.filter((e) => e.documentRef === `stripe:${report.invoiceId}`);
    expect(smoke.map((e) => e.kind).sort()).toEqual(['invoice', 'invoice_void']);
    const invoice = smoke.find((e) => e.kind === 'invoice');
    const voided = smoke.find((e) => e.kind === 'invoice_void');
    const flip = (lines: (typeof entries)[number]['lines']) =>
      lines.map((l) => ({ account: l.account, currency: l.currency, debit: l.credit, credit: l.debit }));
    const pick = (lines: (typeof entries)[number]['lines']) =>
      lines.map((l) => ({ account: l.account, currency: l.currency, debit: l.debit, credit: l.credit }));
    expect(pick(voided?.lines ?? []).sort(byAccount)).toEqual(flip(invoice?.lines ?? []).sort(byAccount));

    // Nothing left in the books: every account's balance is zero (the runtime started empty).
    const { accounts, unbalancedCurrencies } = await runtime.ops.trialBalance();
    expect(unbalancedCurrencies).toEqual([]);
    expect(accounts.length).toBeGreaterThan(0);
    for (const a of accounts) {
      expect({ account: a.account, currency: a.currency, net: BigInt(a.debit) - BigInt(a.credit) }).toEqual({
        account: a.account,
        currency: a.currency,
        net: 0n,
      });
    }
  }, 120_000);

  it('prints each hop with its latency and exits 1 naming the API hop when the signing secret is wrong', async () => {
    const run = await q2c(['smoke', '--target', 'local', '--url', runtime.url], {
      STRIPE_WEBHOOK_SECRET: 'whsec_not_the_runtimes',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+api\s+\d+ ms\s+HTTP 401/);
    expect(run.stderr).toContain('FAILED at hop "api"');
  }, 120_000);
});

describe('q2c smoke --target local, flow failing', () => {
  let dir: string;
  let runtime: RunningRuntime;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'q2c-smoke-unmapped-'));
    // The runtime's mapping lacks the product the smoke invoice bills (the first of config/mapping.json).
    const mapping = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'mapping.json'), 'utf8')) as {
      products: unknown[];
    };
    const file = path.join(dir, 'mapping-without-smoke-product.json');
    writeFileSync(file, JSON.stringify({ ...mapping, products: mapping.products.slice(1) }));
    runtime = await startRuntimeProcess(path.join(dir, 'data'), [], { env: { Q2C_MAPPING_FILE: file } });
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 naming the execution hop (the event is parked), after the hops before it passed', async () => {
    const run = await q2c(['smoke', '--target', 'local', '--url', runtime.url, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.failedHop).toBe('execution');
    expect(report.hops.map((h) => [h.hop, h.ok])).toEqual([
      ['api', true],
      ['bus archive', true],
      ['execution', false],
    ]);
    expect(report.hops[2].detail).toMatch(/FAILED: PostingParked/);
    expect(run.stderr).toContain('FAILED at hop "execution"');
    // Nothing was posted for it.
    const { entries } = await runtime.ops.journal();
    expect(entries.filter((e) => e.documentRef === `stripe:${report.invoiceId}`)).toEqual([]);
  }, 120_000);
});

function byAccount(a: { account: string }, b: { account: string }): number {
  return a.account.localeCompare(b.account);
}
