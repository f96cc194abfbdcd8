/**
 * What stands between a request and its endpoint: Stripe's rate limiter, and injected faults for chaos
 * tests (the 429s, 5xx and timeouts a client of the real API must survive).
 */
import { FaultInjector as SharedFaultInjector } from '../fault-injector';
import type { IncomingHttpHeaders } from 'node:http';
import { StripeApiError } from './errors';
import type { FormObject } from './form';

// ---------------------------------------------------------------------------------------------
// Rate limiting
// ---------------------------------------------------------------------------------------------

/** Stripe's live-mode budget per account (test mode is 25/s; the sandbox defaults to the generous one). */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 100;

/** A token bucket holding one second of budget, refilled continuously. */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();

  constructor(private perSecond: number) {
    this.tokens = perSecond;
  }

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
    this.tokens = Math.min(this.tokens, perSecond);
  }

  take(): boolean {
    if (this.perSecond === Infinity) return true;
    const now = performance.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Stripe's 429. stripe-node retries only when `Stripe-Should-Retry: true` (or on 409/5xx), so the
 * header is what lets a client with `maxNetworkRetries` > 0 back off and try again.
 */
export function rateLimitError(): StripeApiError {
  return new StripeApiError(
    429,
    {
      type: 'invalid_request_error',
      code: 'rate_limit',
      message:
        'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
    },
    { 'Stripe-Should-Retry': 'true' },
  );
}

function lockTimeoutError(): StripeApiError {
  return new StripeApiError(
    429,
    {
      type: 'invalid_request_error',
      code: 'lock_timeout',
      message:
        'This object cannot be accessed right now because another API request or Stripe process is currently ' +
        'accessing it. If you see this error intermittently, retry the request. If you see this error frequently ' +
        'and are making multiple concurrent requests to a single object, make your requests serially or at a ' +
        'lower rate. See https://stripe.com/docs/rate-limits for more details.',
    },
    { 'Stripe-Should-Retry': 'true' },
  );
}

// ---------------------------------------------------------------------------------------------
// Fault injection
// ---------------------------------------------------------------------------------------------

export type FaultStatus = 429 | 500 | 502 | 503 | 504 | 'timeout';

/** What a fault's `match` sees: the authenticated request, parameters parsed. */
export interface FaultRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/balance_transactions`. */
  path: string;
  params: FormObject;
  headers: IncomingHttpHeaders;
}

export interface FaultSpec {
  /** 429 (rate limit), a 5xx (`api_error`), or `'timeout'`: no response until the client gives up. */
  status: FaultStatus;
  /** How many matching requests fail; default 1. */
  times?: number;
  match?: (req: FaultRequest) => boolean;
  /**
   * `'before'` (default): the request fails without running. `'after'`: it runs (and its idempotent
   * result is saved), then the response is lost — the case that makes idempotency keys necessary.
   */
  phase?: 'before' | 'after';
  /** For 429: Stripe's `rate_limit` (default) or `lock_timeout`. */
  code?: 'rate_limit' | 'lock_timeout';
  /** Sets `Stripe-Should-Retry` (429s send `true` unless this says otherwise). */
  shouldRetry?: boolean;
}

export type { FaultHandle } from '../fault-injector';

/** Faults of this sandbox, counted and matched by the shared injector. */
export class FaultInjector extends SharedFaultInjector<FaultRequest, FaultSpec> {}

/** The error an injected fault answers with (not for `'timeout'`, which does not answer). */
export function faultError(spec: FaultSpec): StripeApiError {
  const retry: Record<string, string> =
    spec.shouldRetry === undefined ? {} : { 'Stripe-Should-Retry': String(spec.shouldRetry) };
  if (spec.status === 429) {
    const err = spec.code === 'lock_timeout' ? lockTimeoutError() : rateLimitError();
    return new StripeApiError(err.status, err.body, { ...err.headers, ...retry });
  }
  return new StripeApiError(
    spec.status === 'timeout' ? 500 : spec.status,
    { type: 'api_error', message: "Something went wrong on Stripe's end. (Injected by the Stripe sandbox.)" },
    retry,
  );
}
