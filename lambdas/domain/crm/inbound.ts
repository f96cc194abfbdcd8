/**
 * What the three Salesforce ingestion channels (Flow callout, Outbound Message, Event Relay) have in
 * common: the opportunity state each of them carries, turned into the one canonical envelope, and the
 * "unrouted" envelope for everything else a channel may deliver (another sObject, an unknown relayed
 * event). Unrouted events are acknowledged to Salesforce and archived on the bus (nothing lost, nothing
 * retried forever), but no rule routes them; the ingest handlers count them (metric CrmEventsUnrouted).
 */
import {
  classifyOpportunity,
  correlationIdForOpportunity,
  CrmEventEnvelope,
  type CrmChannel,
  salesforceId18,
  SalesforceId,
} from './events';

/** The latest opportunity state a channel delivers (never amounts: the flow reloads those). */
export interface OpportunityState {
  id: string;
  accountId: string | null;
  stageName: string | null;
  isWon: boolean | null;
  type: string | null;
  /** SystemModstamp (or the change's commit time for CDC): ISO-8601 text or epoch milliseconds. */
  version: unknown;
}

export interface DeliveryMeta {
  eventId: string;
  channel: CrmChannel;
  orgId: string;
  created: Date;
  receivedAt: Date;
}

/** Why a delivery cannot become an envelope (a 4xx at the edge). */
export class CrmInputError extends Error {
  override readonly name = 'CrmInputError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A Salesforce timestamp (ISO with Z or offset, or epoch milliseconds) as canonical ISO, else null. */
export function isoTimestamp(value: unknown): string | null {
  let date: Date;
  if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value);
  else if (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(value)
  )
    date = new Date(value);
  else return null;
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  // Years beyond 9999 serialise as "+010000-…", which no Salesforce timestamp is.
  return /^\d{4}-/.test(iso) ? iso : null;
}

/** `true`/`false` as Salesforce serialises checkboxes (JSON boolean or SOAP text); anything else null. */
export function salesforceBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

export const isSalesforceId = (value: unknown): value is string =>
  typeof value === 'string' && SalesforceId.safeParse(value).success;

/** The canonical envelope of an opportunity change (detail-type = its classification). */
export function opportunityEnvelope(meta: DeliveryMeta, o: OpportunityState): CrmEventEnvelope {
  if (!isSalesforceId(meta.orgId))
    throw new CrmInputError('invalid_org_id', 'the organisation id is not a Salesforce id');
  if (!isSalesforceId(o.id))
    throw new CrmInputError('invalid_opportunity_id', 'opportunity Id is not a Salesforce id');
  if (o.accountId !== null && !isSalesforceId(o.accountId))
    throw new CrmInputError('invalid_account_id', 'AccountId is not a Salesforce id');
  const version = isoTimestamp(o.version);
  if (!version) throw new CrmInputError('invalid_version', 'SystemModstamp is missing or not a timestamp');
  const envelope: CrmEventEnvelope = {
    schemaVersion: 'v1',
    source: 'salesforce',
    eventId: meta.eventId,
    eventType: classifyOpportunity({ isWon: o.isWon, type: o.type }),
    channel: meta.channel,
    orgId: salesforceId18(meta.orgId),
    created: meta.created.toISOString(),
    receivedAt: meta.receivedAt.toISOString(),
    correlationId: correlationIdForOpportunity(o.id),
    record: {
      sobject: 'Opportunity',
      id: salesforceId18(o.id),
      accountId: o.accountId === null ? null : salesforceId18(o.accountId),
      version,
      stageName: o.stageName,
      type: o.type,
      isWon: o.isWon,
    },
  };
  const checked = CrmEventEnvelope.safeParse(envelope);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new CrmInputError('invalid_opportunity', `${issue.path.join('.')}: ${issue.message}`);
  }
  return checked.data;
}

/** An event no rule routes: another sObject, an unknown relayed event. Kept whole on the bus. */
export interface CrmUnroutedEnvelope {
  schemaVersion: 'v1';
  source: 'salesforce';
  eventId: string;
  /** `crm.<object>.updated`, e.g. `crm.account.updated`, `crm.invoice__c.updated`. */
  eventType: string;
  channel: CrmChannel;
  orgId: string;
  created: string;
  receivedAt: string;
  correlationId: string;
  routed: false;
  /** Why it is not routed, for the operator reading the archive. */
  reason: string;
  record: { sobject: string; id: string | null; version: string | null };
  /** The record fields (or event payload) exactly as delivered. */
  fields: Record<string, unknown>;
}

/** `crm.<object>.updated` with the object name reduced to what a detail-type pattern can match simply. */
export function unroutedEventType(object: string): string {
  const name =
    object
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_')
      .slice(0, 80) || 'unknown';
  return `crm.${name}.updated`;
}

export function unroutedEnvelope(
  meta: DeliveryMeta,
  record: { sobject: string; id: string | null; version: unknown },
  fields: Record<string, unknown>,
  reason: string,
): CrmUnroutedEnvelope {
  const id = isSalesforceId(record.id) ? salesforceId18(record.id) : null;
  return {
    schemaVersion: 'v1',
    source: 'salesforce',
    eventId: meta.eventId,
    eventType: unroutedEventType(record.sobject),
    channel: meta.channel,
    orgId: isSalesforceId(meta.orgId) ? salesforceId18(meta.orgId) : meta.orgId,
    created: meta.created.toISOString(),
    receivedAt: meta.receivedAt.toISOString(),
    correlationId: id ? `sf:${id}` : meta.eventId,
    routed: false,
    reason,
    record: { sobject: record.sobject, id, version: isoTimestamp(record.version) },
    fields,
  };
}

export type InboundCrmEvent = CrmEventEnvelope | CrmUnroutedEnvelope;

export const isUnrouted = (e: InboundCrmEvent): e is CrmUnroutedEnvelope =>
  (e as CrmUnroutedEnvelope).routed === false;

/** Same org? Compares the 18-character forms (a 15-character id is accepted from Salesforce formulas). */
export function sameOrg(a: unknown, configured: string): boolean {
  return isSalesforceId(a) && salesforceId18(a) === salesforceId18(configured);
}
