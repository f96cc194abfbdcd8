/**
 * Salesforce Flow / Apex HTTP callout: a JSON body signed with HMAC-SHA256 over `<t>.<raw body>` with
 * the secret shared with the org's External Credential. Header (FLOW_SIGNATURE_HEADER):
 * `t=<unix seconds>,v1=<hex>` — several v1 values are allowed so the secret can be rolled without
 * downtime. The timestamp must lie within FLOW_SIGNATURE_TOLERANCE_SECONDS of now in either direction
 * (a captured request cannot be replayed later, and a clock far ahead is refused too).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import {
  FLOW_SIGNATURE_HEADER,
  FLOW_SIGNATURE_TOLERANCE_SECONDS,
} from '../../adapters/crm/salesforce/fields';
import { CrmInputError, type DeliveryMeta, opportunityEnvelope, salesforceBoolean } from './inbound';
import type { CrmEventEnvelope } from './events';

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; code: string; message: string };

/** The hex HMAC-SHA256 of `<t>.<body>` (the body as its exact bytes). */
export function flowSignature(secret: string, timestamp: number, body: Buffer | string): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}.`, 'utf8')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('hex');
}

/** The header value Salesforce sends (and the local delivery helpers send). */
export function flowSignatureHeader(secret: string, body: Buffer | string, timestamp: number): string {
  return `t=${timestamp},v1=${flowSignature(secret, timestamp, body)}`;
}

export function verifyFlowSignature(
  header: string | undefined,
  body: Buffer,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = FLOW_SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!header)
    return { ok: false, code: 'missing_signature', message: `${FLOW_SIGNATURE_HEADER} header is required` };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) {
    return {
      ok: false,
      code: 'malformed_signature',
      message: `${FLOW_SIGNATURE_HEADER} must be t=<unix seconds>,v1=<hex HMAC-SHA256>`,
    };
  }
  if (signatures.length > 8) {
    return { ok: false, code: 'malformed_signature', message: 'too many v1 signatures' };
  }
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    return {
      ok: false,
      code: 'timestamp_outside_tolerance',
      message: `signature timestamp is more than ${toleranceSeconds} s from now (replayed or clock skew)`,
    };
  }
  const expected = Buffer.from(flowSignature(secret, timestamp, body), 'hex');
  // Every candidate is compared in constant time (all are 32 bytes, checked by the pattern above).
  let match = false;
  for (const s of signatures) match = timingSafeEqual(expected, Buffer.from(s, 'hex')) || match;
  if (!match) {
    return {
      ok: false,
      code: 'invalid_signature',
      message: 'signature does not match (wrong secret or tampered body)',
    };
  }
  return { ok: true, timestamp };
}

const nullableString = z.string().max(255).nullable().optional();

/** Body: `{ eventId, orgId, opportunity: { Id, AccountId, StageName, IsWon, Type, SystemModstamp } }`. */
export const FlowCalloutBody = z.object({
  eventId: z.string().min(1).max(255),
  orgId: z.string(),
  opportunity: z.object({
    Id: z.string(),
    AccountId: nullableString,
    StageName: nullableString,
    IsWon: z
      .union([z.boolean(), z.enum(['true', 'false'])])
      .nullable()
      .optional(),
    Type: nullableString,
    SystemModstamp: z.union([z.string(), z.number()]),
  }),
});
export type FlowCalloutBody = z.infer<typeof FlowCalloutBody>;

export function parseFlowCallout(text: string): FlowCalloutBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CrmInputError('malformed_json', 'body is not valid JSON');
  }
  const shape = FlowCalloutBody.safeParse(parsed);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    throw new CrmInputError(
      'malformed_callout',
      `body is not a Flow opportunity callout (${issue.path.join('.') || 'body'}: ${issue.message})`,
    );
  }
  return shape.data;
}

export function normaliseFlowCallout(body: FlowCalloutBody, receivedAt: Date): CrmEventEnvelope {
  const o = body.opportunity;
  const meta: DeliveryMeta = {
    eventId: `sf:flow:${body.eventId}`,
    channel: 'flow',
    orgId: body.orgId,
    created: receivedAt,
    receivedAt,
  };
  const envelope = opportunityEnvelope(meta, {
    id: o.Id,
    accountId: o.AccountId || null,
    stageName: o.StageName ?? null,
    isWon: salesforceBoolean(o.IsWon),
    type: o.Type || null,
    version: o.SystemModstamp,
  });
  // The change happened at SystemModstamp; the callout was sent moments later.
  return { ...envelope, created: envelope.record.version };
}
