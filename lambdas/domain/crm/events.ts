/**
 * The canonical CRM event envelope. Salesforce reaches us three ways (Flow/Apex HTTP callout,
 * Outbound Message SOAP, Event Relay / Change Data Capture); all three normalise to this one
 * shape on the bus (source `q2c.salesforce`, detail-type = `eventType`).
 *
 * It carries ids and the record version only — never amounts. The deal-to-subscription flow
 * reloads the opportunity, quote and lines from Salesforce, because Outbound Messages carry only
 * the latest state, may arrive out of order, and a webhook body is not a source of truth for money.
 */
import * as z from 'zod';

export const CRM_OPPORTUNITY_EVENT_TYPES = [
  'crm.opportunity.closed_won',
  'crm.opportunity.amended',
  'crm.opportunity.renewed',
  'crm.opportunity.cancelled',
] as const;
export type CrmOpportunityEventType = (typeof CRM_OPPORTUNITY_EVENT_TYPES)[number];

/** Any other opportunity change (still open, closed lost…): acknowledged and archived, not routed. */
export const CRM_OPPORTUNITY_UPDATED = 'crm.opportunity.updated';

export const CRM_CHANNELS = ['flow', 'outbound-message', 'event-relay'] as const;
export type CrmChannel = (typeof CRM_CHANNELS)[number];

/** 15- or 18-character Salesforce record id. */
export const SalesforceId = z.string().regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'not a Salesforce id');

export const CrmEventEnvelope = z.object({
  schemaVersion: z.literal('v1'),
  source: z.literal('salesforce'),
  /** Stable per delivery source (e.g. `sf:om:<notification id>`, `sf:flow:<event id>`, `sf:relay:<replay id>`). */
  eventId: z.string().min(1),
  eventType: z.union([z.enum(CRM_OPPORTUNITY_EVENT_TYPES), z.literal(CRM_OPPORTUNITY_UPDATED)]),
  channel: z.enum(CRM_CHANNELS),
  /** 18-character organisation id the event came from (checked against configuration at the edge). */
  orgId: SalesforceId,
  created: z.string().datetime(),
  receivedAt: z.string().datetime(),
  /** `sf:<18-char opportunity id>`: flows into Stripe metadata, then onto invoices and ledger lines. */
  correlationId: z.string().min(1),
  record: z.object({
    sobject: z.literal('Opportunity'),
    id: SalesforceId,
    accountId: SalesforceId.nullable(),
    /** SystemModstamp (ISO): the version used to ignore stale and duplicate messages. */
    version: z.string().datetime({ offset: true }),
    stageName: z.string().nullable(),
    type: z.string().nullable(),
    isWon: z.boolean().nullable(),
  }),
});
export type CrmEventEnvelope = z.infer<typeof CrmEventEnvelope>;

/**
 * Opportunity.Type decides what a won deal means for billing (standard picklist values plus the
 * three the shipped metadata adds). Not won → `crm.opportunity.updated`.
 */
export const OPPORTUNITY_TYPE_EVENTS: Readonly<Record<string, CrmOpportunityEventType>> = {
  'New Business': 'crm.opportunity.closed_won',
  'New Customer': 'crm.opportunity.closed_won',
  'Existing Customer - Upgrade': 'crm.opportunity.amended',
  'Existing Customer - Downgrade': 'crm.opportunity.amended',
  Amendment: 'crm.opportunity.amended',
  Renewal: 'crm.opportunity.renewed',
  'Existing Customer - Replacement': 'crm.opportunity.renewed',
  Cancellation: 'crm.opportunity.cancelled',
};

export function classifyOpportunity(o: {
  isWon: boolean | null;
  type: string | null;
}): CrmOpportunityEventType | typeof CRM_OPPORTUNITY_UPDATED {
  if (!o.isWon) return CRM_OPPORTUNITY_UPDATED;
  return OPPORTUNITY_TYPE_EVENTS[o.type ?? ''] ?? 'crm.opportunity.closed_won';
}

/** Salesforce's 15 → 18 character id conversion (case-insensitive suffix), so crosswalk keys agree. */
export function salesforceId18(id: string): string {
  if (id.length === 18) return id;
  if (id.length !== 15) throw new Error(`not a Salesforce id: ${id}`);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += alphabet.charAt(bits);
  }
  return id + suffix;
}

export const correlationIdForOpportunity = (opportunityId: string): string =>
  `sf:${salesforceId18(opportunityId)}`;
