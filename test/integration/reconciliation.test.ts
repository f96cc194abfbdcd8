/**
 * Reconciliation through the embedded runtime: the demo month (signed webhooks → flows → ledger, the
 * Stripe sandbox holding the month's objects) reconciles clean; then differences are injected on both
 * sides — a posting deleted from the ledger, a Stripe invoice whose events never arrived, a tampered
 * amount, a duplicate posting, a payout never deposited — and each is found once, in the JSON and the
 * CSV report, and nothing else is. Each day of the month also reconciles from its Stripe events with
 * the ledger read by id, and a day's run finds the day's injected differences.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { dynamo } from '../../lambdas/adapters/store/dynamodb';
import type { Finding } from '../../lambdas/domain/reconciliation/compare';
import { runDemo } from '../../local/demo';
import { OpsClient } from '../../local/ops-client';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { localTableName } from '../../local/services/dynamodb';

jest.setTimeout(300_000);

const PERIOD = '2026-11';
let runtime: LocalRuntime;
let dataDir: string;
const ledgerTable = () => localTableName('ledger');

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-reconcile-'));
  runtime = await startLocalRuntime({ port: 0, dataDir, retryIntervalMs: 20, logLevel: 'ERROR' });
  await runDemo(runtime, () => undefined);
  await runtime.idle();
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function ledgerItem(entryId: string): Promise<Record<string, unknown>> {
  const { Item } = await dynamo().doc.send(
    new GetCommand({ TableName: ledgerTable(), Key: { pk: `ENTRY#${entryId}`, sk: 'v1' } }),
  );
  if (!Item) throw new Error(`no ledger entry ${entryId}`);
  return Item;
}

describe('reconciliation through the local runtime', () => {
  it('the demo month reconciles clean, and the report lands in the data dir as JSON and CSV', async () => {
    const record = await runtime.reconcile(PERIOD);
    expect(record.status).toBe('SUCCEEDED');
    expect(record.output).toMatchObject({ period: PERIOD, clean: true, unexplained: 0 });
    const summary = record.output as { billingDocuments: number; erpPostings: number };
    // The Stripe month (24 invoices + 21 payments + 1 credit note + 3 refunds + 2 payouts) and the demo's
    // Salesforce deals' invoices and payments in billing; the ERP adds the reversals (void, refund failure).
    expect(summary.billingDocuments).toBe(59);
    expect(summary.erpPostings).toBe(61);
    const json = JSON.parse(readFileSync(record.files?.json ?? '', 'utf8')) as { findings: Finding[] };
    expect(json.findings.filter((f) => !f.explained)).toEqual([]);
    expect(readFileSync(record.files?.csv ?? '', 'utf8').split('\r\n')[0]).toBe(
      'kind,explained,key,document,currency,billing_amount,erp_amount,erp_ids,reason',
    );
  });

  it('every day of the month reconciles clean from its Stripe events, the ledger read by id', async () => {
    const days = Array.from({ length: 30 }, (_, i) => `${PERIOD}-${String(i + 1).padStart(2, '0')}`);
    let documents = 0;
    for (const day of days) {
      const record = await runtime.reconcile(day);
      expect(record.status).toBe('SUCCEEDED');
      expect(record.output).toMatchObject({ period: day, clean: true, unexplained: 0 });
      const summary = record.output as { billingDocuments: number; erpPostings: number };
      // Looked up by id: what the ERP holds for exactly the day's documents (+ their reversals).
      expect(summary.erpPostings).toBeGreaterThanOrEqual(summary.billingDocuments);
      documents += summary.billingDocuments;
    }
    // The month's 59 documents, each read on the day it is dated, from the event that dated it.
    expect(documents).toBe(59);
  });

  it('finds each injected difference exactly once, in the JSON and the CSV', async () => {
    const entries = await runtime.ledger.listEntries();
    const invoices = entries.filter((e) => e.kind === 'invoice' && e.effectiveDate.startsWith(PERIOD));
    const idOf = (ref: string) => ref.replace(/^stripe:/, '').split(':')[0];

    // 1. A posted invoice deleted from the ledger.
    const deleted = invoices[0];
    await dynamo().doc.send(
      new DeleteCommand({ TableName: ledgerTable(), Key: { pk: `ENTRY#${deleted.entryId}`, sk: 'v1' } }),
    );
    // 2. A payment whose amount was tampered with (both lines, so the entry still balances).
    const payment = entries.find((e) => e.kind === 'payment' && e.effectiveDate.startsWith(PERIOD));
    if (!payment) throw new Error('no payment in the demo month');
    const paymentItem = await ledgerItem(payment.entryId);
    const lines = (paymentItem.lines as { debit: number; credit: number }[]).map((l) => ({
      ...l,
      debit: l.debit ? l.debit + 100 : 0,
      credit: l.credit ? l.credit + 100 : 0,
    }));
    await dynamo().doc.send(new PutCommand({ TableName: ledgerTable(), Item: { ...paymentItem, lines } }));
    // 3. A refund posted a second time under another entry id (a manual re-entry).
    const refund = entries.find((e) => e.kind === 'refund');
    if (!refund) throw new Error('no refund in the demo month');
    const refundItem = await ledgerItem(refund.entryId);
    await dynamo().doc.send(
      new PutCommand({
        TableName: ledgerTable(),
        Item: { ...refundItem, pk: `ENTRY#manual:${refund.entryId}`, entryId: `manual:${refund.entryId}` },
      }),
    );
    // 4. A payout deposit lost.
    const deposit = entries.find((e) => e.kind === 'deposit');
    if (!deposit) throw new Error('no deposit in the demo month');
    await dynamo().doc.send(
      new DeleteCommand({ TableName: ledgerTable(), Key: { pk: `ENTRY#${deposit.entryId}`, sk: 'v1' } }),
    );
    // 5. A Stripe invoice finalized in November whose webhooks never arrived.
    const finalized = Date.UTC(2026, 10, 18, 12) / 1000;
    runtime.stripe.store.put({
      id: 'in_NeverDelivered',
      object: 'invoice',
      status: 'open',
      currency: 'usd',
      total: 12_345,
      amount_paid: 0,
      total_taxes: [],
      created: finalized - 60,
      status_transitions: { finalized_at: finalized, paid_at: null },
    } as Parameters<typeof runtime.stripe.store.put>[0]);

    // Through the ops API, as `q2c reconcile` calls it.
    const record = await new OpsClient(runtime.url, runtime.dataDir).reconcile(PERIOD);
    expect(record.status).toBe('SUCCEEDED');
    const expected = [
      { kind: 'invoice_missing_in_erp', key: `invoice:${idOf(deleted.documentRef)}` },
      { kind: 'amount_mismatch', key: `payment:${idOf(payment.documentRef)}` },
      { kind: 'duplicate_posting', key: `refund:${idOf(refund.documentRef)}` },
      { kind: 'payout_not_deposited', key: `payout:${idOf(deposit.documentRef)}` },
      { kind: 'invoice_missing_in_erp', key: 'invoice:in_NeverDelivered' },
    ];
    expect(record.output).toMatchObject({ clean: false, unexplained: expected.length });

    const report = JSON.parse(readFileSync(record.files?.json ?? '', 'utf8')) as { findings: Finding[] };
    const unexplained = report.findings.filter((f) => !f.explained);
    expect(unexplained.map((f) => ({ kind: f.kind, key: f.key })).sort(byKey)).toEqual(expected.sort(byKey));
    expect(unexplained.find((f) => f.kind === 'amount_mismatch')).toMatchObject({
      erpAmount: (payment.lines[0].debit || payment.lines[0].credit) + 100,
      billingAmount: payment.lines[0].debit || payment.lines[0].credit,
    });

    const csv = readFileSync(record.files?.csv ?? '', 'utf8')
      .trim()
      .split('\r\n');
    for (const { kind, key } of expected) {
      expect(csv.filter((row) => row.startsWith(`${kind},false,${key},`))).toHaveLength(1);
    }

    // The daily run of the deleted invoice's day finds what happened to that day's documents. It starts
    // from billing, so the manual double posting (another entry id) and the invoice Stripe has no event
    // for are the month's run's to find.
    const day = deleted.effectiveDate.slice(0, 10);
    const dayExpected = [
      { kind: 'invoice_missing_in_erp', key: `invoice:${idOf(deleted.documentRef)}`, date: day },
      { kind: 'amount_mismatch', key: `payment:${idOf(payment.documentRef)}`, date: payment.effectiveDate },
      {
        kind: 'payout_not_deposited',
        key: `payout:${idOf(deposit.documentRef)}`,
        date: deposit.effectiveDate,
      },
    ]
      .filter((e) => e.date.startsWith(day))
      .map(({ kind, key }) => ({ kind, key }));
    const daily = await runtime.reconcile(day);
    expect(daily.status).toBe('SUCCEEDED');
    expect(daily.output).toMatchObject({ period: day, clean: false, unexplained: dayExpected.length });
    const dayReport = JSON.parse(readFileSync(daily.files?.json ?? '', 'utf8')) as { findings: Finding[] };
    expect(
      dayReport.findings
        .filter((f) => !f.explained)
        .map((f) => ({ kind: f.kind, key: f.key }))
        .sort(byKey),
    ).toEqual(dayExpected.sort(byKey));
  });

  it('refuses a malformed period with a 400 and runs nothing', async () => {
    const before = runtime.stats().started;
    await expect(new OpsClient(runtime.url, runtime.dataDir).reconcile('2026-13')).rejects.toThrow(/YYYY-MM/);
    await expect(new OpsClient(runtime.url, runtime.dataDir).reconcile('2026-11-3')).rejects.toThrow(
      /YYYY-MM-DD/,
    );
    expect(runtime.stats().started).toBe(before);
  });

  it('a day Stripe no longer keeps events for fails the run with the reason, and parks it', async () => {
    const record = await runtime.reconcile('2026-09-30');
    expect(record.status).toBe('FAILED');
    const { queues } = await new OpsClient(runtime.url, runtime.dataDir).queues();
    const parked = queues.find((q) => q.queue === 'exceptions')?.messages ?? [];
    expect(JSON.stringify(parked)).toMatch(/keeps events for 30 days: reconcile 2026-09 \(the month\)/);
  });
});

const byKey = (a: { key: string; kind: string }, b: { key: string; kind: string }) =>
  a.key.localeCompare(b.key) || a.kind.localeCompare(b.kind);
