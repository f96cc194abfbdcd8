/**
 * Salesforce failures classified for the state machine: limits, lock contention, 5xx and network
 * failures are transient (retried with backoff); anything else the org refuses is business data or
 * configuration an operator has to fix (parked with the reason, replayed after the fix).
 */
import { BusinessError, TransientError } from '../../../domain/errors';

const TRANSIENT_CODES = new Set([
  'REQUEST_LIMIT_EXCEEDED',
  'SERVER_UNAVAILABLE',
  'UNABLE_TO_LOCK_ROW',
  'API_CURRENTLY_DISABLED',
  'QUERY_TIMEOUT',
  'TXN_SECURITY_METERING_ERROR',
]);
const NETWORK_CODES =
  /^(ECONNRESET|ECONNREFUSED|ENOTFOUND|ENETDOWN|ENETUNREACH|EHOSTDOWN|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_\w+)$/;

/** A transient Salesforce failure, with the code that tells an outage from a limit (still `TransientError` to the flows). */
export class SalesforceTransientError extends TransientError {
  constructor(
    message: string,
    /** Salesforce's errorCode (`SERVER_UNAVAILABLE`, `ERROR_HTTP_503`…), or the network error's code. */
    readonly errorCode: string,
  ) {
    super(message);
  }
}

/**
 * Outage-like failures count towards opening the salesforce circuit: 5xx, timeouts, unreachable org.
 * Limits (REQUEST_LIMIT_EXCEEDED, 429), lock contention and slow queries do not: backoff absorbs them.
 */
const OUTAGE_CODES = /^(SERVER_UNAVAILABLE|ERROR_HTTP_5\d\d|AbortError|FetchError)$/;
export function isSalesforceOutage(err: unknown): boolean {
  return (
    err instanceof SalesforceTransientError &&
    (OUTAGE_CODES.test(err.errorCode) || NETWORK_CODES.test(err.errorCode))
  );
}

interface SalesforceErrorLike {
  name?: string;
  message?: string;
  errorCode?: string;
  code?: string;
  cause?: { code?: string };
}

export function isTransientSalesforceCode(code: string | undefined, status?: number): boolean {
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (!code) return false;
  return TRANSIENT_CODES.has(code) || /^ERROR_HTTP_(5\d\d|429)$/.test(code);
}

export function classifySalesforceError(err: unknown, doing: string): Error {
  if (err instanceof BusinessError || err instanceof TransientError) return err;
  const e = (err ?? {}) as SalesforceErrorLike;
  const code =
    e.errorCode ?? (typeof e.name === 'string' && /^[A-Z_0-9]+$/.test(e.name) ? e.name : undefined);
  const network = [e.code, e.cause?.code].find((c) => typeof c === 'string' && NETWORK_CODES.test(c));
  const message = `Salesforce ${doing}: ${code ? `${code}: ` : ''}${e.message ?? String(err)}`;
  if (network || isTransientSalesforceCode(code) || e.name === 'AbortError' || e.name === 'FetchError')
    return new SalesforceTransientError(message, network ?? code ?? String(e.name));
  return new BusinessError(`salesforce_${(code ?? 'error').toLowerCase()}`, message);
}

/** A composite subrequest's answer: `[{errorCode, message}]` bodies with an HTTP status. */
export function subrequestError(
  result: { httpStatusCode: number; body: unknown; referenceId: string },
  doing: string,
): Error {
  const first = (Array.isArray(result.body) ? result.body[0] : result.body) as
    { errorCode?: string; message?: string } | undefined;
  const code = first?.errorCode;
  const message = `Salesforce ${doing} (${result.referenceId}): ${code ? `${code}: ` : ''}${first?.message ?? `HTTP ${result.httpStatusCode}`}`;
  if (isTransientSalesforceCode(code, result.httpStatusCode))
    return new SalesforceTransientError(
      message,
      result.httpStatusCode >= 500 || !code ? `ERROR_HTTP_${result.httpStatusCode}` : code,
    );
  return new BusinessError(`salesforce_${(code ?? 'error').toLowerCase()}`, message);
}
