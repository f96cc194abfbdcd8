/**
 * Error classification drives handling (DESIGN.md §2). The class name is the Step Functions
 * error name: `Retry` matches TransientError, `Catch` parks BusinessError on the exception
 * queue with its human-readable message and no retries until the data is fixed, and parks
 * DependencyOutageError (circuit open) at once, without burning retries, until the drain re-drives it.
 */
export type ErrorClassification = 'business' | 'technical' | 'dependency-outage';

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
  override readonly name = 'TransientError';
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
