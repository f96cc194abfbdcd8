/**
 * The ingest's own Stripe signature check against two oracles: Stripe's documented scheme
 * (docs.stripe.com/webhooks#verify-manually: `t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<raw body>">`,
 * any v1 may match, other schemes ignored, a tolerance on the timestamp's age) computed here with
 * node:crypto, and the stripe SDK itself (generateTestHeaderString / constructEvent), which must
 * agree with it on every input.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import Stripe from 'stripe';
import { verifyStripeSignature } from '../../lambdas/adapters/billing/stripe-webhook-signature';

const SECRET = 'whsec_test_secret';
const NOW = 1_764_547_200; // 2025-12-01T00:00:00Z

/** Stripe's documented signed payload: the timestamp, a '.', the raw body; HMAC-SHA256 in hex. */
const documentedSignature = (t: number, body: string, secret = SECRET) =>
  createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

const verify = (body: string, header: string, toleranceSeconds = 300, nowSeconds = NOW) =>
  verifyStripeSignature({
    payload: Buffer.from(body, 'utf8'),
    header,
    secret: SECRET,
    toleranceSeconds,
    nowSeconds,
  });

describe('Stripe webhook signature (documented scheme)', () => {
  const body = '{"id":"evt_1","object":"event","type":"invoice.finalized"}';

  it('accepts the documented v1 signature and returns its timestamp', () => {
    expect(verify(body, `t=${NOW},v1=${documentedSignature(NOW, body)}`)).toEqual({
      verified: true,
      timestamp: NOW,
    });
  });

  it('accepts when any one of several v1 signatures matches (secret roll), ignoring v0', () => {
    const header = `t=${NOW},v1=${documentedSignature(NOW, body, 'whsec_old')},v1=${documentedSignature(NOW, body)},v0=${'0'.repeat(64)}`;
    expect(verify(body, header).verified).toBe(true);
  });

  it('refuses a v0-only header, a tampered body, another secret, a shifted timestamp', () => {
    const sig = documentedSignature(NOW, body);
    expect(verify(body, `t=${NOW},v0=${sig}`)).toEqual({ verified: false, reason: 'malformed_header' });
    expect(verify(body.replace('evt_1', 'evt_2'), `t=${NOW},v1=${sig}`)).toEqual({
      verified: false,
      reason: 'no_matching_signature',
    });
    expect(verify(body, `t=${NOW},v1=${documentedSignature(NOW, body, 'whsec_other')}`).verified).toBe(false);
    expect(verify(body, `t=${NOW + 1},v1=${sig}`).verified).toBe(false);
  });

  it('refuses an empty body, as Stripe never signs one', () => {
    expect(verify('', `t=${NOW},v1=${documentedSignature(NOW, '')}`)).toEqual({
      verified: false,
      reason: 'empty_payload',
    });
  });

  it('refuses headers without a timestamp or a well-formed v1', () => {
    for (const header of ['', 'v1=abc', `t=${NOW}`, `t=${NOW},v1=`, `t=${NOW},v1=zz`, 't=abc,v1=00']) {
      expect(verify(body, header)).toEqual({ verified: false, reason: 'malformed_header' });
    }
  });

  it('refuses a timestamp older than the tolerance; tolerance 0 disables the age check', () => {
    const old = NOW - 301;
    const header = `t=${old},v1=${documentedSignature(old, body)}`;
    expect(verify(body, header)).toEqual({ verified: false, reason: 'timestamp_too_old' });
    expect(verify(body, `t=${NOW - 300},v1=${documentedSignature(NOW - 300, body)}`).verified).toBe(true);
    expect(verify(body, header, 0).verified).toBe(true);
  });

  it('signs the raw bytes: multi-byte UTF-8 bodies verify', () => {
    const utf8 = '{"id":"evt_ü","description":"Größe – 日本"}';
    expect(verify(utf8, `t=${NOW},v1=${documentedSignature(NOW, utf8)}`).verified).toBe(true);
  });
});

describe('Stripe webhook signature agrees with the stripe SDK', () => {
  const sdkAccepts = (body: string, header: string, tolerance: number, now: number): boolean => {
    try {
      Stripe.webhooks.signature!.verifyHeader(body, header, SECRET, tolerance, undefined, now * 1000);
      return true;
    } catch {
      return false;
    }
  };

  it('verifies every header the SDK generates, at any age within tolerance, and refuses when the SDK does', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.integer({ min: 0, max: 900 }),
        fc.boolean(),
        (body, age, tamper) => {
          const t = NOW - age;
          const header = Stripe.webhooks.generateTestHeaderString({
            payload: body,
            secret: SECRET,
            timestamp: t,
          });
          const received = tamper ? `${body} ` : body;
          expect(verify(received, header).verified).toBe(sdkAccepts(received, header, 300, NOW));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with the SDK on tampered headers (extra, repeated, malformed items) reading the one timestamp the signature covers', () => {
    const extra = fc.constantFrom(
      '',
      `,t=${NOW}`,
      `,t=${NOW}x`,
      ',t=abc',
      ',t=',
      ',v1=zz',
      `,v0=${'a'.repeat(64)}`,
      ` ,v1=${'b'.repeat(64)}`,
      `,t=${NOW + 86_400}`,
    );
    fc.assert(
      fc.property(
        fc.string({ maxLength: 50 }),
        fc.integer({ min: -900, max: 900 }),
        fc.array(extra, { maxLength: 3 }),
        fc.boolean(),
        (body, age, extras, prepend) => {
          const t = NOW - age;
          const signed = Stripe.webhooks.generateTestHeaderString({
            payload: body,
            secret: SECRET,
            timestamp: t,
          });
          const header = prepend ? `${extras.join('').slice(1)},${signed}` : signed + extras.join('');
          const check = verify(body, header);
          expect(check.verified).toBe(sdkAccepts(body, header, 300, NOW));
        },
      ),
      { numRuns: 500 },
    );
  });
});
