/**
 * NetSuite's REST error shape: an RFC 7807-style body whose `o:errorDetails` carry the detail,
 * NetSuite's error code and, for field problems, the JSON path of the offending value.
 *
 *   { "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1", "title": "Bad Request",
 *     "status": 400, "o:errorDetails": [{ "detail": "…", "o:errorCode": "INVALID_KEY_OR_REF", "o:errorPath": "entity" }] }
 */

const TYPES: Record<number, [string, string]> = {
  400: ['https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1', 'Bad Request'],
  401: ['https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2', 'Unauthorized'],
  403: ['https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4', 'Forbidden'],
  404: ['https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5', 'Not Found'],
  405: ['https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.6', 'Method Not Allowed'],
  415: ['https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.16', 'Unsupported Media Type'],
  429: ['https://www.rfc-editor.org/rfc/rfc6585.html#section-4', 'Too Many Requests'],
  500: ['https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1', 'Internal Server Error'],
  502: ['https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.3', 'Bad Gateway'],
  503: ['https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.4', 'Service Unavailable'],
  504: ['https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.5', 'Gateway Timeout'],
};

export interface ErrorDetail {
  detail: string;
  code: string;
  path?: string;
}

export class NetSuiteHttpError extends Error {
  constructor(
    readonly status: number,
    readonly details: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(details.map((d) => `${d.code}: ${d.detail}`).join('; '));
  }

  body(): Record<string, unknown> {
    const [type, title] = TYPES[this.status] ?? TYPES[500];
    return {
      type,
      title,
      status: this.status,
      'o:errorDetails': this.details.map((d) => ({
        detail: d.detail,
        'o:errorCode': d.code,
        ...(d.path ? { 'o:errorPath': d.path } : {}),
      })),
    };
  }
}

const fail = (status: number, code: string, detail: string, path?: string) =>
  new NetSuiteHttpError(status, [{ code, detail, ...(path ? { path } : {}) }]);

/** NetSuite says the same thing for every authentication failure: it never tells which part was wrong. */
export const invalidLogin = () =>
  fail(
    401,
    'INVALID_LOGIN',
    'Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.',
  );

export const invalidReference = (field: string, value: string, path: string) =>
  fail(
    400,
    'INVALID_KEY_OR_REF',
    `Error while accessing a resource. Invalid ${field} reference key ${value}.`,
    path,
  );

export const missingValue = (label: string, path: string) =>
  fail(400, 'USER_ERROR', `Error while accessing a resource. Please enter value(s) for: ${label}.`, path);

export const userError = (detail: string, path?: string) =>
  fail(400, 'USER_ERROR', `Error while accessing a resource. ${detail}`, path);

export const invalidContent = (detail: string, path?: string) => fail(400, 'INVALID_CONTENT', detail, path);

export const duplicateRecord = (externalId: string) =>
  fail(
    400,
    'DUP_RCRD',
    `Error while accessing a resource. This record already exists. A record with external ID ${externalId} already exists.`,
    'externalId',
  );

export const closedPeriod = (periodName: string) =>
  fail(
    400,
    'INVALID_FLD_VALUE',
    `Error while accessing a resource. The accounting period ${periodName} is closed. You cannot post a transaction to a closed period.`,
    'postingPeriod',
  );

export const concurrencyLimitExceeded = (headers: Record<string, string> = {}) =>
  new NetSuiteHttpError(
    429,
    [{ code: 'CONCURRENCY_LIMIT_EXCEEDED', detail: 'Concurrent request limit exceeded. Request blocked.' }],
    headers,
  );

export const notFound = (detail: string) => fail(404, 'NONEXISTENT_ID', detail);

export const serverError = (status: number) =>
  fail(status, 'UNEXPECTED_ERROR', 'An unexpected error occurred. Error ID: simulated-fault');
