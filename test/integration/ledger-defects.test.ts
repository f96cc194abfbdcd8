/**
 * Issue 12, defects 2 and 5, through the local runtime (signed webhooks over HTTP → the real ASL →
 * handlers → dynalite → the ops API):
 * - a dispute with a current Stripe id (`du_…`, the Dispute object's id in Stripe's API reference)
 *   opens and is lost: AR, clearing, merchant fees and bad debt move by its amount and fee;
 * - totals beyond 2^53 minor units are exact: two CAD invoices of 9,007,199,254,740,000 and 1,001
 *   cents leave AR at 9,007,199,254,741,001 (JavaScript numbers would say 9007199254741000);
 * and defect 7: work parked once stays parked once — through redeliveries, a restart on the same data
 * dir, and a replay that fails again for the same reason (exactly one message per event and reason).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type Stripe from 'stripe';
import { FIXTURE_CUSTOMERS, jpyUnknownCurrency, oldApiVersion } from '../fixtures/stripe';
import { disputeLost, refundSucceeded } from '../fixtures/stripe/money-events';
import { invoiceObject, stripeEvent, stripeId, unix } from '../../local/scenarios/stripe-events';
import { postStripe, settled, startRuntimeProcess, type RunningRuntime } from './harness';

let dataDir: string;
let runtime: RunningRuntime;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-ledger-defects-'));
  runtime = await startRuntimeProcess(dataDir);
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function deliver(events: readonly unknown[]): Promise<void> {
  for (const e of events) expect((await postStripe(runtime.url, e)).status).toBe(200);
  await settled(runtime);
}

const row = async (currency: string, account: string) =>
  (await runtime.ops.trialBalance()).accounts.find((r) => r.currency === currency && r.account === account);

describe('a dispute with a current Stripe id (du_…)', () => {
  const DISPUTE = 'du_1MtJUT2eZvKYlo2CNaw2HvEv';
  const renamed = (d: Stripe.Dispute): Stripe.Dispute => ({ ...d, id: DISPUTE });
  const event = <E extends Stripe.Event>(e: E, id: string): E =>
    ({
      ...e,
      id,
      data: { ...e.data, object: renamed(e.data.object as Stripe.Dispute) },
    }) as E;

  it('charge.dispute.created then .closed (lost) post dispute_opened and dispute_lost', async () => {
    await deliver([
      event(disputeLost.events.created, 'evt_1DuOpened0000000000000'),
      event(disputeLost.events.closed, 'evt_1DuClosed0000000000000'),
    ]);
    const queues = await runtime.ops.queues();
    expect(queues.queues.filter((q) => q.depth > 0)).toEqual([]);

    const entries = (await runtime.ops.journal()).entries.filter(
      (e) => e.documentRef === `stripe:${DISPUTE}`,
    );
    expect(entries.map((e) => e.kind).sort()).toEqual(['dispute_lost', 'dispute_opened']);
    // Harbor & Pine's $490.00 payment disputed and lost, with Stripe's $15.00 dispute fee.
    const amount = disputeLost.closed.amount;
    expect(amount).toBe(49_000);
    expect(await row('usd', 'accounts_receivable')).toMatchObject({ debit: amount, credit: amount });
    expect(await row('usd', 'stripe_clearing')).toMatchObject({ debit: 0, credit: amount + 1_500 });
    expect(await row('usd', 'merchant_fees')).toMatchObject({ debit: 1_500, credit: 0 });
    expect(await row('usd', 'bad_debt')).toMatchObject({ debit: amount, credit: 0 });
  });
});

describe('totals beyond 2^53 minor units', () => {
  const NOV_2 = unix('2026-11-02T00:00:00Z');
  const cadInvoice = (seed: string, amount: number) =>
    stripeEvent(
      'invoice.finalized',
      invoiceObject({
        seed: `ledger-defects:${seed}`,
        customer: FIXTURE_CUSTOMERS.northwind,
        currency: 'cad',
        created: NOV_2,
        metadata: { correlation_id: `opp_big_${seed}` },
        billingReason: 'manual',
        collectionMethod: 'send_invoice',
        daysUntilDue: 30,
        lines: [
          {
            kind: 'one_time',
            description: 'Fixture: Onboarding',
            price: stripeId('price', `ledger-defects:${seed}`),
            product: stripeId('prod', 'fixture:onboarding'),
            unitAmount: amount,
          },
        ],
      }),
    );

  it('two CAD invoices of 9,007,199,254,740,000 and 1,001 cents: AR is exactly 9,007,199,254,741,001', async () => {
    await deliver([cadInvoice('huge', 9_007_199_254_740_000), cadInvoice('small', 1_001)]);
    const queues = await runtime.ops.queues();
    expect(queues.queues.filter((q) => q.depth > 0)).toEqual([]);

    const tb = await runtime.ops.trialBalance();
    expect(tb.unbalancedCurrencies).toEqual([]);
    // Beyond 2^53 − 1 the wire carries the exact decimal string; below it, plain numbers as documented.
    expect(await row('cad', 'accounts_receivable')).toEqual({
      account: 'accounts_receivable',
      currency: 'cad',
      debit: '9007199254741001',
      credit: 0,
    });
    expect(await row('cad', 'revenue')).toEqual({
      account: 'revenue',
      currency: 'cad',
      debit: 0,
      credit: '9007199254741001',
    });

    // The CLI prints the same exact total (q2c trial-balance over the ops API).
    const cli = await runCli(['trial-balance', '--url', runtime.url]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('90,071,992,547,410.01 CAD');
  });
});

describe('parked once, whatever is delivered again (defect 7)', () => {
  // Three business parks: an invoice no subsidiary books (JPY), an event rendered in an old API
  // version, and a JPY refund through the money-event flow.
  const jpyRefund: Stripe.RefundCreatedEvent = {
    ...refundSucceeded.events.refundCreated,
    id: 'evt_1JpyRefund000000000000',
    data: { object: { ...refundSucceeded.events.refundCreated.data.object, currency: 'jpy' } },
  };
  const parkedCases = [jpyUnknownCurrency.finalized, oldApiVersion.finalized, jpyRefund];
  const ids = parkedCases.map((e) => e.id).sort();

  const parked = async () => {
    const q = (await runtime.ops.queues()).queues.find((x) => x.queue === 'exceptions')!;
    return q.messages.map((m) => m.sourceEventId).sort();
  };

  it('delivered twice, then again after a restart: one message per event and reason', async () => {
    await deliver(parkedCases);
    expect(await parked()).toEqual(ids);
    await deliver([...parkedCases, ...parkedCases]);
    expect(await parked()).toEqual(ids);

    await runtime.stop();
    runtime = await startRuntimeProcess(dataDir);
    expect(await parked()).toEqual(ids);
    await deliver(parkedCases);
    expect(await parked()).toEqual(ids);
  });

  it('a replay whose events fail again for the same reason leaves exactly one message each', async () => {
    const out = await runCli(['replay', '--from', 'exceptions', '--url', runtime.url]);
    // Each replayed event is parked again (its cause is not fixed): q2c replay says so and exits 1.
    expect(out.stdout).toMatch(/parked again/);
    expect(out.code).toBe(1);
    await settled(runtime);
    expect(await parked()).toEqual(ids);
    // …and those are parked under live markers again: a further redelivery adds nothing.
    await deliver(parkedCases);
    expect(await parked()).toEqual(ids);
  });
});

async function runCli(args: string[]): Promise<{ code: number; stdout: string }> {
  const { execFile } = await import('node:child_process');
  const { PROJECT_ROOT } = await import('../../lib/topology');
  const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  return new Promise((resolve) =>
    execFile(process.execPath, [tsx, 'local/cli.ts', ...args], { cwd: PROJECT_ROOT }, (err, stdout) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
    ),
  );
}
