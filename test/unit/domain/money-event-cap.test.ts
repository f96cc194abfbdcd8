/**
 * A money event's postings run one at a time inside one Express execution: the mapper refuses more than
 * MAX_POSTINGS_PER_MONEY_EVENT (the bound test/infra/express-budget.test.ts computes the flow's worst case
 * with), as a classified business exception, instead of starting an execution that would outrun Express.
 */
import type Stripe from 'stripe';
import mappingJson from '../../../config/mapping.json';
import { parseMappingConfig } from '../../../lambdas/domain/config';
import { normaliseStripeEvent, StripeEventShape } from '../../../lambdas/domain/envelope';
import { BusinessError } from '../../../lambdas/domain/errors';
import { MAX_POSTINGS_PER_MONEY_EVENT, mapMoneyEvent } from '../../../lambdas/domain/mapping/stripe-money';
import { STRIPE_API_VERSION } from '../../../lib/topology';
import { refundSucceeded } from '../../fixtures/stripe/money-events';

const config = parseMappingConfig(mappingJson);

/** charge.refunded with the fixture's refund repeated `n` times under distinct refund ids. */
function chargeRefundedWith(n: number) {
  const event = structuredClone(refundSucceeded.events.chargeRefunded) as Stripe.Event;
  const charge = event.data.object as unknown as { refunds: { data: { id: string }[] } };
  const [refund] = charge.refunds.data;
  charge.refunds.data = Array.from({ length: n }, (_, i) => ({ ...refund, id: `${refund.id}${i}` }));
  return normaliseStripeEvent(StripeEventShape.parse(JSON.parse(JSON.stringify(event))), new Date());
}

describe('postings per money event', () => {
  test('the cap is what the Express budget was computed with', () => {
    expect(MAX_POSTINGS_PER_MONEY_EVENT).toBe(3);
  });

  test('a charge.refunded within the cap maps every refund', () => {
    const mapped = mapMoneyEvent(
      chargeRefundedWith(MAX_POSTINGS_PER_MONEY_EVENT),
      config,
      STRIPE_API_VERSION,
    );
    expect(mapped.postings).toHaveLength(MAX_POSTINGS_PER_MONEY_EVENT);
  });

  test('one more refund parks the event as business, saying where the refunds post from', () => {
    const attempt = () =>
      mapMoneyEvent(chargeRefundedWith(MAX_POSTINGS_PER_MONEY_EVENT + 1), config, STRIPE_API_VERSION);
    expect(attempt).toThrow(BusinessError);
    expect(attempt).toThrow(/too_many_refunds_in_one_event: charge ch_\w+ carries 4 refunds \(4 postings/);
    expect(attempt).toThrow(/each refund posts from its own refund\.created event/);
  });
});
