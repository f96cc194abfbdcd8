/**
 * The chaos suite's event generator: the demo month (local/scenarios/month.ts) cloned as many times as
 * needed, every Stripe id and invoice number re-tagged per clone, so each clone is a self-consistent
 * month of other customers (invoices, payments, refunds, credit notes, disputes, payouts sweeping
 * their own balance transactions). Product, price and tax-rate ids are kept: they are mapped config.
 */
import type Stripe from 'stripe';
import { seededRandom } from '../../local/scenarios/delivery';
import { buildMonthScenario } from '../../local/scenarios/month';

/** Stripe id prefixes of per-customer objects (not `prod_`, `price_`, `txr_`: those are mapped config). */
const ID =
  /(?<![A-Za-z0-9_])(cus|in|ch|pi|re|txn|po|cn|cnli|dp|evt|inpay|il|ii|sub|si|pm|di|ba|opp|pyr)_([A-Za-z0-9]{8,})(?![A-Za-z0-9])/g;

export interface ChaosMonth {
  events: Stripe.Event[];
  sandboxObjects: Array<{ id: string; object: string }>;
  clones: number;
  /** Documents every clone must end up with in NetSuite (externalIds), by record type. */
  expected: {
    invoice: string[];
    customerPayment: string[];
    deposit: string[];
    creditMemo: string[];
    refund: string[];
  };
}

export function buildChaosMonth(minEvents: number): ChaosMonth {
  const month = buildMonthScenario();
  const clones = Math.max(1, Math.ceil(minEvents / month.events.length));
  const prefixes = month.sandboxObjects
    .filter((o) => o.object === 'customer')
    .map((o) => (o as { invoice_prefix?: string }).invoice_prefix)
    .filter((p): p is string => typeof p === 'string' && p.length > 0);
  const PREFIX = new RegExp(`(?<![A-Z0-9])(${prefixes.join('|')})(?=-\\d)`, 'g');
  const base = JSON.stringify({ events: month.events, objects: month.sandboxObjects });
  const events: Stripe.Event[] = [];
  const sandboxObjects: Array<{ id: string; object: string }> = [];
  for (let c = 0; c < clones; c++) {
    const text = base.replace(ID, `$1_$2x${c}`).replace(PREFIX, `$1X${c}`);
    const clone = JSON.parse(text) as {
      events: Stripe.Event[];
      objects: Array<{ id: string; object: string }>;
    };
    // The month itself delivers two events twice; the chaos run decides the duplicates.
    events.push(...[...new Map(clone.events.map((e) => [e.id, e])).values()]);
    sandboxObjects.push(...clone.objects);
  }
  const ofType = <T>(type: string) => sandboxObjects.filter((o) => o.object === type) as T[];
  const ext = (id: string) => `stripe-${id}`;
  return {
    events,
    sandboxObjects,
    clones,
    expected: {
      invoice: ofType<{ id: string }>('invoice').map((i) => ext(i.id)),
      customerPayment: ofType<{ id: string; status: string }>('invoice')
        .filter((i) => i.status === 'paid')
        .map((i) => `${ext(i.id)}-payment`),
      deposit: ofType<{ id: string }>('payout').map((p) => ext(p.id)),
      creditMemo: ofType<{ id: string }>('credit_note').map((n) => ext(n.id)),
      refund: ofType<{ id: string }>('refund').map((r) => ext(r.id)),
    },
  };
}

/** Each event delivered 1–3 times, the whole stream shuffled (seeded, so a failure reproduces). */
export function chaosDeliveries(events: readonly Stripe.Event[], seed: string): Stripe.Event[] {
  const random = seededRandom(seed);
  const stream = events.flatMap((e) => Array.from({ length: 1 + Math.floor(random() * 3) }, () => e));
  for (let i = stream.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [stream[i], stream[j]] = [stream[j], stream[i]];
  }
  return stream;
}
