/**
 * Target of the Salesforce Event Relay rule on the partner event bus: normalises the relayed platform
 * event (or Opportunity change event) into the canonical envelope(s) and puts them on our bus, so the
 * relay ends in the same detail-types as the Flow callout and the Outbound Message. Unrecognised events
 * are put on the bus as unrouted `crm.<name>.updated` (acknowledged, archived, counted). If the bus does
 * not accept them the invocation fails: Lambda retries the asynchronous invocation, then sends the event
 * to the relay dead-letter queue (nothing lost).
 */
import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { publishAll } from '../adapters/store/event-bus';
import { normaliseRelayedEvent, type RelayedEvent } from '../domain/crm/event-relay';
import { isUnrouted } from '../domain/crm/inbound';
import { logger, metrics, publishMetrics } from './commons/powertools';
import { BUS_NAME, DEPLOYMENT, SOURCES } from '../../lib/topology';

export interface RelayResult {
  published: number;
  eventIds: string[];
  eventTypes: string[];
}

export const handler = async (event: RelayedEvent, context: Context): Promise<RelayResult> => {
  logger.addContext(context);
  try {
    const envelopes = normaliseRelayedEvent(
      event,
      process.env.SALESFORCE_ORG_ID ?? DEPLOYMENT.salesforce.orgId,
      new Date(),
    );
    await publishAll(
      process.env.EVENT_BUS_NAME ?? BUS_NAME,
      envelopes.map((e) => ({
        source: SOURCES.salesforce,
        detailType: e.eventType,
        detail: e,
        time: new Date(e.created),
      })),
    );
    const unrouted = envelopes.filter(isUnrouted);
    metrics.addMetric('CrmEventsReceived', MetricUnit.Count, envelopes.length);
    if (unrouted.length > 0) metrics.addMetric('CrmEventsUnrouted', MetricUnit.Count, unrouted.length);
    logger.info('relayed salesforce event published', {
      detailType: event['detail-type'],
      eventIds: envelopes.map((e) => e.eventId),
      eventTypes: envelopes.map((e) => e.eventType),
    });
    return {
      published: envelopes.length,
      eventIds: envelopes.map((e) => e.eventId),
      eventTypes: envelopes.map((e) => e.eventType),
    };
  } finally {
    publishMetrics();
  }
};
