/**
 * POST /webhooks/stripe — verify, normalise, publish. Nothing is lost: a bad signature is 401, a
 * malformed body 400, an oversized one 413; every verified event (handled or not) goes onto the
 * archived bus, and the 200 goes back only after EventBridge accepted it, so Stripe retries otherwise.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { signatureWindow, STRIPE_SIGNATURE_TOLERANCE_SECONDS } from '../domain/stripe-signature';
import { jsonDepth, MAX_EVENT_DEPTH, normaliseStripeEvent, StripeEventShape } from '../domain/envelope';
import { verifyStripeSignature } from '../adapters/billing/stripe-webhook-signature';
import { publish } from '../adapters/store/event-bus';
import { secretValue } from '../adapters/store/secrets';
import { header, json, rawBody } from './commons/http';
import { logger, metrics } from './commons/powertools';
import { recordRejection, webhookHandler } from './commons/webhook';
import { BUS_NAME, handledDetailTypes, MAX_WEBHOOK_BODY_BYTES, SECRETS, SOURCES } from '../../lib/topology';

const HANDLED = handledDetailTypes(SOURCES.stripe);

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
  const signature = header(event, 'stripe-signature');
  if (!signature) return reject(401, 'missing_signature', 'Stripe-Signature header is required');

  const secret = await secretValue(SECRETS.stripeWebhook.envVar, SECRETS.stripeWebhook.localEnvVar);
  const check = verifyStripeSignature({
    payload: body,
    header: signature,
    secret,
    toleranceSeconds: STRIPE_SIGNATURE_TOLERANCE_SECONDS,
    nowSeconds: Math.floor(Date.now() / 1000),
  });
  if (!check.verified) {
    return reject(
      401,
      'invalid_signature',
      'signature verification failed (wrong secret, tampered or expired)',
    );
  }
  // Stripe's scheme bounds only the age; a verified signature dated ahead of the tolerance is refused too.
  const window = signatureWindow(check.timestamp, Math.floor(Date.now() / 1000));
  if (!window.ok) return reject(400, window.code, window.message);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return reject(400, 'malformed_json', 'body is not valid JSON');
  }
  if (jsonDepth(parsed, MAX_EVENT_DEPTH) > MAX_EVENT_DEPTH) {
    return reject(400, 'too_deeply_nested', `the event nests deeper than ${MAX_EVENT_DEPTH} levels`);
  }
  const shape = StripeEventShape.safeParse(parsed);
  if (!shape.success) return reject(400, 'malformed_event', 'body is not a Stripe event object');

  const envelope = normaliseStripeEvent(shape.data, new Date());
  await publish(process.env.EVENT_BUS_NAME ?? BUS_NAME, {
    source: SOURCES.stripe,
    detailType: envelope.eventType,
    detail: envelope,
    time: new Date(envelope.created),
  });
  const handled = HANDLED.has(envelope.eventType);
  metrics.addMetric('WebhookEventsReceived', MetricUnit.Count, 1);
  if (!handled) metrics.addMetric('WebhookEventsUnhandled', MetricUnit.Count, 1);
  logger.info('webhook accepted', {
    eventId: envelope.eventId,
    eventType: envelope.eventType,
    correlationId: envelope.correlationId,
    handled,
  });
  return json(200, { received: true, eventId: envelope.eventId, handled });
}

function reject(statusCode: number, code: string, message: string): APIGatewayProxyStructuredResultV2 {
  recordRejection('webhook', statusCode, code);
  return json(statusCode, { error: { code, message } });
}
