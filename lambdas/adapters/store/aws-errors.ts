/** Maps AWS SDK failures onto the domain's classification so Step Functions retries the right ones. */
import { TransientError } from '../../domain/errors';

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Throttling, 5xx and network failures become TransientError; anything else is rethrown as is. */
export function asTransientIfRetryable(err: unknown): unknown {
  const e = err as SdkErrorLike;
  const status = e?.$metadata?.httpStatusCode ?? 0;
  const network =
    typeof e?.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND)$/.test(e.code);
  if (e?.$retryable || status >= 500 || THROTTLING.has(e?.name ?? '') || network) {
    return new TransientError(`${e.name ?? 'Error'}: ${e.message ?? String(err)}`);
  }
  return err;
}

export async function retryable<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw asTransientIfRetryable(err);
  }
}
