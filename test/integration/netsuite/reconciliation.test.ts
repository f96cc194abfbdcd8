/**
 * Reconciliation against NetSuite, through the local runtime in NetSuite mode (what
 * `q2c serve --erp netsuite` starts, in-process here so the test can reach the simulator): the demo
 * month posted into the NetSuite simulator reconciles clean, the ERP side read back with SuiteQL
 * (listPosted), tax included (NetSuite's Tax Total); then a tax changed in NetSuite (gross unchanged)
 * is found once, as a tax mismatch; an invoice deleted in NetSuite is found once, as missing in the
 * ERP, and nothing else is — by the month's run and by its day's. Every day of the month also
 * reconciles clean from its Stripe events.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Finding } from '../../../lambdas/domain/reconciliation/compare';
import { runDemo } from '../../../local/demo';
import { OpsClient } from '../../../local/ops-client';
import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';
import type { NetSuiteSimulator } from '../../../local/sandboxes/netsuite';

jest.setTimeout(600_000);

const PERIOD = '2026-11';
let runtime: LocalRuntime;
let ns: NetSuiteSimulator;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-ns-reconcile-'));
  runtime = await startLocalRuntime({
    port: 0,
    dataDir: dir,
    logLevel: 'ERROR',
    erp: 'netsuite',
    retryIntervalMs: 20,
  });
  ns = runtime.netsuite as NetSuiteSimulator;
  await runDemo(runtime, () => undefined);
  await runtime.idle();
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
  process.env = savedEnv;
});

const unexplainedOf = (file: string | undefined) =>
  (JSON.parse(readFileSync(file ?? '', 'utf8')) as { findings: Finding[] }).findings.filter(
    (f) => !f.explained,
  );

describe('reconciliation against NetSuite through the local runtime', () => {
  it('the demo month posted into NetSuite reconciles clean, read back with SuiteQL', async () => {
    const record = await runtime.reconcile(PERIOD);
    expect(record.status).toBe('SUCCEEDED');
    expect(unexplainedOf(record.files?.json)).toEqual([]);
    expect(record.output).toMatchObject({ period: PERIOD, clean: true, unexplained: 0 });
    const summary = record.output as { billingDocuments: number; erpPostings: number };
    // The same month and counts as on the ledger (test/integration/reconciliation.test.ts): the
    // documents in billing, and in the ERP the same postings plus the two reversals.
    expect(summary.billingDocuments).toBe(59);
    expect(summary.erpPostings).toBe(61);
    // Every ERP posting counted is a NetSuite transaction of the window.
    const inWindow = ns.sql(
      `SELECT COUNT(*) AS n FROM "transaction" WHERE externalid IS NOT NULL AND trandate >= ? AND trandate <= ?`,
      `${PERIOD}-01`,
      '2026-12-31',
    )[0].n as number;
    expect(inWindow).toBeGreaterThanOrEqual(summary.erpPostings);
  });

  it("every day reconciles clean from the day's Stripe events against SuiteQL from that day on", async () => {
    let documents = 0;
    for (let d = 1; d <= 30; d++) {
      const day = `${PERIOD}-${String(d).padStart(2, '0')}`;
      const record = await runtime.reconcile(day);
      expect(record.status).toBe('SUCCEEDED');
      expect(unexplainedOf(record.files?.json)).toEqual([]);
      expect(record.output).toMatchObject({ period: day, clean: true, unexplained: 0 });
      documents += (record.output as { billingDocuments: number }).billingDocuments;
    }
    // The month's 59 documents, each on the day it is dated (as on the ledger, read by id there).
    expect(documents).toBe(59);
  });

  it('a tax changed in NetSuite (net lowered, tax raised, gross unchanged) is found once, as a tax mismatch', async () => {
    const [taxed] = ns.sql(
      `SELECT id, externalid, taxtotal FROM "transaction"
        WHERE recordtype = 'invoice' AND trandate LIKE ? AND taxtotal > 0 ORDER BY id LIMIT 1`,
      `${PERIOD}-%`,
    ) as { id: number; externalid: string; taxtotal: number }[];
    // The demo's taxed invoices reach NetSuite with their tax lines, so it holds a Tax Total.
    expect(taxed?.externalid).toMatch(/^stripe-in_/);
    // As if someone re-split a line in the NetSuite UI: 1.00 moved from its net amount to its tax.
    const [line] = ns.sql(
      'SELECT id FROM transactionline WHERE "transaction" = ? AND item IS NOT NULL ORDER BY id LIMIT 1',
      taxed.id,
    ) as { id: number }[];
    ns.sql(
      'UPDATE transactionline SET foreignamount = foreignamount - 1 WHERE "transaction" = ? AND id = ? RETURNING id',
      taxed.id,
      line.id,
    );
    ns.sql('UPDATE "transaction" SET taxtotal = taxtotal + 1 WHERE id = ? RETURNING id', taxed.id);
    try {
      const record = await runtime.reconcile(PERIOD);
      expect(record.status).toBe('SUCCEEDED');
      const key = `invoice:${taxed.externalid.replace(/^stripe-/, '')}`;
      expect(unexplainedOf(record.files?.json).map((f) => ({ kind: f.kind, key: f.key }))).toEqual([
        { kind: 'tax_mismatch', key },
      ]);
      expect(record.output).toMatchObject({ clean: false, unexplained: 1 });
    } finally {
      // Put it back: the next case counts its own finding only.
      ns.sql('UPDATE "transaction" SET taxtotal = ? WHERE id = ? RETURNING id', taxed.taxtotal, taxed.id);
      ns.sql(
        'UPDATE transactionline SET foreignamount = foreignamount + 1 WHERE "transaction" = ? AND id = ? RETURNING id',
        taxed.id,
        line.id,
      );
    }
  });

  it('an invoice deleted in NetSuite is found once, as missing in the ERP, and nothing else is', async () => {
    const [victim] = ns.sql(
      `SELECT id, externalid, trandate FROM "transaction" WHERE recordtype = 'invoice' AND trandate LIKE ? ORDER BY id LIMIT 1`,
      `${PERIOD}-%`,
    ) as { id: number; externalid: string; trandate: string }[];
    expect(victim.externalid).toMatch(/^stripe-in_/);
    // As if someone deleted it in the NetSuite UI: the record and its lines (its payment stays).
    ns.sql('DELETE FROM transactionline WHERE "transaction" = ? RETURNING id', victim.id);
    expect(ns.sql('DELETE FROM "transaction" WHERE id = ? RETURNING id', victim.id)).toHaveLength(1);

    const record = await new OpsClient(runtime.url, runtime.dataDir).reconcile(PERIOD);
    expect(record.status).toBe('SUCCEEDED');
    const key = `invoice:${victim.externalid.replace(/^stripe-/, '')}`;
    expect(unexplainedOf(record.files?.json).map((f) => ({ kind: f.kind, key: f.key }))).toEqual([
      { kind: 'invoice_missing_in_erp', key },
    ]);
    expect(record.output).toMatchObject({ clean: false, unexplained: 1 });

    // The daily run of its day finds it too.
    const daily = await runtime.reconcile(String(victim.trandate).slice(0, 10));
    expect(unexplainedOf(daily.files?.json).map((f) => ({ kind: f.kind, key: f.key }))).toEqual([
      { kind: 'invoice_missing_in_erp', key },
    ]);
  });
});
