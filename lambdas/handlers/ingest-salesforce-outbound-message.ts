/**
 * POST /webhooks/salesforce/outbound-message — Salesforce Outbound Messaging (SOAP 1.1).
 *
 * parse → check org → one envelope per notification → PutEvents (batches of ≤10, failed entries retried)
 * → `<Ack>true</Ack>` ONLY when every notification is on the bus. Otherwise a SOAP Fault:
 *   - 413 oversized, 400 malformed XML / not a notifications envelope / unusable notification (Client),
 *   - 403 another OrganizationId (Client),
 *   - 500 the bus did not accept every notification (Server): Salesforce redelivers the whole message
 *     (for up to 24 h), and the notification ids keep the event ids stable, so redelivery is safe.
 * Notifications for an sObject other than Opportunity are acknowledged and archived on the bus as
 * unrouted `crm.<object>.updated` events (metric CrmEventsUnrouted): refusing them would make
 * Salesforce retry a message no fix on our side can accept, and dropping them would lose them.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { publishAll } from '../adapters/store/event-bus';
import { CrmInputError, isUnrouted, sameOrg } from '../domain/crm/inbound';
import {
  ackResponse,
  faultResponse,
  normaliseOutboundMessage,
  parseOutboundMessage,
} from '../domain/crm/outbound-message';
import { rawBody } from './commons/http';
import { logger, metrics } from './commons/powertools';
import { recordRejection, webhookHandler } from './commons/webhook';
import { BUS_NAME, DEPLOYMENT, MAX_WEBHOOK_BODY_BYTES, SOURCES } from '../../lib/topology';

export const handler = webhookHandler(ingest);

const xml = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'text/xml; charset=utf-8' },
  body,
});

async function ingest(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const body = rawBody(event);
  if (body.length > MAX_WEBHOOK_BODY_BYTES) {
    return reject(
      413,
      'payload_too_large',
      `body is ${body.length} bytes; the limit is ${MAX_WEBHOOK_BODY_BYTES}`,
    );
  }
  let envelopes;
  try {
    const message = parseOutboundMessage(body.toString('utf8'));
    if (!sameOrg(message.organizationId, process.env.SALESFORCE_ORG_ID ?? DEPLOYMENT.salesforce.orgId)) {
      return reject(
        403,
        'wrong_org',
        'OrganizationId is not the Salesforce org this deployment accepts events from',
      );
    }
    envelopes = normaliseOutboundMessage(message, new Date());
  } catch (err) {
    if (err instanceof CrmInputError) return reject(400, err.code, err.message);
    throw err;
  }

  try {
    await publishAll(
      process.env.EVENT_BUS_NAME ?? BUS_NAME,
      envelopes.map((e) => ({
        source: SOURCES.salesforce,
        detailType: e.eventType,
        detail: e,
        time: new Date(e.created),
      })),
    );
  } catch (err) {
    metrics.addMetric('CrmOutboundMessagesNotAcknowledged', MetricUnit.Count, 1);
    logger.error('outbound message not acknowledged: the bus did not accept every notification', {
      notifications: envelopes.length,
      error: (err as Error).message,
    });
    return xml(
      500,
      faultResponse('Server', 'bus_unavailable', 'not every notification reached the event bus; resend'),
    );
  }
  const unrouted = envelopes.filter(isUnrouted);
  metrics.addMetric('CrmEventsReceived', MetricUnit.Count, envelopes.length);
  if (unrouted.length > 0) metrics.addMetric('CrmEventsUnrouted', MetricUnit.Count, unrouted.length);
  logger.info('outbound message acknowledged', {
    notifications: envelopes.length,
    unrouted: unrouted.map((e) => e.eventType),
    eventIds: envelopes.map((e) => e.eventId),
  });
  return xml(200, ackResponse());
}

function reject(statusCode: number, code: string, message: string): APIGatewayProxyStructuredResultV2 {
  recordRejection('outbound message', statusCode, code);
  return xml(statusCode, faultResponse('Client', code, message));
}
