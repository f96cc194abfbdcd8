/** Which Stripe failures count towards opening the stripe circuit breaker (reads and writes alike). */
import Stripe from 'stripe';

/**
 * Outage-like Stripe failures, which count towards opening the stripe circuit: 5xx (`api_error`, or
 * any error Stripe answered with a 5xx status) and connection failures, timeouts included. A 429
 * (rate limit, lock timeout), an idempotency conflict or a refusal (4xx) is not an outage.
 */
export function isStripeOutage(err: unknown): boolean {
  if (err instanceof Stripe.errors.StripeRateLimitError) return false;
  return (
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeConnectionError ||
    (err instanceof Stripe.errors.StripeError && (err.statusCode ?? 0) >= 500)
  );
}
