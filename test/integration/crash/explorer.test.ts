/**
 * The crash-point explorer (issue 12, "Crash safety, proven systematically"). For every flow of the
 * demo month — invoice, payment, customer, credit note, refund, refund failure, dispute open / lost / won,
 * void, write-off, payouts (deposits, a failed payout, FX), month-end close (revenue releases + period close) — and for
 * every k from 1 to the number of writes the flow makes, the Lambda invocation making write k is killed
 * right after it (crash-points.ts), the same input is re-driven the way a redelivery or
 * `q2c replay --from exceptions` does, and every item of the tables is compared with the crash-free run.
 *
 * How the re-drive is modelled: a killed task fails with Lambda.Unknown, which no retrier lists, so the
 * execution parks the event as technical (as in AWS). The event comes back as a new execution with the
 * same input (Stripe's redelivery or an operator replay). Powertools' INPROGRESS record of the killed
 * invocation blocks that execution until the invocation's timeout has passed (AWS: the record's
 * in_progress_expiration is the invocation's deadline); the explorer lets exactly that time pass by moving
 * the deadline into the past, then re-drives. Exception queue messages are not compared (the crash run
 * has parked one more technical message, which the replay would delete).
 *
 * Also the ERP circuit breaker's probe after an outage (a crashed probe leaves the circuit half-open
 * until its probe timeout, after which the re-drive probes again) and every idempotency record.
 *
 * CI size: the month's flows for six customers, every money event type and both payouts. CRASH_EXPLORER=full explores every
 * distinct event of the month.
 */
import type Stripe from 'stripe';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildMonthScenario } from '../../../local/scenarios/month';
import type { LocalStateMachine } from '../../../local/stepfunctions';
import { deliverStripeEvent } from '../../../local/webhook-client';
import { startInProcessRuntime, type InProcessRuntime } from '../in-process-runtime';
import {
  compareTables,
  inFlow,
  installCrashPoints,
  Tables,
  type Divergence,
  type TablesSnapshot,
} from './crash-points';

jest.setTimeout(20 * 60_000);
installCrashPoints();

const FULL = process.env.CRASH_EXPLORER === 'full';
/** Customers whose month is explored in CI: the annual line, a credit note + refund, an EUR refund that
 * fails, a dispute, a void, a write-off, a new customer. */
const CI_CUSTOMERS = new Set([
  'cus_DemomZXY48Hi4S',
  'cus_DemoffqCKX27Nm',
  'cus_DemomVqNFI4Fj3',
  'cus_DemoXaWZImStuT',
  'cus_DemonDa7MiealW',
  'cus_DemopJuSBFv2WA',
]);
const CI_TYPES = /^(charge\.dispute\.|payout\.|credit_note\.|refund\.)/;

interface Execution {
  stateMachine: string;
  input: unknown;
}
interface Flow {
  name: string;
  executions: Execution[];
  /** Explored from the state before it without advancing the month (an alternative outcome). */
  side?: boolean;
  /** Changes the state before it (each run, crash-free or not). */
  setup?: () => Promise<void>;
}

/** The ERP circuit opened by an outage (five failures) long enough ago that the next posting probes it. */
const erpCircuitOpen = () =>
  tables.put('circuitBreakers', {
    pk: { S: 'breaker#erp' },
    dependency: { S: 'erp' },
    status: { S: 'open' },
    consecutiveFailures: { N: '5' },
    openedAt: { N: '1' },
    version: { N: '5' },
    updatedAt: { S: '2026-11-01T00:00:00.000Z' },
  });

let rt: InProcessRuntime;
let tables: Tables;
const since = Date.now();

beforeAll(async () => {
  rt = await startInProcessRuntime('q2c-crash-explorer-', {}, { drainIntervalMs: 0, retryIntervalMs: 1 });
  tables = new Tables(rt.runtime.dynamoEndpoint);
});
afterAll(async () => {
  tables?.destroy();
  await rt?.stop();
});

function machine(name: string): LocalStateMachine {
  const found = [...rt.runtime.stateMachines.values()].find((m) => m.name === name);
  if (!found) throw new Error(`no state machine ${name}`);
  return found;
}

function executionLog(): Execution[] {
  const file = path.join(rt.runtime.dataDir, 'executions.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Execution);
}

/** Delivers each event once through the real webhook edge, crash-free, and records the executions it starts. */
async function captureFlows(events: Stripe.Event[]): Promise<Flow[]> {
  const flows: Flow[] = [];
  for (const event of events) {
    const before = executionLog().length;
    const delivery = await deliverStripeEvent(
      `${rt.runtime.url}/webhooks/stripe`,
      event,
      rt.runtime.webhookSecret,
    );
    expect(delivery.status).toBe(200);
    await rt.runtime.idle();
    const executions = executionLog()
      .slice(before)
      .map(({ stateMachine, input }) => ({ stateMachine, input }));
    if (executions.length) flows.push({ name: `${event.type} ${event.id}`, executions });
  }
  return flows;
}

async function run(flow: Flow, crashAt?: number) {
  return inFlow(crashAt, async () => {
    const records = [];
    for (const e of flow.executions) records.push(await machine(e.stateMachine).execute(e.input));
    return records;
  });
}

function selectEvents(all: Stripe.Event[]): Stripe.Event[] {
  const distinct = [...new Map(all.map((e) => [e.id, e])).values()];
  if (FULL) return distinct;
  return distinct.filter((e) => {
    const o = e.data.object as { id?: string; customer?: unknown };
    const customer = typeof o.customer === 'string' ? o.customer : o.id;
    return CI_TYPES.test(e.type) || (customer !== undefined && CI_CUSTOMERS.has(customer));
  });
}

/** The same payout, failed after it was deposited (Stripe sends payout.failed): the deposit is reversed. */
function failedAfterPaid(paid: Stripe.Event): Stripe.Event {
  const failed = JSON.parse(JSON.stringify(paid)) as Stripe.Event;
  failed.id = `${paid.id}failed`;
  (failed as { type: string }).type = 'payout.failed';
  failed.created = paid.created + 86_400;
  (failed.data.object as { status: string }).status = 'failed';
  return failed;
}

/**
 * A USD payout settling a CAD card charge Stripe converted (exchange_rate 0.73): its deposit relieves the
 * CAD clearing against fx_gain_loss (journalForDeposit). The demo month has no conversion, so it is added.
 */
function convertedPayout(paid: Stripe.Event) {
  const payout = {
    ...(paid.data.object as object),
    id: 'po_1CrashFxPayoutUsd0000001',
    amount: 7_050,
    currency: 'usd',
    status: 'paid',
  };
  const objects = [
    {
      id: 'ch_1CrashFxChargeCad0000001',
      object: 'charge',
      amount: 10_000,
      currency: 'cad',
      status: 'succeeded',
    },
    {
      id: 'txn_1CrashFxChargeCad000001',
      object: 'balance_transaction',
      type: 'charge',
      amount: 7_300,
      fee: 250,
      net: 7_050,
      currency: 'usd',
      exchange_rate: 0.73,
      source: 'ch_1CrashFxChargeCad0000001',
      payout: payout.id,
    },
    payout,
  ];
  const event = JSON.parse(JSON.stringify(paid)) as Stripe.Event;
  event.id = 'evt_1CrashFxPayoutPaid00001';
  event.data.object = payout as never;
  return { objects, event };
}

/** An invoice of a customer outside the CI set, held back until after the close: posted late. */
const LATE_INVOICE = 'evt_1DemozePzmBdvqghRgTfoqic'; // invoice.finalized, Starter 10 Nov – 10 Dec

/** The same dispute, won instead of lost: a side flow explored from the state before the loss. */
function wonInstead(lost: Stripe.Event): Stripe.Event {
  const won = JSON.parse(JSON.stringify(lost)) as Stripe.Event;
  won.id = `${lost.id}won`;
  (won.data.object as { status: string }).status = 'won';
  return won;
}

describe('crash-point explorer', () => {
  it('every crash point of every flow, re-driven, ends with the books of the crash-free run', async () => {
    const started = Date.now();
    const month = buildMonthScenario();
    // What the flows read back from Stripe (credited invoices, payout balance transactions), as the demo loads it.
    rt.runtime.stripe.store.putAll(JSON.parse(JSON.stringify([...month.sandboxObjects, ...month.events])));

    const empty = await tables.snapshot();
    const events = selectEvents(month.events);
    const lost = events.find((e) => e.type === 'charge.dispute.closed');
    const flows = await captureFlows(events);
    if (lost) {
      const [won] = await captureFlows([wonInstead(lost)]);
      const at = flows.findIndex((f) => f.name.includes(lost.id));
      flows.splice(at, 0, { ...won, name: `charge.dispute.closed (won) ${lost.id}`, side: true });
    }
    // The circuit breaker: the first posting after an ERP outage is the probe that closes the circuit.
    const probe = flows.findIndex((f) => f.name.startsWith('invoice.'));
    flows.splice(probe, 0, {
      ...flows[probe],
      name: `ERP circuit breaker probe, closing after an outage: ${flows[probe].name}`,
      side: true,
      setup: erpCircuitOpen,
    });
    const payout = events.find((e) => e.type === 'payout.paid');
    if (payout) {
      const [failed] = await captureFlows([failedAfterPaid(payout)]);
      const at = flows.findIndex((f) => f.name.includes(payout.id));
      flows.splice(at + 1, 0, { ...failed, name: `payout.failed after deposit ${payout.id}`, side: true });
    }
    const usdPayout = events.find(
      (e) => e.type === 'payout.paid' && (e.data.object as { currency: string }).currency === 'usd',
    );
    if (usdPayout) {
      const fx = convertedPayout(usdPayout);
      rt.runtime.stripe.store.putAll(fx.objects as never);
      const [converted] = await captureFlows([fx.event]);
      const entries = await rt.runtime.ledger.listEntries();
      // Meaningful only if it really posted FX lines.
      expect(
        entries.find((e) => e.sourceEventId === fx.event.id)?.lines.some((l) => l.account === 'fx_gain_loss'),
      ).toBe(true);
      flows.push({ ...converted, name: `payout.paid with a converted CAD charge (FX) ${fx.event.id}` });
    }
    flows.push({
      name: 'month-end close 2026-11 (revenue releases, period close)',
      executions: [{ stateMachine: machine('q2c-MonthEndCloseFlow').name, input: { period: '2026-11' } }],
    });
    // After the close: a November invoice arrives late (booked into December, its November share caught up).
    const late = month.events.find((e) => e.id === LATE_INVOICE);
    if (late) {
      const [posted] = await captureFlows([late]);
      flows.push({ ...posted, name: `late invoice after the close ${late.id}` });
    }

    let state: TablesSnapshot = empty;
    let explored = 0;
    const divergent: { flow: string; k: number; crashedAfter?: string; divergences: Divergence[] }[] = [];
    const perFlow: string[] = [];
    for (const flow of flows) {
      await tables.restore(state);
      await flow.setup?.();
      const baseline = await run(flow);
      const crashFree = await tables.snapshot();
      for (let k = 1; k <= baseline.writes; k++) {
        await tables.restore(state);
        await flow.setup?.();
        const crashed = await run(flow, k);
        expect(crashed.crashedAfter).toBeDefined();
        await tables.letTimePass();
        await run(flow); // the redelivery / replay
        const divergences = compareTables(crashFree, await tables.snapshot(), since);
        explored++;
        if (divergences.length)
          divergent.push({ flow: flow.name, k, crashedAfter: crashed.crashedAfter, divergences });
      }
      perFlow.push(`  ${String(baseline.writes).padStart(3)} crash points  ${flow.name}`);
      if (!flow.side) state = crashFree;
    }

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `crash-point explorer (${FULL ? 'full' : 'CI'}): ${explored} crash points in ${flows.length} flows, ` +
        `${divergent.length} divergent, ${seconds} s\n${perFlow.join('\n')}`,
    );
    expect(flows.length).toBeGreaterThan(10);
    expect(divergent.map((d) => ({ ...d, divergences: d.divergences.slice(0, 3) }))).toEqual([]);
  });
});
