/**
 * The demo month end to end through the embedded runtime (issue 4): 89 signed deliveries of 87 Stripe
 * events (shuffled, retried, duplicated), the Stripe sandbox holding what the flows read back, then
 * month-end close. The trial balance is asserted account by account from the scenario's hand-derived
 * totals (local/scenarios/month.ts MONTH_EXPECTATIONS) and the posting rules; recognised revenue from
 * an independent day count over the invoices' service periods written here, not the domain code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type Stripe from 'stripe';
import mappingJson from '../../config/mapping.json';
import type { TrialBalanceRowJson } from '../../lambdas/domain/accounting/trial-balance';
import { buildMonthScenario, MONTH_EXPECTATIONS } from '../../local/scenarios/month';
import { postStripe, seedStripe, settled, startRuntimeProcess, type RunningRuntime } from './harness';

const PERIOD = '2026-11';
const NOV = { start: Date.UTC(2026, 10, 1) / 1000, end: Date.UTC(2026, 11, 1) / 1000 };
const DAY = 86_400;
const scenario = buildMonthScenario();
const objects = JSON.parse(JSON.stringify(scenario.sandboxObjects)) as {
  object: string;
  [k: string]: unknown;
}[];
const ratableProducts = new Set(
  mappingJson.products.filter((p) => p.recognition === 'ratable').map((p) => p.stripeProduct),
);

/** The oracle: what November recognises and bills, by plain day counting over the Stripe invoices. */
function oracle(currency: string) {
  let ratableNet = 0;
  let recognised = 0;
  let pointInTime = 0;
  const invoices = objects.filter(
    (o) => o.object === 'invoice' && o.currency === currency,
  ) as unknown as Stripe.Invoice[];
  for (const inv of invoices) {
    if (inv.status === 'void') continue; // posted and reversed: nets to nothing
    for (const l of inv.lines.data) {
      const net = l.amount - (l.discount_amounts ?? []).reduce((s, d) => s + d.amount, 0);
      const product = l.pricing?.price_details?.product ?? '';
      const { start, end } = l.period;
      if (!ratableProducts.has(product) || end <= start) {
        pointInTime += net;
        continue;
      }
      ratableNet += net;
      // Whole UTC days: the day service starts counts, the day it ends does not (periods run to the same time of day).
      const day = (t: number) => Math.floor(t / DAY);
      const total = day(end) - day(start);
      const inNov = Math.min(day(end), day(NOV.end)) - Math.max(day(start), day(NOV.start));
      // The first month of a schedule takes the floor of its day share; a month that ends the schedule takes the rest.
      recognised += end <= NOV.end ? net : Math.sign(net) * Math.floor((Math.abs(net) * inNov) / total);
    }
  }
  return { ratableNet, recognised, pointInTime };
}

// The one credit note of the month credits 2 of Acme's 12 monthly seats (a November-only line):
// 9,800 − 980 discount = 8,820 net, tax 783 (month.ts worked figures). It comes off November's release.
const CREDIT_NOTE = { net: 8_820, tax: 783 };

function expectedTrialBalance(currency: 'usd' | 'eur') {
  const x = MONTH_EXPECTATIONS[currency];
  const o = oracle(currency);
  const credit = currency === 'usd' ? CREDIT_NOTE : { net: 0, tax: 0 };
  const recognised = o.recognised - credit.net;
  const chargeFees = x.payout.fees - x.disputeFees; // dispute fees are booked when the dispute opens
  const rows = [
    // AR: invoices, refunds (incl. failed ones, reversed), dispute withdrawals | payments, voids, write-offs, credit notes, failures, lost disputes
    [
      'accounts_receivable',
      x.invoiced + x.refunded + x.refundFailed + x.disputeLost,
      x.paid + x.voided + x.uncollectible + x.creditNoted + x.refundFailed + x.disputeLost,
    ],
    ['bad_debt', x.uncollectible + x.disputeLost, 0],
    ['bank', x.payout.amount, 0],
    ['merchant_fees', x.payout.fees, 0],
    [
      'stripe_clearing',
      x.paid + x.refundFailed,
      x.refunded + x.refundFailed + x.disputeLost + x.disputeFees + x.payout.amount + chargeFees,
    ],
    ['tax_payable', credit.tax, x.tax],
  ] as const;
  return {
    accounts: Object.fromEntries(rows.map(([a, d, c]) => [a, { debit: d, credit: c }])),
    deferredBalance: o.ratableNet - credit.net - recognised,
    revenueBalance: o.pointInTime + recognised,
    recognised,
  };
}

let dataDir: string;
let runtime: RunningRuntime;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-month-'));
  runtime = await startRuntimeProcess(dataDir);
  await seedStripe(runtime, objects);
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function deliver(events: readonly Stripe.Event[]): Promise<void> {
  for (const e of events) expect((await postStripe(runtime.url, e)).status).toBe(200);
  await settled(runtime);
}

async function close(): Promise<{ status: string; output?: unknown }> {
  const res = await runtime.ops.action('/ops/close', { period: PERIOD });
  return res.body as { status: string; output?: unknown };
}

const balance = (rows: TrialBalanceRowJson[], currency: string, account: string) => {
  const row = rows.find((r) => r.currency === currency && r.account === account);
  // The month's totals are far below 2^53: the wire carries them as plain JSON numbers.
  return { debit: row ? Number(row.debit) : 0, credit: row ? Number(row.credit) : 0 };
};

describe('November 2026 through the local runtime', () => {
  it('posts the month, closes it, and ends with the exact trial balance', async () => {
    await deliver(scenario.events);
    const queues = await runtime.ops.queues();
    // Every queue empty: nothing dead-lettered or parked (the list grows with the topology's queues).
    expect(queues.queues.map((q) => q.queue)).toEqual(expect.arrayContaining(['postingDlq', 'exceptions']));
    expect(queues.queues.filter((q) => q.depth > 0)).toEqual([]);
    expect((await close()).status).toBe('SUCCEEDED');

    const { accounts, unbalancedCurrencies } = await runtime.ops.trialBalance();
    expect(unbalancedCurrencies).toEqual([]);
    for (const currency of ['usd', 'eur'] as const) {
      const expected = expectedTrialBalance(currency);
      for (const [account, amounts] of Object.entries(expected.accounts)) {
        expect({ currency, account, ...pick(balance(accounts, currency, account)) }).toEqual({
          currency,
          account,
          ...amounts,
        });
      }
      const net = (a: string) => balance(accounts, currency, a).credit - balance(accounts, currency, a).debit;
      expect({ currency, deferred: net('deferred_revenue'), revenue: net('revenue') }).toEqual({
        currency,
        deferred: expected.deferredBalance,
        revenue: expected.revenueBalance,
      });
    }
  });

  it('reports the revenue waterfall of the period', async () => {
    const { waterfall } = await runtime.ops.revenue(PERIOD);
    const usd = expectedTrialBalance('usd');
    const eur = expectedTrialBalance('eur');
    expect(
      waterfall.map((r) => [r.subsidiary, r.currency, r.openingDeferred, r.recognised, r.closingDeferred]),
    ).toEqual([
      ['EU-BV', 'eur', 0, eur.recognised, eur.deferredBalance],
      ['US-INC', 'usd', 0, usd.recognised, usd.deferredBalance],
    ]);
    // the credit note is the month's only deferred-revenue adjustment
    expect(waterfall.map((r) => r.adjustments)).toEqual([0, -CREDIT_NOTE.net]);
  });

  it('a second run of the same events, and a second close, change nothing', async () => {
    const before = await runtime.ops.journal();
    await deliver([...scenario.events].reverse());
    expect((await close()).status).toBe('SUCCEEDED');
    const after = await runtime.ops.journal();
    expect(after.entries.map(withoutRecordedAt)).toEqual(before.entries.map(withoutRecordedAt));
  });

  it('books a late event dated in the closed period on the first day of the next, flagged', async () => {
    // A refund dated 20 November arriving after the close: build it from a real one of the month.
    const refund = objects.find(
      (o) => o.object === 'refund' && o.status === 'succeeded',
    ) as unknown as Stripe.Refund;
    const lateRefund = { ...refund, id: 're_1DemoLateAfterClose01', amount: 1_000 };
    await seedStripe(runtime, [lateRefund]);
    await deliver([
      {
        id: 'evt_1DemoLateRefundAfterClose',
        object: 'event',
        api_version: '2026-10-28.endive',
        created: Date.UTC(2026, 10, 20) / 1000,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type: 'refund.created',
        data: { object: lateRefund },
      } as unknown as Stripe.Event,
    ]);
    const entry = (await runtime.ops.journal()).entries.find(
      (e) => e.documentRef === `stripe:${lateRefund.id}`,
    );
    expect(entry).toMatchObject({ effectiveDate: '2026-12-01', lateFromClosedPeriod: PERIOD });
  });
});

const pick = (r: { debit: number; credit: number }) => ({ debit: r.debit, credit: r.credit });
const withoutRecordedAt = <T extends { recordedAt: string }>({ recordedAt: _r, ...rest }: T) => rest;
