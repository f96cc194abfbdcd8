/**
 * Closed-won → subscription → first invoice posted, through the in-process local runtime: a signed Flow
 * callout (real ingestion) → bus → DealToSubscriptionFlow (real jsforce against the Salesforce sandbox,
 * real stripe SDK against the Stripe sandbox) → the sandbox's signed invoice webhooks → PostInvoiceFlow →
 * ledger entries carrying the opportunity's correlation id. Also measures latency and Stripe calls per deal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { settle } from '../../local/deal-demo';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { seedDeal, type DealSpec } from '../statemachines/deal-harness';
import { sendCloseWon } from './deal-outage-harness';

let runtime: LocalRuntime;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-deal-it-'));
  runtime = await startLocalRuntime({ port: 0, dataDir: dir, logLevel: 'ERROR', retryIntervalMs: 1 });
  runtime.stripe.freezeClock(Date.parse('2026-11-02T10:00:00Z') / 1000);
  // The runtime registered itself as the sandbox's webhook endpoint.
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const closeWon = (opportunityId: string) => sendCloseWon(runtime, opportunityId);

const deal = (n: number): DealSpec => ({
  account: { name: `Customer ${n} Inc`, country: 'US' },
  opportunity: { name: `Deal ${n}`, type: 'New Business' },
  quote: {
    start: '2026-11-02',
    lines: [
      { code: 'GROWTH-SEAT', quantity: 20, unitPrice: 49 },
      { code: 'IMPLEMENTATION', quantity: 1, unitPrice: 2500 },
    ],
  },
});

describe('deal to subscription through the local runtime', () => {
  it('a signed Flow callout ends as a Stripe subscription, a write-back and a posted first invoice with the correlation id', async () => {
    const seeded = seedDeal(runtime.salesforce, deal(0));
    const stripeBefore = runtime.stripe.requests().length;
    const res = await closeWon(seeded.opportunityId);
    expect(res.status).toBe(200);
    await settle(runtime);

    const opp = runtime.salesforce.store.get('Opportunity', seeded.opportunityId) as Record<string, unknown>;
    expect(opp).toMatchObject({ Q2C_Billing_Status__c: 'Active', Q2C_Sync_Error__c: null });
    const subscriptionId = String(opp.Q2C_Subscription_Id__c);
    expect(subscriptionId).toMatch(/^sub_/);
    const writes = runtime.stripe
      .requests()
      .slice(stripeBefore)
      .filter((r) => r.method === 'POST')
      .map((r) => r.path);
    expect(writes).toEqual(['/v1/customers', '/v1/subscriptions']);

    const entries = (await runtime.ledger.listEntries()).filter(
      (e) => e.correlationId === `sf:${seeded.opportunityId}`,
    );
    const invoice = entries.find((e) => e.kind === 'invoice');
    expect(invoice).toBeDefined();
    const ar = invoice!.lines.filter((l) => l.account === 'accounts_receivable');
    expect(ar.reduce((t, l) => t + l.debit - l.credit, 0)).toBe(20 * 4900 + 250000);
  });

  it('measures closed-won → first invoice posted latency and Stripe calls per deal', async () => {
    const latencies: number[] = [];
    const callsPerDeal: number[] = [];
    for (let n = 1; n <= 10; n++) {
      const seeded = seedDeal(runtime.salesforce, deal(n));
      const before = runtime.stripe.requests().length;
      const started = performance.now();
      await closeWon(seeded.opportunityId);
      await settle(runtime);
      const posted = (await runtime.ledger.listEntries()).some(
        (e) => e.correlationId === `sf:${seeded.opportunityId}` && e.kind === 'invoice',
      );
      expect(posted).toBe(true);
      latencies.push(performance.now() - started);
      // Calls the deal flow made (the invoice flow's own reads are counted apart).
      const calls = runtime.stripe.requests().slice(before);
      if (calls.length !== 2) console.log(calls.map((r) => `${r.method} ${r.path} ${r.status}`));
      callsPerDeal.push(
        calls.filter((r) => r.path === '/v1/customers' || r.path.startsWith('/v1/subscriptions')).length,
      );
    }
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
    console.log(
      `closed-won → first invoice posted: p50 ${p(0.5).toFixed(0)} ms, p95 ${p(0.95).toFixed(0)} ms; ` +
        `Stripe calls per new deal: ${[...new Set(callsPerDeal)].join('/')}`,
    );
    expect(callsPerDeal.every((c) => c === 2)).toBe(true);
  });
});
