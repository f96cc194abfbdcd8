/**
 * Salesforce Event Relay → EventBridge. Salesforce relays the events of one channel to a partner event
 * source `aws.partner/salesforce.com/<orgId>/<channelId>`; on the partner event bus each arrives as an
 * ordinary EventBridge event with
 *   detail-type = the event's API name (`Q2C_Opportunity_Event__e`, or `OpportunityChangeEvent` for CDC),
 *   detail      = { payload: {…event fields…}, schemaId, id: <EventUuid> } (a replayId may also appear).
 * Date/time fields are serialised from the Avro schema as epoch milliseconds (CreatedDate,
 * ChangeEventHeader.commitTimestamp), ISO text is accepted too. A change data capture payload carries a
 * `ChangeEventHeader` { entityName, recordIds[], changeType, commitTimestamp, … } and only the CHANGED
 * fields (never SystemModstamp): its version is the commit timestamp, and a field it does not carry is
 * null in the envelope (the deal flow reloads the opportunity anyway).
 *
 * Everything normalises to the canonical envelope; anything unrecognised becomes an unrouted
 * `crm.<name>.updated` event, so nothing the relay delivers is dropped.
 */
import {
  EVENT_RELAY_SOURCE_PREFIX,
  OPPORTUNITY_CHANGE_EVENT,
  PLATFORM_EVENT,
} from '../../adapters/crm/salesforce/fields';
import {
  type DeliveryMeta,
  type InboundCrmEvent,
  isoTimestamp,
  opportunityEnvelope,
  salesforceBoolean,
  sameOrg,
  unroutedEnvelope,
  CrmInputError,
} from './inbound';

const PARTNER_SOURCE_PREFIX = `${EVENT_RELAY_SOURCE_PREFIX}/`;

/** The EventBridge event a rule on the partner event bus delivers to its target. */
export interface RelayedEvent {
  id?: string;
  'detail-type'?: string;
  source?: string;
  time?: string;
  detail?: unknown;
}

/** Avro unions may arrive wrapped (`{"string":"Closed Won"}`); unwrap one level. */
function plain(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1 && ['string', 'boolean', 'long', 'int', 'double'].includes(entries[0][0])) {
      return entries[0][1];
    }
  }
  return value;
}

const str = (v: unknown): string | null => {
  const p = plain(v);
  return typeof p === 'string' && p.length > 0 ? p : null;
};

/** The org id in `aws.partner/salesforce.com/<orgId>/<channelId>`, if the source has that form. */
export function relayOrgId(source: string | undefined): string | null {
  if (!source?.startsWith(PARTNER_SOURCE_PREFIX)) return null;
  const [orgId] = source.slice(PARTNER_SOURCE_PREFIX.length).split('/');
  return orgId || null;
}

export function normaliseRelayedEvent(
  event: RelayedEvent,
  configuredOrgId: string,
  receivedAt: Date,
): InboundCrmEvent[] {
  const detailType = typeof event['detail-type'] === 'string' ? event['detail-type'] : 'unknown';
  const detail = (event.detail && typeof event.detail === 'object' ? event.detail : {}) as Record<
    string,
    unknown
  >;
  const payload = (detail.payload && typeof detail.payload === 'object' ? detail.payload : {}) as Record<
    string,
    unknown
  >;
  const uuid = str(detail.id) ?? str(payload.EventUuid) ?? str(detail.replayId) ?? str(event.id) ?? 'unknown';
  const orgId = relayOrgId(event.source);
  const created = new Date(
    isoTimestamp(plain(payload.CreatedDate)) ?? isoTimestamp(event.time) ?? receivedAt.toISOString(),
  );
  const meta = (suffix = ''): DeliveryMeta => ({
    eventId: `sf:relay:${uuid}${suffix}`,
    channel: 'event-relay',
    orgId: orgId ?? configuredOrgId,
    created,
    receivedAt,
  });
  const unrouted = (reason: string, sobject = detailType): InboundCrmEvent[] => [
    unroutedEnvelope(meta(), { sobject, id: null, version: null }, { detail }, reason),
  ];

  if (!orgId || !sameOrg(orgId, configuredOrgId)) {
    return unrouted(`relayed from ${String(event.source)}, not from the configured org ${configuredOrgId}`);
  }
  try {
    if (detailType === PLATFORM_EVENT.apiName) {
      const f = PLATFORM_EVENT.fields;
      return [
        opportunityEnvelope(meta(), {
          id: str(payload[f.opportunityId]) ?? '',
          accountId: str(payload[f.accountId]),
          stageName: str(payload[f.stageName]),
          isWon: salesforceBoolean(plain(payload[f.isWon])),
          type: str(payload[f.type]),
          version: plain(payload[f.systemModstamp]),
        }),
      ].map((e) => ({ ...e, created: e.record.version }));
    }
    if (detailType === OPPORTUNITY_CHANGE_EVENT) return normaliseChangeEvent(payload, meta);
  } catch (err) {
    if (err instanceof CrmInputError) return unrouted(`${detailType} could not be read: ${err.message}`);
    throw err;
  }
  return unrouted(`${detailType} is not an event this integration routes`);
}

function normaliseChangeEvent(
  payload: Record<string, unknown>,
  meta: (suffix?: string) => DeliveryMeta,
): InboundCrmEvent[] {
  const header = (payload.ChangeEventHeader ?? {}) as Record<string, unknown>;
  const recordIds = Array.isArray(header.recordIds)
    ? header.recordIds.filter((r): r is string => typeof r === 'string')
    : [];
  if (str(header.entityName) !== 'Opportunity' || recordIds.length === 0) {
    throw new CrmInputError('malformed_change_event', 'ChangeEventHeader has no Opportunity recordIds');
  }
  const changeType = str(header.changeType) ?? 'UPDATE';
  // Deletes and gap events carry no usable state: they stay "updated" (acknowledged, not routed).
  const carriesState = changeType === 'CREATE' || changeType === 'UPDATE';
  return recordIds.map((id) => {
    const envelope = opportunityEnvelope(meta(recordIds.length > 1 ? `:${id}` : ''), {
      id,
      accountId: str(payload.AccountId),
      stageName: str(payload.StageName),
      isWon: carriesState ? salesforceBoolean(plain(payload.IsWon)) : null,
      type: str(payload.Type),
      version: plain(header.commitTimestamp),
    });
    return { ...envelope, created: envelope.record.version };
  });
}
