/**
 * Stripe webhook signature verification, as Stripe documents it (docs.stripe.com/webhooks#verify-manually):
 * the `Stripe-Signature` header is `t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`; each `v1` is the
 * HMAC-SHA256, keyed with the endpoint's signing secret, of `<t>.<raw request body>`. Any one matching
 * `v1` verifies (several appear while a secret is being rolled); other schemes are ignored; the
 * timestamp must be no older than the tolerance (Stripe's libraries default to 300 s).
 *
 * Why not `Stripe.webhooks.constructEvent`: importing the stripe SDK puts ~240 KB of API resources into
 * the ingest bundle, which is on the webhook's critical path (cold start), for these few lines of
 * node:crypto. The tests check this module against Stripe's scheme and against the SDK itself.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type StripeSignatureCheck =
  | { verified: true; timestamp: number }
  | {
      verified: false;
      reason: 'empty_payload' | 'malformed_header' | 'no_matching_signature' | 'timestamp_too_old';
    };

export interface StripeSignatureInput {
  /** The raw request body, byte for byte as received (never re-serialised JSON). */
  payload: Buffer;
  header: string;
  secret: string;
  /** Maximum age of the signature timestamp in seconds; 0 disables the check (as in Stripe's libraries). */
  toleranceSeconds: number;
  nowSeconds: number;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export function verifyStripeSignature(input: StripeSignatureInput): StripeSignatureCheck {
  // Stripe never signs an empty body; its libraries refuse one before looking at the signature.
  if (input.payload.length === 0) return { verified: false, reason: 'empty_payload' };
  // Parsed exactly as stripe-node parses it (split on ',' then '=', no trimming, the LAST `t=` through
  // parseInt), so this accepts and refuses what stripe-node would; the timestamp returned is the one the
  // HMAC covers, which the ingest's future-dated check (domain/stripe-signature.ts) is given.
  let timestamp = -1;
  const signatures: Buffer[] = [];
  for (const item of input.header.split(',')) {
    const kv = item.split('=');
    if (kv[0] === 't') timestamp = parseInt(kv[1], 10);
    // Only well-formed v1 values can match; anything else is skipped like an unknown scheme.
    else if (kv[0] === 'v1' && HEX_SHA256.test(kv[1] ?? '')) signatures.push(Buffer.from(kv[1], 'hex'));
  }
  if (!Number.isFinite(timestamp) || timestamp < 0 || signatures.length === 0) {
    return { verified: false, reason: 'malformed_header' };
  }
  const expected = createHmac('sha256', input.secret)
    .update(`${timestamp}.`, 'utf8')
    .update(input.payload)
    .digest();
  // Constant-time comparison of equal-length digests: no timing oracle on the signature bytes.
  if (!signatures.some((s) => timingSafeEqual(s, expected))) {
    return { verified: false, reason: 'no_matching_signature' };
  }
  if (input.toleranceSeconds > 0 && input.nowSeconds - timestamp > input.toleranceSeconds) {
    return { verified: false, reason: 'timestamp_too_old' };
  }
  return { verified: true, timestamp };
}
