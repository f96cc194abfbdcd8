/**
 * The bundled demo: a month of Stripe Billing for a small SaaS, delivered as Stripe would
 * (signed, shuffled, one duplicate) through the real pipeline, then reported in finance terms.
 */
import { formatMoney } from '../lambdas/domain/money';
import { OpsClient } from './ops-client';
import { journalTable, queuesTable, trialBalanceTable } from './report';
import type { LocalRuntime } from './runtime';
import { buildDemoScenario } from './scenarios/demo';
import { deliverStripeEvent, type Delivery } from './webhook-client';

export async function runDemo(runtime: LocalRuntime, print: (line: string) => void): Promise<void> {
  const scenario = buildDemoScenario();
  print(`Demo scenario: ${scenario.events.length} Stripe webhook deliveries`);
  scenario.description.forEach((d) => print(`  • ${d}`));

  const deliveries: Delivery[] = [];
  for (const event of scenario.events) {
    deliveries.push(await deliverStripeEvent(`${runtime.url}/webhooks/stripe`, event, runtime.webhookSecret));
  }
  await runtime.idle();

  const ops = new OpsClient(runtime.url);
  const [journal, tb, queues] = await Promise.all([ops.journal(), ops.trialBalance(), ops.queues()]);
  const byStatus = countBy(deliveries.map((d) => String(d.status)));
  const distinct = new Set(deliveries.map((d) => d.eventId)).size;

  print('');
  print(
    `Received: ${deliveries.length} deliveries (${distinct} distinct events) → HTTP ${fmtCounts(byStatus)}`,
  );
  print(`          by type: ${fmtCounts(countBy(deliveries.map((d) => d.type)))}`);
  const kinds = countBy(journal.entries.map((e) => `${e.kind}s ${e.lines[0]?.currency.toUpperCase() ?? ''}`));
  print(`Posted:   ${journal.entries.length} journal entries in the ledger — ${fmtCounts(kinds)}`);
  for (const [currency, total] of invoicedByCurrency(journal.entries)) {
    print(
      `          invoiced ${formatMoney(total.invoiced, currency)}, collected ${formatMoney(total.paid, currency)}`,
    );
  }
  print('');
  print('Journal');
  print(journalTable(journal.entries));
  print('');
  print('Trial balance (integer minor units under the hood; balanced per currency)');
  print(trialBalanceTable(tb.accounts));
  print(
    tb.unbalancedCurrencies.length === 0
      ? 'Every currency balances: debits = credits.'
      : `UNBALANCED: ${tb.unbalancedCurrencies.join(', ')}`,
  );
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

function invoicedByCurrency(
  entries: { kind: string; lines: { account: string; debit: number; credit: number; currency: string }[] }[],
) {
  const totals = new Map<string, { invoiced: number; paid: number }>();
  for (const e of entries) {
    for (const l of e.lines) {
      if (l.account !== 'accounts_receivable') continue;
      const t = totals.get(l.currency) ?? { invoiced: 0, paid: 0 };
      t.invoiced += l.debit;
      t.paid += l.credit;
      totals.set(l.currency, t);
    }
  }
  return totals;
}
