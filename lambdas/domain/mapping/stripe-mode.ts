/**
 * Test and live are separate books. Stripe marks every event with `livemode` (true: live mode, false:
 * test mode), and each deployment declares the one mode it books (config/deployment.json
 * `stripe.mode`). A test-mode stack that posted a live invoice (or a live stack a test one) would put
 * fictitious or real money in the wrong ledger, so an event of the other mode is refused as a business
 * error: the flow parks it with this reason (the webhook was already acknowledged, so Stripe stops
 * retrying) and nothing is posted.
 */
import { BusinessError } from '../errors';

export type StripeMode = 'test' | 'live';

export const stripeModeOf = (livemode: boolean): StripeMode => (livemode ? 'live' : 'test');

export function assertStripeMode(
  event: { eventId: string; eventType: string; livemode: boolean },
  deploymentMode: StripeMode,
): void {
  const eventMode = stripeModeOf(event.livemode);
  if (eventMode === deploymentMode) return;
  throw new BusinessError(
    'livemode_mismatch',
    `event ${event.eventId} (${event.eventType}) is a ${eventMode}-mode event (livemode: ${event.livemode}) ` +
      `but this deployment books Stripe ${deploymentMode} mode (config/deployment.json stripe.mode); not posted. ` +
      `Point the ${eventMode}-mode webhook endpoint at a ${eventMode}-mode deployment.`,
  );
}
