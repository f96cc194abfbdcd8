/**
 * The shared demo scenario (local/scenarios/salesforce-org.ts: Quillstack, November 2026) through the
 * deal-to-subscription state machine with its real handlers, deal by deal on the Stripe sandbox's clock:
 * new business (seats + support + implementation, annual with trial, EUR with coupon, pilot), an upsell
 * with prorations, a renewal, an immediate cancellation with a credit note, a future start (schedule)
 * and an unmapped product (written back and parked).
 */
import Stripe from 'stripe';
import { buildDemoOrg, type DemoOrg } from '../../local/scenarios/salesforce-org';
import { crmEvent, startDealHarness, STRIPE_KEY, type DealHarness } from './deal-harness';

let h: DealHarness;
let org: DemoOrg;
let stripe: Stripe;
const at = (iso: string) => Date.parse(iso) / 1000;

beforeAll(async () => {
  org = buildDemoOrg();
  h = await startDealHarness({ seed: org.records });
  stripe = new Stripe(STRIPE_KEY, {
    host: '127.0.0.1',
    port: h.stripe.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  await stripe.coupons.create({ id: 'LAUNCH10', percent_off: 10, duration: 'forever' });
});
afterAll(async () => h?.stop());

type Key = keyof DemoOrg['opportunities'];

/** Closes the deal won on its date (the Stripe clock moves there first) and runs the flow. */
async function close(key: Key, date: string) {
  if (h.stripe.now() < at(date)) h.stripe.advanceClock(at(date));
  const id = org.opportunities[key];
  h.sf.store.update('Opportunity', id, { StageName: 'Closed Won' });
  const run = await h.execute(crmEvent(h.sf, id));
  return { run, opp: h.sf.store.get('Opportunity', id) as Record<string, unknown> };
}

const subscriptionOf = (opp: Record<string, unknown>) =>
  stripe.subscriptions.retrieve(String(opp.Q2C_Subscription_Id__c));

describe('demo org through the deal-to-subscription flow', () => {
  it('bills every won deal of November as the scenario says', async () => {
    const northwind = await close('northwindNew', '2026-11-02T09:00:00Z');
    expect(northwind.run.status).toBe('SUCCEEDED');
    expect(northwind.opp.Q2C_Billing_Status__c).toBe('Active');

    const lumen = await close('lumenNew', '2026-11-03T09:00:00Z');
    expect(lumen.opp.Q2C_Billing_Status__c).toBe('Trialing');
    const lumenSub = await subscriptionOf(lumen.opp);
    expect(lumenSub).toMatchObject({ status: 'trialing', currency: 'usd' });
    expect(lumenSub.items.data[0].price).toMatchObject({
      id: 'price_Q2cScaleAnnualUsd',
      recurring: { interval: 'year' },
    });

    const atelier = await close('atelierNew', '2026-11-04T09:00:00Z');
    const atelierSub = await subscriptionOf(atelier.opp);
    expect(atelierSub).toMatchObject({ currency: 'eur' });
    expect(atelierSub.items.data.map((i) => [i.price.id, i.quantity])).toEqual([
      ['price_Q2cGrowthSeatMonthlyEur', 10],
    ]);
    expect(atelierSub.discounts).toHaveLength(1);

    const kestrel = await close('kestrelPilot', '2026-11-05T09:00:00Z');
    expect(kestrel.opp.Q2C_Billing_Status__c).toBe('Active');
    const borealis = await close('borealisNew', '2026-11-06T09:00:00Z');
    expect(borealis.opp.Q2C_Billing_Status__c).toBe('Active');

    const oakridge = await close('oakridgeUnmapped', '2026-11-09T09:00:00Z');
    expect(oakridge.run).toMatchObject({ status: 'FAILED', error: 'DealParked' });
    expect(oakridge.opp.Q2C_Billing_Status__c).toBe('Failed');
    expect(String(oakridge.opp.Q2C_Sync_Error__c)).toContain('LEGACY-ONPREM');

    const fjord = await close('fjordFuture', '2026-11-10T09:00:00Z');
    expect(fjord.opp.Q2C_Billing_Status__c).toBe('Scheduled');
    const schedule = await stripe.subscriptionSchedules.retrieve(String(fjord.opp.Q2C_Subscription_Id__c));
    expect(schedule).toMatchObject({
      status: 'not_started',
      metadata: { correlation_id: `sf:${org.opportunities.fjordFuture}` },
    });
    expect(schedule.phases[0].start_date).toBe(at('2027-01-01T00:00:00Z'));

    // Upsell: +10 seats, support kept, the prorated difference invoiced now.
    const upsell = await close('northwindUpsell', '2026-11-16T09:00:00Z');
    expect(upsell.opp).toMatchObject({
      Q2C_Billing_Status__c: 'Amended',
      Q2C_Subscription_Id__c: northwind.opp.Q2C_Subscription_Id__c,
    });
    const amended = await stripe.subscriptions.retrieve(String(northwind.opp.Q2C_Subscription_Id__c), {
      expand: ['latest_invoice'],
    });
    expect(amended.items.data.map((i) => [i.price.id, i.quantity])).toEqual([
      ['price_Q2cGrowthSeatMonthlyUsd', 30],
      ['price_Q2cSupportPremiumMonthlyUsd', 1],
    ]);
    const proration = amended.latest_invoice as Stripe.Invoice;
    expect(proration.billing_reason).toBe('subscription_update');
    expect(proration.total).toBeGreaterThan(0);

    // Immediate cancellation with credit: a credit note for the unused time of the November invoice.
    const cancel = await close('borealisCancel', '2026-11-20T00:00:00Z');
    expect(cancel.run.status).toBe('SUCCEEDED');
    expect(cancel.opp.Q2C_Billing_Status__c).toBe('Cancelled');
    const cancelled = await subscriptionOf(borealis.opp);
    expect(cancelled.status).toBe('canceled');
    const notes = await stripe.creditNotes.list({ invoice: String(cancelled.latest_invoice) });
    expect(notes.data).toHaveLength(1);
    // 3 × 19.00 for the period from 2026-11-06 09:00 (closed that morning), cancelled 11-20 00:00: the
    // unused 16.375 of 30 days, to the second.
    const { current_period_start: start, current_period_end: end } = cancelled.items.data[0];
    expect(end - start).toBe(30 * 86400);
    expect(cancelled.canceled_at).toBe(at('2026-11-20T00:00:00Z'));
    expect(notes.data[0]).toMatchObject({
      total: Math.round((5700 * (end - at('2026-11-20T00:00:00Z'))) / (end - start)), // 3111
      reason: 'order_change',
      metadata: { correlation_id: `sf:${org.opportunities.borealisCancel}` },
    });

    // Renewal at the end of the pilot: 8 seats from the next period, nothing prorated.
    const renewal = await close('kestrelRenewal', '2026-11-25T09:00:00Z');
    expect(renewal.opp.Q2C_Billing_Status__c).toBe('Renewed');
    const renewed = await subscriptionOf(kestrel.opp);
    expect(renewed.items.data.map((i) => i.quantity)).toEqual([8]);
    expect(renewed.metadata).toMatchObject({ term_months: '12', term_end: '2027-12-05' });

    // One customer per account (Northwind and Kestrel and Borealis each closed twice).
    const customers = (await stripe.customers.list({ limit: 100 })).data;
    expect(new Set(customers.map((c) => c.metadata.sf_account_id)).size).toBe(customers.length);
    expect(customers).toHaveLength(6); // every account but Oakridge
  });
});
