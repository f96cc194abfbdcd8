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
