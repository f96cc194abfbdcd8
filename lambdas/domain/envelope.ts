/**
 * The normalised envelope every vendor event travels in on the bus (EventBridge `detail`).
 * detail-type = the vendor event type; the raw vendor object is kept whole so later flows
 * (and replays after a mapping fix) never need to go back to the vendor for it.
 */
import * as z from 'zod';

export const EventEnvelope = z.object({
  schemaVersion: z.literal('v1'),
  source: z.enum(['stripe']),
  eventId: z.string(),
  eventType: z.string(),
  created: z.string().datetime(),
  livemode: z.boolean(),
  apiVersion: z.string().nullable(),
  account: z.string().nullable(),
  correlationId: z.string(),
  receivedAt: z.string().datetime(),
  object: z.record(z.string(), z.unknown()),
  previousAttributes: z.record(z.string(), z.unknown()).nullable(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** The minimum of a Stripe event we accept at the edge; the rest is carried through untouched. */
export const StripeEventShape = z.object({
  // Opaque id (the signature authenticates the event); a prefix check would refuse ids Stripe may mint.
  id: z.string().min(1),
  object: z.literal('event'),
  type: z.string().min(1),
  // Seconds since the epoch within what a Date can hold (year 9999): anything else is not a Stripe event.
  created: z.number().int().min(0).max(253_402_300_799),
  livemode: z.boolean(),
  api_version: z.string().nullable().optional(),
  account: z.string().optional(),
  data: z.object({
    object: z.record(z.string(), z.unknown()),
    previous_attributes: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type StripeEventShape = z.infer<typeof StripeEventShape>;

export const isoFromUnix = (seconds: number): string => new Date(seconds * 1000).toISOString();

/**
 * The correlation id follows opportunity → subscription → invoice → payment → journal entry.
 * Salesforce-originated subscriptions carry it in metadata; otherwise the most stable vendor id.
 */
export function correlationIdOf(object: Record<string, unknown>): string {
  const meta = (o: unknown): string | undefined => {
    const m = (o as { metadata?: Record<string, unknown> } | undefined)?.metadata;
    const v = m?.correlation_id;
    return typeof v === 'string' && v.length > 0 ? v : undefined;
  };
  const parent = object.parent as
    { subscription_details?: { metadata?: unknown; subscription?: unknown } } | undefined;
  const subscription = parent?.subscription_details?.subscription;
  const subscriptionId = typeof subscription === 'string' ? subscription : undefined;
  return (
    meta(parent?.subscription_details) ??
    meta(object) ??
    (subscriptionId ? `stripe:${subscriptionId}` : undefined) ??
    `stripe:${String(object.id)}`
  );
}

export function normaliseStripeEvent(event: StripeEventShape, receivedAt: Date): EventEnvelope {
  return {
    schemaVersion: 'v1',
    source: 'stripe',
    eventId: event.id,
    eventType: event.type,
    created: isoFromUnix(event.created),
    livemode: event.livemode,
    apiVersion: event.api_version ?? null,
    account: event.account ?? null,
    correlationId: correlationIdOf(event.data.object),
    receivedAt: receivedAt.toISOString(),
    object: event.data.object,
    previousAttributes: event.data.previous_attributes ?? null,
  };
}

/** Stripe objects nest a handful of levels; far deeper JSON is hostile and would overflow serialisers. */
export const MAX_EVENT_DEPTH = 64;

/** Nesting depth of a parsed JSON value, measured without recursion (so hostile input cannot overflow it). */
export function jsonDepth(value: unknown, stopAt = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, depth + 1);
    if (max > stopAt) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}
