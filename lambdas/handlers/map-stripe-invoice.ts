/** MapInvoice task: Stripe invoice event (EventBridge event with our envelope) → canonical postings. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventBridgeEvent } from 'aws-lambda';
import { EventEnvelope } from '../domain/envelope';
import { BusinessError } from '../domain/errors';
import { mapStripeInvoiceEvent, type MappedInvoiceEvent } from '../domain/mapping/stripe-invoice';
import { assertStripeMode } from '../domain/mapping/stripe-mode';
import { mappingConfig, stripeMode } from './commons/config';
import { closedWonAtOf, stampReceived } from './commons/latency';
import { eventDetail } from './commons/bus-event';
import { logger, metrics, publishMetrics } from './commons/powertools';
import { STRIPE_API_VERSION } from '../../lib/topology';

export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<MappedInvoiceEvent> => {
  // Received side of the Finance Ops "invoices received vs posted" graph.
  metrics.addMetric('InvoiceEventsReceived', MetricUnit.Count, 1);
  try {
    const envelope = EventEnvelope.safeParse(await eventDetail(event));
    if (!envelope.success) {
      throw new BusinessError('malformed_envelope', `event ${event.id} does not carry a v1 envelope`);
    }
    logger.appendKeys({ correlationId: envelope.data.correlationId, eventId: envelope.data.eventId });
    assertStripeMode(envelope.data, stripeMode);
    const mapped = mapStripeInvoiceEvent(
      envelope.data,
      mappingConfig,
      process.env.STRIPE_API_VERSION ?? STRIPE_API_VERSION,
    );
    const { receivedAt } = envelope.data;
    // Received side of "payments awaiting application".
    if (mapped.paymentPosting) metrics.addMetric('InvoicePaymentsReceived', MetricUnit.Count, 1);
    const closedWonAt = closedWonAtOf(envelope.data.object);
    return {
      invoicePosting: stampReceived(mapped.invoicePosting, receivedAt, closedWonAt),
      ...(mapped.paymentPosting ? { paymentPosting: stampReceived(mapped.paymentPosting, receivedAt) } : {}),
    };
  } catch (err) {
    if (err instanceof BusinessError) {
      metrics.addMetric('InvoiceEventsUnmappable', MetricUnit.Count, 1);
      logger.warn('invoice event parked', { reason: err.message });
    }
    throw err;
  } finally {
    logger.removeKeys(['correlationId', 'eventId']);
    publishMetrics();
  }
};
