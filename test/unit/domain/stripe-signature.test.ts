/**
 * The Stripe-Signature replay window in both directions. Oracle: Stripe's webhook documentation —
 * the header is `t=<unix seconds>,v1=<HMAC>`, and a timestamp more than the tolerance (five minutes
 * by default) from the current time should be rejected, to prevent replay. Stripe's libraries (and the
 * ingest's own verifier) enforce only the past side, which is why this check exists.
 */
import fc from 'fast-check';
import Stripe from 'stripe';
import { verifyStripeSignature } from '../../../lambdas/adapters/billing/stripe-webhook-signature';
import {
  signatureWindow,
  STRIPE_SIGNATURE_TOLERANCE_SECONDS,
} from '../../../lambdas/domain/stripe-signature';

const NOW = 1_796_000_000;
const secret = 'whsec_unit';
const payload = '{"id":"evt_1","object":"event"}';
const signedAt = (timestamp: number) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
/** What the ingest does: verify, then bound the verified timestamp both ways. */
const ingestCheck = (header: string) => {
  const check = verifyStripeSignature({
    payload: Buffer.from(payload),
    header,
    secret,
    toleranceSeconds: STRIPE_SIGNATURE_TOLERANCE_SECONDS,
    nowSeconds: NOW,
  });
  return check.verified ? signatureWindow(check.timestamp, NOW) : check;
};

describe('signatureWindow', () => {
  it('uses Stripe’s documented default tolerance of five minutes', () => {
    expect(STRIPE_SIGNATURE_TOLERANCE_SECONDS).toBe(5 * 60);
  });

  it('accepts a timestamp within 300 s either way and refuses one beyond, in the past or the future', () => {
    for (const skew of [0, 300, -300, 299, -299]) {
      expect(signatureWindow(NOW + skew, NOW)).toEqual({ ok: true, timestamp: NOW + skew });
    }
    expect(signatureWindow(NOW + 301, NOW)).toMatchObject({
      ok: false,
      code: 'timestamp_outside_tolerance',
      message: expect.stringContaining('301 s in the future'),
    });
    expect(signatureWindow(NOW - 301, NOW)).toMatchObject({
      ok: false,
      code: 'timestamp_outside_tolerance',
      message: expect.stringContaining('301 s in the past'),
    });
  });

  it('refuses the reported defect: a correctly signed header dated ten years ahead', () => {
    const tenYears = 10 * 365 * 86_400;
    const header = signedAt(NOW + tenYears);
    // What the signature check alone (Stripe's libraries, our verifier) accepts: it bounds only the age…
    expect(() =>
      Stripe.webhooks.constructEvent(payload, header, secret, 300, undefined, NOW * 1000),
    ).not.toThrow();
    expect(
      verifyStripeSignature({
        payload: Buffer.from(payload),
        header,
        secret,
        toleranceSeconds: 300,
        nowSeconds: NOW,
      }),
    ).toMatchObject({ verified: true });
    // …is refused by the ingest.
    expect(ingestCheck(header)).toMatchObject({ ok: false, code: 'timestamp_outside_tolerance' });
  });

  it('bounds the timestamp the signature covers, whatever else the header carries', () => {
    const future = signedAt(NOW + 86_400);
    // A fresh `t=` smuggled next to the signed future one (with or without spaces) does not pass.
    for (const header of [`t=${NOW},${future}`, `t=${NOW}, ${future}`, `${future.replace(',', ', ')}`]) {
      expect(ingestCheck(header)).not.toMatchObject({ ok: true });
    }
    expect(ingestCheck(signedAt(NOW - 10))).toEqual({ ok: true, timestamp: NOW - 10 });
  });

  it('refuses a non-finite or negative timestamp', () => {
    expect(signatureWindow(Number.NaN, NOW)).toMatchObject({
      ok: false,
      code: 'timestamp_outside_tolerance',
    });
    expect(signatureWindow(-1, NOW)).toMatchObject({ ok: false });
  });

  it('property: a correctly signed header is accepted exactly when |t − now| ≤ 300 s', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (skew) => {
        const result = ingestCheck(signedAt(NOW + skew));
        expect('ok' in result && result.ok).toBe(Math.abs(skew) <= 300);
      }),
    );
  });
});
