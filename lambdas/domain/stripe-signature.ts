/**
 * The replay window of a Stripe webhook signature, in both directions. Stripe signs `t=<unix seconds>`
 * into the `Stripe-Signature` header and documents a default tolerance of five minutes; stripe-node's
 * `constructEvent` (and the ingest's own verifier, adapters/billing/stripe-webhook-signature.ts) bounds only the age (a timestamp in the past), so a correctly signed header dated
 * years ahead would be accepted, and could be replayed until then. The Salesforce Flow callout
 * verification (domain/crm/flow-callout.ts) refuses both directions; this does the same for Stripe.
 */

/** Stripe's documented default tolerance for the signature timestamp (its replay window). */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureWindow =
  { ok: true; timestamp: number } | { ok: false; code: 'timestamp_outside_tolerance'; message: string };

/**
 * Is the signature's timestamp within `toleranceSeconds` of now, before or after? Give it the timestamp
 * the signature verification used (the one the HMAC covers), never one parsed separately from the header:
 * two parsers could disagree on a header with several `t=` items, and a future one would slip through.
 */
export function signatureWindow(
  timestamp: number,
  nowSeconds: number,
  toleranceSeconds = STRIPE_SIGNATURE_TOLERANCE_SECONDS,
): SignatureWindow {
  if (!Number.isFinite(timestamp) || timestamp < 0) {
    return { ok: false, code: 'timestamp_outside_tolerance', message: 'the signature carries no timestamp' };
  }
  const skew = timestamp - nowSeconds;
  if (Math.abs(skew) > toleranceSeconds) {
    const when = skew > 0 ? 'in the future' : 'in the past';
    return {
      ok: false,
      code: 'timestamp_outside_tolerance',
      message:
        `signature timestamp t=${timestamp} is ${Math.abs(Math.round(skew))} s ${when}; ` +
        `the tolerance is ${toleranceSeconds} s either way (replayed, or the sender's clock is wrong)`,
    };
  }
  return { ok: true, timestamp };
}
