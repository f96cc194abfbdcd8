/** Sends Stripe events to a webhook endpoint exactly as Stripe does: raw JSON body, Stripe-Signature header. */
import Stripe from 'stripe';

export interface Delivery {
  eventId: string;
  type: string;
  status: number;
  body: string;
}

export function signStripePayload(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

export async function deliverStripeEvent(
  webhookUrl: string,
  event: { id: string; type: string },
  secret: string,
): Promise<Delivery> {
  const payload = JSON.stringify(event, null, 2);
  const res = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': signStripePayload(payload, secret),
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    },
    body: payload,
  });
  return { eventId: event.id, type: event.type, status: res.status, body: await res.text() };
}
