/**
 * The single source of truth for the pipeline's shape.
 *
 * Event patterns, table schemas, queues, state machine files and the function → handler map
 * are declared here once. The CDK constructs (lib/constructs) and the embedded local runtime
 * (local/) both read this file, and test/infra/topology-parity.test.ts proves the synthesized
 * template and the local runtime agree. Nothing in here may import aws-cdk-lib, so the local
 * runtime stays light.
 */
import * as path from 'node:path';
import deploymentJson from '../config/deployment.json';
import { MONEY_EVENT_TYPES } from '../lambdas/domain/mapping/money-event-types';
import type { StripeMode } from '../lambdas/domain/mapping/stripe-mode';
import { CRM_OPPORTUNITY_EVENT_TYPES } from '../lambdas/domain/crm/events';
import {
  EVENT_RELAY_SOURCE_PREFIX,
  OPPORTUNITY_CHANGE_EVENT,
  PLATFORM_EVENT,
} from '../lambdas/adapters/crm/salesforce/fields';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/**
 * Stages: several deployments (staging, prod, …) side by side in one account. Every physical name
 * derives from the stage; the default stage keeps the historical names, so the local runtime, the demo
 * and an existing deployment read the same names as before (renaming a bus or queue replaces it).
 */
export const DEFAULT_STAGE = 'demo';
const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;

export interface StageNames {
  stage: string;
  /** CloudFormation stack name; every other generated name (alarms, queues) starts with it. */
  stackName: string;
  busName: string;
  financeOpsDashboardName: string;
  engineeringDashboardName: string;
}

export function stageNames(stage: string = DEFAULT_STAGE): StageNames {
  if (!STAGE_PATTERN.test(stage))
    throw new Error(
      `stage "${stage}": use 1-16 lower-case letters, digits or dashes, starting with a letter (e.g. -c stage=staging)`,
    );
  const suffix = stage === DEFAULT_STAGE ? '' : `-${stage}`;
  const stackName = `QuoteToCash${suffix}`;
  return {
    stage,
    stackName,
    busName: `quote-to-cash${suffix}`,
    financeOpsDashboardName: `${stackName}-FinanceOps`,
    engineeringDashboardName: `${stackName}-Engineering`,
  };
}

/** The custom EventBridge bus every normalised vendor event lands on (default stage; locally). */
export const BUS_NAME = stageNames().busName;

/** EventBridge `source` values: one per vendor. Custom sources must not start with `aws.`. */
export const SOURCES = { stripe: 'q2c.stripe', salesforce: 'q2c.salesforce' } as const;

/** CloudWatch/EMF namespace for every business and technical metric. */
export const METRICS_NAMESPACE = 'QuoteToCash';

// ---------------------------------------------------------------------------------------------
// DynamoDB tables
// ---------------------------------------------------------------------------------------------

export type KeyType = 'S' | 'N';
export interface KeyDef {
  name: string;
  type: KeyType;
}
export interface TableDef {
  /** Logical id in CDK and table-name suffix locally. */
  id: string;
  /** Environment variable through which handlers receive the table name. */
  envVar: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  timeToLiveAttribute?: string;
  description: string;
}

export const TABLES = {
  idempotency: {
    id: 'IdempotencyTable',
    envVar: 'IDEMPOTENCY_TABLE_NAME',
    partitionKey: { name: 'id', type: 'S' },
    timeToLiveAttribute: 'expiration',
    description: 'Powertools idempotency records (short-lived; TTL on expiration).',
  },
  ledger: {
    id: 'LedgerTable',
    envVar: 'LEDGER_TABLE_NAME',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    description: 'Built-in double-entry ledger: immutable journal entries, one item per posting.',
  },
  erpPermits: {
    id: 'ErpPermitsTable',
    envVar: 'NETSUITE_PERMITS_TABLE',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    description:
      "Concurrency permits shared by every posting Lambda, so together they stay within the ERP's limit.",
  },
  crosswalk: {
    id: 'CrosswalkTable',
    envVar: 'CROSSWALK_TABLE_NAME',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    description: 'Links vendor ids (Stripe, Salesforce) to canonical and ERP ids, with last applied version.',
  },
  circuitBreakers: {
    id: 'CircuitBreakerTable',
    envVar: 'CIRCUIT_BREAKER_TABLE_NAME',
    partitionKey: { name: 'pk', type: 'S' },
    description:
      'Circuit breaker state per dependency (erp, stripe, salesforce), shared by every Lambda instance.',
  },
} as const satisfies Record<string, TableDef>;
export type TableKey = keyof typeof TABLES;

// ---------------------------------------------------------------------------------------------
// SQS queues
// ---------------------------------------------------------------------------------------------

export interface QueueDef {
  id: string;
  envVar: string;
  description: string;
}

export const QUEUES = {
  /** Events EventBridge could not deliver to a posting flow after its retry policy. */
  postingDlq: {
    id: 'PostingRuleDeadLetterQueue',
    envVar: 'POSTING_DLQ_URL',
    description: 'Dead letters of the posting rule target (delivery failures after retries).',
  },
  /** Classified errors (business / technical) with the original event, replayable after a fix. */
  exceptions: {
    id: 'ExceptionQueue',
    envVar: 'EXCEPTION_QUEUE_URL',
    description: 'Classified posting exceptions with the original event and a human-readable reason.',
  },
  /** Salesforce Event Relay events the relay function could not put on our bus (after retries). */
  salesforceRelayDlq: {
    id: 'SalesforceRelayDeadLetterQueue',
    envVar: 'SALESFORCE_RELAY_DLQ_URL',
    description:
      'Dead letters of the Salesforce Event Relay rule and of the relay function (undelivered partner events).',
  },
  /** Scheduled targets (month-end close, the outage drain) EventBridge Scheduler or Lambda could not run. */
  scheduleDlq: {
    id: 'ScheduledTargetDeadLetterQueue',
    envVar: 'SCHEDULE_DLQ_URL',
    description:
      'Dead letters of the schedules (month-end close, outage drain) and of the drain function’s async invocations.',
  },
} as const satisfies Record<string, QueueDef>;
export type QueueKey = keyof typeof QUEUES;

// ---------------------------------------------------------------------------------------------
// S3 buckets
// ---------------------------------------------------------------------------------------------

export interface BucketDef {
  id: string;
  envVar: string;
  description: string;
}

export const BUCKETS = {
  reconciliation: {
    id: 'ReconciliationBucket',
    envVar: 'RECONCILIATION_BUCKET_NAME',
    description:
      'Reconciliation reports (reports/<period>/<run>.json|csv) and the staging parts of each run (staging/, expire after 7 days).',
  },
  claimChecks: {
    id: 'ClaimCheckBucket',
    envVar: 'CLAIM_CHECK_BUCKET_NAME',
    description:
      'Claim-checked bus payloads (payloads/<sha256>.json): events too large for the bus, stored whole; the bus carries the reference. Kept as long as the archive can replay them.',
  },
} as const satisfies Record<string, BucketDef>;
export type BucketKey = keyof typeof BUCKETS;

// ---------------------------------------------------------------------------------------------
// Lambda functions
// ---------------------------------------------------------------------------------------------

export interface FunctionDef {
  /** Logical id in CDK; also the local function name. */
  id: string;
  /** Entry file relative to the project root; the exported `handler` is the Lambda handler. */
  entry: string;
  description: string;
  /** Tables the function reads/writes (`delete`: DeleteItem only): CDK grants exactly these and passes their names. */
  tables: { table: TableKey; access: 'read' | 'readwrite' | 'delete' }[];
  queues?: QueueKey[];
  /** Queues it receives from and deletes from (replay/drain): receive, delete, change visibility. */
  consumesQueues?: QueueKey[];
  /** Buckets it reads and writes objects in (s3:GetObject, s3:PutObject, s3:ListBucket). */
  buckets?: BucketKey[];
  putsEvents?: boolean;
  /**
   * The claim-check bucket (BUCKETS.claimChecks): `write` for the functions that publish vendor events
   * (s3:PutObject, to store a payload too large for the bus), `read` for the flows' first step that
   * resolves the reference (s3:GetObject). Never both, never delete.
   */
  claimChecks?: 'write' | 'read';
  /** Secrets Manager secrets it reads (by key of SECRETS). */
  secrets?: SecretKey[];
  /** Definition-substitution key under which state machines reference this function's ARN. */
  asArnSubstitution?: string;
  timeoutSeconds: number;
  memoryMb: number;
}

/**
 * What the Stripe restricted key must allow, by Stripe API resource (the SDK's names), derived from the
 * calls the functions make (test/infra/deploy-doc.test.ts reads them from the code). Write includes read.
 * The deal flow creates customers, subscriptions and subscription schedules and issues credit notes;
 * the money flow and reconciliation only read.
 */
export const STRIPE_KEY_SCOPE = {
  write: ['customers', 'subscriptions', 'subscriptionSchedules', 'creditNotes'],
  read: ['invoices', 'charges', 'refunds', 'balanceTransactions', 'payouts', 'events'],
} as const;

/** A resource name as the Stripe dashboard's restricted-key form labels it. */
export function stripeScopeLabel(resource: string): string {
  const words = resource.replace(/([A-Z])/g, ' $1').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `write: Customers, …; read: Invoices, …` for descriptions, outputs and the deploy checklist. */
export function stripeKeyScopeText(): string {
  const list = (r: readonly string[]) => r.map(stripeScopeLabel).join(', ');
  return `write: ${list(STRIPE_KEY_SCOPE.write)}; read: ${list(STRIPE_KEY_SCOPE.read)}`;
}

export const SECRETS = {
  stripeWebhook: {
    id: 'StripeWebhookSigningSecret',
    envVar: 'STRIPE_WEBHOOK_SECRET_ARN',
    localEnvVar: 'STRIPE_WEBHOOK_SECRET',
    // Issued by the vendor: operators put-secret-value it after the first deploy (docs/deploy.md).
    valueFrom: 'vendor',
    description: 'Stripe webhook endpoint signing secret (whsec_…). Set its value after the first deploy.',
  },
  netsuiteCredentials: {
    id: 'NetSuiteCredentials',
    envVar: 'NETSUITE_TBA_SECRET_ARN',
    localEnvVar: 'NETSUITE_TBA_CREDENTIALS',
    // Issued by the vendor: operators put-secret-value it after the first deploy (docs/deploy.md).
    valueFrom: 'vendor',
    description:
      'NetSuite token-based authentication: {"consumerKey","consumerSecret","tokenId","tokenSecret"}.',
  },
  stripeApiKey: {
    id: 'StripeApiKey',
    envVar: 'STRIPE_API_KEY_SECRET_ARN',
    localEnvVar: 'STRIPE_API_KEY',
    // Issued by the vendor: operators put-secret-value it after the first deploy (docs/deploy.md).
    valueFrom: 'vendor',
    description: `Stripe restricted API key (rk_…): ${stripeKeyScopeText()}.`,
  },
  salesforceFlowSigning: {
    id: 'SalesforceFlowSigningSecret',
    envVar: 'SALESFORCE_FLOW_SECRET_ARN',
    localEnvVar: 'SALESFORCE_FLOW_SIGNING_SECRET',
    // The stack's generated value is the key: operators read it into Salesforce (docs/deploy.md).
    valueFrom: 'stack',
    description:
      'HMAC-SHA256 key shared with the Salesforce External Credential that signs Flow/Apex callouts.',
  },
  salesforceApi: {
    id: 'SalesforceApiCredentials',
    envVar: 'SALESFORCE_API_SECRET_ARN',
    localEnvVar: 'SALESFORCE_API_CREDENTIALS',
    // Issued by the vendor: operators put-secret-value it after the first deploy (docs/deploy.md).
    valueFrom: 'vendor',
    description:
      'Salesforce connected app for the integration user (OAuth 2.0 client credentials): {"loginUrl","clientId","clientSecret"}.',
  },
} as const;
export type SecretKey = keyof typeof SECRETS;

/**
 * What every function that posts to the ERP needs: the ledger and crosswalk, the shared ERP
 * concurrency permits and the NetSuite credentials (used when config/deployment.json says netsuite).
 */
const ERP_POSTER = {
  tables: [
    { table: 'ledger', access: 'readwrite' },
    { table: 'crosswalk', access: 'readwrite' },
    { table: 'erpPermits', access: 'readwrite' },
    { table: 'circuitBreakers', access: 'readwrite' },
  ],
  secrets: ['netsuiteCredentials'],
} as const satisfies Pick<FunctionDef, 'tables' | 'secrets'>;

/** …and, for postings that arrive as events (retried, duplicated), the Powertools idempotency table. */
const IDEMPOTENT_ERP_POSTER = {
  ...ERP_POSTER,
  tables: [{ table: 'idempotency', access: 'readwrite' }, ...ERP_POSTER.tables],
} as const satisfies Pick<FunctionDef, 'tables' | 'secrets'>;

export const FUNCTIONS = {
  ingestStripeWebhook: {
    id: 'IngestStripeWebhook',
    entry: 'lambdas/handlers/ingest-stripe-webhook.ts',
    description: 'Verifies Stripe webhook signatures and publishes normalised envelopes to the bus.',
    tables: [],
    putsEvents: true,
    claimChecks: 'write',
    secrets: ['stripeWebhook'],
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  ingestSalesforceFlow: {
    id: 'IngestSalesforceFlow',
    entry: 'lambdas/handlers/ingest-salesforce-flow.ts',
    description: 'Verifies signed Salesforce Flow/Apex callouts and publishes canonical CRM events.',
    tables: [],
    putsEvents: true,
    claimChecks: 'write',
    secrets: ['salesforceFlowSigning'],
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  ingestSalesforceOutboundMessage: {
    id: 'IngestSalesforceOutboundMessage',
    entry: 'lambdas/handlers/ingest-salesforce-outbound-message.ts',
    description:
      'Parses Salesforce Outbound Messages (SOAP), publishes every notification, then acknowledges.',
    tables: [],
    putsEvents: true,
    claimChecks: 'write',
    timeoutSeconds: 20,
    memoryMb: 512,
  },
  relaySalesforceEvent: {
    id: 'RelaySalesforceEvent',
    entry: 'lambdas/handlers/relay-salesforce-event.ts',
    description:
      'Normalises Salesforce Event Relay events (platform event, change data capture) onto the bus.',
    tables: [],
    // Its asynchronous-invocation failure destination (events the function could not relay after retries).
    queues: ['salesforceRelayDlq'],
    putsEvents: true,
    claimChecks: 'write',
    timeoutSeconds: 20,
    memoryMb: 256,
  },
  mapStripeInvoice: {
    id: 'MapStripeInvoice',
    entry: 'lambdas/handlers/map-stripe-invoice.ts',
    description: 'Pure mapping: Stripe invoice event → canonical invoice (and payment).',
    tables: [],
    claimChecks: 'read',
    asArnSubstitution: 'MapStripeInvoiceFunctionArn',
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  postInvoice: {
    id: 'PostInvoice',
    entry: 'lambdas/handlers/post-invoice.ts',
    description: 'Posts a canonical invoice to the ERP exactly once (AR, deferred revenue, revenue, tax).',
    ...IDEMPOTENT_ERP_POSTER,
    asArnSubstitution: 'PostInvoiceFunctionArn',
    // Within the Express budget (EXPRESS_WORST_CASE_SECONDS): 6 attempts × 12 s on the worst path.
    timeoutSeconds: 12,
    memoryMb: 512,
  },
  applyPayment: {
    id: 'ApplyPayment',
    entry: 'lambdas/handlers/apply-payment.ts',
    description: 'Applies an invoice payment in the ERP exactly once (clearing / AR).',
    ...IDEMPOTENT_ERP_POSTER,
    asArnSubstitution: 'ApplyPaymentFunctionArn',
    // Within the Express budget (EXPRESS_WORST_CASE_SECONDS): 6 attempts × 12 s on the worst path.
    timeoutSeconds: 12,
    memoryMb: 512,
  },
  mapStripeMoneyEvent: {
    id: 'MapStripeMoneyEvent',
    entry: 'lambdas/handlers/map-stripe-money-event.ts',
    description:
      'Maps voids, write-offs, credit notes, refunds, disputes, payouts and customers to postings.',
    // The Stripe reads go through the stripe circuit breaker.
    tables: [{ table: 'circuitBreakers', access: 'readwrite' }],
    secrets: ['stripeApiKey'],
    claimChecks: 'read',
    asArnSubstitution: 'MapStripeMoneyEventFunctionArn',
    // Within the Express budget: its Stripe reads time out at 10 s (stripe client).
    timeoutSeconds: 15,
    memoryMb: 512,
  },
  postDocument: {
    id: 'PostDocument',
    entry: 'lambdas/handlers/post-document.ts',
    description: 'Posts one document (journal entry or ERP customer) to the ERP exactly once.',
    ...IDEMPOTENT_ERP_POSTER,
    asArnSubstitution: 'PostDocumentFunctionArn',
    // Within the Express budget: up to 3 postings a money event, one at a time, 4 attempts × 10 s each.
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  planMonthEndClose: {
    id: 'PlanMonthEndClose',
    entry: 'lambdas/handlers/plan-month-end-close.ts',
    description: 'Month-end close: resolves the period to close and the shards to release revenue over.',
    tables: [{ table: 'ledger', access: 'read' }],
    asArnSubstitution: 'PlanMonthEndCloseFunctionArn',
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  releaseRevenue: {
    id: 'ReleaseRevenue',
    entry: 'lambdas/handlers/release-revenue.ts',
    description: 'Month-end close: releases deferred revenue due in the period for one shard of schedules.',
    ...ERP_POSTER,
    asArnSubstitution: 'ReleaseRevenueFunctionArn',
    timeoutSeconds: 900,
    memoryMb: 1024,
  },
  closePeriod: {
    id: 'ClosePeriod',
    entry: 'lambdas/handlers/close-period.ts',
    description: 'Month-end close: marks the period closed (late events then post to the next open period).',
    tables: [{ table: 'ledger', access: 'readwrite' }],
    asArnSubstitution: 'ClosePeriodFunctionArn',
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  drainDependencyOutages: {
    id: 'DrainDependencyOutages',
    entry: 'lambdas/handlers/drain-dependency-outages.ts',
    description:
      'Re-drives work parked as dependency-outage once its circuit breaker closes (one probe when half-open), and rate-limited work at a pace.',
    // The idempotency table holds the parked markers it releases before re-driving a parked message.
    tables: [
      { table: 'circuitBreakers', access: 'read' },
      { table: 'idempotency', access: 'delete' },
    ],
    consumesQueues: ['exceptions'],
    // Its asynchronous-invocation failure destination.
    queues: ['scheduleDlq'],
    putsEvents: true,
    timeoutSeconds: 120,
    memoryMb: 256,
  },
  planReconciliation: {
    id: 'PlanReconciliation',
    entry: 'lambdas/handlers/plan-reconciliation.ts',
    description: 'Reconciliation: resolves the period and plans billing slices, ERP segments and shards.',
    tables: [],
    asArnSubstitution: 'PlanReconciliationFunctionArn',
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  extractBillingFacts: {
    id: 'ExtractBillingFacts',
    entry: 'lambdas/handlers/extract-billing-facts.ts',
    description:
      "Reconciliation: lists one day of Stripe invoices, credit notes, refunds, payouts (or a day's events) into sorted shard parts.",
    tables: [],
    secrets: ['stripeApiKey'],
    buckets: ['reconciliation'],
    asArnSubstitution: 'ExtractBillingFactsFunctionArn',
    timeoutSeconds: 900,
    memoryMb: 1024,
  },
  extractErpFacts: {
    id: 'ExtractErpFacts',
    entry: 'lambdas/handlers/extract-erp-facts.ts',
    description:
      'Reconciliation: reads one segment of ERP postings (ledger scan or NetSuite SuiteQL) into sorted shard parts.',
    // NetSuite is read with the posting functions' credentials and within their shared concurrency budget.
    tables: [
      { table: 'ledger', access: 'read' },
      { table: 'erpPermits', access: 'readwrite' },
    ],
    secrets: ['netsuiteCredentials'],
    buckets: ['reconciliation'],
    asArnSubstitution: 'ExtractErpFactsFunctionArn',
    timeoutSeconds: 900,
    memoryMb: 1024,
  },
  reconcileShard: {
    id: 'ReconcileShard',
    entry: 'lambdas/handlers/reconcile-shard.ts',
    description: 'Reconciliation: streaming merge-join of one shard of billing and ERP facts into findings.',
    // A day's run on the built-in ledger looks the shard's postings up by id (BatchGetItem).
    tables: [{ table: 'ledger', access: 'read' }],
    buckets: ['reconciliation'],
    asArnSubstitution: 'ReconcileShardFunctionArn',
    timeoutSeconds: 900,
    memoryMb: 1024,
  },
  publishReconciliationReport: {
    id: 'PublishReconciliationReport',
    entry: 'lambdas/handlers/publish-reconciliation-report.ts',
    description: 'Reconciliation: writes the JSON and CSV report and the mismatch metrics.',
    tables: [],
    buckets: ['reconciliation'],
    asArnSubstitution: 'PublishReconciliationReportFunctionArn',
    timeoutSeconds: 300,
    memoryMb: 1024,
  },
  verifyLedger: {
    id: 'VerifyLedger',
    entry: 'lambdas/handlers/verify-ledger.ts',
    description:
      'Reconciliation: audits the ledger invariants billing cannot see (balances, schedules, DUE index, releases, crosswalk).',
    tables: [
      { table: 'ledger', access: 'read' },
      { table: 'crosswalk', access: 'read' },
    ],
    asArnSubstitution: 'VerifyLedgerFunctionArn',
    timeoutSeconds: 900,
    memoryMb: 1024,
  },
  loadDeal: {
    id: 'LoadDeal',
    entry: 'lambdas/handlers/load-deal.ts',
    description:
      'Deal to subscription: loads the opportunity, account, primary quote and lines from Salesforce (one composite call).',
    // The Salesforce calls go through the salesforce circuit breaker.
    tables: [{ table: 'circuitBreakers', access: 'readwrite' }],
    secrets: ['salesforceApi'],
    claimChecks: 'read',
    asArnSubstitution: 'LoadDealFunctionArn',
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  applyDealToBilling: {
    id: 'ApplyDealToBilling',
    entry: 'lambdas/handlers/apply-deal-to-billing.ts',
    description:
      'Deal to subscription: validates the deal, plans and makes the Stripe change (idempotency keys), records the crosswalk.',
    // The Stripe calls go through the stripe circuit breaker.
    tables: [
      { table: 'crosswalk', access: 'readwrite' },
      { table: 'circuitBreakers', access: 'readwrite' },
    ],
    secrets: ['stripeApiKey'],
    asArnSubstitution: 'ApplyDealToBillingFunctionArn',
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  writeBackDealStatus: {
    id: 'WriteBackDealStatus',
    entry: 'lambdas/handlers/write-back-deal-status.ts',
    description:
      'Deal to subscription: writes subscription id, billing status, link, last sync and error text back to Salesforce.',
    // The Salesforce calls go through the salesforce circuit breaker; the written-back version is noted
    // on the crosswalk's opportunity row (a replay of a parked write-back then writes back, once).
    tables: [
      { table: 'crosswalk', access: 'readwrite' },
      { table: 'circuitBreakers', access: 'readwrite' },
    ],
    secrets: ['salesforceApi'],
    asArnSubstitution: 'WriteBackDealStatusFunctionArn',
    timeoutSeconds: 30,
    memoryMb: 512,
  },
} as const satisfies Record<string, FunctionDef>;
export type FunctionKey = keyof typeof FUNCTIONS;

/**
 * Circuit breakers around each dependency: after `failureThreshold` consecutive outage failures
 * (5xx, timeouts, refused connections; not 429 rate limits, which the flows' backoff absorbs) calls
 * are refused for `openSeconds` and the work is parked as `dependency-outage` without burning
 * retries; then one probe is let through. State lives in TABLES.circuitBreakers (`breaker#<dependency>`).
 */
export const CIRCUIT_BREAKERS = {
  erp: { failureThreshold: 5, openSeconds: 60, probeTimeoutSeconds: 60 },
  stripe: { failureThreshold: 5, openSeconds: 30, probeTimeoutSeconds: 30 },
  salesforce: { failureThreshold: 5, openSeconds: 60, probeTimeoutSeconds: 60 },
} as const satisfies Record<
  string,
  { failureThreshold: number; openSeconds: number; probeTimeoutSeconds: number }
>;

/**
 * How often parked dependency-outage and rate-limited work is re-driven (AWS: EventBridge Scheduler;
 * locally: a timer). Rate-limited work (a 429 storm outlived every retry) is re-driven at a pace:
 * see rateLimitedPerRun.
 */
export const OUTAGE_DRAIN = {
  id: 'DependencyOutageDrainSchedule',
  function: 'drainDependencyOutages',
  description:
    'Re-drives work parked as dependency-outage whose circuit breaker has closed, and rate-limited work at a pace.',
  expression: 'rate(5 minutes)',
  /** The expression's period, for the pace. */
  runSeconds: 300,
  rateLimited: {
    /** Of this integration's NetSuite concurrency over a run; the rest stays for live postings. */
    shareOfConcurrency: 0.25,
    /** One re-driven posting holds ~2 requests (customer, document) × ~1 s of NetSuite time. */
    permitSecondsPerPosting: 2,
  },
  deadLetterQueue: 'scheduleDlq',
} as const satisfies {
  id: string;
  function: FunctionKey;
  description: string;
  expression: string;
  runSeconds: number;
  rateLimited: { shareOfConcurrency: number; permitSecondsPerPosting: number };
  deadLetterQueue: QueueKey;
};

/**
 * At most this many `rate-limited` messages are re-driven per drain run (oldest first, as SQS gives
 * them; the rest wait for the next run): a quarter of the permit-seconds this integration's share of
 * the NetSuite concurrency limit (config/deployment.json) gives over one run, at ~2 permit-seconds a
 * posting — 5 × 300 s × 0.25 / 2 = 187 postings per 5 minutes for the default share of 5. The
 * re-driven executions start together; 187 postings at 2 permit-seconds through 5 permits take ~75 s,
 * well inside one Express execution's retries, so a re-drive does not itself outrun the permits.
 */
export function rateLimitedPerRun(concurrencyLimit: number = DEPLOYMENT.netsuite.concurrencyLimit): number {
  const { runSeconds, rateLimited } = OUTAGE_DRAIN;
  return Math.max(
    1,
    Math.floor(
      (concurrencyLimit * runSeconds * rateLimited.shareOfConcurrency) / rateLimited.permitSecondsPerPosting,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// State machines and the rules that start them
// ---------------------------------------------------------------------------------------------

export interface StateMachineDef {
  id: string;
  /** ASL file relative to the project root. */
  file: string;
  type: 'EXPRESS' | 'STANDARD';
  /** Functions whose ARNs are substituted into the definition. */
  functions: FunctionKey[];
  /** Queues whose URLs are substituted as `${<QueueId>Url}`. */
  queues: QueueKey[];
  /**
   * Tables whose names are substituted as `${<TableId>Name}`; the state machine role may PutItem there.
   * The idempotency table holds the parked markers (`parked#…`): one exception message per source and reason.
   */
  tables?: TableKey[];
}

export const STATE_MACHINES = {
  postInvoice: {
    id: 'PostInvoiceFlow',
    file: 'statemachines/post-invoice.asl.json',
    type: 'EXPRESS',
    functions: ['mapStripeInvoice', 'postInvoice', 'applyPayment'],
    queues: ['exceptions'],
    tables: ['idempotency'],
  },
  postMoneyEvent: {
    id: 'PostMoneyEventFlow',
    file: 'statemachines/post-money-event.asl.json',
    type: 'EXPRESS',
    functions: ['mapStripeMoneyEvent', 'postDocument'],
    queues: ['exceptions'],
    tables: ['idempotency'],
  },
  monthEndClose: {
    id: 'MonthEndCloseFlow',
    file: 'statemachines/month-end-close.asl.json',
    type: 'STANDARD',
    functions: ['planMonthEndClose', 'releaseRevenue', 'closePeriod'],
    queues: ['exceptions'],
  },
  reconcile: {
    id: 'ReconciliationFlow',
    file: 'statemachines/reconcile.asl.json',
    type: 'STANDARD',
    functions: [
      'planReconciliation',
      'extractBillingFacts',
      'extractErpFacts',
      'reconcileShard',
      'publishReconciliationReport',
      'verifyLedger',
    ],
    queues: ['exceptions'],
  },
  dealToSubscription: {
    id: 'DealToSubscriptionFlow',
    file: 'statemachines/deal-to-subscription.asl.json',
    type: 'STANDARD',
    functions: ['loadDeal', 'applyDealToBilling', 'writeBackDealStatus'],
    queues: ['exceptions'],
    tables: ['idempotency'],
  },
} as const satisfies Record<string, StateMachineDef>;

/**
 * Worst case an Express execution may take, computed from its ASL (test/infra/express-budget.test.ts):
 * Express stops at 5 minutes with no Catch and, StartExecution having succeeded, no dead letter — the
 * event would simply vanish. A minute of margin covers scheduling, cold starts and clock skew; work
 * that must wait longer parks as rate-limited or dependency-outage and the outage drain re-drives it.
 */
export const EXPRESS_WORST_CASE_SECONDS = 240;

/** Month-end close fans out over this many shards of schedule lines (a fixed list in the state machine input). */
export const CLOSE_SHARDS = 16;

/** Schedules (EventBridge Scheduler) that start state machines; locally, `q2c close` runs them on demand. */
export const SCHEDULES = {
  monthEndClose: {
    id: 'MonthEndCloseSchedule',
    description:
      'Closes the previous month at 03:00 UTC on the 1st: releases deferred revenue, closes the period.',
    expression: 'cron(0 3 1 * ? *)',
    target: 'monthEndClose',
    input: { period: 'previous' },
  },
  dailyReconciliation: {
    id: 'DailyReconciliationSchedule',
    description: "Reconciles yesterday's billing activity against the ERP every day at 02:00 UTC.",
    expression: 'cron(0 2 * * ? *)',
    target: 'reconcile',
    input: { period: 'yesterday' },
  },
  preCloseReconciliation: {
    id: 'PreCloseReconciliationSchedule',
    description:
      'Reconciles the month again at 20:00 UTC on its last day, before the close at 03:00 on the 1st.',
    expression: 'cron(0 20 L * ? *)',
    target: 'reconcile',
    input: { period: 'current' },
  },
} as const satisfies Record<
  string,
  {
    id: string;
    description: string;
    expression: string;
    target: StateMachineKey;
    input: Record<string, unknown>;
  }
>;
export type StateMachineKey = keyof typeof STATE_MACHINES;

/** An EventBridge event pattern (the JSON the rule is created with). */
export type EventPattern = Record<string, unknown>;

export interface RuleDef {
  id: string;
  description: string;
  pattern: EventPattern;
  target: StateMachineKey;
  /** Target retry policy; exhausted deliveries go to the dead-letter queue. */
  retry: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
  deadLetterQueue: QueueKey;
}

export const RULES = {
  invoicePosting: {
    id: 'StripeInvoicePostingRule',
    description: 'Stripe invoice finalized or paid → PostInvoiceFlow (post AR, then apply payment).',
    pattern: {
      source: [SOURCES.stripe],
      'detail-type': ['invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded'],
    },
    target: 'postInvoice',
    retry: { maximumRetryAttempts: 8, maximumEventAgeSeconds: 3600 },
    deadLetterQueue: 'postingDlq',
  },
  moneyEventPosting: {
    id: 'StripeMoneyEventPostingRule',
    description:
      'Stripe voids, write-offs, credit notes, refunds, disputes, payouts, customers → PostMoneyEventFlow.',
    pattern: {
      source: [SOURCES.stripe],
      'detail-type': [...MONEY_EVENT_TYPES],
    },
    target: 'postMoneyEvent',
    retry: { maximumRetryAttempts: 8, maximumEventAgeSeconds: 3600 },
    deadLetterQueue: 'postingDlq',
  },
  dealToSubscription: {
    id: 'SalesforceDealRule',
    description:
      'Salesforce opportunity closed won, amended, renewed or cancelled → DealToSubscriptionFlow (Standard).',
    pattern: {
      source: [SOURCES.salesforce],
      'detail-type': [...CRM_OPPORTUNITY_EVENT_TYPES],
    },
    target: 'dealToSubscription',
    retry: { maximumRetryAttempts: 8, maximumEventAgeSeconds: 3600 },
    deadLetterQueue: 'postingDlq',
  },
} as const satisfies Record<string, RuleDef>;
export type RuleKey = keyof typeof RULES;

/**
 * Rules on the Salesforce partner event bus (Event Relay). Salesforce relays the platform event the
 * shipped Flow publishes (and, optionally, Opportunity change data capture) to a partner event source
 * `aws.partner/salesforce.com/<orgId>/<relay channel id>`; its partner event bus carries these rules,
 * whose target is a function that normalises the event onto our bus (so every channel ends in the same
 * canonical envelope). Created only when config/deployment.json configures `salesforce.eventRelay`;
 * the local runtime always runs it, on a local partner bus.
 */
export interface PartnerRuleDef {
  id: string;
  description: string;
  pattern: EventPattern;
  targetFunction: FunctionKey;
  retry: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
  deadLetterQueue: QueueKey;
}

/** Every Event Relay partner event source name starts with this. */
export const SALESFORCE_PARTNER_SOURCE_PREFIX = EVENT_RELAY_SOURCE_PREFIX;

export const PARTNER_RULES = {
  salesforceEventRelay: {
    id: 'SalesforceEventRelayRule',
    description:
      'Salesforce Event Relay (opportunity platform event, Opportunity CDC) → RelaySalesforceEvent → bus.',
    pattern: {
      source: [{ prefix: SALESFORCE_PARTNER_SOURCE_PREFIX }],
      'detail-type': [PLATFORM_EVENT.apiName, OPPORTUNITY_CHANGE_EVENT],
    },
    targetFunction: 'relaySalesforceEvent',
    // Salesforce keeps relayed events for 3 days; EventBridge retries a failed delivery for up to 24 h.
    retry: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 },
    deadLetterQueue: 'salesforceRelayDlq',
  },
} as const satisfies Record<string, PartnerRuleDef>;
export type PartnerRuleKey = keyof typeof PARTNER_RULES;

/** Stripe API version whose webhook payload shapes this release maps (pinned by the stripe SDK). */
export const STRIPE_API_VERSION = '2026-10-28.endive';

/**
 * Largest webhook body accepted (413 beyond). Whatever its size below this, the event reaches the bus:
 * an entry above CLAIM_CHECK_ABOVE_BYTES (lambdas/domain/claim-check.ts) is claim-checked to S3.
 */
export const MAX_WEBHOOK_BODY_BYTES = 200 * 1024;

/**
 * Definition substitutions for a state machine, given how to name a function ARN and a queue URL.
 * CDK passes tokens; the local runtime passes local ARNs/URLs. Same keys either way.
 */
export function definitionSubstitutions(
  key: StateMachineKey,
  functionArn: (f: FunctionKey) => string,
  queueUrl: (q: QueueKey) => string,
  tableName: (t: TableKey) => string = (t) => TABLES[t].id,
): Record<string, string> {
  const sm: StateMachineDef = STATE_MACHINES[key];
  const subs: Record<string, string> = {};
  for (const f of sm.functions) {
    const def: FunctionDef = FUNCTIONS[f];
    if (!def.asArnSubstitution) throw new Error(`${f} has no ARN substitution key`);
    subs[def.asArnSubstitution] = functionArn(f);
  }
  for (const q of sm.queues) subs[`${QUEUES[q].id}Url`] = queueUrl(q);
  for (const t of sm.tables ?? []) subs[`${TABLES[t].id}Name`] = tableName(t);
  return subs;
}

/** Environment variables every function receives, besides table/queue/secret wiring. */
/** config/deployment.json: where postings go (validated where it is read). */
// A static import: esbuild bundles it into the functions, so they read the same settings CDK deployed with.
export const DEPLOYMENT = deploymentSettings(deploymentJson);
export type DeploymentSettings = ReturnType<typeof deploymentSettings>;

export function deploymentSettings(raw: {
  erp?: unknown;
  netsuite?: { accountId?: unknown; concurrencyLimit?: unknown; revenueRecognition?: unknown };
  salesforce?: unknown;
  stripe?: unknown;
}) {
  const erp = raw.erp ?? 'ledger';
  if (erp !== 'ledger' && erp !== 'netsuite')
    throw new Error(`config/deployment.json: erp must be ledger or netsuite, got ${String(erp)}`);
  const accountId = String(raw.netsuite?.accountId ?? '');
  const concurrencyLimit = Number(raw.netsuite?.concurrencyLimit ?? 5);
  if (erp === 'netsuite' && !accountId)
    throw new Error('config/deployment.json: netsuite.accountId is required when erp is netsuite');
  if (!Number.isInteger(concurrencyLimit) || concurrencyLimit < 1)
    throw new Error('config/deployment.json: netsuite.concurrencyLimit must be a positive integer');
  // Who recognises revenue: the integration's schedules (releases posted) or NetSuite ARM (none posted).
  const revenueRecognition = raw.netsuite?.revenueRecognition ?? 'integration';
  if (revenueRecognition !== 'integration' && revenueRecognition !== 'arm')
    throw new Error('config/deployment.json: netsuite.revenueRecognition must be integration or arm');
  return {
    erp: erp as 'ledger' | 'netsuite',
    netsuite: {
      accountId,
      concurrencyLimit,
      revenueRecognition: revenueRecognition as 'integration' | 'arm',
    },
    salesforce: salesforceSettings(raw.salesforce),
    stripe: stripeSettings(raw.stripe),
  };
}

/**
 * config/deployment.json `stripe.mode`: which Stripe mode this deployment books. A test-mode stack must
 * never post a live event (nor a live stack a test one), whoever's endpoint secret signed it.
 */
export function stripeSettings(raw: unknown): { mode: StripeMode } {
  const mode = (raw as { mode?: unknown } | undefined)?.mode ?? 'test';
  if (mode !== 'test' && mode !== 'live')
    throw new Error(`config/deployment.json: stripe.mode must be test or live, got ${String(mode)}`);
  return { mode };
}

/** config/deployment.json `salesforce`: the one org events are accepted from, and the optional Event Relay. */
export interface SalesforceSettings {
  /** 18-character organisation id; Flow callouts and Outbound Messages from any other org are refused. */
  orgId: string;
  /**
   * The org's corporate currency (ISO 4217), in which deals without a CurrencyIsoCode are read
   * (single-currency orgs have no CurrencyIsoCode field). Default USD.
   */
  orgCurrency?: string;
  /** Set once the Event Relay's partner event source exists (Salesforce creates it, pending, in the account). */
  eventRelay?: { partnerEventSourceName: string };
}

export function salesforceSettings(raw: unknown): SalesforceSettings {
  const sf = (raw ?? {}) as {
    orgId?: unknown;
    orgCurrency?: unknown;
    eventRelay?: { partnerEventSourceName?: unknown };
  };
  const orgId = String(sf.orgId ?? '');
  if (!/^00D[a-zA-Z0-9]{15}$/.test(orgId))
    throw new Error(
      `config/deployment.json: salesforce.orgId must be an 18-character org id (00D…), got "${orgId}"`,
    );
  const currency = sf.orgCurrency === undefined ? {} : { orgCurrency: String(sf.orgCurrency) };
  if (currency.orgCurrency !== undefined && !/^[A-Z]{3}$/.test(currency.orgCurrency))
    throw new Error(
      `config/deployment.json: salesforce.orgCurrency must be an ISO 4217 code such as USD or EUR, got "${currency.orgCurrency}"`,
    );
  if (sf.eventRelay === undefined || sf.eventRelay === null) return { orgId, ...currency };
  const name = String(sf.eventRelay.partnerEventSourceName ?? '');
  const channel = name.slice(`${SALESFORCE_PARTNER_SOURCE_PREFIX}/${orgId}/`.length);
  if (
    !name.startsWith(`${SALESFORCE_PARTNER_SOURCE_PREFIX}/${orgId}/`) ||
    !/^0YL[a-zA-Z0-9]{12,15}$/.test(channel)
  )
    throw new Error(
      `config/deployment.json: salesforce.eventRelay.partnerEventSourceName must be ` +
        `${SALESFORCE_PARTNER_SOURCE_PREFIX}/${orgId}/<relay channel id (0YL…)>, got "${name}"`,
    );
  return { orgId, ...currency, eventRelay: { partnerEventSourceName: name } };
}

/** What a stage deploys with: its settings (config/deployment.json + config/stages/<stage>.json) and bus. */
export interface StageEnvironment {
  deployment: DeploymentSettings;
  busName: string;
}
const DEFAULT_STAGE_ENVIRONMENT: StageEnvironment = { deployment: DEPLOYMENT, busName: BUS_NAME };

/**
 * Settings every function receives. The handlers read them from the environment (not the bundled
 * config/deployment.json), so each stage's functions run with that stage's settings.
 */
export function commonEnvironment(
  stage: StageEnvironment = DEFAULT_STAGE_ENVIRONMENT,
): Record<string, string> {
  const { deployment } = stage;
  return {
    ERP_TARGET: deployment.erp,
    ...(deployment.erp === 'netsuite'
      ? {
          NETSUITE_ACCOUNT_ID: deployment.netsuite.accountId,
          NETSUITE_CONCURRENCY_LIMIT: String(deployment.netsuite.concurrencyLimit),
          NETSUITE_REVENUE_RECOGNITION: deployment.netsuite.revenueRecognition,
        }
      : {}),
    POWERTOOLS_SERVICE_NAME: 'quote-to-cash',
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    EVENT_BUS_NAME: stage.busName,
    SALESFORCE_ORG_ID: deployment.salesforce.orgId,
    SALESFORCE_ORG_CURRENCY: deployment.salesforce.orgCurrency ?? 'USD',
    STRIPE_API_VERSION,
    STRIPE_MODE: deployment.stripe.mode,
  };
}

/** How a deployment (CDK tokens) or the local runtime names its concrete resources. */
export interface ResourceNames {
  tableName: (t: TableKey) => string;
  queueUrl: (q: QueueKey) => string;
  secretArn: (s: SecretKey) => string;
  /** Required by functions that declare buckets. */
  bucketName?: (b: BucketKey) => string;
}

/**
 * The complete environment of one function: common settings plus exactly the tables, queues
 * and secrets it declares. CDK and the local runtime both call this, so they cannot drift.
 */
export function functionEnvironment(
  f: FunctionKey,
  names: ResourceNames,
  stage: StageEnvironment = DEFAULT_STAGE_ENVIRONMENT,
): Record<string, string> {
  const def: FunctionDef = FUNCTIONS[f];
  const env = commonEnvironment(stage);
  for (const { table } of def.tables) env[TABLES[table].envVar] = names.tableName(table);
  for (const q of def.queues ?? []) env[QUEUES[q].envVar] = names.queueUrl(q);
  for (const q of def.consumesQueues ?? []) env[QUEUES[q].envVar] = names.queueUrl(q);
  for (const s of def.secrets ?? []) env[SECRETS[s].envVar] = names.secretArn(s);
  const buckets: BucketKey[] = [...(def.buckets ?? []), ...(def.claimChecks ? ['claimChecks' as const] : [])];
  for (const b of buckets) {
    if (!names.bucketName) throw new Error(`${def.id} needs bucket ${b}: give ResourceNames.bucketName`);
    env[BUCKETS[b].envVar] = names.bucketName(b);
  }
  return env;
}

/** Stripe event types some rule routes to a flow; everything else is acknowledged and counted. */
export function handledDetailTypes(source: string): Set<string> {
  const types = new Set<string>();
  for (const rule of Object.values(RULES) as RuleDef[]) {
    const sources = rule.pattern.source as unknown[] | undefined;
    const detailTypes = rule.pattern['detail-type'] as unknown[] | undefined;
    if (!sources?.includes(source) || !detailTypes) continue;
    for (const t of detailTypes) if (typeof t === 'string') types.add(t);
  }
  return types;
}
