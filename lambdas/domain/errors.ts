/**
 * Error classification drives handling (DESIGN.md §2). The class name is the Step Functions
 * error name: `Retry` matches TransientError, `Catch` parks BusinessError on the exception
 * queue with its human-readable message and no retries until the data is fixed, and parks
 * DependencyOutageError (circuit open) at once, without burning retries, until the drain re-drives it,
 * and parks ErpRateLimitedError (a 429 storm that outlived every retry) as `rate-limited`, which the
 * drain re-drives at a pace.
 */
export type ErrorClassification = 'business' | 'technical' | 'dependency-outage' | 'rate-limited';

/** Every classification a parked message can carry (replay filters, the dashboard, the drain). */
export const ERROR_CLASSIFICATIONS: readonly ErrorClassification[] = [
  'business',
  'technical',
  'dependency-outage',
  'rate-limited',
];

/** Unmappable or invalid business data. Retrying cannot help; fix the mapping and replay. */
export class BusinessError extends Error {
  override readonly name = 'BusinessError';
  constructor(
    /** Stable machine code, e.g. `unmapped_currency`. */
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Timeouts, throttling, 5xx: retried with backoff by the state machine, then parked. */
export class TransientError extends Error {
  override readonly name: string = 'TransientError';
}

/**
 * The ERP keeps refusing us for governance (HTTP 429, CONCURRENCY_LIMIT_EXCEEDED) beyond the client's
 * own Retry-After budget: at quarter-end other integrations eat the account's concurrency. Still
 * transient to code that asks `instanceof TransientError` (and never an outage: the circuit breaker
 * ignores it), but its own Step Functions error name: the posting flows retry it on its own budget,
 * then park it as `rate-limited`, and the drain re-drives those at a pace the ERP can absorb.
 */
export class ErpRateLimitedError extends TransientError {
  override readonly name: string = 'ErpRateLimitedError';
  constructor(
    /** Starts with `erp: ` (as a DependencyOutageError does), so the parked reason names what it waits for. */
    message: string,
    /** The last refusal's HTTP status (429) … */
    readonly status: number | undefined,
    /** … and the ERP's code (e.g. CONCURRENCY_LIMIT_EXCEEDED). */
    readonly errorCode: string | undefined,
    /** The ERP's last `Retry-After`, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A dependency the integration calls through a circuit breaker. */
export type Dependency = 'erp' | 'stripe' | 'salesforce';
export const DEPENDENCIES: readonly Dependency[] = ['erp', 'stripe', 'salesforce'];

/**
 * The dependency's circuit is open: calling it now would only burn retries. Never retried by the
 * state machines; parked as `dependency-outage` and re-driven automatically once the circuit closes.
 * The message starts with the dependency (`erp: …`), so a parked message names what it waits for.
 */
export class DependencyOutageError extends Error {
  override readonly name = 'DependencyOutageError';
  constructor(
    readonly dependency: Dependency,
    /** When the breaker lets the next probe through (epoch ms). */
    readonly retryAt: number,
  ) {
    super(
      `${dependency}: circuit open after repeated failures; parked until ${new Date(retryAt).toISOString()} (re-driven automatically when it closes)`,
    );
  }
}

/** The dependency a parked dependency-outage reason names (`erp: circuit open …`), if any. */
export function outageDependency(reason: string): Dependency | null {
  const m = /^(erp|stripe|salesforce):/.exec(reason.trim());
  return m ? (m[1] as Dependency) : null;
}
