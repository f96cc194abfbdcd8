/**
 * The Salesforce half of the demo: the month's deals close won in the local Salesforce org and reach the
 * pipeline the three ways real orgs send them (Outbound Message, signed Flow callout, Event Relay). The
 * deal flow loads each deal with jsforce, creates or changes the Stripe subscription with the stripe SDK,
 * writes the status back; the Stripe sandbox bills on its clock and sends signed webhooks, which the
 * billing → ERP flows post. Every step goes through the same handlers, ASL and rules CDK deploys.
 */
import { DEPLOYMENT } from '../lib/topology';
import { OPPORTUNITY_FIELDS } from '../lambdas/adapters/crm/salesforce/fields';
import type { LocalRuntime } from './runtime';
import {
  deliverOutboundMessage,
  flowCalloutBody,
  opportunityNotification,
  outboundMessageXml,
  platformEventPayload,
  putRelayEvent,
  sendFlowCallout,
  type OpportunityChange,
} from './scenarios/salesforce-deliveries';
import { buildDemoOrg, type DemoOpportunityKey } from './scenarios/salesforce-org';

export type DealChannel = 'outbound-message' | 'flow' | 'event-relay';

/** How each demo deal reaches us: all three channels, as different orgs (or teams) configure them. */
export const DEMO_DEAL_CHANNELS: Record<DemoOpportunityKey, DealChannel> = {
  northwindNew: 'outbound-message',
  lumenNew: 'flow',
  atelierNew: 'event-relay',
  kestrelPilot: 'outbound-message',
  borealisNew: 'flow',
  oakridgeUnmapped: 'outbound-message',
  fjordFuture: 'flow',
  northwindUpsell: 'event-relay',
  borealisCancel: 'outbound-message',
  kestrelRenewal: 'flow',
};

/** Start of the demo month (the Stripe sandbox's clock is set here before the first deal). */
export const DEMO_MONTH_START = Date.UTC(2026, 10, 1) / 1000;
/** End of the demo month: the Stripe clock runs to here before month-end close. */
export const DEMO_MONTH_END = Date.UTC(2026, 10, 30, 23, 0, 0) / 1000;
/** Deals close at 10:00 UTC on their close date. */
const closingTime = (closeDate: string): number => Date.parse(`${closeDate}T10:00:00Z`) / 1000;

export interface DealOutcome {
  key: DemoOpportunityKey;
  opportunityId: string;
  name: string;
  channel: DealChannel;
  closeDate: string;
  delivered: boolean;
  billingStatus: string | null;
  subscriptionId: string | null;
  syncError: string | null;
  /** Delivery → everything it caused settled (deal flow, Stripe billing, webhooks, postings), ms. */
  settledMs: number;
  /** Stripe API requests made while this deal settled (the deal flow's and the billing flows' reads). */
  stripeCalls: number;
}

/** Coupons the demo quotes refer to (Q2C_Coupon__c), created in the local Stripe account once. */
export async function createDemoCoupons(runtime: LocalRuntime): Promise<void> {
  const stripe = runtime.stripe.client();
  try {
    await stripe.coupons.create({ id: 'LAUNCH10', name: 'Launch 10%', percent_off: 10, duration: 'forever' });
  } catch (err) {
    if ((err as { code?: string }).code !== 'resource_already_exists') throw err;
  }
}

/** Waits until executions, and the webhooks they cause, and the executions those cause, are all done. */
export async function settle(runtime: LocalRuntime): Promise<void> {
  for (let round = 0; round < 6; round++) {
    await runtime.idle();
    await runtime.stripe.webhooksIdle();
  }
  await runtime.idle();
}

/** Closes the demo deals in date order, moving the Stripe clock with them, then runs it to month end. */
export async function runDealDemo(runtime: LocalRuntime): Promise<DealOutcome[]> {
  const org = buildDemoOrg();
  const keys = (Object.keys(org.opportunities) as DemoOpportunityKey[])
    .map((key) => ({
      key,
      id: org.opportunities[key],
      closeDate: closeDateOf(runtime, org.opportunities[key]),
    }))
    .sort((a, b) => a.closeDate.localeCompare(b.closeDate) || a.key.localeCompare(b.key));

  // The Stripe sandbox follows the deals' calendar, as a Stripe test clock would: from the month's first moment.
  runtime.stripe.freezeClock(DEMO_MONTH_START);
  const outcomes: DealOutcome[] = [];
  for (const { key, id, closeDate } of keys) {
    const at = closingTime(closeDate);
    if (runtime.stripe.now() < at) runtime.stripe.advanceClock(at);
    await settle(runtime); // renewals, trial ends… that fell due before this deal
    const stripeBefore = runtime.stripe.requests().length;
    const started = performance.now();
    const delivered = await closeWon(runtime, id, DEMO_DEAL_CHANNELS[key]);
    await settle(runtime);
    const measured = {
      settledMs: performance.now() - started,
      stripeCalls: runtime.stripe.requests().length - stripeBefore,
    };
    outcomes.push({ ...outcome(runtime, key, id, closeDate, delivered), ...measured });
  }
  if (runtime.stripe.now() < DEMO_MONTH_END) runtime.stripe.advanceClock(DEMO_MONTH_END);
  await settle(runtime);
  return outcomes.map((o) => ({
    ...o,
    ...outcome(runtime, o.key, o.opportunityId, o.closeDate, o.delivered),
  }));
}

function closeDateOf(runtime: LocalRuntime, opportunityId: string): string {
  const opp = runtime.salesforce.store.get('Opportunity', opportunityId) as
    { CloseDate?: string } | undefined;
  if (!opp?.CloseDate)
    throw new Error(`demo opportunity ${opportunityId} is not in the local Salesforce org`);
  return opp.CloseDate;
}

/** What the salesperson does (Closed Won), then what the org's automation sends. */
async function closeWon(
  runtime: LocalRuntime,
  opportunityId: string,
  channel: DealChannel,
): Promise<boolean> {
  const store = runtime.salesforce.store;
  const before = store.get('Opportunity', opportunityId) as Record<string, unknown>;
  if (before.StageName !== 'Closed Won')
    store.update('Opportunity', opportunityId, { StageName: 'Closed Won' });
  const opp = store.get('Opportunity', opportunityId) as Record<string, unknown>;
  const change: OpportunityChange = {
    Id: opportunityId,
    AccountId: String(opp.AccountId),
    StageName: String(opp.StageName),
    IsWon: Boolean(opp.IsWon),
    Type: opp.Type === null || opp.Type === undefined ? null : String(opp.Type),
    SystemModstamp: new Date(String(opp.SystemModstamp)).toISOString(),
  };
  const orgId = DEPLOYMENT.salesforce.orgId;
  if (channel === 'outbound-message') {
    const xml = outboundMessageXml(orgId, [opportunityNotification(change)]);
    return (await deliverOutboundMessage(runtime.url, xml, { attempts: 3, retryDelayMs: 200 })).acknowledged;
  }
  if (channel === 'flow') {
    const res = await sendFlowCallout(
      runtime.url,
      flowCalloutBody(orgId, change),
      runtime.salesforceFlowSecret,
    );
    return res.status === 200;
  }
  await putRelayEvent({
    endpoint: runtime.busEndpoint,
    partnerEventBus: runtime.partnerEventBusName,
    payload: platformEventPayload(change),
    eventUuid: `demo-${opportunityId}-${Date.parse(change.SystemModstamp)}`,
  });
  return true;
}

function outcome(
  runtime: LocalRuntime,
  key: DemoOpportunityKey,
  opportunityId: string,
  closeDate: string,
  delivered: boolean,
): Omit<DealOutcome, 'settledMs' | 'stripeCalls'> {
  const opp = runtime.salesforce.store.get('Opportunity', opportunityId) as Record<string, unknown>;
  const text = (field: string): string | null => {
    const v = opp[field];
    return v === null || v === undefined || v === '' ? null : String(v);
  };
  return {
    key,
    opportunityId,
    name: String(opp.Name),
    channel: DEMO_DEAL_CHANNELS[key],
    closeDate,
    delivered,
    billingStatus: text(OPPORTUNITY_FIELDS.billingStatus),
    subscriptionId: text(OPPORTUNITY_FIELDS.subscriptionId),
    syncError: text(OPPORTUNITY_FIELDS.syncError),
  };
}
