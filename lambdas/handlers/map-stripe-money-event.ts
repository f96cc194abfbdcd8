/**
 * MapMoneyEvent task: reads from Stripe what the webhook only names (the credited invoice, a payout's
 * balance transactions), then maps the event to its ordered postings with the pure domain mapper.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventBridgeEvent } from 'aws-lambda';
import { stripeBilling } from '../adapters/billing/stripe-billing';
import { EventEnvelope } from '../domain/envelope';
import { BusinessError } from '../domain/errors';
import {
  mapMoneyEvent,
  readsNeeded,
  type MappedMoneyEvent,
  type MoneyEventReads,
} from '../domain/mapping/stripe-money';
import { assertApiVersion } from '../domain/mapping/stripe-invoice';
import { assertStripeMode } from '../domain/mapping/stripe-mode';
import { mappingConfig, stripeMode } from './commons/config';
import { stampReceived } from './commons/latency';
import { eventDetail } from './commons/bus-event';
import { logger, metrics, publishMetrics } from './commons/powertools';
import { STRIPE_API_VERSION } from '../../lib/topology';

const apiVersion = process.env.STRIPE_API_VERSION ?? STRIPE_API_VERSION;

async function readFromStripe(envelope: EventEnvelope): Promise<MoneyEventReads> {
  const needs = readsNeeded(envelope);
  return {
    creditedInvoice: needs.creditedInvoice
      ? await stripeBilling.retrieveInvoice(needs.creditedInvoice)
      : undefined,
    payoutTransactions: needs.payout ? await stripeBilling.payoutTransactions(needs.payout) : undefined,
  };
}

export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<MappedMoneyEvent> => {
  metrics.addMetric('MoneyEventsReceived', MetricUnit.Count, 1);
  try {
    const parsed = EventEnvelope.safeParse(await eventDetail(event));
    if (!parsed.success)
      throw new BusinessError('malformed_envelope', `event ${event.id} does not carry a v1 envelope`);
    const envelope = parsed.data;
    logger.appendKeys({ correlationId: envelope.correlationId, eventId: envelope.eventId });
    assertStripeMode(envelope, stripeMode);
    assertApiVersion(envelope, apiVersion); // before asking Stripe anything about it
    const mapped = mapMoneyEvent(envelope, mappingConfig, apiVersion, await readFromStripe(envelope));
    return { postings: mapped.postings.map((p) => stampReceived(p, envelope.receivedAt)) };
  } catch (err) {
    if (err instanceof BusinessError) {
      metrics.addMetric('MoneyEventsUnmappable', MetricUnit.Count, 1);
      logger.warn('money event parked', { reason: err.message });
    }
    throw err;
  } finally {
    logger.removeKeys(['correlationId', 'eventId']);
    publishMetrics();
  }
};
