/** MapInvoice task: Stripe invoice event (EventBridge event with our envelope) → canonical postings. */
import type { EventBridgeEvent } from 'aws-lambda';
import { EventEnvelope } from '../domain/envelope';
import { BusinessError } from '../domain/errors';
import { mapStripeInvoiceEvent, type MappedInvoiceEvent } from '../domain/mapping/stripe-invoice';
import { mappingConfig } from './commons/config';
import { logger } from './commons/powertools';
import { STRIPE_API_VERSION } from '../../lib/topology';

export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<MappedInvoiceEvent> => {
  const envelope = EventEnvelope.safeParse(event.detail);
  if (!envelope.success) {
    throw new BusinessError('malformed_envelope', `event ${event.id} does not carry a v1 envelope`);
  }
  logger.appendKeys({ correlationId: envelope.data.correlationId, eventId: envelope.data.eventId });
  try {
    return mapStripeInvoiceEvent(
      envelope.data,
      mappingConfig,
      process.env.STRIPE_API_VERSION ?? STRIPE_API_VERSION,
    );
  } finally {
    logger.removeKeys(['correlationId', 'eventId']);
  }
};
