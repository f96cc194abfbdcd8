/**
 * Error classification drives handling (DESIGN.md §2). The class name is the Step Functions
 * error name: `Retry` matches TransientError, `Catch` parks BusinessError on the exception
 * queue with its human-readable message and no retries until the data is fixed.
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
