/**
 * Salesforce objects and fields the integration reads and writes. The custom fields are shipped
 * as SFDX metadata in salesforce/ (test/unit/salesforce-metadata.test.ts keeps the two in step);
 * the local Salesforce sandbox seeds records with exactly these fields.
 */
export const SALESFORCE_API_VERSION = '62.0';

/** Written back to the Opportunity by the deal-to-subscription flow. */
export const OPPORTUNITY_FIELDS = {
  subscriptionId: 'Q2C_Subscription_Id__c',
  billingStatus: 'Q2C_Billing_Status__c',
  billingLink: 'Q2C_Billing_Link__c',
  lastSync: 'Q2C_Last_Sync__c',
  syncError: 'Q2C_Sync_Error__c',
  /** Lookup(Opportunity): the deal an amendment, renewal or cancellation changes. */
  originalOpportunity: 'Q2C_Original_Opportunity__c',
} as const;

/** Written back to the Account once its billing customer exists. */
export const ACCOUNT_FIELDS = {
  stripeCustomerId: 'Q2C_Stripe_Customer_Id__c',
  erpCustomerId: 'Q2C_ERP_Customer_Id__c',
} as const;

/** Billing terms on the primary (synced) Quote, read by the flow. */
export const QUOTE_FIELDS = {
  /** Date: subscription start; in the future → Stripe subscription schedule. */
  subscriptionStart: 'Q2C_Subscription_Start__c',
  /** Picklist: Monthly | Annual. */
  billingFrequency: 'Q2C_Billing_Frequency__c',
  /** Number: free trial days (0 = none). */
  trialDays: 'Q2C_Trial_Days__c',
  /** Number: committed term in months (renewals extend by this). */
  termMonths: 'Q2C_Term_Months__c',
  /** Text: Stripe coupon id applied to the whole subscription. */
  coupon: 'Q2C_Coupon__c',
  /** Picklist: At period end | Immediately with credit (cancellations). */
  cancellation: 'Q2C_Cancellation__c',
} as const;

export const BILLING_FREQUENCIES = ['Monthly', 'Annual'] as const;
export const CANCELLATION_MODES = ['At period end', 'Immediately with credit'] as const;

/** Picklist values of Opportunity.Q2C_Billing_Status__c. */
export const BILLING_STATUSES = [
  'Pending',
  'Active',
  'Trialing',
  'Scheduled',
  'Amended',
  'Renewed',
  'Cancelling',
  'Cancelled',
  'Failed',
] as const;
export type BillingStatus = (typeof BILLING_STATUSES)[number];

/** Standard fields read (besides Id). Opportunity.CurrencyIsoCode needs multi-currency orgs; else the org currency. */
export const STANDARD_FIELDS = {
  Opportunity: [
    'Name',
    'AccountId',
    'StageName',
    'IsWon',
    'IsClosed',
    'Type',
    'CloseDate',
    'CurrencyIsoCode',
    'SyncedQuoteId',
    'SystemModstamp',
  ],
  Account: ['Name', 'BillingStreet', 'BillingCity', 'BillingPostalCode', 'BillingState', 'BillingCountry'],
  Quote: ['Name', 'IsSyncing', 'ContactId', 'Email', 'BillingName', 'ExpirationDate'],
  QuoteLineItem: ['Quantity', 'UnitPrice', 'ListPrice', 'Discount', 'ServiceDate', 'Product2Id'],
  Product2: ['ProductCode', 'Name'],
  Contact: ['Name', 'Email'],
} as const;

// ───────────── wire contracts of the three ingestion channels (salesforce/ metadata sends these) ─────────────

/**
 * Flow / Apex HTTP callout: JSON body signed with HMAC-SHA256 (shared secret in Secrets Manager and
 * in the org's External Credential). Header value `t=<unix seconds>,v1=<hex HMAC of "<t>.<raw body>">`,
 * the same scheme as Stripe's, so the replay window is enforced on `t`.
 */
export const FLOW_SIGNATURE_HEADER = 'x-q2c-signature';
export const FLOW_SIGNATURE_TOLERANCE_SECONDS = 300;
/** Body: `{ eventId, orgId, opportunity: { Id, AccountId, StageName, IsWon, Type, SystemModstamp } }`. */
export const FLOW_OPPORTUNITY_FIELDS = [
  'Id',
  'AccountId',
  'StageName',
  'IsWon',
  'Type',
  'SystemModstamp',
] as const;

/** Outbound Message: the fields the shipped message sends (it always includes Id). */
export const OUTBOUND_MESSAGE_FIELDS = FLOW_OPPORTUNITY_FIELDS;
export const OUTBOUND_MESSAGE_NAMESPACE = 'http://soap.sforce.com/2005/09/outbound';
export const OUTBOUND_MESSAGE_MAX_NOTIFICATIONS = 100;

/**
 * Event Relay: partner event sources are named `aws.partner/salesforce.com/<orgId>/<channel id>`; each
 * relayed event's detail-type is the event's API name and its detail `{ payload, schemaId, id }`.
 */
export const EVENT_RELAY_SOURCE_PREFIX = 'aws.partner/salesforce.com';
/** Change Data Capture of Opportunity, relayable on its own channel (optional). */
export const OPPORTUNITY_CHANGE_EVENT = 'OpportunityChangeEvent';

/** Event Relay: the platform event the shipped Flow publishes (relayed to an EventBridge partner event source). */
export const PLATFORM_EVENT = {
  apiName: 'Q2C_Opportunity_Event__e',
  fields: {
    opportunityId: 'Opportunity_Id__c',
    accountId: 'Account_Id__c',
    stageName: 'Stage_Name__c',
    isWon: 'Is_Won__c',
    type: 'Type__c',
    systemModstamp: 'System_Modstamp__c',
  },
} as const;
