/**
 * NetSuite's REST error body (RFC 7807 style with `o:errorDetails`) → the domain's classification,
 * which decides what the state machine does: TransientError is retried with backoff (then parked as
 * technical), BusinessError goes to the exception queue with NetSuite's own words, no retries.
 */
import * as z from 'zod';
import { BusinessError, TransientError } from '../../../domain/errors';

export const NetSuiteErrorBody = z.object({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().optional(),
  'o:errorDetails': z
    .array(
      z.object({
        detail: z.string().default(''),
        'o:errorCode': z.string().default('UNKNOWN'),
        'o:errorPath': z.string().optional(),
      }),
    )
    .default([]),
});
export type NetSuiteErrorBody = z.infer<typeof NetSuiteErrorBody>;

export interface NetSuiteErrorDetail {
  code: string;
  detail: string;
  path?: string;
}

/** Throttling, governance, 5xx, timeouts, auth: retried by the caller, after `retryAfterMs` when known. */
export class NetSuiteTransientError extends TransientError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly errorCode: string | undefined,
    /** From `Retry-After`: wait at least this long before the next attempt. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A request NetSuite refused on its merits: the record, a reference or the period is wrong. */
export class NetSuiteBusinessError extends BusinessError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
    readonly details: readonly NetSuiteErrorDetail[],
  ) {
    super(code, message);
  }
}

/** Account governance: too many concurrent requests for the account (or the integration). */
const GOVERNANCE_CODES = new Set([
  'CONCURRENCY_LIMIT_EXCEEDED',
  'REQUEST_LIMIT_EXCEEDED',
  'SSS_REQUEST_LIMIT_EXCEEDED',
  'WS_CONCUR_SESSION_DISALLOWED',
]);
/** Duplicate-record codes NetSuite uses (SOAP and REST); `already exists` covers worded variants. */
const DUPLICATE_CODES = new Set(['DUP_RCRD', 'DUP_ENTITY', 'DUP_ITEM', 'DUP_CSTM_RCRD_ENTRY']);

export function parseErrorBody(text: string): NetSuiteErrorDetail[] {
  try {
    const body = NetSuiteErrorBody.parse(JSON.parse(text));
    return body['o:errorDetails'].map((d) => ({
      code: d['o:errorCode'],
      detail: d.detail,
      ...(d['o:errorPath'] ? { path: d['o:errorPath'] } : {}),
    }));
  } catch {
    // A proxy or load balancer answered (HTML, empty body): keep what it said, briefly.
    const snippet = text.trim().slice(0, 200);
    return snippet ? [{ code: 'UNKNOWN', detail: snippet }] : [];
  }
}

/** `Retry-After` as delta-seconds or an HTTP date → milliseconds to wait (never negative). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface NetSuiteErrorResponse {
  status: number;
  body: string;
  retryAfter?: string | null;
  /** What was asked, for the message (e.g. `POST invoice`). */
  operation: string;
}

/** The domain error for a non-2xx NetSuite response. */
export function classifyNetSuiteError(
  res: NetSuiteErrorResponse,
): NetSuiteTransientError | NetSuiteBusinessError {
  const details = parseErrorBody(res.body);
  const first = details[0];
  const code = first?.code ?? `HTTP_${res.status}`;
  const said = details.map(describe).join('; ') || 'no error details';
  const technical = `NetSuite ${res.operation}: HTTP ${res.status} ${code}: ${said}`;
  const retryAfterMs = parseRetryAfter(res.retryAfter);

  if (res.status === 429 || details.some((d) => GOVERNANCE_CODES.has(d.code))) {
    return new NetSuiteTransientError(technical, res.status, code, retryAfterMs);
  }
  if (res.status >= 500 || res.status === 408) {
    return new NetSuiteTransientError(technical, res.status, code, retryAfterMs);
  }
  // Credentials are a technical matter, not the document's: a secret rotated under a warm cache
  // heals on retry; a wrong one is parked as technical after the retries and replayed once fixed.
  if (res.status === 401 || res.status === 403) {
    return new NetSuiteTransientError(technical, res.status, code, retryAfterMs);
  }
  // NetSuite's own words first: this is what finance reads on the exception queue.
  return new NetSuiteBusinessError(
    code,
    `${said} (NetSuite ${res.operation}, HTTP ${res.status})`,
    res.status,
    details,
  );
}

/**
 * Whether NetSuite refused the request for governance (429 / CONCURRENCY_LIMIT_EXCEEDED): it did no
 * work for it, so sending the same request again after `Retry-After` is safe, even a POST.
 */
export function isGovernanceRefusal(err: unknown): err is NetSuiteTransientError {
  return (
    err instanceof NetSuiteTransientError &&
    (err.status === 429 || (err.errorCode !== undefined && GOVERNANCE_CODES.has(err.errorCode)))
  );
}

/** Whether NetSuite refused a create because a record with that externalId exists. */
export function isDuplicateRecord(err: unknown): err is NetSuiteBusinessError {
  return (
    err instanceof NetSuiteBusinessError &&
    err.details.some((d) => DUPLICATE_CODES.has(d.code) || /already exists/i.test(d.detail))
  );
}

/** Whether NetSuite refused a posting because its accounting period is closed. */
export function isClosedPeriod(err: unknown): err is NetSuiteBusinessError {
  return (
    err instanceof NetSuiteBusinessError &&
    err.details.some((d) => /posting\s*period/i.test(d.path ?? '') || /period[^.]*\bclosed\b/i.test(d.detail))
  );
}

/** A network failure or client-side timeout: the request may or may not have reached NetSuite. */
export function networkError(operation: string, err: unknown): NetSuiteTransientError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const timedOut = e?.name === 'TimeoutError' || e?.name === 'AbortError';
  const reason = timedOut ? 'timed out' : (e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err));
  return new NetSuiteTransientError(
    `NetSuite ${operation}: ${reason}`,
    undefined,
    timedOut ? 'TIMEOUT' : 'NETWORK',
  );
}

function describe(d: NetSuiteErrorDetail): string {
  return `${d.detail}${d.path ? ` [${d.path}]` : ''}`;
}
