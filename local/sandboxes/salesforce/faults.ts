/**
 * Injected faults for chaos tests: the outages and limits a Salesforce client must survive —
 * 503 SERVER_UNAVAILABLE, 500 UNKNOWN_EXCEPTION, 403/429 REQUEST_LIMIT_EXCEEDED, slow answers
 * (`latencyMs`) and no answer at all (`'timeout'`).
 */
import { FaultInjector as SharedFaultInjector } from '../fault-injector';
import { SalesforceApiError, sfError } from './errors';

export type FaultStatus = 403 | 429 | 500 | 502 | 503 | 'timeout';

export interface FaultRequest {
  method: string;
  /** Path without the query string, e.g. `/services/data/v62.0/query`. */
  path: string;
  /** The SOQL of a query request. */
  soql?: string;
  body: unknown;
}

export interface FaultSpec {
  /** The failure; omit it for a latency-only fault (the request then succeeds, late). */
  status?: FaultStatus;
  /** Delay before the answer (or the failure). */
  latencyMs?: number;
  /** How many matching requests it affects; default 1 (`Infinity` until cleared). */
  times?: number;
  match?: (req: FaultRequest) => boolean;
  /** Overrides the error code of the body (e.g. `'REQUEST_LIMIT_EXCEEDED'` on a 503). */
  errorCode?: string;
}

export type { FaultHandle } from '../fault-injector';

/** Faults of this sandbox, counted and matched by the shared injector. */
export class FaultInjector extends SharedFaultInjector<FaultRequest, FaultSpec> {}

export const requestLimitExceeded = (status = 403): SalesforceApiError =>
  sfError(status, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');

/** The error an injected fault answers with (not for `'timeout'`, which never answers). */
export function faultError(spec: FaultSpec): SalesforceApiError {
  const status = spec.status === 'timeout' || spec.status === undefined ? 503 : spec.status;
  let err: SalesforceApiError;
  if (status === 403 || status === 429) err = requestLimitExceeded(status);
  else if (status === 503 || status === 502) {
    err = sfError(
      status,
      'SERVER_UNAVAILABLE',
      'Server unavailable, please try again later. (Injected by the Salesforce sandbox.)',
    );
  } else {
    err = sfError(
      status,
      'UNKNOWN_EXCEPTION',
      'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890) (Injected by the Salesforce sandbox.)',
    );
  }
  return spec.errorCode ? sfError(status, spec.errorCode, err.errors[0].message) : err;
}
