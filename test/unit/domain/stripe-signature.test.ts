/**
 * The Stripe-Signature replay window in both directions. Oracle: Stripe's webhook documentation —
 * the header is `t=<unix seconds>,v1=<HMAC>`, and a timestamp more than the tolerance (five minutes
 * by default) from the current time should be rejected, to prevent replay. stripe-node's
 * constructEvent enforces only the past side, which is why this check exists.
 */
import fc from 'fast-check';
import Stripe from 'stripe';
import {
  signatureWindow,
  STRIPE_SIGNATURE_TOLERANCE_SECONDS,
} from '../../../lambdas/domain/stripe-signature';

const NOW = 1_796_000_000;
const secret = 'whsec_unit';
const payload = '{"id":"evt_1","object":"event"}';
const signedAt = (timestamp: number) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

describe('signatureWindow', () => {
  it('uses Stripe’s documented default tolerance of five minutes', () => {
    expect(STRIPE_SIGNATURE_TOLERANCE_SECONDS).toBe(5 * 60);
  });

  it('accepts a timestamp within 300 s either way and refuses one beyond, in the past or the future', () => {
    for (const skew of [0, 300, -300, 299, -299]) {
      expect(signatureWindow(signedAt(NOW + skew), NOW)).toEqual({ ok: true, timestamp: NOW + skew });
    }
    expect(signatureWindow(signedAt(NOW + 301), NOW)).toMatchObject({
      ok: false,
      code: 'timestamp_outside_tolerance',
      message: expect.stringContaining('301 s in the future'),
    });
    expect(signatureWindow(signedAt(NOW - 301), NOW)).toMatchObject({
      ok: false,
      code: 'timestamp_outside_tolerance',
      message: expect.stringContaining('301 s in the past'),
    });
  });

  it('refuses the reported defect: a correctly signed header dated ten years ahead', () => {
    const tenYears = 10 * 365 * 86_400;
    const header = signedAt(NOW + tenYears);
    // What stripe-node alone accepts (it bounds only the age)…
    expect(() =>
      Stripe.webhooks.constructEvent(payload, header, secret, 300, undefined, NOW * 1000),
    ).not.toThrow();
    // …is refused here.
    expect(signatureWindow(header, NOW)).toMatchObject({ ok: false, code: 'timestamp_outside_tolerance' });
  });

  it('checks the timestamp stripe-node verified: the last `t=` of the header', () => {
    // stripe-node keeps the last `t=`; a header smuggling a fresh `t=` before a future one must not pass.
    const future = signedAt(NOW + 86_400);
    expect(signatureWindow(`t=${NOW},${future}`, NOW)).toMatchObject({ ok: false });
    expect(signatureWindow(`${future},t=${NOW}`, NOW)).toEqual({ ok: true, timestamp: NOW });
  });

  it('refuses a header without a readable timestamp', () => {
    expect(signatureWindow('v1=abc', NOW)).toMatchObject({ ok: false, code: 'timestamp_outside_tolerance' });
    expect(signatureWindow('t=NaN,v1=abc', NOW)).toMatchObject({ ok: false });
  });

  it('property: accepted exactly when |t − now| ≤ tolerance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 3600 }),
        (skew, tol) => {
          const result = signatureWindow(signedAt(NOW + skew), NOW, tol);
          expect(result.ok).toBe(Math.abs(skew) <= tol);
        },
      ),
    );
  });
});
