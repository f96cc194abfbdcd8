/**
 * The sandbox org's data model: the standard objects the integration touches (with the standard
 * fields lambdas/adapters/crm/salesforce/fields.ts reads, the system fields, and what a realistic
 * seed needs) plus every custom field of that file. Field names are matched case-insensitively, as
 * Salesforce does, and answered in their canonical spelling.
 */
import {
  ACCOUNT_FIELDS,
  BILLING_FREQUENCIES,
  BILLING_STATUSES,
  CANCELLATION_MODES,
  OPPORTUNITY_FIELDS,
  QUOTE_FIELDS,
} from '../../../lambdas/adapters/crm/salesforce/fields';
import { OPPORTUNITY_TYPE_EVENTS } from '../../../lambdas/domain/crm/events';

export type FieldValue = string | number | boolean | null;

export type FieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'textarea'
  | 'email'
  | 'url'
  | 'phone'
  | 'picklist'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'double'
  | 'currency'
  | 'percent';

export interface FieldDef {
  name: string;
  type: FieldType;
  label: string;
  /** Writable on insert / on update (false for system, formula and roll-up fields). */
  createable: boolean;
  updateable: boolean;
  /** Required on insert (REQUIRED_FIELD_MISSING). */
  required: boolean;
  custom: boolean;
  externalId: boolean;
  /** For references: the target object and the parent relationship name (`Account`, `Q2C_…__r`). */
  referenceTo?: string;
  relationshipName?: string;
  picklistValues?: readonly string[];
  /** Restricted picklist: other values → INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST. */
  restricted?: boolean;
  /** Value on insert when none is given. */
  defaultValue?: FieldValue;
  length?: number;
}

export interface ChildRelationship {
  relationshipName: string;
  childSObject: string;
  field: string;
}

export interface ObjectDef {
  name: string;
  label: string;
  keyPrefix: string;
  fields: ReadonlyMap<string, FieldDef>; // lower-case name → definition
  childRelationships: ChildRelationship[];
}

type FieldOptions = Partial<Omit<FieldDef, 'name' | 'type'>>;

function field(name: string, type: FieldType, opts: FieldOptions = {}): FieldDef {
  const custom = name.endsWith('__c');
  return {
    name,
    type,
    label: opts.label ?? name.replace(/__c$/, '').replace(/^Q2C_/, '').replace(/_/g, ' '),
    createable: opts.createable ?? true,
    updateable: opts.updateable ?? opts.createable ?? true,
    required: opts.required ?? false,
    custom,
    externalId: opts.externalId ?? false,
    ...(opts.length !== undefined || type === 'string' ? { length: opts.length ?? 255 } : {}),
    ...(opts.referenceTo ? { referenceTo: opts.referenceTo } : {}),
    ...(opts.relationshipName ? { relationshipName: opts.relationshipName } : {}),
    ...(opts.picklistValues
      ? { picklistValues: opts.picklistValues, restricted: opts.restricted ?? false }
      : {}),
    ...(opts.defaultValue !== undefined ? { defaultValue: opts.defaultValue } : {}),
  };
}

const readOnly = (name: string, type: FieldType, opts: FieldOptions = {}): FieldDef =>
  field(name, type, { ...opts, createable: false, updateable: false });

const ref = (name: string, referenceTo: string, opts: FieldOptions = {}): FieldDef =>
  field(name, 'reference', {
    referenceTo,
    relationshipName: name.endsWith('__c') ? name.replace(/__c$/, '__r') : name.replace(/Id$/, ''),
    ...opts,
  });

/** Id and the audit fields every object has; all read-only. */
const SYSTEM_FIELDS = [
  readOnly('Id', 'id', { label: 'Record ID' }),
  readOnly('IsDeleted', 'boolean', { label: 'Deleted' }),
  readOnly('CreatedDate', 'datetime', { label: 'Created Date' }),
  readOnly('LastModifiedDate', 'datetime', { label: 'Last Modified Date' }),
  readOnly('SystemModstamp', 'datetime', { label: 'System Modstamp' }),
];

const currency = field('CurrencyIsoCode', 'picklist', {
  label: 'Currency ISO Code',
  picklistValues: ['USD', 'EUR', 'GBP', 'CAD'],
  restricted: true,
  defaultValue: 'USD',
});

const OPPORTUNITY_STAGES = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Value Proposition',
  'Proposal/Price Quote',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
] as const;

const definitions: { name: string; label: string; keyPrefix: string; fields: FieldDef[] }[] = [
  {
    name: 'Account',
    label: 'Account',
    keyPrefix: '001',
    fields: [
      field('Name', 'string', { required: true }),
      field('Type', 'picklist', {
        picklistValues: ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Other'],
      }),
      field('Industry', 'picklist', {
        picklistValues: ['Apparel', 'Healthcare', 'Media', 'Technology', 'Transportation', 'Other'],
      }),
      field('Phone', 'phone'),
      field('Website', 'url'),
      field('BillingStreet', 'textarea'),
      field('BillingCity', 'string', { length: 40 }),
      field('BillingState', 'string', { length: 80 }),
      field('BillingPostalCode', 'string', { length: 20 }),
      field('BillingCountry', 'string', { length: 80 }),
      currency,
      field(ACCOUNT_FIELDS.stripeCustomerId, 'string', { externalId: true, length: 255 }),
      field(ACCOUNT_FIELDS.erpCustomerId, 'string', { externalId: true, length: 255 }),
    ],
  },
  {
    name: 'Contact',
    label: 'Contact',
    keyPrefix: '003',
    fields: [
      field('FirstName', 'string', { length: 40 }),
      field('LastName', 'string', { required: true, length: 80 }),
      readOnly('Name', 'string', { label: 'Full Name', length: 121 }),
      ref('AccountId', 'Account'),
      field('Email', 'email'),
      field('Phone', 'phone'),
      field('Title', 'string', { length: 128 }),
      currency,
    ],
  },
  {
    name: 'Product2',
    label: 'Product',
    keyPrefix: '01t',
    fields: [
      field('Name', 'string', { required: true }),
      field('ProductCode', 'string'),
      field('Description', 'textarea'),
      field('Family', 'picklist', { picklistValues: ['Subscription', 'Support', 'Services', 'License'] }),
      field('IsActive', 'boolean', { defaultValue: false }),
      currency,
    ],
  },
  {
    name: 'Pricebook2',
    label: 'Price Book',
    keyPrefix: '01s',
    fields: [
      field('Name', 'string', { required: true }),
      field('IsActive', 'boolean', { defaultValue: false }),
      readOnly('IsStandard', 'boolean', { defaultValue: false }),
      field('Description', 'string'),
    ],
  },
  {
    name: 'PricebookEntry',
    label: 'Price Book Entry',
    keyPrefix: '01u',
    fields: [
      ref('Pricebook2Id', 'Pricebook2', { required: true, updateable: false }),
      ref('Product2Id', 'Product2', { required: true, updateable: false }),
      field('UnitPrice', 'currency', { label: 'List Price', required: true }),
      field('IsActive', 'boolean', { defaultValue: false }),
      field('UseStandardPrice', 'boolean', { defaultValue: false }),
      readOnly('Name', 'string', { label: 'Product Name' }),
      readOnly('ProductCode', 'string'),
      { ...currency, updateable: false },
    ],
  },
  {
    name: 'Opportunity',
    label: 'Opportunity',
    keyPrefix: '006',
    fields: [
      field('Name', 'string', { required: true, length: 120 }),
      ref('AccountId', 'Account'),
      field('StageName', 'picklist', {
        required: true,
        picklistValues: OPPORTUNITY_STAGES,
        restricted: true,
      }),
      readOnly('IsWon', 'boolean', { label: 'Won' }),
      readOnly('IsClosed', 'boolean', { label: 'Closed' }),
      // Standard values plus the three the shipped metadata adds (OPPORTUNITY_TYPE_EVENTS); unrestricted.
      field('Type', 'picklist', {
        picklistValues: [...Object.keys(OPPORTUNITY_TYPE_EVENTS), 'Existing Business'],
      }),
      field('CloseDate', 'date', { required: true }),
      field('Amount', 'currency'),
      field('Probability', 'percent'),
      field('Description', 'textarea'),
      ref('Pricebook2Id', 'Pricebook2'),
      ref('SyncedQuoteId', 'Quote'),
      currency,
      field(OPPORTUNITY_FIELDS.subscriptionId, 'string', { externalId: true }),
      field(OPPORTUNITY_FIELDS.billingStatus, 'picklist', {
        picklistValues: BILLING_STATUSES,
        restricted: true,
      }),
      field(OPPORTUNITY_FIELDS.billingLink, 'url'),
      field(OPPORTUNITY_FIELDS.lastSync, 'datetime'),
      field(OPPORTUNITY_FIELDS.syncError, 'textarea', { length: 32768 }),
      ref(OPPORTUNITY_FIELDS.originalOpportunity, 'Opportunity'),
    ],
  },
  {
    name: 'Quote',
    label: 'Quote',
    keyPrefix: '0Q0',
    fields: [
      field('Name', 'string', { required: true }),
      ref('OpportunityId', 'Opportunity', { required: true, updateable: false }),
      readOnly('IsSyncing', 'boolean', { label: 'Syncing' }),
      ref('ContactId', 'Contact'),
      ref('Pricebook2Id', 'Pricebook2'),
      field('Email', 'email'),
      field('BillingName', 'string'),
      field('ExpirationDate', 'date'),
      field('Status', 'picklist', {
        picklistValues: [
          'Draft',
          'Needs Review',
          'In Review',
          'Approved',
          'Rejected',
          'Presented',
          'Accepted',
          'Denied',
        ],
        defaultValue: 'Draft',
      }),
      readOnly('Subtotal', 'currency'),
      readOnly('TotalPrice', 'currency'),
      readOnly('LineItemCount', 'double'),
      { ...currency, updateable: false },
      field(QUOTE_FIELDS.subscriptionStart, 'date'),
      field(QUOTE_FIELDS.billingFrequency, 'picklist', {
        picklistValues: BILLING_FREQUENCIES,
        restricted: true,
      }),
      field(QUOTE_FIELDS.trialDays, 'double'),
      field(QUOTE_FIELDS.termMonths, 'double'),
      field(QUOTE_FIELDS.coupon, 'string'),
      field(QUOTE_FIELDS.cancellation, 'picklist', { picklistValues: CANCELLATION_MODES, restricted: true }),
    ],
  },
  {
    name: 'QuoteLineItem',
    label: 'Quote Line Item',
    keyPrefix: '0QL',
    fields: [
      ref('QuoteId', 'Quote', { required: true, updateable: false }),
      ref('PricebookEntryId', 'PricebookEntry', { updateable: false }),
      ref('Product2Id', 'Product2', { updateable: false }),
      field('Quantity', 'double', { required: true }),
      field('UnitPrice', 'currency', { label: 'Sales Price', required: true }),
      readOnly('ListPrice', 'currency'),
      field('Discount', 'percent'),
      field('ServiceDate', 'date'),
      field('Description', 'string'),
      readOnly('Subtotal', 'currency'),
      readOnly('TotalPrice', 'currency'),
      readOnly('LineNumber', 'string'),
    ],
  },
];

function build(): Map<string, ObjectDef> {
  const objects = new Map<string, ObjectDef>();
  for (const d of definitions) {
    const fields = new Map<string, FieldDef>();
    for (const f of [...SYSTEM_FIELDS, ...d.fields]) fields.set(f.name.toLowerCase(), f);
    objects.set(d.name.toLowerCase(), {
      name: d.name,
      label: d.label,
      keyPrefix: d.keyPrefix,
      fields,
      childRelationships: [],
    });
  }
  // Child relationships: the plural of the child for standard lookups, `<Field>s__r`-style for custom.
  const plural: Record<string, string> = {
    'Contact.AccountId': 'Contacts',
    'Opportunity.AccountId': 'Opportunities',
    'Quote.OpportunityId': 'Quotes',
    'QuoteLineItem.QuoteId': 'QuoteLineItems',
    'PricebookEntry.Product2Id': 'PricebookEntries',
    [`Opportunity.${OPPORTUNITY_FIELDS.originalOpportunity}`]: 'Q2C_Changes__r',
  };
  for (const child of objects.values()) {
    for (const f of child.fields.values()) {
      const relationshipName = plural[`${child.name}.${f.name}`];
      if (!f.referenceTo || !relationshipName) continue;
      objects.get(f.referenceTo.toLowerCase())?.childRelationships.push({
        relationshipName,
        childSObject: child.name,
        field: f.name,
      });
    }
  }
  return objects;
}

export const OBJECTS: ReadonlyMap<string, ObjectDef> = build();

export function objectDef(name: string): ObjectDef | undefined {
  return OBJECTS.get(name.toLowerCase());
}

export function objectByKeyPrefix(id: string): ObjectDef | undefined {
  return [...OBJECTS.values()].find((o) => id.startsWith(o.keyPrefix));
}

export function fieldDef(obj: ObjectDef, name: string): FieldDef | undefined {
  return obj.fields.get(name.toLowerCase());
}

/** The lookup field behind a parent relationship name (`Account` → AccountId), case-insensitively. */
export function relationshipField(obj: ObjectDef, relationshipName: string): FieldDef | undefined {
  const wanted = relationshipName.toLowerCase();
  return [...obj.fields.values()].find((f) => f.relationshipName?.toLowerCase() === wanted);
}

export function childRelationship(obj: ObjectDef, relationshipName: string): ChildRelationship | undefined {
  const wanted = relationshipName.toLowerCase();
  return obj.childRelationships.find((c) => c.relationshipName.toLowerCase() === wanted);
}

/** Closed stages and whether they count as won (the OpportunityStage settings of a default org). */
export function stageOutcome(stage: FieldValue): { isClosed: boolean; isWon: boolean } {
  if (stage === 'Closed Won') return { isClosed: true, isWon: true };
  if (stage === 'Closed Lost') return { isClosed: true, isWon: false };
  return { isClosed: false, isWon: false };
}
