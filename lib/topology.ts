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
import { MONEY_EVENT_TYPES } from '../lambdas/domain/mapping/stripe-money';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The custom EventBridge bus every normalised vendor event lands on. */
export const BUS_NAME = 'quote-to-cash';

/** EventBridge `source` values: one per vendor. Custom sources must not start with `aws.`. */
export const SOURCES = { stripe: 'q2c.stripe' } as const;

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
} as const satisfies Record<string, QueueDef>;
export type QueueKey = keyof typeof QUEUES;

// ---------------------------------------------------------------------------------------------
// Lambda functions
// ---------------------------------------------------------------------------------------------

export interface FunctionDef {
  /** Logical id in CDK; also the local function name. */
  id: string;
  /** Entry file relative to the project root; the exported `handler` is the Lambda handler. */
  entry: string;
  description: string;
  /** Tables the function reads/writes: CDK grants exactly these and passes their names. */
  tables: { table: TableKey; access: 'read' | 'readwrite' }[];
  queues?: QueueKey[];
  putsEvents?: boolean;
  /** Secrets Manager secrets it reads (by key of SECRETS). */
  secrets?: SecretKey[];
  /** Definition-substitution key under which state machines reference this function's ARN. */
  asArnSubstitution?: string;
  timeoutSeconds: number;
  memoryMb: number;
}

export const SECRETS = {
  stripeWebhook: {
    id: 'StripeWebhookSigningSecret',
    envVar: 'STRIPE_WEBHOOK_SECRET_ARN',
    localEnvVar: 'STRIPE_WEBHOOK_SECRET',
    description: 'Stripe webhook endpoint signing secret (whsec_…). Set its value after the first deploy.',
  },
  netsuiteCredentials: {
    id: 'NetSuiteCredentials',
    envVar: 'NETSUITE_TBA_SECRET_ARN',
    localEnvVar: 'NETSUITE_TBA_CREDENTIALS',
    description:
      'NetSuite token-based authentication: {"consumerKey","consumerSecret","tokenId","tokenSecret"}.',
  },
  stripeApiKey: {
    id: 'StripeApiKey',
    envVar: 'STRIPE_API_KEY_SECRET_ARN',
    localEnvVar: 'STRIPE_API_KEY',
    description:
      'Stripe restricted API key (rk_…) with read access to invoices, balance transactions and payouts.',
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
    secrets: ['stripeWebhook'],
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  mapStripeInvoice: {
    id: 'MapStripeInvoice',
    entry: 'lambdas/handlers/map-stripe-invoice.ts',
    description: 'Pure mapping: Stripe invoice event → canonical invoice (and payment).',
    tables: [],
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
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  applyPayment: {
    id: 'ApplyPayment',
    entry: 'lambdas/handlers/apply-payment.ts',
    description: 'Applies an invoice payment in the ERP exactly once (clearing / AR).',
    ...IDEMPOTENT_ERP_POSTER,
    asArnSubstitution: 'ApplyPaymentFunctionArn',
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  mapStripeMoneyEvent: {
    id: 'MapStripeMoneyEvent',
    entry: 'lambdas/handlers/map-stripe-money-event.ts',
    description:
      'Maps voids, write-offs, credit notes, refunds, disputes, payouts and customers to postings.',
    tables: [],
    secrets: ['stripeApiKey'],
    asArnSubstitution: 'MapStripeMoneyEventFunctionArn',
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  postDocument: {
    id: 'PostDocument',
    entry: 'lambdas/handlers/post-document.ts',
    description: 'Posts one document (journal entry or ERP customer) to the ERP exactly once.',
    ...IDEMPOTENT_ERP_POSTER,
    asArnSubstitution: 'PostDocumentFunctionArn',
    timeoutSeconds: 30,
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
} as const satisfies Record<string, FunctionDef>;
export type FunctionKey = keyof typeof FUNCTIONS;

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
}

export const STATE_MACHINES = {
  postInvoice: {
    id: 'PostInvoiceFlow',
    file: 'statemachines/post-invoice.asl.json',
    type: 'EXPRESS',
    functions: ['mapStripeInvoice', 'postInvoice', 'applyPayment'],
    queues: ['exceptions'],
  },
  postMoneyEvent: {
    id: 'PostMoneyEventFlow',
    file: 'statemachines/post-money-event.asl.json',
    type: 'EXPRESS',
    functions: ['mapStripeMoneyEvent', 'postDocument'],
    queues: ['exceptions'],
  },
  monthEndClose: {
    id: 'MonthEndCloseFlow',
    file: 'statemachines/month-end-close.asl.json',
    type: 'STANDARD',
    functions: ['planMonthEndClose', 'releaseRevenue', 'closePeriod'],
    queues: ['exceptions'],
  },
} as const satisfies Record<string, StateMachineDef>;

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
} as const satisfies Record<string, RuleDef>;
export type RuleKey = keyof typeof RULES;

/** Stripe API version whose webhook payload shapes this release maps (pinned by the stripe SDK). */
export const STRIPE_API_VERSION = '2026-10-28.endive';

/** Largest webhook body accepted; leaves room for the envelope inside EventBridge's 256 KB entry limit. */
export const MAX_WEBHOOK_BODY_BYTES = 200 * 1024;

/**
 * Definition substitutions for a state machine, given how to name a function ARN and a queue URL.
 * CDK passes tokens; the local runtime passes local ARNs/URLs. Same keys either way.
 */
export function definitionSubstitutions(
  key: StateMachineKey,
  functionArn: (f: FunctionKey) => string,
  queueUrl: (q: QueueKey) => string,
): Record<string, string> {
  const sm: StateMachineDef = STATE_MACHINES[key];
  const subs: Record<string, string> = {};
  for (const f of sm.functions) {
    const def: FunctionDef = FUNCTIONS[f];
    if (!def.asArnSubstitution) throw new Error(`${f} has no ARN substitution key`);
    subs[def.asArnSubstitution] = functionArn(f);
  }
  for (const q of sm.queues) subs[`${QUEUES[q].id}Url`] = queueUrl(q);
  return subs;
}

/** Environment variables every function receives, besides table/queue/secret wiring. */
/** config/deployment.json: where postings go (validated where it is read). */
// A static import: esbuild bundles it into the functions, so they read the same settings CDK deployed with.
export const DEPLOYMENT = deploymentSettings(deploymentJson);

function deploymentSettings(raw: {
  erp?: unknown;
  netsuite?: { accountId?: unknown; concurrencyLimit?: unknown };
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
  return { erp: erp as 'ledger' | 'netsuite', netsuite: { accountId, concurrencyLimit } };
}

export function commonEnvironment(): Record<string, string> {
  return {
    ERP_TARGET: DEPLOYMENT.erp,
    ...(DEPLOYMENT.erp === 'netsuite'
      ? {
          NETSUITE_ACCOUNT_ID: DEPLOYMENT.netsuite.accountId,
          NETSUITE_CONCURRENCY_LIMIT: String(DEPLOYMENT.netsuite.concurrencyLimit),
        }
      : {}),
    POWERTOOLS_SERVICE_NAME: 'quote-to-cash',
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    EVENT_BUS_NAME: BUS_NAME,
    STRIPE_API_VERSION,
  };
}

/** How a deployment (CDK tokens) or the local runtime names its concrete resources. */
export interface ResourceNames {
  tableName: (t: TableKey) => string;
  queueUrl: (q: QueueKey) => string;
  secretArn: (s: SecretKey) => string;
}

/**
 * The complete environment of one function: common settings plus exactly the tables, queues
 * and secrets it declares. CDK and the local runtime both call this, so they cannot drift.
 */
export function functionEnvironment(f: FunctionKey, names: ResourceNames): Record<string, string> {
  const def: FunctionDef = FUNCTIONS[f];
  const env = commonEnvironment();
  for (const { table } of def.tables) env[TABLES[table].envVar] = names.tableName(table);
  for (const q of def.queues ?? []) env[QUEUES[q].envVar] = names.queueUrl(q);
  for (const s of def.secrets ?? []) env[SECRETS[s].envVar] = names.secretArn(s);
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
