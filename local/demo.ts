/**
 * The bundled demo: November 2026 for a small SaaS with a US and an EU entity. It begins in Salesforce:
 * ten deals close won (new business, an upsell, a renewal, a cancellation, a future start, one with an
 * unmapped product) and become Stripe subscriptions whose invoices the sandbox sends back as webhooks;
 * then the rest of the month's Stripe Billing arrives as Stripe would deliver it (signed, shuffled,
 * retried, duplicated); then month-end close — reported in finance terms: deals, postings, trial
 * balance per subsidiary, revenue waterfall.
 */
import { trialBalanceFromJson } from '../lambdas/domain/accounting/trial-balance';
import { waterfallFromJson } from '../lambdas/domain/revenue/waterfall';
import { formatMoney } from '../lambdas/domain/money';
import { OpsClient } from './ops-client';
import { ticker, whileRunning } from './progress';
import { dealsTable, queuesTable, trialBalanceTable, waterfallTable } from './report';
import type { LocalRuntime } from './runtime';
import { RECORD_TYPES } from './sandboxes/netsuite/records';
import { buildMonthScenario, MONTH_START } from './scenarios/month';
import { deliverStripeEvent, type Delivery } from './webhook-client';
import { createDemoCoupons, runDealDemo } from './deal-demo';
import { verificationTable } from './verify';

export const DEMO_PERIOD = MONTH_START.slice(0, 7);

export async function runDemo(runtime: LocalRuntime, print: (line: string) => void): Promise<void> {
  const ops = new OpsClient(runtime.url, runtime.dataDir);
  // A second start replays the same month: idempotent postings add nothing, and the summary says so.
  const before = new Set((await ops.journal()).entries.map((e) => e.entryId));
  print("Salesforce: the month's deals close won (Outbound Message, signed Flow callout, Event Relay)");
  await createDemoCoupons(runtime);
  const deals = await runDealDemo(runtime);
  print(dealsTable(deals));
  print('');

  const scenario = buildMonthScenario();
  print(`Demo scenario: ${scenario.events.length} Stripe webhook deliveries`);
  scenario.description.forEach((d) => print(`  • ${d}`));

  // What the flows read back from Stripe (credited invoices, payout balance transactions), and the events
  // Stripe keeps of what it sent (the daily reconciliation lists them). As JSON, the way the API would
  // return them (Stripe.Decimal fields become strings).
  runtime.stripe.store.putAll(JSON.parse(JSON.stringify([...scenario.sandboxObjects, ...scenario.events])));
  const deliveries: Delivery[] = [];
  const delivering = ticker('demo: Stripe deliveries');
  for (const event of scenario.events) {
    deliveries.push(await deliverStripeEvent(`${runtime.url}/webhooks/stripe`, event, runtime.webhookSecret));
    delivering.tick(deliveries.length, scenario.events.length, 'sent');
  }
  delivering.finish();
  await whileRunning('demo: postings', runtime.idle(), async () => runtime.stats());
  const close = await runtime.close(DEMO_PERIOD);

  const [journal, tb, queues, revenue, verification] = await Promise.all([
    ops.journal(),
    ops.trialBalance(),
    ops.queues(),
    ops.revenue(DEMO_PERIOD),
    ops.verify(),
  ]);
  const distinct = new Set(deliveries.map((d) => d.eventId)).size;

  print('');
  print(
    `Received: ${deliveries.length} deliveries (${distinct} distinct events) → HTTP ${fmtCounts(countBy(deliveries.map((d) => String(d.status))))}`,
  );
  const posted = journal.entries.filter((e) => !before.has(e.entryId));
  print(
    `Posted:   ${posted.length} new posting${posted.length === 1 ? '' : 's'}` +
      (before.size ? ` — ${before.size} already in the ledger` : ''),
  );
  for (const [kind, n] of countBy(posted.map((e) => e.kind))) print(`          ${kind.padEnd(16)} ×${n}`);
  print(
    close.status === 'SUCCEEDED'
      ? `Closed:   ${DEMO_PERIOD} — ${(close.output as { releasesPosted: number }).releasesPosted} revenue releases posted`
      : `Close of ${DEMO_PERIOD} FAILED: ${close.error ?? ''} ${close.cause ?? ''}`,
  );
  print('');
  for (const { subsidiary, accounts } of tb.bySubsidiary) {
    print(`Trial balance — ${subsidiary}`);
    print(trialBalanceTable(trialBalanceFromJson(accounts)));
  }
  print(
    tb.unbalancedCurrencies.length === 0
      ? 'Every currency balances: debits = credits.'
      : `UNBALANCED: ${tb.unbalancedCurrencies.join(', ')}`,
  );
  // Beside the trial balance: the ledger's audit of its own invariants (what q2c verify prints).
  print(verificationTable(verification));
  print('');
  print(`Revenue waterfall ${DEMO_PERIOD}`);
  const waterfall = waterfallFromJson(revenue.waterfall);
  print(waterfallTable(DEMO_PERIOD, waterfall));
  for (const r of waterfall) {
    print(
      `  ${r.subsidiary}: recognised ${formatMoney(r.recognised, r.currency)} of ${formatMoney(r.billed, r.currency)} billed into deferred revenue`,
    );
  }
  if (runtime.netsuite) {
    const stats = runtime.netsuite.stats();
    print('');
    print(`NetSuite (local simulator): records posted by type`);
    for (const type of RECORD_TYPES) print(`  ${type.padEnd(16)} ${runtime.netsuite.records(type).length}`);
    print(
      `  ${stats.requests} requests, at most ${stats.maxInFlight} in flight, ${stats.rejectedConcurrency} refused for concurrency`,
    );
  }
  print('');
  print('Exception queue and dead-letter queue');
  print(queuesTable(queues.queues));
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

const fmtCounts = (m: Map<string, number>) => [...m].map(([k, n]) => `${k} ×${n}`).join(', ');
