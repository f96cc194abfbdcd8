/**
 * POST /webhooks/salesforce/flow — a Salesforce Flow (or Apex) HTTP callout when an opportunity changes.
 * verify → normalise → publish, as for Stripe: oversized 413; missing, malformed, wrong or stale
 * signature 401; malformed JSON or shape 400; another org 403; the canonical envelope goes onto the bus
 * (source q2c.salesforce, detail-type = its eventType) and the 200 only after PutEvents accepted it, so
 * the Flow's fault path (or the Apex retry) resends otherwise.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { FLOW_SIGNATURE_HEADER } from '../adapters/crm/salesforce/fields';
import { publish } from '../adapters/store/event-bus';
import { secretValue } from '../adapters/store/secrets';
import { normaliseFlowCallout, parseFlowCallout, verifyFlowSignature } from '../domain/crm/flow-callout';
import { CrmInputError, sameOrg } from '../domain/crm/inbound';
import { header, json, rawBody } from './commons/http';
import { logger, metrics } from './commons/powertools';
import { recordRejection, webhookHandler } from './commons/webhook';
import {
  BUS_NAME,
  DEPLOYMENT,
  handledDetailTypes,
  MAX_WEBHOOK_BODY_BYTES,
  SECRETS,
  SOURCES,
} from '../../lib/topology';

export const handler = webhookHandler(ingest);

async function ingest(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const body = rawBody(event);
  if (body.length > MAX_WEBHOOK_BODY_BYTES) {
    return reject(
      413,
      'payload_too_large',
      `body is ${body.length} bytes; the limit is ${MAX_WEBHOOK_BODY_BYTES}`,
    );
  }
  const secret = await secretValue(
    SECRETS.salesforceFlowSigning.envVar,
    SECRETS.salesforceFlowSigning.localEnvVar,
  );
  const check = verifyFlowSignature(header(event, FLOW_SIGNATURE_HEADER), body, secret, Date.now() / 1000);
  if (!check.ok) return reject(401, check.code, check.message);

  let envelope;
  try {
    const callout = parseFlowCallout(body.toString('utf8'));
    if (!sameOrg(callout.orgId, process.env.SALESFORCE_ORG_ID ?? DEPLOYMENT.salesforce.orgId)) {
      return reject(403, 'wrong_org', 'orgId is not the Salesforce org this deployment accepts events from');
    }
    envelope = normaliseFlowCallout(callout, new Date());
  } catch (err) {
    if (err instanceof CrmInputError) return reject(400, err.code, err.message);
    throw err;
  }

  await publish(process.env.EVENT_BUS_NAME ?? BUS_NAME, {
    source: SOURCES.salesforce,
    detailType: envelope.eventType,
    detail: envelope,
    time: new Date(envelope.created),
  });
  const handled = handledDetailTypes(SOURCES.salesforce).has(envelope.eventType);
  metrics.addMetric('CrmEventsReceived', MetricUnit.Count, 1);
  logger.info('salesforce flow callout accepted', {
    eventId: envelope.eventId,
    eventType: envelope.eventType,
    correlationId: envelope.correlationId,
    version: envelope.record.version,
    handled,
  });
  return json(200, { received: true, eventId: envelope.eventId, eventType: envelope.eventType, handled });
}

function reject(statusCode: number, code: string, message: string): APIGatewayProxyStructuredResultV2 {
  recordRejection('salesforce flow callout', statusCode, code);
  return json(statusCode, { error: { code, message } });
}
