/**
 * Stripe's v1 error envelope: `{"error":{"type","code"?,"message","param"?,"doc_url"?,"request_log_url"}}`.
 * The SDK picks the error class from the HTTP status (and `type`/`code`), so status and body must agree
 * with what api.stripe.com sends; absent fields are omitted, as Stripe does.
 */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
    this.name = 'StripeApiError';
  }
}

/** Serialises the error as Stripe does, with its doc and request-log links. */
export function errorEnvelope(error: StripeErrorBody, requestId: string, livemode: boolean): object {
  const { type, code, message, param } = error;
  return {
    error: {
      ...(code ? { code, doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}` } : {}),
      message,
      ...(param ? { param } : {}),
      request_log_url: `https://dashboard.stripe.com/${livemode ? '' : 'test/'}logs/${requestId}?t=${Math.floor(Date.now() / 1000)}`,
      type,
    },
  };
}

export function invalidRequest(
  message: string,
  opts: { code?: string; param?: string; status?: number } = {},
): StripeApiError {
  return new StripeApiError(opts.status ?? 400, {
    type: 'invalid_request_error',
    message,
    ...(opts.code ? { code: opts.code } : {}),
    ...(opts.param ? { param: opts.param } : {}),
  });
}

/** `No such payout: 'po_123'`: 404 for the object named in the URL, 400 for one named in a parameter. */
export function resourceMissing(object: string, id: string, param: string, status = 404): StripeApiError {
  return invalidRequest(`No such ${object}: '${id}'`, { code: 'resource_missing', param, status });
}

export function parameterMissing(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

export function parameterInvalidEmpty(param: string): StripeApiError {
  return invalidRequest(
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; ` +
      `however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    { code: 'parameter_invalid_empty', param },
  );
}

export function parameterUnknown(param: string): StripeApiError {
  return invalidRequest(`Received unknown parameter: ${param}`, { code: 'parameter_unknown', param });
}

export function invalidInteger(param: string, value: string): StripeApiError {
  return invalidRequest(`Invalid integer: ${value}`, { code: 'parameter_invalid_integer', param });
}

export function invalidBoolean(param: string, value: string): StripeApiError {
  return invalidRequest(`Invalid boolean: ${value}`, { param });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    { status: 404 },
  );
}
