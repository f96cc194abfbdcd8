/**
 * End to end through the embedded runtime: signed webhooks over HTTP → ingest handler → local
 * EventBridge (same rule patterns) → the real ASL → handlers → dynalite ledger; fauxqs queues.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  eurAnnual,
  expectedFigures,
  jpyUnknownCurrency,
  oldApiVersion,
  unhandledEvent,
  usdMonthlyWithTaxAndDiscount as usd,
} from '../fixtures/stripe';
import { postStripe, settled, startRuntimeProcess, type RunningRuntime } from './harness';

const eur = eurAnnual;
let dataDir: string;
let runtime: RunningRuntime;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'q2c-it-'));
  runtime = await startRuntimeProcess(dataDir);
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const correlationOf = (f: typeof usd) => f.invoice.parent?.subscription_details?.metadata?.correlation_id;

const EXPECTED_TRIAL_BALANCE = [
  { account: 'accounts_receivable', currency: 'eur', debit: 1_440_000, credit: 1_440_000 },
  { account: 'deferred_revenue', currency: 'eur', debit: 0, credit: 1_200_000 },
  { account: 'stripe_clearing', currency: 'eur', debit: 1_440_000, credit: 0 },
  { account: 'tax_payable', currency: 'eur', debit: 0, credit: 240_000 },
  { account: 'accounts_receivable', currency: 'usd', debit: 211_327, credit: 211_327 },
  { account: 'deferred_revenue', currency: 'usd', debit: 0, credit: 44_100 },
  { account: 'revenue', currency: 'usd', debit: 0, credit: 150_000 },
  { account: 'stripe_clearing', currency: 'usd', debit: 211_327, credit: 0 },
  { account: 'tax_payable', currency: 'usd', debit: 0, credit: 17_227 },
];

async function deliverAll(events: unknown[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const e of events) statuses.push((await postStripe(runtime.url, e)).status);
  await settled(runtime);
  return statuses;
}

describe('Stripe invoice → ledger through the local runtime', () => {
  it('posts each invoice and payment exactly once, whatever the order and duplicates', async () => {
    // invoice.paid before invoice.finalized, and duplicates of both kinds
    const statuses = await deliverAll([
      usd.paid,
      usd.finalized,
      usd.finalized,
      eur.finalized,
      eur.paid,
      eur.paid,
    ]);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);

    const { entries } = await runtime.ops.journal();
    expect(entries.map((e) => `${e.kind} ${e.documentRef}`).sort()).toEqual(
      [
        `invoice stripe:${usd.invoice.id}`,
        `payment stripe:${usd.invoice.id}:payment`,
        `invoice stripe:${eur.invoice.id}`,
        `payment stripe:${eur.invoice.id}:payment`,
      ].sort(),
    );

    const usdInvoice = entries.find((e) => e.documentRef === `stripe:${usd.invoice.id}`)!;
    expect(usdInvoice.idempotencyKey).toBe(`stripe:invoice:${usd.invoice.id}:post`);
    expect(usdInvoice.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['accounts_receivable', expectedFigures.usdMonthlyWithTaxAndDiscount.total, 0],
      ['deferred_revenue', 0, 44_100],
      ['tax_payable', 0, 3_914],
      ['revenue', 0, 150_000],
      ['tax_payable', 0, 13_313],
    ]);
    for (const l of usdInvoice.lines) {
      expect([usd.paid.id, usd.finalized.id]).toContain(l.sourceEventId);
      expect(l.correlationId).toBe(correlationOf(usd));
    }
    const usdPayment = entries.find((e) => e.documentRef === `stripe:${usd.invoice.id}:payment`)!;
    expect(usdPayment.lines.every((l) => l.sourceEventId === usd.paid.id)).toBe(true);

    const tb = await runtime.ops.trialBalance();
    expect(tb.accounts).toEqual(EXPECTED_TRIAL_BALANCE);
    expect(tb.unbalancedCurrencies).toEqual([]);
  });

  it('GET /ops/metrics (q2c status) shows the same EMF counters the dashboards read, with posting latency', async () => {
    const { metrics, queues, executions } = await runtime.ops.status();
    const sum = (name: string, dims: Record<string, string> = {}) =>
      metrics
        .filter((m) => m.name === name && Object.entries(dims).every(([k, v]) => m.dimensions[k] === v))
        .reduce((n, m) => n + Number(m.sum), 0);
    expect(sum('WebhookEventsReceived')).toBe(6);
    expect(sum('InvoicesPosted')).toBe(2);
    expect(sum('PaymentsApplied')).toBe(2);
    expect(sum('PostedAmountMinorUnits', { currency: 'eur', kind: 'invoice' })).toBe(1_440_000);
    const latency = metrics.filter((m) => m.name === 'PostingLatency');
    expect(latency.map((m) => m.dimensions.kind).sort()).toEqual(['invoice', 'payment']);
    for (const m of latency) {
      expect(m.samples).toBe(2);
      expect(m.unit).toBe('Milliseconds');
      expect(m.p50).toBeGreaterThanOrEqual(0);
      expect(m.p95).toBeGreaterThanOrEqual(m.p50);
    }
    expect(queues.map((q) => q.depth)).toEqual(queues.map(() => 0));
    expect(executions.failed).toBe(0);
  });

  describe('bad input is refused clearly and nothing is lost', () => {
    it('401 for a wrong secret, an expired signature or no signature', async () => {
      expect((await postStripe(runtime.url, usd.finalized, { secret: 'whsec_wrong' })).status).toBe(401);
      const expired = Math.floor(Date.now() / 1000) - 301;
      expect((await postStripe(runtime.url, usd.finalized, { timestamp: expired })).status).toBe(401);
      const missing = await postStripe(runtime.url, usd.finalized, { signature: null });
      expect(missing).toEqual({
        status: 401,
        body: { error: expect.objectContaining({ code: 'missing_signature' }) },
      });
    });

    it('400 for a correctly signed body that is not JSON or not a Stripe event', async () => {
      expect(await postStripe(runtime.url, null, { body: '{"id": "evt_1", ' })).toMatchObject({
        status: 400,
        body: { error: { code: 'malformed_json' } },
      });
      expect(await postStripe(runtime.url, { hello: 'world' })).toMatchObject({
        status: 400,
        body: { error: { code: 'malformed_event' } },
      });
    });

    it('413 for a body over the limit', async () => {
      const huge = JSON.stringify({ ...usd.finalized, padding: 'x'.repeat(210 * 1024) });
      expect((await postStripe(runtime.url, null, { body: huge })).status).toBe(413);
    });

    it('acknowledges an event type no rule handles and records it', async () => {
      // A type no flow handles (catalogue changes), in Stripe's event envelope.
      const unhandled = {
        ...unhandledEvent,
        id: 'evt_1DemoUnhandledProduct01',
        type: 'product.updated',
        data: { object: { id: 'prod_DemoawVgYYX81y', object: 'product', name: 'Growth', active: true } },
      };
      const res = await postStripe(runtime.url, unhandled);
      expect(res).toEqual({ status: 200, body: { received: true, eventId: unhandled.id, handled: false } });
      const events = await runtime.ops.events();
      expect(events.events.filter((e) => e.sourceEventId === unhandled.id)).toEqual([
        expect.objectContaining({ detailType: 'product.updated', matchedRules: [] }),
      ]);
      expect(events.unhandled).toBe(1);
    });

    it('parks unmappable invoices on the exception queue with a classified, readable reason', async () => {
      expect(await deliverAll([jpyUnknownCurrency.finalized, oldApiVersion.finalized])).toEqual([200, 200]);
      const exceptions = (await runtime.ops.queues()).queues.find((q) => q.queue === 'exceptions')!;
      const byEvent = new Map(exceptions.messages.map((m) => [m.sourceEventId, m]));
      expect(byEvent.get(jpyUnknownCurrency.finalized.id)).toMatchObject({
        classification: 'business',
        eventType: 'invoice.finalized',
        reason: expect.stringMatching(/^unmapped_currency: no subsidiary books JPY invoices/),
      });
      expect(byEvent.get(oldApiVersion.finalized.id)).toMatchObject({
        classification: 'business',
        reason: expect.stringMatching(/^unsupported_api_version: .*2024-06-20.*2026-10-28\.endive/),
      });
      // exactly these two, nothing else parked (e.g. no duplicate racing its original)
      expect(
        exceptions.messages
          .map((m) => `${m.sourceEventId} ${m.classification} ${m.reason.slice(0, 60)}`)
          .sort(),
      ).toEqual(
        [jpyUnknownCurrency.finalized.id, oldApiVersion.finalized.id]
          .map((id) => `${id} business ${byEvent.get(id)?.reason.slice(0, 60)}`)
          .sort(),
      );
      expect((await runtime.ops.trialBalance()).accounts).toEqual(EXPECTED_TRIAL_BALANCE);
    });
  });

  it('loses nothing and re-posts nothing across a restart on the same data dir', async () => {
    const journalBefore = await runtime.ops.journal();
    const queuesBefore = await runtime.ops.queues();
    await runtime.stop();
    runtime = await startRuntimeProcess(dataDir);

    expect(await runtime.ops.journal()).toEqual(journalBefore);
    const summarise = (q: typeof queuesBefore) =>
      q.queues.map((x) => ({
        queue: x.queue,
        depth: x.depth,
        ids: x.messages.map((m) => m.sourceEventId).sort(),
      }));
    expect(summarise(await runtime.ops.queues())).toEqual(summarise(queuesBefore));

    // Stripe redelivers everything after the restart: still exactly the same books.
    await deliverAll([usd.finalized, usd.paid, eur.paid, eur.finalized]);
    expect(await runtime.ops.journal()).toEqual(journalBefore);
    expect((await runtime.ops.trialBalance()).accounts).toEqual(EXPECTED_TRIAL_BALANCE);
  });
});
