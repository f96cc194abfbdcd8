/**
 * statemachines/deal-to-subscription.asl.json executed with its real handlers against the Salesforce and
 * Stripe sandboxes (real jsforce and stripe SDK), dynalite and fauxqs — see deal-harness.ts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import Stripe from 'stripe';
import { definitionSubstitutions, PROJECT_ROOT, STATE_MACHINES } from '../../lib/topology';
import { describeParked } from '../../lambdas/domain/exceptions';
import { localFunctionArn } from '../../local/lambda';
import { loadDefinition, taskStates } from '../../local/stepfunctions';
import { crmEvent, seedDeal, startDealHarness, STRIPE_KEY, type DealHarness } from './deal-harness';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (d: unknown) => { isValid: boolean; errors: unknown[] };

let h: DealHarness;
let stripe: Stripe;

beforeAll(async () => {
  h = await startDealHarness();
  stripe = new Stripe(STRIPE_KEY, {
    host: '127.0.0.1',
    port: h.stripe.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
});
afterAll(async () => h?.stop());

/** Stripe requests made while `fn` runs (method + path + status). */
async function stripeCalls<T>(fn: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
  const before = h.stripe.requests().length;
  const result = await fn();
  const calls = h.stripe
    .requests()
    .slice(before)
    .map((r) => `${r.method} ${r.path.replace(/\/(sub|cus|in|si)_[A-Za-z0-9]+/g, '/$1_…')} ${r.status}`);
  return { result, calls };
}

async function drainExceptions() {
  const messages = h.sqs.inspect('exceptions');
  await h.sqs.client.send(new PurgeQueueCommand({ QueueUrl: h.sqs.queueUrl('exceptions') }));
  return messages;
}

const northwind = {
  account: { name: 'Northwind Traders', country: 'US' },
  opportunity: { name: 'Northwind — New Business', type: 'New Business' },
  quote: {
    start: '2026-11-02',
    lines: [
      { code: 'GROWTH-SEAT', quantity: 20, unitPrice: 49 },
      { code: 'SUPPORT-PREMIUM', quantity: 1, unitPrice: 299 },
      { code: 'IMPLEMENTATION', quantity: 1, unitPrice: 2500 },
    ],
  },
};

describe('statemachines/deal-to-subscription.asl.json', () => {
  it('is valid ASL, and every Task state has a local handler', () => {
    const raw = JSON.parse(
      readFileSync(path.join(PROJECT_ROOT, STATE_MACHINES.dealToSubscription.file), 'utf8'),
    );
    expect(aslValidator(raw)).toMatchObject({ isValid: true, errors: [] });
    const subs = definitionSubstitutions('dealToSubscription', localFunctionArn, () => 'http://localhost/q');
    const definition = loadDefinition('dealToSubscription', subs);
    expect(aslValidator(definition).errors).toEqual([]);
    expect(new Set(taskStates(definition).map((t) => t.resource))).toEqual(
      new Set([
        localFunctionArn('loadDeal'),
        localFunctionArn('applyDealToBilling'),
        localFunctionArn('writeBackDealStatus'),
        'arn:aws:states:::sqs:sendMessage',
        // the parked markers (one exception message per source and reason)
        'arn:aws:states:::dynamodb:putItem',
      ]),
    );
  });

  let first: { accountId: string; opportunityId: string; subscriptionId: string; customerId: string };

  it('happy path: a closed-won deal becomes a customer and a subscription, crosswalked and written back', async () => {
    const deal = seedDeal(h.sf, northwind);
    const { result: run, calls } = await stripeCalls(() => h.execute(crmEvent(h.sf, deal.opportunityId)));
    expect(run).toMatchObject({ status: 'SUCCEEDED' });
    // Two Stripe calls for a new customer's deal, no reads.
    expect(calls).toEqual(['POST /v1/customers 200', 'POST /v1/subscriptions 200']);

    const customers = await stripe.customers.list({ limit: 100 });
    expect(customers.data).toHaveLength(1);
    const [customer] = customers.data;
    expect(customer).toMatchObject({
      name: 'Northwind Traders',
      metadata: { sf_account_id: deal.accountId },
    });
    const subs = await stripe.subscriptions.list({ customer: customer.id, expand: ['data.latest_invoice'] });
    expect(subs.data).toHaveLength(1);
    const [sub] = subs.data;
    expect(sub.items.data.map((i) => [i.price.id, i.quantity])).toEqual([
      ['price_Q2cGrowthSeatMonthlyUsd', 20],
      ['price_Q2cSupportPremiumMonthlyUsd', 1],
    ]);
    expect(sub.metadata).toMatchObject({
      correlation_id: `sf:${deal.opportunityId}`,
      sf_opportunity_id: deal.opportunityId,
      sf_account_id: deal.accountId,
    });
    // The first invoice (seats + support + implementation) carries the correlation id for the ERP flows.
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice.total).toBe(20 * 4900 + 29900 + 250000);
    expect(invoice.parent?.subscription_details?.metadata).toMatchObject({
      correlation_id: `sf:${deal.opportunityId}`,
    });

    expect(
      await h.crosswalkRow(`sf:opportunity:${deal.opportunityId}`, 'billing:subscription'),
    ).toMatchObject({
      subscriptionId: sub.id,
      customerId: customer.id,
      version: expect.any(String),
      correlationId: `sf:${deal.opportunityId}`,
    });
    expect(await h.crosswalkRow(`sf:account:${deal.accountId}`, 'billing:customer')).toMatchObject({
      customerId: customer.id,
    });
    expect(await h.crosswalkRow(`stripe:${customer.id}`, 'sf:account')).toMatchObject({
      accountId: deal.accountId,
    });
    expect(await h.crosswalkRow(`stripe:${sub.id}`, 'sf:opportunity')).toMatchObject({
      opportunityId: deal.opportunityId,
    });

    expect(h.sf.store.get('Opportunity', deal.opportunityId)).toMatchObject({
      Q2C_Subscription_Id__c: sub.id,
      Q2C_Billing_Status__c: 'Active',
      Q2C_Billing_Link__c: `https://dashboard.stripe.com/test/subscriptions/${sub.id}`,
      Q2C_Last_Sync__c: expect.any(String),
      Q2C_Sync_Error__c: null,
    });
    expect(h.sf.store.get('Account', deal.accountId)).toMatchObject({
      Q2C_Stripe_Customer_Id__c: customer.id,
    });
    first = { ...deal, subscriptionId: sub.id, customerId: customer.id };
  });

  it('a duplicate closed-won (same version, an older version, two at once) creates no second customer or subscription', async () => {
    const event = crmEvent(h.sf, first.opportunityId);
    const older = crmEvent(h.sf, first.opportunityId, {
      version: '2026-10-01T00:00:00.000Z',
      eventId: 'sf:om:older',
    });
    const { result: runs, calls } = await stripeCalls(() =>
      Promise.all([h.execute(event), h.execute(older), h.execute(event)]),
    );
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(runs.map((r) => (r.output as { billing: { outcome: string } }).billing.outcome)).toEqual([
      'skip',
      'skip',
      'skip',
    ]);
    expect(calls).toEqual([]); // skipped before any Stripe call
    expect((await stripe.customers.list({ limit: 100 })).data).toHaveLength(1);
    expect((await stripe.subscriptions.list({ limit: 100 })).data).toHaveLength(1);
  });

  it('two deliveries racing before either is recorded still create one customer and one subscription (idempotency keys)', async () => {
    const deal = seedDeal(h.sf, {
      ...northwind,
      account: { name: 'Lumen Health', country: 'US' },
      opportunity: { name: 'Lumen — New', type: 'New Business' },
    });
    const event = crmEvent(h.sf, deal.opportunityId);
    const runs = await Promise.all([h.execute(event), h.execute(event)]);
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const customers = (await stripe.customers.list({ limit: 100 })).data.filter(
      (c) => c.metadata.sf_account_id === deal.accountId,
    );
    expect(customers).toHaveLength(1);
    expect((await stripe.subscriptions.list({ customer: customers[0].id })).data).toHaveLength(1);
  });

  it('retries Stripe 429 and 5xx (and a lost response) and still bills exactly once', async () => {
    const deal = seedDeal(h.sf, {
      ...northwind,
      account: { name: 'Kestrel Analytics', country: 'US' },
      opportunity: { name: 'Kestrel — Pilot', type: 'New Business' },
    });
    const isSubscriptionCreate = (r: { method: string; path: string }) =>
      r.method === 'POST' && r.path === '/v1/subscriptions';
    h.stripe.injectFault({ status: 429, times: 1, match: isSubscriptionCreate });
    h.stripe.injectFault({ status: 503, times: 1, match: isSubscriptionCreate });
    h.stripe.injectFault({ status: 500, times: 1, phase: 'after', match: isSubscriptionCreate });
    const { result: run, calls } = await stripeCalls(() => h.execute(crmEvent(h.sf, deal.opportunityId)));
    expect(run.status).toBe('SUCCEEDED');
    expect(calls).toEqual([
      'POST /v1/customers 200', // recorded in the crosswalk at once: retries reuse it
      'POST /v1/subscriptions 429',
      'POST /v1/subscriptions 503',
      'POST /v1/subscriptions 500', // created, answer lost
      'POST /v1/subscriptions 200', // replayed by its idempotency key: the same subscription
    ]);
    const customers = (await stripe.customers.list({ limit: 100 })).data.filter(
      (c) => c.metadata.sf_account_id === deal.accountId,
    );
    expect(customers).toHaveLength(1);
    const subs = (await stripe.subscriptions.list({ customer: customers[0].id })).data;
    expect(subs).toHaveLength(1);
    expect(h.sf.store.get('Opportunity', deal.opportunityId)).toMatchObject({
      Q2C_Subscription_Id__c: subs[0].id,
    });
    expect(await drainExceptions()).toEqual([]);
  });

  it('retries a Salesforce REQUEST_LIMIT_EXCEEDED while loading the deal', async () => {
    const deal = seedDeal(h.sf, {
      ...northwind,
      account: { name: 'Borealis Logistics', country: 'US' },
      opportunity: { name: 'Borealis — New', type: 'New Business' },
    });
    h.sf.injectFault({
      status: 403,
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
      times: 2,
      match: (r) => r.path.endsWith('/composite'),
    });
    const run = await h.execute(crmEvent(h.sf, deal.opportunityId));
    expect(run.status).toBe('SUCCEEDED');
    expect(h.sf.store.get('Opportunity', deal.opportunityId)).toMatchObject({
      Q2C_Billing_Status__c: 'Active',
    });
  });

  it('a business validation error is written back to the Opportunity and parked, with no Stripe call', async () => {
    await drainExceptions();
    const deal = seedDeal(h.sf, {
      account: { name: 'Oakridge Legacy Systems', country: 'US' },
      opportunity: { name: 'Oakridge — On-prem', type: 'New Business' },
      quote: { start: '2026-11-02', lines: [{ code: 'LEGACY-ONPREM', quantity: 1, unitPrice: 9900 }] },
    });
    const event = crmEvent(h.sf, deal.opportunityId);
    const { result: run, calls } = await stripeCalls(() => h.execute(event));
    expect(run).toMatchObject({ status: 'FAILED', error: 'DealParked' });
    expect(calls).toEqual([]);
    const opp = h.sf.store.get('Opportunity', deal.opportunityId) as Record<string, unknown>;
    expect(opp.Q2C_Billing_Status__c).toBe('Failed');
    expect(opp.Q2C_Sync_Error__c).toMatch(
      /^unmapped_product: product LEGACY-ONPREM .* is not mapped to a Stripe product/,
    );
    const [message, ...rest] = await drainExceptions();
    expect(rest).toEqual([]);
    expect(message.attributes).toEqual({ classification: 'business' });
    expect(JSON.parse(message.body).event).toEqual(event);
    expect(describeParked(message.body, message.attributes)).toEqual({
      classification: 'business',
      error: 'BusinessError',
      reason: expect.stringMatching(/^unmapped_product: product LEGACY-ONPREM/),
      eventType: 'crm.opportunity.closed_won',
      sourceEventId: event.detail.eventId,
      correlationId: `sf:${deal.opportunityId}`,
    });
  });

  it('an amendment updates the original subscription with prorations (one read, one write)', async () => {
    h.stripe.advanceClock(Date.parse('2026-11-16T10:00:00Z') / 1000);
    const upsell = seedDeal(h.sf, {
      account: { name: 'Northwind Traders', country: 'US' },
      opportunity: {
        name: 'Northwind — Upsell',
        type: 'Amendment',
        accountId: first.accountId,
        originalOpportunityId: first.opportunityId,
      },
      quote: {
        start: '2026-11-16',
        lines: [
          { code: 'GROWTH-SEAT', quantity: 30, unitPrice: 49 },
          { code: 'SUPPORT-PREMIUM', quantity: 1, unitPrice: 299 },
        ],
      },
    });
    const { result: run, calls } = await stripeCalls(() => h.execute(crmEvent(h.sf, upsell.opportunityId)));
    expect(run.status).toBe('SUCCEEDED');
    expect(calls).toEqual(['GET /v1/subscriptions/sub_… 200', 'POST /v1/subscriptions/sub_… 200']);
    const sub = await stripe.subscriptions.retrieve(first.subscriptionId, { expand: ['latest_invoice'] });
    expect(sub.items.data.map((i) => [i.price.id, i.quantity])).toEqual([
      ['price_Q2cGrowthSeatMonthlyUsd', 30],
      ['price_Q2cSupportPremiumMonthlyUsd', 1],
    ]);
    expect(sub.metadata).toMatchObject({
      correlation_id: `sf:${upsell.opportunityId}`,
      sf_original_opportunity_id: first.opportunityId,
    });
    // always_invoice: the prorated upsell is invoiced now (unused 20 seats credited, 30 seats charged).
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice.lines.data.some((l) => l.amount < 0)).toBe(true);
    expect(invoice.total).toBeGreaterThan(0);
    expect(invoice.parent?.subscription_details?.metadata).toMatchObject({
      correlation_id: `sf:${upsell.opportunityId}`,
    });
    expect(h.sf.store.get('Opportunity', upsell.opportunityId)).toMatchObject({
      Q2C_Subscription_Id__c: first.subscriptionId,
      Q2C_Billing_Status__c: 'Amended',
    });
    expect(
      (await stripe.customers.list({ limit: 100 })).data.filter(
        (c) => c.metadata.sf_account_id === first.accountId,
      ),
    ).toHaveLength(1);
  });
});
