/**
 * Events and webhooks, as Stripe produces them.
 *
 * Every state change records an `evt_…` (retrievable and listable at /v1/events) whose `data.object` is
 * a snapshot of the object right after the change (`previous_attributes` on `*.updated`). Events raised
 * while an API request runs carry its `request.id` and `request.idempotency_key` and are only recorded
 * when the request succeeds; events the clock raises (renewals, trial ends, schedule phases) have
 * `request: {id: null, idempotency_key: null}`, as Stripe's automatic events do.
 *
 * Recorded events are delivered to every enabled `/v1/webhook_endpoints` endpoint that subscribed to the
 * type (or `*`): POSTed asynchronously, signed with Stripe's scheme (`Stripe-Signature: t=…,v1=…`,
 * HMAC-SHA256 over `${t}.${payload}` with the endpoint's `whsec_…` secret, t the wall-clock time of the
 * attempt), in order per endpoint and object, retried with exponential backoff on anything but a 2xx.
 */
import { createHmac } from 'node:crypto';
import { publicCopy } from './expand';
import { newId } from './ids';
import type { StripeObject, StripeStore } from './store';

export interface WebhookRetryOptions {
  /** Attempts per event and endpoint, the first included (Stripe retries for up to 3 days). Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry, doubled each time. Default 100 ms (Stripe: minutes to hours). */
  baseDelayMs?: number;
  /** Cap on the delay between attempts. Default 2 s. */
  maxDelayMs?: number;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
}

export interface WebhookDelivery {
  eventId: string;
  eventType: string;
  endpointId: string;
  url: string;
  attempt: number;
  /** HTTP status, or 0 when the request failed (connection refused, timeout). */
  status: number;
  ok: boolean;
  error?: string;
  /** Wall-clock ms of the attempt. */
  at: number;
}

interface RequestInfo {
  id: string;
  idempotencyKey: string | null;
}

interface Pending {
  type: string;
  object: StripeObject | null;
  previous?: Record<string, unknown>;
}

/** `t=…,v1=…` for `payload`, as Stripe signs webhooks (stripe.webhooks.constructEvent verifies it). */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

/** The top-level fields of `before` whose values differ in `after` (Stripe's `previous_attributes`). */
export function previousAttributes(
  before: StripeObject,
  after: StripeObject,
): Record<string, unknown> | undefined {
  const previous: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key.startsWith('_')) continue;
    const was = publicCopy(before[key] ?? null);
    if (JSON.stringify(was) !== JSON.stringify(publicCopy(after[key] ?? null))) previous[key] = was;
  }
  return Object.keys(previous).length > 0 ? previous : undefined;
}

function enabledFor(endpoint: StripeObject, type: string): boolean {
  if (endpoint.status !== 'enabled') return false;
  const events = (endpoint.enabled_events as string[] | undefined) ?? [];
  return events.includes('*') || events.includes(type);
}

export class EventRecorder {
  private buffer: Pending[] | null = null;
  private request: RequestInfo | null = null;

  constructor(
    private readonly store: StripeStore,
    private readonly now: () => number,
    private readonly apiVersion: () => string,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  /** Starts buffering the events of an API request. */
  begin(requestId: string, idempotencyKey: string | undefined): void {
    this.buffer = [];
    this.request = { id: requestId, idempotencyKey: idempotencyKey ?? null };
  }

  /** Records the request's events (it succeeded). */
  commit(): void {
    const pending = this.buffer ?? [];
    this.buffer = null;
    for (const p of pending) if (p.object) this.record(p);
    this.request = null;
  }

  /** Drops the request's events (it failed). */
  rollback(): void {
    this.buffer = null;
    this.request = null;
  }

  /** Raises an event with a snapshot of `object` now. */
  emit(type: string, object: StripeObject, previous?: Record<string, unknown>): void {
    const p: Pending = { type, object: structuredClone(object), previous };
    if (this.buffer) this.buffer.push(p);
    else this.record(p);
  }

  /**
   * Reserves the next position in the event order for an event whose object is only final later
   * (customer.subscription.created precedes the invoice events, but names the latest invoice).
   */
  reserve(type: string): (object: StripeObject, previous?: Record<string, unknown>) => void {
    const p: Pending = { type, object: null };
    if (this.buffer) {
      this.buffer.push(p);
      return (object, previous) => {
        p.object = structuredClone(object);
        p.previous = previous;
      };
    }
    return (object, previous) => this.record({ type, object: structuredClone(object), previous });
  }

  private record(p: Pending): void {
    const object = publicCopy(p.object!);
    const endpoints = this.store
      .peekList('webhook_endpoint')
      .filter((e) => enabledFor(e, p.type))
      .reverse();
    const event: StripeObject = {
      id: newId('evt'),
      object: 'event',
      api_version: this.apiVersion(),
      created: this.now(),
      data: p.previous ? { object, previous_attributes: p.previous } : { object },
      livemode: false,
      pending_webhooks: endpoints.length,
      request: this.request
        ? { id: this.request.id, idempotency_key: this.request.idempotencyKey }
        : { id: null, idempotency_key: null },
      type: p.type,
    };
    this.store.put(event);
    for (const endpoint of endpoints) this.dispatcher.enqueue(endpoint, event);
  }
}

/** Delivers events to webhook endpoints: async, ordered per endpoint and object, retried with backoff. */
export class WebhookDispatcher {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly log: WebhookDelivery[] = [];
  private inflight = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly retry: Required<WebhookRetryOptions>;

  constructor(
    private readonly store: StripeStore,
    retry: WebhookRetryOptions = {},
  ) {
    this.retry = {
      maxAttempts: retry.maxAttempts ?? 5,
      baseDelayMs: retry.baseDelayMs ?? 100,
      maxDelayMs: retry.maxDelayMs ?? 2000,
      timeoutMs: retry.timeoutMs ?? 10_000,
    };
  }

  enqueue(endpoint: StripeObject, event: StripeObject): void {
    if (this.stopped) return;
    const objectId = String((event.data as { object: StripeObject }).object.id);
    const key = `${endpoint.id} ${objectId}`;
    const payload = JSON.stringify(event, null, 2);
    this.inflight += 1;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.deliver(endpoint, event, payload))
      .catch(() => undefined)
      .finally(() => {
        this.inflight -= 1;
        if (this.chains.get(key) === next) this.chains.delete(key);
        if (this.inflight === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    this.chains.set(key, next);
  }

  /** Resolves once every recorded event has been delivered (or has used up its attempts). */
  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  deliveries(): WebhookDelivery[] {
    return this.log.map((d) => ({ ...d }));
  }

  stop(): void {
    this.stopped = true;
    for (const [t, wake] of this.timers) {
      clearTimeout(t);
      wake();
    }
    this.timers.clear();
  }

  private async deliver(endpoint: StripeObject, event: StripeObject, payload: string): Promise<void> {
    for (let attempt = 1; attempt <= this.retry.maxAttempts && !this.stopped; attempt++) {
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      if (this.stopped) return;
      // The endpoint as it is now: disabled or deleted endpoints get no more attempts.
      const current = this.store.peek('webhook_endpoint', endpoint.id);
      if (!current || current.status !== 'enabled') return;
      const entry: WebhookDelivery = {
        eventId: event.id,
        eventType: String(event.type),
        endpointId: endpoint.id,
        url: String(current.url),
        attempt,
        status: 0,
        ok: false,
        at: Date.now(),
      };
      this.log.push(entry);
      if (this.log.length > 5000) this.log.shift();
      try {
        const timestamp = Math.floor(Date.now() / 1000);
        const res = await fetch(String(current.url), {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'Cache-Control': 'no-cache',
            Accept: '*/*; q=0.5, application/xml',
            'Stripe-Signature': signPayload(payload, String(current._secret), timestamp),
          },
          body: payload,
          signal: AbortSignal.timeout(this.retry.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        entry.status = res.status;
        entry.ok = res.status >= 200 && res.status < 300;
      } catch (err) {
        entry.error = err instanceof Error ? err.message : String(err);
      }
      if (entry.ok) {
        this.delivered(event.id);
        return;
      }
    }
  }

  /** One fewer endpoint waiting for the event (`pending_webhooks`). */
  private delivered(eventId: string): void {
    const stored = this.store.peek('event', eventId);
    if (!stored) return;
    this.store.put({ ...stored, pending_webhooks: Math.max(0, Number(stored.pending_webhooks) - 1) });
  }

  private backoff(retry: number): number {
    return Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (retry - 1));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }
}
