/**
 * Delivering opportunity changes the way Salesforce does, for the demo and the tests:
 *  - Outbound Message: the SOAP `notifications` envelope Salesforce POSTs (1–100 Notifications, each
 *    with a stable notification id and the record's latest state), resent until it gets `<Ack>true</Ack>`;
 *  - Flow / Apex callout: the JSON body signed `t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">`;
 *  - Event Relay: the relayed platform event, put on the partner event bus with the real EventBridge client.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { createHash, randomUUID } from 'node:crypto';
import {
  FLOW_SIGNATURE_HEADER,
  OUTBOUND_MESSAGE_NAMESPACE,
  PLATFORM_EVENT,
} from '../../lambdas/adapters/crm/salesforce/fields';
import { salesforceId18 } from '../../lambdas/domain/crm/events';
import { flowSignatureHeader } from '../../lambdas/domain/crm/flow-callout';
import { SOAP_ENVELOPE_NAMESPACE, SOBJECT_NAMESPACE } from '../../lambdas/domain/crm/outbound-message';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../services/local-aws';

export const OUTBOUND_MESSAGE_PATH = '/webhooks/salesforce/outbound-message';
export const FLOW_CALLOUT_PATH = '/webhooks/salesforce/flow';

/** The opportunity fields the shipped Outbound Message, Flow and platform event carry. */
export interface OpportunityChange {
  Id: string;
  AccountId?: string | null;
  StageName?: string | null;
  IsWon?: boolean | null;
  Type?: string | null;
  /** ISO timestamp: the record version. */
  SystemModstamp: string;
}

export interface Notification {
  /** 04l… notification id; the same on every resend of this change. */
  id: string;
  sobject: string;
  fields: Record<string, string | number | boolean | null | undefined>;
}

/** Salesforce keeps a notification id per queued change: derived here from the record and its version. */
export function notificationId(recordId: string, version: string): string {
  const digest = createHash('sha256').update(`${recordId}@${version}`).digest();
  let body = '';
  for (let i = 0; i < 12; i++)
    body += '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[digest[i] % 62];
  return salesforceId18(`04l${body}`);
}

export const opportunityNotification = (o: OpportunityChange): Notification => ({
  id: notificationId(o.Id, o.SystemModstamp),
  sobject: 'Opportunity',
  fields: { ...o },
});

const escapeXml = (s: string): string =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

/** The SOAP body Salesforce POSTs for these notifications (fields in the sf: enterprise namespace). */
export function outboundMessageXml(
  orgId: string,
  notifications: readonly Notification[],
  actionId = '04k5g000000Q2CQAA0',
): string {
  const field = ([name, value]: [string, Notification['fields'][string]]): string =>
    value === null || value === undefined
      ? `<sf:${name} xsi:nil="true"/>`
      : `<sf:${name}>${escapeXml(String(value))}</sf:${name}>`;
  const items = notifications
    .map(
      (n) =>
        `<Notification><Id>${n.id}</Id><sObject xsi:type="sf:${n.sobject}" xmlns:sf="${SOBJECT_NAMESPACE}">` +
        Object.entries(n.fields).map(field).join('') +
        '</sObject></Notification>',
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE_NAMESPACE}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" ` +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
    `<notifications xmlns="${OUTBOUND_MESSAGE_NAMESPACE}"><OrganizationId>${orgId}</OrganizationId>` +
    `<ActionId>${actionId}</ActionId><SessionId xsi:nil="true"/>` +
    '<EnterpriseUrl>https://quillstack.my.salesforce.com/services/Soap/c/62.0/00D5g000004Q2CQ</EnterpriseUrl>' +
    '<PartnerUrl>https://quillstack.my.salesforce.com/services/Soap/u/62.0/00D5g000004Q2CQ</PartnerUrl>' +
    `${items}</notifications></soapenv:Body></soapenv:Envelope>`
  );
}

export const isAck = (body: string): boolean => /<Ack>\s*true\s*<\/Ack>/.test(body);

export interface OutboundDelivery {
  acknowledged: boolean;
  attempts: number;
  status: number;
  body: string;
}

/** POSTs the message and, like Salesforce, resends it until acknowledged (or attempts run out). */
export async function deliverOutboundMessage(
  baseUrl: string,
  xml: string,
  options: { attempts?: number; retryDelayMs?: number } = {},
): Promise<OutboundDelivery> {
  const attempts = options.attempts ?? 1;
  let last = { status: 0, body: '' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 500));
    const res = await fetch(`${baseUrl}${OUTBOUND_MESSAGE_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: '""',
        'user-agent': 'Jakarta Commons-HttpClient/3.1',
      },
      body: xml,
    });
    last = { status: res.status, body: await res.text() };
    if (res.status === 200 && isAck(last.body)) return { acknowledged: true, attempts: attempt, ...last };
  }
  return { acknowledged: false, attempts, ...last };
}

/** The JSON body of the shipped Flow's callout. */
export const flowCalloutBody = (orgId: string, o: OpportunityChange, eventId?: string) => ({
  eventId: eventId ?? `${o.Id}-${Date.parse(o.SystemModstamp)}`,
  orgId,
  opportunity: o,
});

export interface FlowCalloutOptions {
  /** Signing time (unix seconds); default now. */
  timestamp?: number;
  /** Use this header value instead of signing (null: send none). */
  signature?: string | null;
  /** Send this text instead of the JSON of the body. */
  rawBody?: string;
}

export async function sendFlowCallout(
  baseUrl: string,
  body: unknown,
  secret: string,
  options: FlowCalloutOptions = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = options.rawBody ?? JSON.stringify(body);
  const signature =
    options.signature === undefined
      ? flowSignatureHeader(secret, text, options.timestamp ?? Math.floor(Date.now() / 1000))
      : options.signature;
  const res = await fetch(`${baseUrl}${FLOW_CALLOUT_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { [FLOW_SIGNATURE_HEADER]: signature }),
    },
    body: text,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The relayed platform event's payload (Avro → JSON: date/times as epoch milliseconds). */
export function platformEventPayload(o: OpportunityChange, createdAt = new Date()): Record<string, unknown> {
  const f = PLATFORM_EVENT.fields;
  return {
    [f.opportunityId]: o.Id,
    [f.accountId]: o.AccountId ?? null,
    [f.stageName]: o.StageName ?? null,
    [f.isWon]: o.IsWon ?? null,
    [f.type]: o.Type ?? null,
    [f.systemModstamp]: Date.parse(o.SystemModstamp),
    CreatedDate: createdAt.getTime(),
    CreatedById: '0055g00000Q2CQAAA0',
  };
}

export interface RelayEventInput {
  /** The local EventBridge endpoint (GET /ops/endpoints → eventBridge). */
  endpoint: string;
  /** Partner event bus = partner event source name (`aws.partner/salesforce.com/<org>/<channel>`). */
  partnerEventBus: string;
  detailType?: string;
  payload: Record<string, unknown>;
  /** EventUuid of the relayed event (stable across relay retries). */
  eventUuid?: string;
}

/** Puts a relayed event on the partner bus as Salesforce Event Relay does; returns the EventBridge id. */
export async function putRelayEvent(input: RelayEventInput): Promise<string> {
  const client = new EventBridgeClient({
    endpoint: input.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: input.partnerEventBus,
            Source: input.partnerEventBus,
            DetailType: input.detailType ?? PLATFORM_EVENT.apiName,
            Detail: JSON.stringify({
              payload: input.payload,
              schemaId: 'q2cOpportunityEventSchema01',
              id: input.eventUuid ?? randomUUID(),
            }),
          },
        ],
      }),
    );
    const entry = out.Entries?.[0];
    if (!entry?.EventId)
      throw new Error(`PutEvents refused the relay event: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
    return entry.EventId;
  } finally {
    client.destroy();
  }
}
