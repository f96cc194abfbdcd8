/**
 * Deals through the in-process local runtime for the outage tests: the runtime (fast flow retries, the
 * outage drain every 400 ms, Stripe's clock frozen at the demo date) with a Stripe SDK client of its
 * sandbox; deals seeded into the Salesforce sandbox and closed won by signed Flow callouts; and what
 * the tests count: parked messages, write-backs from the Salesforce sandbox's request log, Stripe
 * subscriptions per opportunity.
 */
import Stripe from 'stripe';
import { DEPLOYMENT } from '../../lib/topology';
import type { LocalRuntime } from '../../local/runtime';
import { flowCalloutBody, sendFlowCallout } from '../../local/scenarios/salesforce-deliveries';
import { seedDeal, type SeededDeal } from '../statemachines/deal-harness';
import { parkedMessages, startInProcessRuntime, waitFor, type InProcessRuntime } from './in-process-runtime';

export const DRAIN_INTERVAL_MS = 400;

/** Sends the signed Flow callout of `opportunityId` turning Closed Won, as Salesforce would. */
export function sendCloseWon(runtime: LocalRuntime, opportunityId: string) {
  const opp = runtime.salesforce.store.get('Opportunity', opportunityId) as Record<string, unknown>;
  return sendFlowCallout(
    runtime.url,
    flowCalloutBody(DEPLOYMENT.salesforce.orgId, {
      Id: opportunityId,
      AccountId: String(opp.AccountId),
      StageName: 'Closed Won',
      IsWon: true,
      Type: String(opp.Type),
      SystemModstamp: new Date(String(opp.SystemModstamp)).toISOString(),
    }),
    runtime.salesforceFlowSecret,
  );
}

/** `value` for each opportunity id. */
export const each = <T>(ids: string[], value: T): Record<string, T> =>
  Object.fromEntries(ids.map((id) => [id, value]));

export interface DealOutageRuntime extends InProcessRuntime {
  /** A Stripe SDK client of the runtime's Stripe sandbox (no SDK retries). */
  stripe: Stripe;
  /** `n` new-business deals named after `label`, seeded into the Salesforce sandbox. */
  seed(label: string, n: number): SeededDeal[];
  /** Closes the opportunity won by a signed Flow callout; the runtime must accept it. */
  closeWon(opportunityId: string): Promise<void>;
  opportunity(id: string): Record<string, unknown>;
  /** Parked messages in every exception queue, optionally of one classification only. */
  parked(classification?: string): ReturnType<typeof parkedMessages>;
  /** Successful write-backs (composite PATCH of the Opportunity) per opportunity, from the sandbox's request log. */
  writeBacks(ids: string[]): Record<string, number>;
  /** Stripe subscriptions per opportunity (by the metadata the flow sets). */
  subscriptionsPer(ids: string[]): Promise<Record<string, number>>;
  /** Waits until nothing is parked as dependency-outage and every deal is written back; returns the ms it took. */
  drained(ids: string[], timeoutMs: number): Promise<number>;
  /** Every deal active in Salesforce with a subscription id, billed once in Stripe, written back once, nothing parked. */
  expectEveryDealOnce(ids: string[]): Promise<void>;
}

export async function startDealOutageRuntime(
  prefix: string,
  breakerOpenMs: number,
): Promise<DealOutageRuntime> {
  const started = await startInProcessRuntime(
    prefix,
    { Q2C_BREAKER_OPEN_MS: String(breakerOpenMs) },
    { retryIntervalMs: 100, drainIntervalMs: DRAIN_INTERVAL_MS },
  );
  const { runtime, ops } = started;
  runtime.stripe.freezeClock(Date.parse('2026-11-02T10:00:00Z') / 1000);
  const stripe = new Stripe(runtime.stripe.apiKey, {
    host: '127.0.0.1',
    port: runtime.stripe.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  const opportunity = (id: string) =>
    runtime.salesforce.store.get('Opportunity', id) as Record<string, unknown>;
  const parked = (classification?: string) => parkedMessages(ops, classification);
  const allSynced = (ids: string[]) => ids.every((id) => opportunity(id).Q2C_Billing_Status__c === 'Active');

  const writeBacks = (ids: string[]) => {
    const counts = each(ids, 0);
    for (const r of runtime.salesforce.requests()) {
      if (!r.path.endsWith('/composite') || r.status !== 200) continue;
      for (const sub of r.subrequests ?? []) {
        const id = /^PATCH \S*\/sobjects\/Opportunity\/(\w+)/.exec(sub)?.[1];
        if (id && id in counts) counts[id]++;
      }
    }
    return counts;
  };

  const subscriptionsPer = async (ids: string[]) => {
    const counts = each(ids, 0);
    for await (const sub of stripe.subscriptions.list({ limit: 100, status: 'all' })) {
      const id = sub.metadata.sf_opportunity_id;
      if (id in counts) counts[id]++;
    }
    return counts;
  };

  return {
    ...started,
    stripe,
    opportunity,
    parked,
    writeBacks,
    subscriptionsPer,
    seed: (label, n) =>
      Array.from({ length: n }, (_, i) =>
        seedDeal(runtime.salesforce, {
          account: { name: `${label} ${i} Ltd`, country: 'US' },
          opportunity: { name: `${label} ${i} — New Business`, type: 'New Business' },
          quote: { start: '2026-11-02', lines: [{ code: 'GROWTH-SEAT', quantity: 5 + i, unitPrice: 49 }] },
        }),
      ),
    async closeWon(opportunityId) {
      const res = await sendCloseWon(runtime, opportunityId);
      expect(res.status).toBe(200);
    },
    async drained(ids, timeoutMs) {
      const start = performance.now();
      await waitFor(async () => {
        await runtime.idle();
        return (await parked('dependency-outage')).length === 0 && allSynced(ids);
      }, timeoutMs);
      await runtime.idle();
      return performance.now() - start;
    },
    async expectEveryDealOnce(ids) {
      for (const id of ids) {
        expect(opportunity(id)).toMatchObject({ Q2C_Billing_Status__c: 'Active', Q2C_Sync_Error__c: null });
        expect(String(opportunity(id).Q2C_Subscription_Id__c)).toMatch(/^sub_/);
      }
      expect(await subscriptionsPer(ids)).toEqual(each(ids, 1));
      expect(writeBacks(ids)).toEqual(each(ids, 1));
      // Nothing lost: no deal parked as business, technical or dependency-outage, nothing dead-lettered.
      expect(await parked()).toEqual([]);
    },
  };
}
