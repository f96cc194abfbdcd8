/**
 * The Salesforce half of `npm start`, through the in-process local runtime: the demo org's ten deals
 * close won and reach the pipeline by Outbound Message (SOAP Ack), signed Flow callout and Event Relay,
 * the deal flow bills them in the Stripe sandbox on the deals' calendar, the sandbox's signed webhooks
 * post the invoices and credit notes to the ledger. Then Salesforce "retries" everything: nothing new.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type Stripe from 'stripe';
import { trialBalance, unbalancedCurrencies } from '../../lambdas/domain/accounting/trial-balance';
import { describeParked } from '../../lambdas/domain/exceptions';
import { createDemoCoupons, runDealDemo, type DealOutcome } from '../../local/deal-demo';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { buildDemoOrg, type DemoOpportunityKey } from '../../local/scenarios/salesforce-org';

let runtime: LocalRuntime;
let dir: string;
let outcomes: DealOutcome[];
const org = buildDemoOrg();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-deal-demo-'));
  runtime = await startLocalRuntime({ port: 0, dataDir: dir, logLevel: 'ERROR', retryIntervalMs: 1 });
  await createDemoCoupons(runtime);
  outcomes = await runDealDemo(runtime);
}, 240_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const byKey = (key: DemoOpportunityKey) => outcomes.find((o) => o.key === key)!;
const stripeList = <T>(object: string) => runtime.stripe.store.list(object) as unknown as T[];
const entriesOf = async (key: DemoOpportunityKey) =>
  (await runtime.ledger.listEntries()).filter(
    (e) => e.correlationId === `sf:${org.opportunities[key]}` && e.kind !== 'revenue_release',
  );

describe('the demo deals, from Salesforce to the ledger', () => {
  it('every deal was acknowledged and shows its billing status in Salesforce', () => {
    expect(outcomes.every((o) => o.delivered)).toBe(true);
    expect(new Set(outcomes.map((o) => o.channel))).toEqual(
      new Set(['outbound-message', 'flow', 'event-relay']),
    );
    expect(Object.fromEntries(outcomes.map((o) => [o.key, o.billingStatus]))).toEqual({
      northwindNew: 'Active',
      lumenNew: 'Trialing',
      atelierNew: 'Active',
      kestrelPilot: 'Active',
      borealisNew: 'Active',
      oakridgeUnmapped: 'Failed',
      fjordFuture: 'Scheduled',
      northwindUpsell: 'Amended',
      borealisCancel: 'Cancelled',
      kestrelRenewal: 'Renewed',
    });
    expect(byKey('northwindUpsell').subscriptionId).toBe(byKey('northwindNew').subscriptionId);
    expect(byKey('fjordFuture').subscriptionId).toMatch(/^sub_sched_/);
  });

  it('Stripe holds one customer per account and the subscriptions the deals describe', () => {
    const customers = stripeList<Stripe.Customer>('customer');
    const accounts = customers.map((c) => c.metadata.sf_account_id).filter(Boolean);
    expect(accounts.length).toBe(new Set(accounts).size);
    expect(accounts).not.toContain(org.accounts.oakridge); // nothing billed for the unmapped deal
    const sub = (key: DemoOpportunityKey) =>
      stripeList<Stripe.Subscription>('subscription').find((s) => s.id === byKey(key).subscriptionId)!;
    const quantities = (s: Stripe.Subscription) =>
      Object.fromEntries(s.items.data.map((i) => [i.price.id, i.quantity]));
    expect(Object.values(quantities(sub('northwindNew'))).sort()).toEqual([1, 30]); // +10 seats, support kept
    expect(sub('borealisNew').status).toBe('canceled');
    expect(sub('lumenNew').status).toBe('active'); // the 14-day trial ended on 17 Nov
    expect(sub('atelierNew').currency).toBe('eur');
    expect(Object.values(quantities(sub('kestrelPilot')))).toEqual([8]);
    const schedule = stripeList<Stripe.SubscriptionSchedule>('subscription_schedule').find(
      (s) => s.id === byKey('fjordFuture').subscriptionId,
    )!;
    expect(schedule.status).toBe('not_started');
  });

  it('posts each deal invoice on its billing date with the opportunity correlation id', async () => {
    const dates = async (key: DemoOpportunityKey) =>
      (await entriesOf(key)).map((e) => `${e.kind} ${e.effectiveDate}`).sort();
    expect(await dates('northwindNew')).toEqual(['invoice 2026-11-02']);
    expect(await dates('lumenNew')).toEqual(['invoice 2026-11-03', 'invoice 2026-11-17']); // $0 trial, then billed
    expect(await dates('atelierNew')).toEqual(['invoice 2026-11-04']);
    expect(await dates('northwindUpsell')).toEqual(['invoice 2026-11-16']); // the proration invoice
    expect(await dates('borealisCancel')).toEqual(['credit_memo 2026-11-20']); // unused time credited
    expect(await dates('oakridgeUnmapped')).toEqual([]);
    expect(await dates('fjordFuture')).toEqual([]); // starts in January
    for (const key of ['northwindNew', 'atelierNew', 'northwindUpsell'] as const) {
      for (const e of await entriesOf(key))
        for (const l of e.lines) expect(l.correlationId).toBe(`sf:${org.opportunities[key]}`);
    }
    const upsell = (await entriesOf('northwindUpsell'))[0];
    const ar = upsell.lines.filter((l) => l.account === 'accounts_receivable');
    // 10 more Growth seats ($49) from the amendment's effective date (16 Nov 00:00) to the period end
    // (2 Dec 10:00, a month after the deal closed at 10:00 on 2 Nov), prorated to the second:
    const remaining = Date.UTC(2026, 11, 2, 10) - Date.UTC(2026, 10, 16);
    const period = Date.UTC(2026, 11, 2, 10) - Date.UTC(2026, 10, 2, 10);
    expect(ar.reduce((s, l) => s + l.debit - l.credit, 0)).toBe(Math.round((4900 * 10 * remaining) / period));
  });

  it('parks the unmapped deal with its reason and writes the reason back to the Opportunity', () => {
    const parked = runtime.sqs.inspect('exceptions').map((m) => describeParked(m.body, m.attributes));
    expect(parked).toEqual([
      expect.objectContaining({
        classification: 'business',
        correlationId: `sf:${org.opportunities.oakridgeUnmapped}`,
        eventType: 'crm.opportunity.closed_won',
        reason: expect.stringContaining('LEGACY-ONPREM'),
      }),
    ]);
    expect(byKey('oakridgeUnmapped').syncError).toMatch(/unmapped_product.*LEGACY-ONPREM/);
  });

  it('records quote-to-bill latency for each deal whose first invoice was posted (q2c status)', async () => {
    const res = await fetch(`${runtime.url}/ops/metrics`);
    const { metrics } = (await res.json()) as { metrics: { name: string; samples: number; p95: number }[] };
    const quoteToBill = metrics.find((m) => m.name === 'QuoteToBillLatency');
    // Northwind, Lumen (its $0 trial invoice), Atelier, Kestrel, Borealis: five new subscriptions billed.
    expect(quoteToBill?.samples).toBe(5);
    expect(quoteToBill?.p95).toBeGreaterThanOrEqual(0);
  });

  it('the ledger balances in every currency', async () => {
    expect(unbalancedCurrencies(trialBalance(await runtime.ledger.listEntries()))).toEqual([]);
  });

  it('Salesforce sending every deal again changes nothing: no customer, subscription or posting added', async () => {
    const count = async () => ({
      customers: stripeList('customer').length,
      subscriptions: stripeList('subscription').length,
      schedules: stripeList('subscription_schedule').length,
      invoices: stripeList('invoice').length,
      entries: (await runtime.ledger.listEntries()).length,
    });
    const before = await count();
    const again = await runDealDemo(runtime);
    expect(again.every((o) => o.delivered)).toBe(true);
    expect(await count()).toEqual(before);
    // The unmapped deal stays parked once (its parked marker: the opportunity, the event type, the reason).
    expect(runtime.sqs.inspect('exceptions')).toHaveLength(1);
  });
});
