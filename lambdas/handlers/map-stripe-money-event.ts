/**
 * MapMoneyEvent task: dispatches a Stripe money event to its pure mapper, first reading from
 * Stripe what the payload does not carry (the credited invoice, a payout's balance transactions).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventBridgeEvent } from 'aws-lambda';
import { stripeBilling } from '../adapters/billing/stripe-billing';
import { EventEnvelope } from '../domain/envelope';
import { BusinessError } from '../domain/errors';
import { assertApiVersion } from '../domain/mapping/stripe-invoice';
import {
  mapChargeRefunded,
  mapCreditNote,
  mapCustomer,
  mapDispute,
  mapInvoiceUncollectible,
  mapInvoiceVoided,
  mapPayout,
  mapRefund,
  type MappedMoneyEvent,
} from '../domain/mapping/stripe-money';
import { mappingConfig } from './commons/config';
import { logger, metrics, publishMetrics } from './commons/powertools';
import { STRIPE_API_VERSION } from '../../lib/topology';

const apiVersion = process.env.STRIPE_API_VERSION ?? STRIPE_API_VERSION;

type Mapper = (e: EventEnvelope) => MappedMoneyEvent | Promise<MappedMoneyEvent>;

const MAPPERS: Record<string, Mapper> = {
  'invoice.voided': (e) => mapInvoiceVoided(e, mappingConfig, apiVersion),
  'invoice.marked_uncollectible': (e) => mapInvoiceUncollectible(e, mappingConfig, apiVersion),
  'credit_note.created': creditNote,
  'credit_note.voided': creditNote,
  'refund.created': (e) => mapRefund(e, mappingConfig),
  'refund.updated': (e) => mapRefund(e, mappingConfig),
  'charge.refunded': (e) => mapChargeRefunded(e, mappingConfig),
  'charge.dispute.created': (e) => mapDispute(e, mappingConfig),
  'charge.dispute.closed': (e) => mapDispute(e, mappingConfig),
  'payout.paid': payout,
  'payout.failed': payout,
  'customer.created': (e) => mapCustomer(e, mappingConfig),
  'customer.updated': (e) => mapCustomer(e, mappingConfig),
};

async function creditNote(e: EventEnvelope): Promise<MappedMoneyEvent> {
  const invoiceId = e.object.invoice;
  if (typeof invoiceId !== 'string')
    throw new BusinessError('malformed_credit_note', `credit note event ${e.eventId} names no invoice`);
  // Rendered by the SDK in its pinned API version: the version the mapper reads.
  const invoice = await stripeBilling.retrieveInvoice(invoiceId);
  return mapCreditNote(e, { ...e, apiVersion, object: invoice }, mappingConfig, apiVersion);
}

async function payout(e: EventEnvelope): Promise<MappedMoneyEvent> {
  return mapPayout(e, await stripeBilling.payoutTransactions(String(e.object.id)), mappingConfig);
}

export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<MappedMoneyEvent> => {
  metrics.addMetric('MoneyEventsReceived', MetricUnit.Count, 1);
  try {
    const parsed = EventEnvelope.safeParse(event.detail);
    if (!parsed.success)
      throw new BusinessError('malformed_envelope', `event ${event.id} does not carry a v1 envelope`);
    const envelope = parsed.data;
    logger.appendKeys({ correlationId: envelope.correlationId, eventId: envelope.eventId });
    assertApiVersion(envelope, apiVersion);
    const mapper = MAPPERS[envelope.eventType];
    if (!mapper)
      throw new BusinessError(
        'unsupported_event_type',
        `${envelope.eventType} is routed here but has no mapper`,
      );
    return await mapper(envelope);
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
