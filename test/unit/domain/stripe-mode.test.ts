/**
 * Test and live mode are separate books. Oracle: Stripe's API reference, Event object — `livemode`:
 * "Has the value true if the object exists in live mode or the value false if the object exists in
 * test mode."
 */
import { assertStripeMode, stripeModeOf } from '../../../lambdas/domain/mapping/stripe-mode';
import { BusinessError } from '../../../lambdas/domain/errors';
import { commonEnvironment, DEPLOYMENT, stripeSettings } from '../../../lib/topology';

const event = (livemode: boolean) => ({ eventId: 'evt_1Live', eventType: 'invoice.finalized', livemode });

describe('Stripe mode', () => {
  it('livemode true is live mode, false is test mode', () => {
    expect(stripeModeOf(true)).toBe('live');
    expect(stripeModeOf(false)).toBe('test');
  });

  it('lets an event of the deployment’s own mode through', () => {
    expect(() => assertStripeMode(event(false), 'test')).not.toThrow();
    expect(() => assertStripeMode(event(true), 'live')).not.toThrow();
  });

  it('refuses the other mode as a business error naming the event, its type and both modes', () => {
    const refusal = (() => {
      try {
        assertStripeMode(event(true), 'test');
      } catch (err) {
        return err;
      }
    })();
    expect(refusal).toBeInstanceOf(BusinessError);
    expect(refusal).toMatchObject({ code: 'livemode_mismatch' });
    const message = (refusal as Error).message;
    expect(message).toMatch(
      /^livemode_mismatch: event evt_1Live \(invoice\.finalized\) is a live-mode event/,
    );
    expect(message).toContain('books Stripe test mode');
    expect(() => assertStripeMode(event(false), 'live')).toThrow(/test-mode event .* books Stripe live mode/);
  });

  it('config/deployment.json stripe.mode: test by default, test or live only, passed to every function', () => {
    expect(stripeSettings(undefined)).toEqual({ mode: 'test' });
    expect(stripeSettings({ mode: 'live' })).toEqual({ mode: 'live' });
    expect(() => stripeSettings({ mode: 'production' })).toThrow(/stripe\.mode must be test or live/);
    expect(DEPLOYMENT.stripe.mode).toBe('test');
    expect(commonEnvironment().STRIPE_MODE).toBe('test');
  });
});
