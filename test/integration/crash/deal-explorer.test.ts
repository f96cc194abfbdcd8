/**
 * The crash-point explorer for the deal flow (deal apply → Stripe customer and subscription → crosswalk and
 * outcome → write-back to the Opportunity), on the local runtime's Salesforce and Stripe sandboxes.
 *
 * The sandboxes cannot be rewound, so each crash point gets its own deal of the same shape (a new account
 * and opportunity): the crash-free deal and each crashed-then-re-driven deal must end identical once their
 * own ids are replaced by placeholders — crosswalk rows, the Opportunity's and Account's billing fields, and
 * exactly one Stripe customer and one subscription created per deal (never duplicated, never missing).
 * Crash and re-drive as in explorer.test.ts (crash-points.ts).
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { startInProcessRuntime, type InProcessRuntime } from '../in-process-runtime';
import { crmEvent, DEMO_NOW, seedDeal } from '../../statemachines/deal-harness';
import { inFlow, installCrashPoints, Tables } from './crash-points';

jest.setTimeout(15 * 60_000);
installCrashPoints();

let rt: InProcessRuntime;
let tables: Tables;
const since = Date.now();

beforeAll(async () => {
  rt = await startInProcessRuntime('q2c-crash-deals-', {}, { drainIntervalMs: 0, retryIntervalMs: 1 });
  rt.runtime.stripe.freezeClock(DEMO_NOW);
  tables = new Tables(rt.runtime.dynamoEndpoint);
});
afterAll(async () => {
  tables?.destroy();
  await rt?.stop();
});

let deals = 0;
function newDeal() {
  deals++;
  return seedDeal(rt.runtime.salesforce, {
    account: { name: `Crashpoint Labs ${deals}`, country: 'US' },
    opportunity: { name: `Crashpoint Labs ${deals} — New Business`, type: 'New Business' },
    quote: {
      start: '2026-11-02',
      lines: [
        { code: 'GROWTH-SEAT', quantity: 20, unitPrice: 49 },
        { code: 'SUPPORT-PREMIUM', quantity: 1, unitPrice: 299 },
      ],
    },
  });
}

const machine = () => rt.runtime.stateMachines.get('dealToSubscription')!;
const counts = () => ({
  customers: rt.runtime.stripe.store.list('customer').length,
  subscriptions: rt.runtime.stripe.store.list('subscription').length,
});

/** The deal's books with its own ids (Salesforce and Stripe) replaced by placeholders, in order of appearance. */
async function dealState(deal: ReturnType<typeof seedDeal>) {
  const sf = rt.runtime.salesforce.store;
  const opp = sf.get('Opportunity', deal.opportunityId) as Record<string, unknown>;
  const account = sf.get('Account', deal.accountId) as Record<string, unknown>;
  const billingFields = (r: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(r)
        .filter(([k]) => k.startsWith('Q2C_'))
        .sort(),
    );
  const { crosswalk } = await tables.snapshot();
  const rows = crosswalk.map((i) => unmarshall(i));
  const ownIds = new Set([deal.accountId, deal.opportunityId]);
  const mine = rows.filter((r) => [...ownIds].some((id) => String(r.pk).includes(id)));
  for (const r of mine)
    for (const m of JSON.stringify(r).matchAll(/\b(?:cus|sub(?:_sched)?)_[A-Za-z0-9]+/g)) ownIds.add(m[0]);
  const related = rows.filter((r) => [...ownIds].some((id) => String(r.pk).includes(id)));
  const state = {
    // Ordered by kind of row (sf:account… < sf:opportunity… < stripe:cus… < stripe:sub…), whatever the ids.
    crosswalk: related.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`)),
    opportunity: billingFields(opp),
    account: billingFields(account),
  };
  const placeholders = new Map<string, string>([
    [deal.opportunityId, '<opportunity>'],
    [deal.accountId, '<account>'],
    [deal.quoteId, '<quote>'],
  ]);
  const text = JSON.stringify(state)
    .replace(/\b(?:cus|sub_sched|sub|si|in|il|ii|pi|ch)_[A-Za-z0-9]+/g, (id) => {
      if (!placeholders.has(id)) placeholders.set(id, `<${id.split('_')[0]}#${placeholders.size}>`);
      return placeholders.get(id)!;
    })
    // Wall-clock times of the run (ISO, Salesforce's +0000 form, epoch ms), and the fingerprint: a hash over
    // the deal's own ids, so it differs per deal by construction.
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|\+0000)/g, (t) =>
      Date.parse(t.replace('+0000', 'Z')) >= since ? '<now>' : t,
    )
    .replace(/"versionMs":(\d+)/g, (all, ms: string) => (Number(ms) >= since ? '"versionMs":"<now>"' : all))
    .replace(/"fingerprint":"[0-9a-f]+"/g, '"fingerprint":"<hash>"');
  let out = text;
  for (const [id, p] of placeholders) out = out.split(id).join(p);
  return JSON.parse(out) as unknown;
}

async function runDeal(deal: ReturnType<typeof seedDeal>, crashAt?: number) {
  const event = crmEvent(rt.runtime.salesforce, deal.opportunityId);
  return inFlow(crashAt, () => machine().execute(event));
}

describe('crash-point explorer: deals', () => {
  it('a deal crashed after any of its writes and re-driven is applied and written back exactly once', async () => {
    const started = Date.now();
    const baselineDeal = newDeal();
    const before = counts();
    const baseline = await runDeal(baselineDeal);
    expect(baseline.result.status).toBe('SUCCEEDED');
    const created = {
      customers: counts().customers - before.customers,
      subscriptions: counts().subscriptions - before.subscriptions,
    };
    expect(created).toEqual({ customers: 1, subscriptions: 1 });
    const expected = await dealState(baselineDeal);
    expect(JSON.stringify(expected)).toContain('<sub#');

    const divergent: unknown[] = [];
    for (let k = 1; k <= baseline.writes; k++) {
      const deal = newDeal();
      const start = counts();
      const crashed = await runDeal(deal, k);
      expect(crashed.crashedAfter).toBeDefined();
      await tables.letTimePass();
      await runDeal(deal); // the redelivery / replay
      const made = {
        customers: counts().customers - start.customers,
        subscriptions: counts().subscriptions - start.subscriptions,
      };
      const actual = await dealState(deal);
      if (
        JSON.stringify(actual) !== JSON.stringify(expected) ||
        JSON.stringify(made) !== JSON.stringify(created)
      )
        divergent.push({ k, crashedAfter: crashed.crashedAfter, made, actual });
    }
    console.log(
      `crash-point explorer (deals): ${baseline.writes} crash points, ${divergent.length} divergent, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(baseline.writes).toBeGreaterThan(2);
    expect(divergent).toEqual([]);
  });
});
