/**
 * Through the local runtime (signed webhooks → bus → posting flows → ledger; month-end close flows):
 * - issue 12 defect 4: a 735.00 invoice for 15 Oct – 15 Nov 2025 voided on 16 Oct releases nothing,
 *   in October or November (it released +11.06 in October and −11.06 in November);
 * - defect 3: a credit note then its void restores the schedule — nothing parked — and the closes
 *   release the line's full 490.00;
 * - `q2c verify`: the books verify clean, then the tables are corrupted directly in DynamoDB (a DUE
 *   item deleted, a release deleted, a line of an entry deleted, a schedule amount edited) and
 *   `npx q2c verify`, run as typed in a child process, names each (exit 2; 0 when clean; 1 on bad input).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { execFile } from 'node:child_process';
import { PROJECT_ROOT } from '../../lib/topology';
import type { RevenueSchedule } from '../../lambdas/domain/revenue/schedule';
import { shardOf } from '../../lambdas/adapters/revenue/schedule-store';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/local-aws';
import { localTableName } from '../../local/services/dynamodb';
import { creditNoteObject } from '../../local/scenarios/stripe-money';
import { invoiceObject, stripeEvent, stripeId, unix } from '../../local/scenarios/stripe-events';
import { deliverStripeEvent } from '../../local/webhook-client';
import { parkedMessages, startInProcessRuntime, type InProcessRuntime } from './in-process-runtime';

jest.setTimeout(300_000);

let rt: InProcessRuntime;
let db: DynamoDBDocumentClient;
beforeAll(async () => {
  rt = await startInProcessRuntime('q2c-verify-', {}, {});
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: rt.runtime.dynamoEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
});
afterAll(async () => {
  db?.destroy();
  await rt?.stop();
});

const seats = (seed: string, unitAmount: number, quantity: number, start: string, end: string, extra = {}) =>
  invoiceObject({
    seed,
    customer: {
      id: `cus_${seed}`,
      name: `Customer ${seed}`,
      email: `${seed}@example.com`,
      invoicePrefix: seed.toUpperCase(),
    },
    currency: 'usd',
    created: unix(start),
    subscription: { id: `sub_${seed}`, metadata: { correlation_id: `opp_${seed}` } },
    lines: [
      {
        description: 'Growth seats',
        price: stripeId('price', 'growth-seat-monthly-usd'),
        product: stripeId('prod', 'growth'),
        unitAmount,
        quantity,
        kind: 'subscription',
        period: { start: unix(start), end: unix(end) },
      },
    ],
    ...extra,
  });

// 735.00 for 15 Oct – 15 Nov 2025, voided on 16 Oct.
const voided = seats('verifyvoid', 73_500, 1, '2025-10-15T00:00:00Z', '2025-11-15T00:00:00Z');
const voidedLater = seats('verifyvoid', 73_500, 1, '2025-10-15T00:00:00Z', '2025-11-15T00:00:00Z', {
  voidedAt: unix('2025-10-16T09:00:00Z'),
});
// 10 seats × 49.00 for 5 Nov – 5 Dec 2025; 2 seats credited on 10 Nov, the credit note voided on 12 Nov.
const credited = seats('verifycredit', 4_900, 10, '2025-11-05T00:00:00Z', '2025-12-05T00:00:00Z');
const creditNote = (voidedAt?: number) =>
  creditNoteObject({
    seed: 'verify:credit',
    invoice: credited,
    lines: [{ invoiceLine: credited.lines.data[0]!, quantity: 2 }],
    created: unix('2025-11-10T12:00:00Z'),
    voidedAt,
  });
// 1,200.00 a year from 20 Nov 2025: its DUE index reaches into 2026.
const annual = seats('verifyannual', 120_000, 1, '2025-11-20T00:00:00Z', '2026-11-20T00:00:00Z');
const lineOf = (inv: typeof voided) => `stripe:${inv.lines.data[0]!.id}`;

async function deliver(event: { id: string; type: string }): Promise<void> {
  const d = await deliverStripeEvent(`${rt.runtime.url}/webhooks/stripe`, event, rt.runtime.webhookSecret);
  expect(d.status).toBe(200);
  await rt.runtime.idle();
}

const releasesOf = async (lineRef: string) =>
  (await rt.ops.journal()).entries
    .filter((e) => e.kind === 'revenue_release' && e.documentRef === lineRef)
    .map((e) => [
      e.effectiveDate.slice(0, 7),
      e.lines.find((l) => l.account === 'revenue')!.credit -
        e.lines.find((l) => l.account === 'revenue')!.debit,
    ]);

/** `npx q2c …` in a child process from the project root, exactly as the README tells a user to type it. */
function q2c(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['q2c', ...args], { cwd: PROJECT_ROOT, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the ledger through the local runtime', () => {
  it('posts the month: a void, a credit note and its void, an annual line; closes October to December 2025 (months that have ended)', async () => {
    rt.runtime.stripe.store.putAll(JSON.parse(JSON.stringify([voided, credited, annual])));
    await deliver(stripeEvent('invoice.finalized', voided));
    await deliver(stripeEvent('invoice.voided', voidedLater));
    await deliver(stripeEvent('invoice.finalized', credited));
    await deliver(stripeEvent('invoice.finalized', annual));
    await deliver(stripeEvent('credit_note.created', creditNote()));
    await deliver(stripeEvent('credit_note.voided', creditNote(unix('2025-11-12T08:00:00Z'))));
    for (const period of ['2025-10', '2025-11', '2025-12']) {
      expect((await rt.ops.close(period)).status).toBe('SUCCEEDED');
    }
    // Nothing parked: the credit note's void no longer throws on its document.
    expect(await parkedMessages(rt.ops)).toEqual([]);
  });

  it('defect 4: the invoice voided on 16 Oct releases nothing in October or November', async () => {
    expect(await releasesOf(lineOf(voided))).toEqual([]);
  });

  it('defect 3: the voided credit note restored the schedule — the closes release the full 490.00', async () => {
    // 30 days: 26 in November (floor(49,000 × 26 / 30) = 42,466), 4 in December (6,534).
    expect(await releasesOf(lineOf(credited))).toEqual([
      ['2025-11', 42_466],
      ['2025-12', 6_534],
    ]);
  });

  it('`npx q2c verify` on the clean books: exit 0, every invariant holds', async () => {
    const report = await rt.ops.verify();
    expect(report.violations).toEqual([]);
    expect(report).toMatchObject({ clean: true, audited: 'ledger' });
    expect(report.checked).toMatchObject({ ratableLines: 3, schedules: 3, closedPeriods: 3 });
    const run = await q2c('verify', '--url', rt.runtime.url);
    expect(run.stdout).toContain('CLEAN ✓');
    expect(run.code).toBe(0);
    const bad = await q2c('verify', '--url', rt.runtime.url, '--period', '2026-13');
    expect(bad.stderr).toContain('--period must be YYYY-MM (month 01–12, e.g. 2026-11), got "2026-13"');
    expect(bad.code).toBe(1);
  });

  it('corrupted tables: a DUE item, a release, an entry line deleted and a schedule amount edited are each named (exit 2)', async () => {
    const ledger = localTableName('ledger');
    const annualLine = lineOf(annual);
    const shard = String(shardOf(annualLine)).padStart(2, '0');
    await db.send(
      new DeleteCommand({ TableName: ledger, Key: { pk: 'DUE#2026-03', sk: `${shard}#${annualLine}` } }),
    );
    await db.send(
      new DeleteCommand({
        TableName: ledger,
        Key: { pk: `ENTRY#revrec:${lineOf(credited)}:2025-11`, sk: 'v1' },
      }),
    );
    const invoiceKey = { pk: `ENTRY#stripe:invoice:${annual.id}:post`, sk: 'v1' };
    const { Item: entry } = await db.send(new GetCommand({ TableName: ledger, Key: invoiceKey }));
    const lines = (entry!.lines as { account: string }[]).filter((l) => l.account !== 'accounts_receivable');
    await db.send(new PutCommand({ TableName: ledger, Item: { ...entry, lines } }));
    const scheduleKey = { pk: `SCHEDULE#${annualLine}`, sk: 'v1' };
    const { Item: stored } = await db.send(new GetCommand({ TableName: ledger, Key: scheduleKey }));
    const schedule = stored!.schedule as RevenueSchedule;
    const periods = schedule.periods.map((p) =>
      p.period === '2026-06' ? { ...p, amount: p.amount + 100 } : p,
    );
    await db.send(
      new PutCommand({ TableName: ledger, Item: { ...stored, schedule: { ...schedule, periods } } }),
    );

    const run = await q2c('verify', '--url', rt.runtime.url, '--json');
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as {
      clean: boolean;
      violations: { invariant: string; objects: string[] }[];
    };
    expect(report.clean).toBe(false);
    const named = (invariant: string, object: string) =>
      report.violations.some((v) => v.invariant === invariant && v.objects.includes(object));
    expect(named('due_index_missing', `DUE#2026-03/${annualLine}`)).toBe(true);
    expect(named('release_missing', `revrec:${lineOf(credited)}:2025-11`)).toBe(true);
    expect(named('entry_unbalanced', `stripe:invoice:${annual.id}:post`)).toBe(true);
    expect(named('schedule_total_mismatch', `schedule:${annualLine}`)).toBe(true);

    const table = await q2c('verify', '--url', rt.runtime.url);
    expect(table.code).toBe(2);
    for (const invariant of [
      'due_index_missing',
      'release_missing',
      'entry_unbalanced',
      'schedule_total_mismatch',
    ])
      expect(table.stdout).toContain(invariant);
    expect(table.stdout).toMatch(/\d+ VIOLATION\(S\) ✗/);
  });

  it("the ReconciliationFlow's VerifyLedger step (same ASL as AWS) reports them and emits LedgerInvariantViolations", async () => {
    const record = await rt.ops.reconcile('2025-11');
    expect(record.status).toBe('SUCCEEDED');
    const ledger = (
      record.output as { ledger: { clean: boolean; period: string; violations: { invariant: string }[] } }
    ).ledger;
    // The month's run audits November: the deleted November release is among what it names.
    expect(ledger).toMatchObject({ clean: false, period: '2025-11' });
    expect(ledger.violations.map((v) => v.invariant)).toContain('release_missing');
    const metric = (await rt.ops.status()).metrics.find(
      (m) =>
        m.name === 'LedgerInvariantViolations' && Object.keys(m.dimensions).every((d) => d === 'service'),
    );
    expect(metric?.max).toBeGreaterThan(0);
  });
});
