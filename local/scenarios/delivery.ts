/**
 * How Stripe delivers webhooks, reproducibly: each event a few seconds after it happens, in no
 * guaranteed order, and at least once. A seeded PRNG makes every "random" choice, so the same
 * scenario always arrives in the same order.
 */
import type Stripe from 'stripe';

/** mulberry32: a tiny, well-known 32-bit PRNG, seeded from a string (FNV-1a) so a month replays identically. */
export function seededRandom(seed: string): () => number {
  let state = [...seed].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0, 0x811c9dc5);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A uniformly drawn integer in [min, max]. */
export const between = (rand: () => number, min: number, max: number) =>
  min + Math.floor(rand() * (max - min + 1));

/** One event to deliver; `build` renders it afresh, because a redelivery is the same payload, not the same object. */
export interface ScheduledEvent {
  type: Stripe.Event.Type;
  /** The id of the object the event is about (`data.object.id`). */
  subject: string;
  created: number;
  build: () => Stripe.Event;
}

export interface Delivery {
  event: ScheduledEvent;
  /** When the endpoint received this attempt (unix seconds). */
  at: number;
  note?: string;
}

export interface DeliveryPlan {
  /** Events whose first attempt fails (HTTP 503) and succeeds on a retry minutes later. */
  retries: number;
  /** Events processed but acknowledged too late (timeout), so Stripe delivers them a second time. */
  duplicates: number;
}

/** Draws `count` distinct items, in draw order. */
function pick<T>(items: readonly T[], count: number, rand: () => number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length > 0)
    picked.push(...pool.splice(between(rand, 0, pool.length - 1), 1));
  if (picked.length < count) throw new Error(`wanted ${count} candidates, only ${items.length} qualify`);
  return picked;
}

/**
 * Retrying an event that has a follow-up about the same object within a minute (an invoice charged
 * right after it was finalized) guarantees the follow-up arrives first: a real out-of-order pair.
 */
function retryCandidates(deliveries: readonly Delivery[]): Delivery[] {
  return deliveries.filter((d) =>
    deliveries.some(
      (later) =>
        later.event.subject === d.event.subject &&
        later.event.created > d.event.created &&
        later.event.created - d.event.created < 60,
    ),
  );
}

/**
 * Stripe's delivery, modelled: every first attempt lands 1–20 s after the event (network jitter
 * reorders near-simultaneous events); `plan.retries` events fail their first attempt and arrive
 * 5–15 minutes later; `plan.duplicates` other events arrive a second time 30 s – 10 min later.
 */
export function deliverySchedule(
  events: readonly ScheduledEvent[],
  rand: () => number,
  plan: DeliveryPlan,
): Delivery[] {
  const deliveries: Delivery[] = events.map((event) => ({ event, at: event.created + between(rand, 1, 20) }));
  const candidates = retryCandidates(deliveries);
  // One retry per object, so each retry makes its own out-of-order pair.
  const perSubject = candidates.filter(
    (d, i) => candidates.findIndex((c) => c.event.subject === d.event.subject) === i,
  );
  const retried = pick(perSubject, plan.retries, rand);
  for (const d of retried) {
    d.at = d.event.created + between(rand, 5 * 60, 15 * 60);
    d.note = 'first delivery failed (HTTP 503), retried';
  }
  const duplicated = pick(
    deliveries.filter((d) => !retried.includes(d)),
    plan.duplicates,
    rand,
  ).map((original) => ({
    event: original.event,
    at: original.at + between(rand, 30, 10 * 60),
    note: 'endpoint timed out after processing, Stripe delivered it again',
  }));
  return [...deliveries, ...duplicated].sort(
    (a, b) =>
      a.at - b.at ||
      a.event.created - b.event.created ||
      a.event.type.localeCompare(b.event.type) ||
      a.event.subject.localeCompare(b.event.subject),
  );
}
