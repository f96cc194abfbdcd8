/**
 * Cost of processing 1M Stripe invoice events, computed from the synthesized CloudFormation template
 * (not from a hand-written inventory), so the number moves when the stack does:
 *
 *   - the webhook route of the HTTP API → its integration's Lambda function;
 *   - the buses that function may `events:PutEvents` to (its role's policies) and their archives;
 *   - the rules on those buses whose pattern matches each event type (the repo's own EventBridge matcher)
 *     → their targets: state machines, walked along the happy path of their ASL (Task/Choice/Map/Parallel/…),
 *     every Lambda Task resolved through `DefinitionSubstitutions` to a function resource;
 *   - each function's memory, architecture, tracing and log level; each state machine's type, logging
 *     level and execution-data setting; DynamoDB billing mode; queues, keys, secrets, alarms, dashboards.
 *
 * What the template cannot say (durations, payload sizes, DynamoDB item sizes, log lines) is in
 * `DEFAULT_ASSUMPTIONS`, each value with where it comes from. Prices are us-east-1 list prices in
 * `US_EAST_1_PRICES`, first volume tier (higher tiers only lower the bill).
 *
 *   npx tsx bench/cost.ts        print the breakdown, Express vs Standard, and whether ≤ $15 / 1M is met
 */
import { matchesPattern, type EventPattern } from '../local/bus/event-pattern';

// ---------------------------------------------------------------------------------------------------------
// Prices
// ---------------------------------------------------------------------------------------------------------

export interface PriceTable {
  apiGatewayHttpPerMillionRequests: number;
  /** HTTP APIs meter requests in 512 KB increments. */
  apiGatewayHttpMeteringBytes: number;
  lambdaPerMillionRequests: number;
  lambdaGbSecond: { arm64: number; x86_64: number };
  /** Custom events on any bus; each 64 KB chunk of a payload is one event. */
  eventBridgeCustomEventsPerMillion: number;
  eventBridgeChunkBytes: number;
  eventBridgeArchivePerGbProcessed: number;
  eventBridgeArchiveStorageGbMonth: number;
  eventBridgeSchedulerPerMillionInvocations: number;
  stepFunctionsExpressPerMillionRequests: number;
  stepFunctionsExpressGbSecond: number;
  stepFunctionsExpressMemoryChunkMb: number;
  stepFunctionsExpressRoundingMs: number;
  stepFunctionsStandardPerThousandTransitions: number;
  dynamoDbOnDemandPerMillionWru: number;
  dynamoDbOnDemandPerMillionRru: number;
  dynamoDbStorageGbMonth: number;
  dynamoDbPitrGbMonth: number;
  sqsStandardPerMillionRequests: number;
  sqsChunkBytes: number;
  /** Standard log class; Lambda and Step Functions (vended) logs cost the same in their first 10 TB tier. */
  cloudWatchLogsIngestPerGb: number;
  cloudWatchLogsStorageGbMonth: number;
  cloudWatchCustomMetricMonth: number;
  cloudWatchAlarmMonth: number;
  cloudWatchDashboardMonth: number;
  xrayPerMillionTracesRecorded: number;
  kmsKeyMonth: number;
  kmsPerMillionRequests: number;
  secretsManagerSecretMonth: number;
  secretsManagerPerMillionApiCalls: number;
  s3PutPerThousand: number;
  s3GetPerThousand: number;
  /** HTTPS requests (US, Europe); each request's body travels on to the origin, billed per GB. */
  cloudFrontHttpsPerMillionRequests: number;
  cloudFrontToOriginPerGb: number;
  wafWebAclMonth: number;
  wafRuleMonth: number;
  wafPerMillionRequests: number;
}

/**
 * us-east-1 list prices, first volume tier, read on 2026-11-26 from:
 *  - API Gateway — https://aws.amazon.com/api-gateway/pricing/ : HTTP APIs $1.00 per million (first 300M),
 *    metered in 512 KB increments (also docs.aws.amazon.com whitepaper "Best Practices for … Private APIs",
 *    cost optimization, table 4).
 *  - Lambda — https://aws.amazon.com/lambda/pricing/ : $0.20 per 1M requests; duration per GB-second
 *    $0.0000133334 Arm (first 7.5B GB-s), $0.0000166667 x86 (first 6B GB-s). Since 2025-08-01 the INIT
 *    phase of on-demand functions is billed as duration too.
 *  - EventBridge — https://aws.amazon.com/eventbridge/pricing/ : custom events $1.00 per million, "each 64 KB
 *    chunk of a payload is billed as one event"; rule delivery to same-account targets is not charged;
 *    event replay archive: $0.10 per GB of events archived, $0.023 per GB-month stored; EventBridge
 *    Scheduler $1.00 per million scheduled invocations (after 14M free).
 *  - Step Functions — https://aws.amazon.com/step-functions/pricing/ : Standard $0.025 per 1,000 state
 *    transitions ("each time a step of your workflow is executed", retries included); Express $1.00 per
 *    million requests + $0.00001667 per GB-second (first 1,000 GB-hours), duration rounded up to 100 ms,
 *    memory billed in 64 MB chunks.
 *  - DynamoDB — https://aws.amazon.com/dynamodb/pricing/on-demand/ : after the 50 % on-demand price cut of
 *    2024-11-01, $0.625 per million write request units and $0.125 per million read request units; storage
 *    $0.25 per GB-month; continuous backups (PITR) $0.20 per GB-month.
 *  - SQS — https://aws.amazon.com/sqs/pricing/ : standard queues $0.40 per million requests (after the 1M
 *    free), each 64 KB chunk of a payload is one request.
 *  - CloudWatch — https://aws.amazon.com/cloudwatch/pricing/ : logs ingestion $0.50 per GB (Standard class;
 *    Lambda logs moved to tiered vended pricing on 2025-05-01, whose first 10 TB tier is also $0.50),
 *    storage $0.03 per GB-month; custom metrics (EMF) $0.30 per metric-month (first 10k); standard alarms
 *    $0.10 per alarm metric-month; dashboards $3.00 per month.
 *  - X-Ray — https://aws.amazon.com/xray/pricing/ : $5.00 per million traces recorded (after 100k free).
 *  - KMS — https://aws.amazon.com/kms/pricing/ : $1.00 per customer managed key-month, $0.03 per 10,000
 *    requests.
 *  - Secrets Manager — https://aws.amazon.com/secrets-manager/pricing/ : $0.40 per secret-month, $0.05 per
 *    10,000 API calls.
 *  - S3 — https://aws.amazon.com/s3/pricing/ : Standard PUT $0.005 per 1,000, GET $0.0004 per 1,000.
 *  - CloudFront — https://aws.amazon.com/cloudfront/pricing/ : HTTPS requests $0.0100 per 10,000 (US, Europe),
 *    regional data transfer out to origin $0.020 per GB (only with the optional WAF, lib/constructs/webhook-firewall.ts).
 *  - AWS WAF — https://aws.amazon.com/waf/pricing/ : $5.00 per web ACL-month, $1.00 per rule-month (a managed
 *    rule group counts as one rule), $0.60 per million requests inspected.
 * Free tiers are ignored: at 1M events they are a rounding error and they do not scale.
 */
export const US_EAST_1_PRICES: PriceTable = {
  apiGatewayHttpPerMillionRequests: 1.0,
  apiGatewayHttpMeteringBytes: 512 * 1024,
  lambdaPerMillionRequests: 0.2,
  lambdaGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  eventBridgeCustomEventsPerMillion: 1.0,
  eventBridgeChunkBytes: 64 * 1024,
  eventBridgeArchivePerGbProcessed: 0.1,
  eventBridgeArchiveStorageGbMonth: 0.023,
  eventBridgeSchedulerPerMillionInvocations: 1.0,
  stepFunctionsExpressPerMillionRequests: 1.0,
  stepFunctionsExpressGbSecond: 0.00001667,
  stepFunctionsExpressMemoryChunkMb: 64,
  stepFunctionsExpressRoundingMs: 100,
  stepFunctionsStandardPerThousandTransitions: 0.025,
  dynamoDbOnDemandPerMillionWru: 0.625,
  dynamoDbOnDemandPerMillionRru: 0.125,
  dynamoDbStorageGbMonth: 0.25,
  dynamoDbPitrGbMonth: 0.2,
  sqsStandardPerMillionRequests: 0.4,
  sqsChunkBytes: 64 * 1024,
  cloudWatchLogsIngestPerGb: 0.5,
  cloudWatchLogsStorageGbMonth: 0.03,
  cloudWatchCustomMetricMonth: 0.3,
  cloudWatchAlarmMonth: 0.1,
  cloudWatchDashboardMonth: 3.0,
  xrayPerMillionTracesRecorded: 5.0,
  kmsKeyMonth: 1.0,
  kmsPerMillionRequests: 3.0,
  secretsManagerSecretMonth: 0.4,
  secretsManagerPerMillionApiCalls: 5.0,
  s3PutPerThousand: 0.005,
  s3GetPerThousand: 0.0004,
  cloudFrontHttpsPerMillionRequests: 1.0,
  cloudFrontToOriginPerGb: 0.02,
  wafWebAclMonth: 5.0,
  wafRuleMonth: 1.0,
  wafPerMillionRequests: 0.6,
};

// ---------------------------------------------------------------------------------------------------------
// Assumptions
// ---------------------------------------------------------------------------------------------------------

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL';
const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL'];

/** What one invocation of a function does for one event type, beyond what the template says. */
export interface InvocationAssumption {
  /** Size in bytes of each item written (one write request each; WRU = ceil(size / 1 KB)). */
  writeItemBytes?: number[];
  /** Size in bytes of each item read strongly consistently (RRU = ceil(size / 4 KB)). */
  readItemBytes?: number[];
  /** Application log lines written at each level; only those at or above the configured level are shipped. */
  logLines?: Partial<Record<LogLevel, number>>;
  /** Embedded-metric-format blobs (one per flush / single metric). */
  emfBlobs?: number;
}

export interface EventTypeAssumption {
  detailType: string;
  /** Fraction of the events; the mix must add up to 1. */
  share: number;
  /** The execution data the Choice states read on the happy path (only the paths they test matter). */
  happyPathData: Record<string, unknown>;
  /** Items of each Map state (by state name) on the happy path; 1 when not given. */
  mapItems?: Record<string, number>;
  /** Per function (topology key such as `postInvoice`, or logical id) invoked for this event type. */
  invocations: Record<string, InvocationAssumption>;
}

/** A flow started by an EventBridge Scheduler schedule (the month-end close), not by each event. */
export interface ScheduledFlowAssumption {
  /** What its Choice states read on the happy path. */
  happyPathData: Record<string, unknown>;
  /** Items of each Map state (by state name) per run. */
  mapItems?: Record<string, number>;
  /**
   * Work that grows with the month's events, per function: how many items each event gives it (one revenue
   * release per deferred invoice line), and per item its time, DynamoDB requests and log lines.
   */
  workPerEvent?: Record<
    string,
    InvocationAssumption & {
      itemsPerEvent: number;
      msPerItem: number;
      /** `itemsPerEvent` is per run (a flow that re-reads the month every run), not per month. */
      perRun?: boolean;
      /** Bytes per item read by a Scan (eventually consistent: 0.5 RRU per 4 KB, summed over the page). */
      scanItemBytes?: number;
      /** Bytes of each item read per item by BatchGetItem, eventually consistent (0.5 RRU per 4 KB, per item). */
      batchGetItemBytes?: number[];
    }
  >;
  /** S3 requests per run (staging parts written and read back, reports). */
  s3PutsPerRun?: number;
  s3GetsPerRun?: number;
}

export interface CostAssumptions {
  /** `source` of the events the ingest function publishes (what the rules match). */
  eventSource: string;
  /** Route of the HTTP API the vendor calls. */
  webhookRouteKey: string;
  webhookBodyBytes: number;
  /** The event as EventBridge stores and delivers it (envelope in `detail` + EventBridge fields). */
  busEventBytes: number;
  eventMix: EventTypeAssumption[];
  lambda: {
    defaultDurationMs: number;
    /** Per function (topology key or logical id). */
    durationMs?: Record<string, number>;
    /** SQS requests per run of a function on a timer (topology key), e.g. the drain's queue scans. */
    sqsRequestsPerRun?: Record<string, number>;
    coldStartFraction: number;
    initDurationMs: number;
    /** START / END / REPORT lines (REPORT carries the X-Ray trace line when tracing is active). */
    platformLogBytes: number;
    logLineBytes: number;
    emfBlobBytes: number;
  };
  stepFunctions: {
    /** Time Step Functions adds around each Task (scheduling, result handling). */
    taskOverheadMs: number;
    /** Time of every other state (Choice, Pass, Succeed, Map bookkeeping). */
    stateOverheadMs: number;
    /** Express execution memory: definition + execution data; ours is far below the first 64 MB chunk. */
    expressMemoryMb: number;
    /** Bytes of one logged history event without execution data. */
    historyEventBytes: number;
    /** Execution data carried by a history event when `IncludeExecutionData` is on. */
    executionDataBytes: number;
  };
  apiAccessLogBytes: number;
  /** Events that end up parked (exception queue): one send, one receive and one delete each on replay. */
  parkedFraction: number;
  parkedMessageBytes: number;
  /**
   * Average arrival rate of the events (per second) for X-Ray's per-second reservoirs; the sampled fraction
   * itself is derived from the template (tracing modes and `AWS::XRay::SamplingRule`s).
   */
  eventsPerSecond: number;
  kmsRequestsPerEvent: number;
  secretsManagerCallsPerEvent: number;
  /** Distinct EMF metric × dimension combinations (a monthly charge, not per event). */
  customMetrics: number;
  /** Bytes each event leaves in DynamoDB for good (ledger, schedules, crosswalk; idempotency records expire). */
  dynamoDbRetainedBytesPerEvent: number;
  /** Per schedule or scheduled state machine (topology key or logical id); a schedule without one is an error. */
  scheduledFlows: Record<string, ScheduledFlowAssumption>;
}

// Measured with the fixtures in test/fixtures/stripe (usdMonthlyWithTaxAndDiscount, 5 invoice lines): the webhook
// body as Stripe sends it (pretty-printed) is 8.9 KB, the normalised envelope 5.7 KB, the mapped postings
// 1.6–2.2 KB. Item sizes: the items the local runtime wrote for usd.finalized / usd.paid, as DynamoDB JSON
// (a little above DynamoDB's own item size): ledger entry 2.7 KB (invoice) / 1.3 KB (payment), revenue
// schedule 0.7 KB (1.5 KB for an annual line), one 130 B due-index item per scheduled period, crosswalk link
// 0.4 KB, idempotency record 0.35 KB.
const INVOICE_ENTRY_ITEM_BYTES = 2_700;
const PAYMENT_ENTRY_ITEM_BYTES = 1_300;
const RELEASE_ENTRY_ITEM_BYTES = 1_500;
const SCHEDULE_ITEM_BYTES = 700;
const DUE_INDEX_ITEM_BYTES = 130;
const CROSSWALK_ITEM_BYTES = 420;
const IDEMPOTENCY_ITEM_BYTES = 350;
/** The closed-periods item, read (strongly consistent) before each posting. */
const CLOSED_PERIODS_ITEM_BYTES = 100;

/**
 * A posting: Powertools idempotency put (INPROGRESS) and update (COMPLETED), the ledger's conditional put,
 * for an invoice its revenue schedule and due-index items (assumed: one monthly subscription line, i.e. one
 * scheduled period — an annual line adds 11 due-index writes), and the crosswalk put.
 */
const posting = (entryBytes: number, scheduledPeriods: number): InvocationAssumption => ({
  writeItemBytes: [
    IDEMPOTENCY_ITEM_BYTES,
    IDEMPOTENCY_ITEM_BYTES,
    entryBytes,
    ...(scheduledPeriods > 0 ? [SCHEDULE_ITEM_BYTES] : []),
    ...Array<number>(scheduledPeriods).fill(DUE_INDEX_ITEM_BYTES),
    CROSSWALK_ITEM_BYTES,
  ],
  readItemBytes: [CLOSED_PERIODS_ITEM_BYTES],
  logLines: { INFO: 1 }, // "document posted"
  emfBlobs: 2, // InvoicesPosted / PaymentsApplied + the PostedAmountMinorUnits single metric
});

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  eventSource: 'q2c.stripe',
  webhookRouteKey: 'POST /webhooks/stripe',
  webhookBodyBytes: 9_000,
  busEventBytes: 6_200,
  eventMix: [
    {
      detailType: 'invoice.finalized',
      share: 0.5,
      happyPathData: { mapped: { invoicePosting: {} } },
      invocations: {
        ingestStripeWebhook: { logLines: { INFO: 1 }, emfBlobs: 1 },
        mapStripeInvoice: { emfBlobs: 1 },
        postInvoice: posting(INVOICE_ENTRY_ITEM_BYTES, 1),
      },
    },
    {
      detailType: 'invoice.paid',
      share: 0.5,
      happyPathData: { mapped: { invoicePosting: {}, paymentPosting: {} } },
      invocations: {
        ingestStripeWebhook: { logLines: { INFO: 1 }, emfBlobs: 1 },
        mapStripeInvoice: { emfBlobs: 1 },
        // The invoice was posted by its invoice.finalized: the idempotency put fails its condition (still one
        // WRU; Powertools reads the stored record from the failed write, no extra read) and nothing is logged.
        postInvoice: { writeItemBytes: [IDEMPOTENCY_ITEM_BYTES] },
        applyPayment: posting(PAYMENT_ENTRY_ITEM_BYTES, 0),
      },
    },
  ],
  lambda: {
    // Conservative: the local bench measures the direct PostInvoice handler at ~60 ms per posting on dynalite
    // (sequential writes); DynamoDB in-region writes take < 10 ms and mapping is pure CPU.
    defaultDurationMs: 100,
    // The outage drain scans the exception queue once a run (re-drive and census), ending on two empty
    // 1 s long-polls: ~2.1 s, a GetQueueAttributes and two receives (parked messages add a receive per 10
    // and a delete or visibility change each).
    durationMs: { drainDependencyOutages: 2_100 },
    sqsRequestsPerRun: { drainDependencyOutages: 3 },
    coldStartFraction: 0.01,
    // `npm run bench` cold init of the bundles: 75–319 ms.
    initDurationMs: 300,
    platformLogBytes: 450,
    // A Powertools JSON line with the Lambda context (function ARN, request id, trace id) and our keys.
    logLineBytes: 600,
    emfBlobBytes: 260,
  },
  stepFunctions: {
    taskOverheadMs: 20,
    stateOverheadMs: 5,
    expressMemoryMb: 64,
    historyEventBytes: 350,
    // Average over the events that carry data: StateEntered/Exited and ExecutionStarted/Succeeded carry the
    // whole state (the 6.2 KB EventBridge event, then + $.mapped ≈ 2 KB), TaskScheduled the task input
    // (≈ 1.6 KB posting) and TaskSucceeded the result (0.2–2 KB).
    executionDataBytes: 6_500,
  },
  apiAccessLogBytes: 300,
  parkedFraction: 0.001,
  parkedMessageBytes: 9_000,
  // 1M events in a 30-day month.
  eventsPerSecond: 1e6 / (30 * 86_400),
  // DynamoDB, SQS and CloudWatch Logs cache data keys of the customer-managed key (SQS: 5 min reuse period).
  kmsRequestsPerEvent: 0.01,
  // Powertools Parameters caches the signing secret for 5 minutes per execution environment.
  secretsManagerCallsPerEvent: 0.01,
  customMetrics: 20,
  // invoice.finalized keeps entry + schedule + due index + link, invoice.paid entry + link; half the events
  // are finalized invoices, each releasing its one deferred line at the close (release entry + link).
  dynamoDbRetainedBytesPerEvent:
    (INVOICE_ENTRY_ITEM_BYTES + SCHEDULE_ITEM_BYTES + DUE_INDEX_ITEM_BYTES + CROSSWALK_ITEM_BYTES) / 2 +
    (PAYMENT_ENTRY_ITEM_BYTES + CROSSWALK_ITEM_BYTES) / 2 +
    0.5 * (RELEASE_ENTRY_ITEM_BYTES + CROSSWALK_ITEM_BYTES),
  scheduledFlows: {
    monthEndClose: {
      happyPathData: {},
      // PlanMonthEndClose returns one item per release shard (CLOSE_SHARDS = 16).
      mapItems: { ReleaseRevenue: 16 },
      workPerEvent: {
        // One release per deferred line due in the month: half the events are invoices with one monthly line.
        // Per release: a strongly consistent get of the schedule, the ledger put and the crosswalk put; the
        // due-index query reads 130 B per line (≈ 0.03 RRU, left out); "document posted" at INFO.
        releaseRevenue: {
          itemsPerEvent: 0.5,
          msPerItem: 15,
          readItemBytes: [SCHEDULE_ITEM_BYTES],
          writeItemBytes: [RELEASE_ENTRY_ITEM_BYTES, CROSSWALK_ITEM_BYTES],
          logLines: { INFO: 1 },
          // Powertools Metrics flushes a blob per 100 values of a metric, and each release adds two.
          emfBlobs: 0.02,
        },
      },
    },
    // The daily run (schedule input 'yesterday', lib/domain/reconciliation/report.ts): one day of Stripe
    // events — the invoice events themselves, 1/30 of the month per run — in one slice, no ERP segment; each
    // of the 64 shards looks its documents' postings up by id (BatchGetItem, eventually consistent: one key
    // per document, ≈ 1.5 documents per event — the invoice, and its payment when paid that day).
    dailyReconciliation: {
      happyPathData: {},
      mapItems: { ExtractBilling: 1, ExtractErp: 0, CompareShards: 64 },
      // Billing parts and findings per shard, the two reports; read back by the shards and the publisher.
      s3PutsPerRun: 64 * 2 + 2,
      s3GetsPerRun: 64 * 2,
      workPerEvent: {
        // Stripe list pages of 100 at ~400 ms: ~4 ms per event, mostly waiting on Stripe.
        extractBillingFacts: { perRun: true, itemsPerEvent: 1 / 30, msPerItem: 4 },
        // BatchGetItem of 100 keys ≈ 10 ms: 0.1 ms per document; an invoice entry or a payment entry read.
        reconcileShard: {
          perRun: true,
          itemsPerEvent: 1.5 / 30,
          msPerItem: 0.1,
          batchGetItemBytes: [(2 * INVOICE_ENTRY_ITEM_BYTES + PAYMENT_ENTRY_ITEM_BYTES) / 3],
        },
      },
    },
    // The pre-close run, over the whole month (lib/domain/reconciliation/report.ts sizing). Rough: it lists
    // billing from 35 days before the period (≈ 1.67 months of documents, half a document per event) and
    // Scans the ledger (one item per event is the first month: a Scan reads the whole table, so every
    // retained month adds as much again, once a month); 64 shards × (≈ 65 billing slices + 16 ERP segments)
    // staging parts and the findings are written and read back.
    preCloseReconciliation: {
      happyPathData: {},
      mapItems: { ExtractBilling: 65, ExtractErp: 16, CompareShards: 64 },
      s3PutsPerRun: 64 * (65 + 16 + 1) + 2,
      s3GetsPerRun: 64 * (65 + 16 + 1),
      workPerEvent: {
        // Stripe list pages of 100 at ~400 ms: ~4 ms per document, mostly waiting on Stripe.
        extractBillingFacts: { perRun: true, itemsPerEvent: 0.83, msPerItem: 4 },
        extractErpFacts: {
          perRun: true,
          itemsPerEvent: 1,
          msPerItem: 0.05,
          scanItemBytes: INVOICE_ENTRY_ITEM_BYTES,
        },
        reconcileShard: { perRun: true, itemsPerEvent: 1.83, msPerItem: 0.02 },
      },
    },
  },
};

// ---------------------------------------------------------------------------------------------------------
// The template, as far as the cost model reads it
// ---------------------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
export interface TemplateResource {
  Type: string;
  Properties?: Json;
  Metadata?: Json;
}
export interface TemplateJson {
  Resources: Record<string, TemplateResource>;
}

export type Service =
  | 'API Gateway'
  | 'Lambda'
  | 'EventBridge'
  | 'Step Functions'
  | 'DynamoDB'
  | 'SQS'
  | 'CloudWatch'
  | 'X-Ray'
  | 'KMS'
  | 'Secrets Manager'
  | 'SNS'
  | 'S3'
  | 'CloudFront'
  | 'WAF';

/**
 * Which service bills each CloudFormation namespace; `null` = no charge of its own (IAM, permissions,
 * policies). An unknown namespace throws, so a new kind of resource cannot slip past the cost model.
 */
const SERVICE_OF_NAMESPACE: Record<string, Service | null> = {
  'AWS::ApiGatewayV2': 'API Gateway',
  'AWS::Lambda': 'Lambda',
  'AWS::Events': 'EventBridge',
  // EventBridge Scheduler is billed on the EventBridge pricing page.
  'AWS::Scheduler': 'EventBridge',
  'AWS::StepFunctions': 'Step Functions',
  'AWS::DynamoDB': 'DynamoDB',
  'AWS::SQS': 'SQS',
  'AWS::Logs': 'CloudWatch',
  'AWS::CloudWatch': 'CloudWatch',
  'AWS::KMS': 'KMS',
  'AWS::SecretsManager': 'Secrets Manager',
  'AWS::SNS': 'SNS',
  'AWS::S3': 'S3',
  'AWS::XRay': 'X-Ray',
  'AWS::CloudFront': 'CloudFront',
  'AWS::WAFv2': 'WAF',
  'AWS::IAM': null,
  'AWS::CDK': null,
};

/** The service a resource type is billed under (`null`: free). Throws for namespaces the model does not know. */
export function serviceOf(resourceType: string): Service | null {
  const namespace = resourceType.split('::').slice(0, 2).join('::');
  if (!(namespace in SERVICE_OF_NAMESPACE)) {
    throw new Error(`cost model: no pricing for ${resourceType}; add its namespace to SERVICE_OF_NAMESPACE`);
  }
  return SERVICE_OF_NAMESPACE[namespace];
}

interface FunctionInfo {
  logicalId: string;
  /** Topology key (`FUNCTIONS.postInvoice` → `postInvoice`) or the logical id. */
  key: string;
  memoryMb: number;
  architecture: 'arm64' | 'x86_64';
  tracing: boolean;
  logLevel: LogLevel;
  metricsEnabled: boolean;
  /** Lambda's START / END / REPORT lines: shipped unless the system log level (JSON format) is WARN. */
  platformLines: boolean;
}

const TOPOLOGY_METADATA_KEY = 'q2c:topology';

function nameOf(logicalId: string, resource: TemplateResource): string {
  const tag = resource.Metadata?.[TOPOLOGY_METADATA_KEY];
  return typeof tag === 'string' ? (tag.split('.')[1] ?? logicalId) : logicalId;
}

function functionInfo(logicalId: string, r: TemplateResource): FunctionInfo {
  const p = r.Properties ?? {};
  const env = ((p.Environment as { Variables?: Json } | undefined)?.Variables ?? {}) as Json;
  const arch = (p.Architectures as string[] | undefined)?.[0] ?? 'x86_64';
  // Powertools reads POWERTOOLS_LOG_LEVEL, else Lambda's advanced logging controls, else INFO.
  const configured = String(
    env.POWERTOOLS_LOG_LEVEL ??
      (p.LoggingConfig as { ApplicationLogLevel?: string } | undefined)?.ApplicationLogLevel ??
      'INFO',
  ).toUpperCase();
  const logLevel = (LOG_LEVELS as readonly string[]).includes(configured)
    ? (configured as LogLevel)
    : configured === 'SILENT'
      ? 'CRITICAL'
      : 'INFO';
  return {
    logicalId,
    key: nameOf(logicalId, r),
    memoryMb: Number(p.MemorySize ?? 128),
    architecture: arch === 'arm64' ? 'arm64' : 'x86_64',
    tracing: (p.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active',
    logLevel,
    metricsEnabled: String(env.POWERTOOLS_METRICS_DISABLED ?? 'false').toLowerCase() !== 'true',
    platformLines:
      (p.LoggingConfig as { SystemLogLevel?: string } | undefined)?.SystemLogLevel?.toUpperCase() !== 'WARN',
  };
}

/** Logical ids referenced by Ref / Fn::GetAtt anywhere inside a value. */
function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  const obj = value as Json;
  if (typeof obj.Ref === 'string') return [obj.Ref];
  const getAtt = obj['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  return Object.values(obj).flatMap(referencedIds);
}

function ofType(t: TemplateJson, type: string): [string, TemplateResource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

// ---------------------------------------------------------------------------------------------------------
// Walking the happy path of a state machine
// ---------------------------------------------------------------------------------------------------------

/** History events Step Functions logs per state (level ALL), and how many of them carry execution data. */
const HISTORY_EVENTS: Record<string, { events: number; withData: number }> = {
  // ExecutionStarted (input) + ExecutionSucceeded (output)
  Execution: { events: 2, withData: 2 },
  // StateEntered (input), Scheduled (parameters), Started, Succeeded (result), StateExited (output)
  Task: { events: 5, withData: 4 },
  // StateEntered (input) + StateExited (output)
  Choice: { events: 2, withData: 2 },
  Pass: { events: 2, withData: 2 },
  Wait: { events: 2, withData: 2 },
  Succeed: { events: 2, withData: 2 },
  // MapStateEntered / Started / Succeeded / Exited, and IterationStarted / Succeeded per item
  Map: { events: 4, withData: 2 },
  MapIteration: { events: 2, withData: 0 },
  Parallel: { events: 4, withData: 2 },
};

export interface FlowPath {
  detailType: string;
  stateMachine: string;
  type: 'EXPRESS' | 'STANDARD';
  /** States entered on the happy path, in order (Map iterations repeated). */
  states: string[];
  /** Billable Standard transitions: one per state entered. */
  transitions: number;
  /** Function logical ids invoked by Task states, in order. */
  lambdaInvocations: string[];
  sqsSends: number;
  historyEvents: number;
  historyEventsWithData: number;
  /** Scheduled flows only: runs a month, from the schedule expression. */
  runsPerMonth?: number;
}

interface StateMachineInfo {
  logicalId: string;
  name: string;
  type: 'EXPRESS' | 'STANDARD';
  definition: Json;
  /** Substitution name → referenced logical id. */
  substitutions: Record<string, string>;
  logLevel: 'ALL' | 'ERROR' | 'FATAL' | 'OFF';
  includeExecutionData: boolean;
  tracing: boolean;
}

function stateMachineInfo(logicalId: string, r: TemplateResource): StateMachineInfo {
  const p = r.Properties ?? {};
  if (typeof p.DefinitionString !== 'string') {
    throw new Error(`cost model: state machine ${logicalId} has no inline DefinitionString to walk`);
  }
  const substitutions: Record<string, string> = {};
  for (const [name, v] of Object.entries((p.DefinitionSubstitutions ?? {}) as Json)) {
    const [id] = referencedIds(v);
    if (id) substitutions[name] = id;
  }
  const logging = (p.LoggingConfiguration ?? {}) as { Level?: string; IncludeExecutionData?: boolean };
  return {
    logicalId,
    name: nameOf(logicalId, r),
    type: p.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
    definition: JSON.parse(p.DefinitionString) as Json,
    substitutions,
    logLevel: (logging.Level ?? 'OFF') as StateMachineInfo['logLevel'],
    includeExecutionData: logging.IncludeExecutionData === true,
    tracing: (p.TracingConfiguration as { Enabled?: boolean } | undefined)?.Enabled === true,
  };
}

/** `$.a.b` against the happy-path data; only plain dotted paths are supported. */
function lookup(data: unknown, path: unknown): { present: boolean; value?: unknown } {
  if (typeof path !== 'string' || !/^\$(\.[A-Za-z0-9_-]+)*$/.test(path)) {
    throw new Error(`cost model: unsupported Choice variable ${JSON.stringify(path)}`);
  }
  let cur: unknown = data;
  for (const part of path.split('.').slice(1)) {
    if (cur === null || typeof cur !== 'object' || !(part in (cur as Json))) return { present: false };
    cur = (cur as Json)[part];
  }
  return { present: true, value: cur };
}

function choiceMatches(rule: Json, data: unknown): boolean {
  if (Array.isArray(rule.And)) return (rule.And as Json[]).every((r) => choiceMatches(r, data));
  if (Array.isArray(rule.Or)) return (rule.Or as Json[]).some((r) => choiceMatches(r, data));
  if (rule.Not) return !choiceMatches(rule.Not as Json, data);
  const { present, value } = lookup(data, rule.Variable);
  if ('IsPresent' in rule) return present === rule.IsPresent;
  if ('IsNull' in rule) return present && (value === null) === rule.IsNull;
  for (const op of ['StringEquals', 'NumericEquals', 'BooleanEquals'] as const) {
    if (op in rule) return present && value === rule[op];
  }
  throw new Error(`cost model: unsupported Choice rule ${JSON.stringify(rule)}`);
}

function walk(sm: StateMachineInfo, event: EventTypeAssumption): FlowPath {
  const path: FlowPath = {
    detailType: event.detailType,
    stateMachine: sm.name,
    type: sm.type,
    states: [],
    transitions: 0,
    lambdaInvocations: [],
    sqsSends: 0,
    historyEvents: HISTORY_EVENTS.Execution.events,
    historyEventsWithData: HISTORY_EVENTS.Execution.withData,
  };
  const count = (kind: string) => {
    const h = HISTORY_EVENTS[kind] ?? { events: 2, withData: 2 };
    path.historyEvents += h.events;
    path.historyEventsWithData += h.withData;
  };
  const resolve = (resource: string): string | undefined => {
    const m = /^\$\{([A-Za-z0-9_]+)\}$/.exec(resource);
    return m ? sm.substitutions[m[1]] : undefined;
  };
  const run = (definition: Json) => {
    const states = definition.States as Record<string, Json>;
    let name: string | undefined = String(definition.StartAt);
    for (let steps = 0; name !== undefined; steps++) {
      if (steps > 1_000) throw new Error(`cost model: ${sm.name} does not terminate on the happy path`);
      const state: Json | undefined = states[name];
      if (!state) throw new Error(`cost model: ${sm.name} has no state ${name}`);
      path.states.push(name);
      path.transitions++;
      const type = String(state.Type);
      count(type);
      let next: string | undefined = state.End === true ? undefined : (state.Next as string | undefined);
      switch (type) {
        case 'Task': {
          const resource = String(state.Resource);
          const parameters = (state.Parameters ?? state.Arguments ?? {}) as Json;
          const fn =
            resolve(resource) ??
            (resource.startsWith('arn:aws:states:::lambda:invoke')
              ? resolve(String(parameters.FunctionName ?? parameters['FunctionName.$'] ?? ''))
              : undefined);
          if (fn) path.lambdaInvocations.push(fn);
          else if (resource.startsWith('arn:aws:states:::sqs:sendMessage')) path.sqsSends++;
          else throw new Error(`cost model: ${sm.name}.${name}: cannot price Task resource ${resource}`);
          break;
        }
        case 'Choice': {
          const choices = (state.Choices ?? []) as Json[];
          const taken = choices.find((c) => choiceMatches(c, event.happyPathData));
          next = (taken?.Next ?? state.Default) as string | undefined;
          if (next === undefined) throw new Error(`cost model: ${sm.name}.${name}: no branch taken`);
          break;
        }
        case 'Map': {
          const items = event.mapItems?.[name] ?? 1;
          const processor = (state.ItemProcessor ?? state.Iterator) as Json;
          for (let i = 0; i < items; i++) {
            count('MapIteration');
            run(processor);
          }
          break;
        }
        case 'Parallel':
          for (const branch of (state.Branches ?? []) as Json[]) run(branch);
          break;
        case 'Pass':
        case 'Wait':
          break;
        case 'Succeed':
          next = undefined;
          break;
        case 'Fail':
          throw new Error(`cost model: the happy path of ${sm.name} for ${event.detailType} ends in Fail`);
        default:
          throw new Error(`cost model: unknown state type ${type}`);
      }
      name = next;
    }
  };
  run(sm.definition);
  return path;
}

// ---------------------------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------------------------

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Does a cron field (`*`, `?`, `5`, `1-5`, `MON,FRI`, `0/15`, `*\/2`) match `value`? */
function cronField(field: string, value: number, names: string[] = [], base = 0): boolean {
  if (field === '*' || field === '?') return true;
  const toNumber = (t: string): number => {
    const i = names.indexOf(t.toUpperCase());
    if (i >= 0) return i + base;
    if (!/^\d+$/.test(t)) throw new Error(`cost model: unsupported cron token ${t}`);
    return Number(t);
  };
  return field.split(',').some((part) => {
    const [range, step] = part.split('/');
    const [from, to] =
      range === '*'
        ? [-Infinity, Infinity]
        : range.includes('-')
          ? range.split('-').map(toNumber)
          : [toNumber(range), step ? Infinity : toNumber(range)];
    if (value < from || value > to) return false;
    return step === undefined || (value - (Number.isFinite(from) ? from : 0)) % Number(step) === 0;
  });
}

/**
 * Runs in a 30-day month of an EventBridge Scheduler expression: `rate(n unit)`, or `cron(min hour
 * day-of-month month day-of-week year)` counted minute by minute over November 2026 (UTC). `at(…)` is one-off.
 */
export function runsPerMonth(expression: string): number {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const minutes = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 }[rate[2]] ?? 1;
    return Math.floor((30 * 1440) / (Number(rate[1]) * minutes));
  }
  if (expression.startsWith('at(')) return 0;
  const cron = /^cron\((.+)\)$/.exec(expression);
  const fields = cron?.[1].trim().split(/\s+/);
  if (!fields || fields.length !== 6) throw new Error(`cost model: unsupported schedule ${expression}`);
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields;
  let runs = 0;
  const start = Date.UTC(2026, 10, 1);
  for (let m = 0; m < 30 * 1440; m++) {
    const d = new Date(start + m * 60_000);
    if (
      cronField(minute, d.getUTCMinutes()) &&
      cronField(hour, d.getUTCHours()) &&
      (dayOfMonth === 'L'
        ? new Date(start + m * 60_000 + 86_400_000).getUTCDate() === 1
        : cronField(dayOfMonth, d.getUTCDate())) &&
      cronField(month, d.getUTCMonth() + 1, MONTH_NAMES, 1) &&
      cronField(dayOfWeek, d.getUTCDay() + 1, DAY_NAMES, 1) &&
      cronField(year, d.getUTCFullYear())
    )
      runs++;
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------------------
// The cost
// ---------------------------------------------------------------------------------------------------------

/** CloudWatch bytes one invocation (or one item of scheduled work) ships: log lines at or above the level, EMF. */
function invocationLogBytes(
  fn: FunctionInfo,
  a: InvocationAssumption,
  assumptions: CostAssumptions,
  withPlatformLines: boolean,
): number {
  const floor = LOG_LEVELS.indexOf(fn.logLevel);
  const shipped = Object.entries(a.logLines ?? {})
    .filter(([level]) => LOG_LEVELS.indexOf(level as LogLevel) >= floor)
    .reduce((sum, [, n]) => sum + (n ?? 0), 0);
  return (
    (withPlatformLines && fn.platformLines ? assumptions.lambda.platformLogBytes : 0) +
    shipped * assumptions.lambda.logLineBytes +
    (fn.metricsEnabled ? (a.emfBlobs ?? 0) * assumptions.lambda.emfBlobBytes : 0)
  );
}

/** An X-Ray sampling rule: `reservoirSize` requests a second, then `fixedRate` of the rest. */
export interface SamplingRule {
  name: string;
  reservoirSize: number;
  fixedRate: number;
}

/** X-Ray's default rule, and the fixed sampling of Lambda's Active tracing (which ignores custom rules). */
export const XRAY_DEFAULT_RULE: SamplingRule = {
  name: 'Default (1/s + 5 %)',
  reservoirSize: 1,
  fixedRate: 0.05,
};

/**
 * Fraction of requests a rule samples when they arrive as a Poisson process of `perSecond`: each second the
 * reservoir takes min(N, R) of its N requests, `fixedRate` of the others are sampled too.
 */
export function sampledFraction(rule: SamplingRule, perSecond: number): number {
  if (perSecond <= 0) return 0;
  let p = Math.exp(-perSecond); // P(N = 0)
  let belowReservoir = 0; // Σ_{k < R} (R − k) P(N = k)
  for (let k = 0; k < rule.reservoirSize; k++) {
    belowReservoir += (rule.reservoirSize - k) * p;
    p *= perSecond / (k + 1);
  }
  const fromReservoir = rule.reservoirSize - belowReservoir; // E[min(N, R)]
  return Math.min(1, (fromReservoir + rule.fixedRate * (perSecond - fromReservoir)) / perSecond);
}

const STATE_MACHINE_SERVICE_TYPE = 'AWS::StepFunctions::StateMachine';

/**
 * The rule X-Ray applies to executions of a state machine: the template's `AWS::XRay::SamplingRule`s that
 * match it (service type `*` or a state machine's, service name `*` or this machine's `Name`, and `*` for the
 * HTTP attributes an execution does not have), lowest priority first; X-Ray's default rule otherwise. A name
 * the template cannot resolve to this machine does not match (rules outside the template are not seen).
 */
export function samplingRuleFor(template: TemplateJson, stateMachineId: string): SamplingRule {
  const candidates: { priority: number; rule: SamplingRule }[] = [];
  for (const [id, r] of ofType(template, 'AWS::XRay::SamplingRule')) {
    const sr = ((r.Properties ?? {}).SamplingRule ?? {}) as Json;
    const star = (v: unknown) => v === undefined || v === '*';
    const type = sr.ServiceType;
    if (!(star(type) || type === STATE_MACHINE_SERVICE_TYPE)) continue;
    if (!['Host', 'HTTPMethod', 'URLPath', 'ResourceARN'].every((k) => star(sr[k]))) continue;
    const name = sr.ServiceName;
    const getAtt = (name as Json | undefined)?.['Fn::GetAtt'];
    const namesThis =
      star(name) || (Array.isArray(getAtt) && getAtt[0] === stateMachineId && getAtt[1] === 'Name');
    if (!namesThis) continue;
    candidates.push({
      priority: Number(sr.Priority ?? 9999),
      rule: {
        name: typeof sr.RuleName === 'string' ? sr.RuleName : id,
        reservoirSize: Number(sr.ReservoirSize ?? 0),
        fixedRate: Number(sr.FixedRate ?? 0),
      },
    });
  }
  candidates.sort((a, b) => a.priority - b.priority);
  return candidates[0]?.rule ?? XRAY_DEFAULT_RULE;
}

/**
 * Fraction of events X-Ray records a trace for. The decision is made once, by the first traced hop, and travels
 * with the trace header (ingest → PutEvents → state machine → Tasks). An HTTP API sends no header, so the root
 * is the ingest function if its tracing is Active (Lambda's fixed 1/s + 5 %), else each flow's state machine if
 * traced (its sampling rule), else an Active Task function (1/s + 5 %). PassThrough functions only follow a
 * decision made upstream. Flows of one event started without a header are separate traces.
 */
function xrayTraces(
  template: TemplateJson,
  ingest: FunctionInfo,
  flows: FlowPath[],
  machines: Map<string, StateMachineInfo>,
  functions: Map<string, FunctionInfo>,
  flowWeight: (f: FlowPath) => number,
  perSecond: number,
): { fraction: number; describe: string } {
  if (ingest.tracing) {
    return {
      fraction: sampledFraction(XRAY_DEFAULT_RULE, perSecond),
      describe: `${ingest.key} Active tracing, Lambda's fixed 1/s + 5 %`,
    };
  }
  let fraction = 0;
  const rules = new Set<string>();
  for (const f of flows) {
    const sm = [...machines.values()].find((m) => m.name === f.stateMachine)!;
    const rule = sm.tracing
      ? samplingRuleFor(template, sm.logicalId)
      : f.lambdaInvocations.some((id) => functions.get(id)!.tracing)
        ? XRAY_DEFAULT_RULE
        : undefined;
    if (!rule) continue;
    // The rule sees every execution of the machine, whichever event type started it.
    const machineShare = flows
      .filter((g) => g.stateMachine === f.stateMachine)
      .reduce((t, g) => t + flowWeight(g), 0);
    const share = sampledFraction(rule, perSecond * machineShare);
    fraction += flowWeight(f) * share;
    rules.add(`${sm.name} rule ${rule.name}: ${rule.reservoirSize}/s + ${rule.fixedRate * 100} %`);
  }
  return { fraction, describe: [...rules].join('; ') || 'nothing traced' };
}

export type LineKind = 'usage' | 'storage-month' | 'fixed-month';

export interface CostLine {
  service: Service;
  item: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  dollars: number;
  /**
   * `usage`: paid once per 1M events (the goal metric); `storage-month`: paid every month the data those
   * events leave behind is kept; `fixed-month`: paid monthly whatever the volume.
   */
  kind: LineKind;
}

export interface CostBreakdown {
  events: number;
  flows: FlowPath[];
  /** Flows started by schedules, walked once per run. */
  scheduled: FlowPath[];
  lines: CostLine[];
  /** Usage dollars per service (every billed service present in the template has an entry, even at $0). */
  byService: Partial<Record<Service, number>>;
  /** Usage total per 1M events. */
  total: number;
  storagePerMonth: number;
  fixedPerMonth: number;
}

export const EVENTS = 1_000_000;
const GB = 1024 ** 3;

/**
 * Cost of 1M events through the stack described by `template`. Pure: no AWS calls, no clock.
 * Throws when the template holds something the model cannot price, rather than silently leaving it out.
 */
export function costPerMillion(
  template: TemplateJson,
  prices: PriceTable,
  assumptions: CostAssumptions,
): CostBreakdown {
  const shares = assumptions.eventMix.reduce((s, e) => s + e.share, 0);
  if (Math.abs(shares - 1) > 1e-9) throw new Error(`cost model: event mix shares add up to ${shares}, not 1`);

  const lines: CostLine[] = [];
  const add = (line: Omit<CostLine, 'dollars'> & { dollars?: number }) =>
    lines.push({ ...line, dollars: line.dollars ?? line.quantity * line.unitPrice });

  const present = new Set<Service>();
  for (const r of Object.values(template.Resources)) {
    const s = serviceOf(r.Type);
    if (s) present.add(s);
  }

  const functions = new Map(
    ofType(template, 'AWS::Lambda::Function').map(([id, r]) => [id, functionInfo(id, r)]),
  );
  const machines = new Map(
    ofType(template, 'AWS::StepFunctions::StateMachine').map(([id, r]) => [id, stateMachineInfo(id, r)]),
  );

  // Entry: the webhook route → its integration → the ingest function.
  const route = ofType(template, 'AWS::ApiGatewayV2::Route').find(
    ([, r]) => r.Properties?.RouteKey === assumptions.webhookRouteKey,
  );
  if (!route) throw new Error(`cost model: no HTTP API route ${assumptions.webhookRouteKey}`);
  const integrationId = referencedIds(route[1].Properties?.Target)[0];
  const ingestId = referencedIds(template.Resources[integrationId]?.Properties?.IntegrationUri)[0];
  const ingest = functions.get(ingestId);
  if (!ingest)
    throw new Error(`cost model: route ${assumptions.webhookRouteKey} does not integrate a function`);

  // The buses the ingest function may publish to (its role's events:PutEvents grants).
  const ingestRoleId = referencedIds(template.Resources[ingestId].Properties?.Role)[0];
  const busIds = new Set<string>();
  for (const [, policy] of ofType(template, 'AWS::IAM::Policy')) {
    if (!referencedIds(policy.Properties?.Roles).includes(ingestRoleId)) continue;
    const doc = policy.Properties?.PolicyDocument as { Statement?: Json[] } | undefined;
    for (const st of doc?.Statement ?? []) {
      const actions = ([] as unknown[]).concat(st.Action);
      if (st.Effect === 'Allow' && actions.includes('events:PutEvents')) {
        for (const id of referencedIds(st.Resource)) {
          if (template.Resources[id]?.Type === 'AWS::Events::EventBus') busIds.add(id);
        }
      }
    }
  }

  // Per event type: the flows its rules start.
  const flows: FlowPath[] = [];
  /** Invocations per function logical id, weighted by share, for 1M events. */
  const invocations = new Map<string, number>();
  const perInvocation: { fn: FunctionInfo; weight: number; a: InvocationAssumption }[] = [];
  const invoke = (fnId: string, weight: number, event: EventTypeAssumption) => {
    const fn = functions.get(fnId);
    if (!fn) throw new Error(`cost model: ${fnId} is not a Lambda function of the template`);
    invocations.set(fnId, (invocations.get(fnId) ?? 0) + weight * EVENTS);
    perInvocation.push({ fn, weight, a: event.invocations[fn.key] ?? event.invocations[fn.logicalId] ?? {} });
  };

  for (const event of assumptions.eventMix) {
    invoke(ingestId, event.share, event);
    const busEvent = {
      version: '0',
      id: '00000000-0000-0000-0000-000000000000',
      'detail-type': event.detailType,
      source: assumptions.eventSource,
      account: '123456789012',
      time: '2026-11-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {},
    };
    for (const [, rule] of ofType(template, 'AWS::Events::Rule')) {
      const p = rule.Properties ?? {};
      if (!referencedIds(p.EventBusName).some((id) => busIds.has(id))) continue;
      if (!matchesPattern(p.EventPattern as EventPattern, busEvent)) continue;
      for (const target of (p.Targets ?? []) as Json[]) {
        const [targetId] = referencedIds(target.Arn);
        const sm = machines.get(targetId);
        if (sm) {
          const path = walk(sm, event);
          flows.push(path);
          for (const fnId of path.lambdaInvocations) invoke(fnId, event.share, event);
        } else if (functions.has(targetId)) {
          invoke(targetId, event.share, event);
        } else {
          throw new Error(`cost model: cannot price rule target ${JSON.stringify(target.Arn)}`);
        }
      }
    }
  }
  const flowWeight = (f: FlowPath) => assumptions.eventMix.find((e) => e.detailType === f.detailType)!.share;

  // Optional WAF: CloudFront in front of the HTTP API, every webhook request inspected by the web ACL.
  if (present.has('CloudFront')) {
    add({
      service: 'CloudFront',
      item: 'HTTPS requests (webhooks through the WAF distribution)',
      quantity: EVENTS / 1e6,
      unit: 'M requests',
      unitPrice: prices.cloudFrontHttpsPerMillionRequests,
      kind: 'usage',
    });
    add({
      service: 'CloudFront',
      item: 'webhook bodies forwarded to the API (data transfer to origin)',
      quantity: (EVENTS * assumptions.webhookBodyBytes) / GB,
      unit: 'GB',
      unitPrice: prices.cloudFrontToOriginPerGb,
      kind: 'usage',
    });
  }
  const webAcls = ofType(template, 'AWS::WAFv2::WebACL');
  if (webAcls.length > 0) {
    add({
      service: 'WAF',
      item: 'requests inspected',
      quantity: EVENTS / 1e6,
      unit: 'M requests',
      unitPrice: prices.wafPerMillionRequests,
      kind: 'usage',
    });
    add({
      service: 'WAF',
      item: 'web ACLs',
      quantity: webAcls.length,
      unit: 'web ACLs',
      unitPrice: prices.wafWebAclMonth,
      kind: 'fixed-month',
    });
    add({
      service: 'WAF',
      item: 'rules',
      quantity: webAcls.reduce(
        (n, [, a]) => n + ((a.Properties?.Rules as unknown[] | undefined)?.length ?? 0),
        0,
      ),
      unit: 'rules',
      unitPrice: prices.wafRuleMonth,
      kind: 'fixed-month',
    });
  }

  // API Gateway
  const apiRequests = EVENTS * Math.ceil(assumptions.webhookBodyBytes / prices.apiGatewayHttpMeteringBytes);
  add({
    service: 'API Gateway',
    item: 'HTTP API requests',
    quantity: apiRequests / 1e6,
    unit: 'M requests',
    unitPrice: prices.apiGatewayHttpPerMillionRequests,
    kind: 'usage',
  });

  // Lambda
  let lambdaLogBytes = 0;
  for (const [fnId, count] of invocations) {
    const fn = functions.get(fnId)!;
    const ms = assumptions.lambda.durationMs?.[fn.key] ?? assumptions.lambda.defaultDurationMs;
    const gbSeconds =
      count *
      (fn.memoryMb / 1024) *
      ((ms + assumptions.lambda.coldStartFraction * assumptions.lambda.initDurationMs) / 1000);
    add({
      service: 'Lambda',
      item: `${fn.key} requests`,
      quantity: count / 1e6,
      unit: 'M requests',
      unitPrice: prices.lambdaPerMillionRequests,
      kind: 'usage',
    });
    add({
      service: 'Lambda',
      item: `${fn.key} duration (${fn.memoryMb} MB ${fn.architecture}, ${ms} ms)`,
      quantity: gbSeconds,
      unit: 'GB-s',
      unitPrice: prices.lambdaGbSecond[fn.architecture],
      kind: 'usage',
    });
  }
  for (const { fn, weight, a } of perInvocation) {
    lambdaLogBytes += weight * EVENTS * invocationLogBytes(fn, a, assumptions, true);
  }

  // EventBridge
  if (busIds.size > 0) {
    const chunks = Math.ceil(assumptions.busEventBytes / prices.eventBridgeChunkBytes);
    add({
      service: 'EventBridge',
      item: 'custom events (PutEvents)',
      quantity: (EVENTS * chunks * busIds.size) / 1e6,
      unit: 'M events',
      unitPrice: prices.eventBridgeCustomEventsPerMillion,
      kind: 'usage',
    });
    // Every archive of those buses (ours matches every event); rule delivery to same-account targets is free.
    for (const [, archive] of ofType(template, 'AWS::Events::Archive')) {
      if (!referencedIds(archive.Properties?.SourceArn).some((id) => busIds.has(id))) continue;
      const gb = (EVENTS * assumptions.busEventBytes) / GB;
      add({
        service: 'EventBridge',
        item: 'archive (events archived)',
        quantity: gb,
        unit: 'GB',
        unitPrice: prices.eventBridgeArchivePerGbProcessed,
        kind: 'usage',
      });
      add({
        service: 'EventBridge',
        item: 'archive storage',
        quantity: gb,
        unit: 'GB-month',
        unitPrice: prices.eventBridgeArchiveStorageGbMonth,
        kind: 'storage-month',
      });
    }
  }

  // Step Functions
  let sfnLogBytes = 0;
  let sqsRequests = 0;
  const byMachine = new Map<string, FlowPath[]>();
  for (const f of flows) byMachine.set(f.stateMachine, [...(byMachine.get(f.stateMachine) ?? []), f]);
  for (const [name, paths] of byMachine) {
    const sm = [...machines.values()].find((m) => m.name === name)!;
    const executions = paths.reduce((s, f) => s + flowWeight(f) * EVENTS, 0);
    if (sm.type === 'STANDARD') {
      const transitions = paths.reduce((s, f) => s + flowWeight(f) * EVENTS * f.transitions, 0);
      add({
        service: 'Step Functions',
        item: `${name} state transitions (Standard)`,
        quantity: transitions / 1000,
        unit: 'k transitions',
        unitPrice: prices.stepFunctionsStandardPerThousandTransitions,
        kind: 'usage',
      });
    } else {
      add({
        service: 'Step Functions',
        item: `${name} requests (Express)`,
        quantity: executions / 1e6,
        unit: 'M requests',
        unitPrice: prices.stepFunctionsExpressPerMillionRequests,
        kind: 'usage',
      });
      const chunkGb =
        (Math.ceil(assumptions.stepFunctions.expressMemoryMb / prices.stepFunctionsExpressMemoryChunkMb) *
          prices.stepFunctionsExpressMemoryChunkMb) /
        1024;
      const gbSeconds = paths.reduce((s, f) => {
        const lambdaMs = f.lambdaInvocations.reduce((ms, id) => {
          const fn = functions.get(id)!;
          return ms + (assumptions.lambda.durationMs?.[fn.key] ?? assumptions.lambda.defaultDurationMs);
        }, 0);
        const ms =
          lambdaMs +
          (f.lambdaInvocations.length + f.sqsSends) * assumptions.stepFunctions.taskOverheadMs +
          (f.states.length - f.lambdaInvocations.length - f.sqsSends) *
            assumptions.stepFunctions.stateOverheadMs;
        const billedMs =
          Math.ceil(ms / prices.stepFunctionsExpressRoundingMs) * prices.stepFunctionsExpressRoundingMs;
        return s + flowWeight(f) * EVENTS * chunkGb * (billedMs / 1000);
      }, 0);
      add({
        service: 'Step Functions',
        item: `${name} duration (Express, ${assumptions.stepFunctions.expressMemoryMb} MB)`,
        quantity: gbSeconds,
        unit: 'GB-s',
        unitPrice: prices.stepFunctionsExpressGbSecond,
        kind: 'usage',
      });
    }
    // Happy path: ERROR/FATAL log only failures; ALL logs every history event.
    if (sm.logLevel === 'ALL') {
      for (const f of paths) {
        const bytes =
          f.historyEvents * assumptions.stepFunctions.historyEventBytes +
          (sm.includeExecutionData
            ? f.historyEventsWithData * assumptions.stepFunctions.executionDataBytes
            : 0);
        sfnLogBytes += flowWeight(f) * EVENTS * bytes;
      }
    }
    sqsRequests += paths.reduce((s, f) => s + flowWeight(f) * EVENTS * f.sqsSends, 0);
  }

  // Scheduled flows (EventBridge Scheduler → state machine): each run is a monthly charge; the work that grows
  // with the month's events (revenue releases) is charged per event.
  const scheduled: FlowPath[] = [];
  let wru = 0;
  let rru = 0;
  for (const [scheduleId, schedule] of ofType(template, 'AWS::Scheduler::Schedule')) {
    const p = schedule.Properties ?? {};
    const [targetId] = referencedIds((p.Target as Json | undefined)?.Arn);
    const runs = runsPerMonth(String(p.ScheduleExpression));
    const scheduledFn = functions.get(targetId);
    if (scheduledFn) {
      // A function on a timer (the dependency-outage drain): a monthly charge whatever the volume.
      const ms = assumptions.lambda.durationMs?.[scheduledFn.key] ?? assumptions.lambda.defaultDurationMs;
      add({
        service: 'EventBridge',
        item: `Scheduler invocations (${nameOf(scheduleId, schedule)}, ${num(runs)} a month)`,
        quantity: runs / 1e6,
        unit: 'M invocations',
        unitPrice: prices.eventBridgeSchedulerPerMillionInvocations,
        kind: 'fixed-month',
      });
      add({
        service: 'Lambda',
        item: `${scheduledFn.key} invocations and duration (scheduled, ${ms} ms, per month)`,
        quantity: runs / 1e6,
        unit: 'M requests',
        unitPrice:
          prices.lambdaPerMillionRequests +
          1e6 * (scheduledFn.memoryMb / 1024) * (ms / 1000) * prices.lambdaGbSecond[scheduledFn.architecture],
        kind: 'fixed-month',
      });
      const sqsRequests = assumptions.lambda.sqsRequestsPerRun?.[scheduledFn.key] ?? 0;
      if (sqsRequests > 0)
        add({
          service: 'SQS',
          item: `${scheduledFn.key} requests (${sqsRequests} a run, per month)`,
          quantity: (runs * sqsRequests) / 1e6,
          unit: 'M requests',
          unitPrice: prices.sqsStandardPerMillionRequests,
          kind: 'fixed-month',
        });
      continue;
    }
    const sm = machines.get(targetId);
    if (!sm) throw new Error(`cost model: schedule ${scheduleId} targets ${targetId}, not a state machine`);
    // Per schedule when its runs differ (the daily and the pre-close reconciliation), else per state machine.
    const flow =
      assumptions.scheduledFlows[nameOf(scheduleId, schedule)] ??
      assumptions.scheduledFlows[sm.name] ??
      assumptions.scheduledFlows[sm.logicalId];
    if (!flow) throw new Error(`cost model: no scheduledFlows assumption for ${sm.name}`);
    const path = walk(sm, {
      detailType: `schedule ${nameOf(scheduleId, schedule)}`,
      share: 0,
      happyPathData: flow.happyPathData,
      mapItems: flow.mapItems,
      invocations: {},
    });
    path.runsPerMonth = runs;
    scheduled.push(path);
    add({
      service: 'EventBridge',
      item: `Scheduler invocations (${path.detailType}, ${num(runs)} a month)`,
      quantity: runs / 1e6,
      unit: 'M invocations',
      unitPrice: prices.eventBridgeSchedulerPerMillionInvocations,
      kind: 'fixed-month',
    });
    if (sm.type === 'STANDARD') {
      add({
        service: 'Step Functions',
        item: `${sm.name} state transitions (Standard, per month)`,
        quantity: (runs * path.transitions) / 1000,
        unit: 'k transitions',
        unitPrice: prices.stepFunctionsStandardPerThousandTransitions,
        kind: 'fixed-month',
      });
    } else {
      add({
        service: 'Step Functions',
        item: `${sm.name} requests (Express, per month)`,
        quantity: runs / 1e6,
        unit: 'M requests',
        unitPrice: prices.stepFunctionsExpressPerMillionRequests,
        kind: 'fixed-month',
      });
    }
    if (flow.s3PutsPerRun || flow.s3GetsPerRun) {
      for (const [verb, perRun, unitPrice] of [
        ['PUT', flow.s3PutsPerRun, prices.s3PutPerThousand],
        ['GET', flow.s3GetsPerRun, prices.s3GetPerThousand],
      ] as const) {
        add({
          service: 'S3',
          item: `${sm.name} ${verb} requests (per month)`,
          quantity: (runs * (perRun ?? 0)) / 1000,
          unit: 'k requests',
          unitPrice,
          kind: 'fixed-month',
        });
      }
    }
    const perRun = new Map<string, number>();
    for (const id of path.lambdaInvocations) perRun.set(id, (perRun.get(id) ?? 0) + 1);
    for (const [id, calls] of perRun) {
      const fn = functions.get(id)!;
      add({
        service: 'Lambda',
        item: `${fn.key} invocations (scheduled, per month)`,
        quantity: (runs * calls) / 1e6,
        unit: 'M requests',
        unitPrice: prices.lambdaPerMillionRequests,
        kind: 'fixed-month',
      });
      const work = flow.workPerEvent?.[fn.key] ?? flow.workPerEvent?.[fn.logicalId];
      if (!work) continue;
      const items = EVENTS * work.itemsPerEvent * (work.perRun ? runs : 1);
      add({
        service: 'Lambda',
        item: `${fn.key} duration (${fn.memoryMb} MB ${fn.architecture}, ${work.msPerItem} ms × ${num(work.itemsPerEvent)} items/event)`,
        quantity: items * (fn.memoryMb / 1024) * (work.msPerItem / 1000),
        unit: 'GB-s',
        unitPrice: prices.lambdaGbSecond[fn.architecture],
        kind: 'usage',
      });
      wru += items * (work.writeItemBytes ?? []).reduce((sum, b) => sum + Math.ceil(b / 1024), 0);
      rru += items * (work.readItemBytes ?? []).reduce((sum, b) => sum + Math.ceil(b / 4096), 0);
      rru += (items * (work.scanItemBytes ?? 0)) / 4096 / 2;
      rru += items * (work.batchGetItemBytes ?? []).reduce((sum, b) => sum + Math.ceil(b / 4096) / 2, 0);
      lambdaLogBytes += items * invocationLogBytes(fn, work, assumptions, false);
    }
  }

  // DynamoDB
  for (const { weight, a } of perInvocation) {
    wru += weight * EVENTS * (a.writeItemBytes ?? []).reduce((s, b) => s + Math.ceil(b / 1024), 0);
    rru += weight * EVENTS * (a.readItemBytes ?? []).reduce((s, b) => s + Math.ceil(b / 4096), 0);
  }
  const tables = ofType(template, 'AWS::DynamoDB::Table');
  if (tables.length === 0 && wru + rru > 0)
    throw new Error('cost model: DynamoDB requests assumed, no table');
  if (tables.length > 0) {
    for (const [id, t] of tables) {
      if (t.Properties?.BillingMode !== 'PAY_PER_REQUEST') {
        throw new Error(`cost model: table ${id} is provisioned; only on-demand is modelled`);
      }
    }
    add({
      service: 'DynamoDB',
      item: 'on-demand write request units',
      quantity: wru / 1e6,
      unit: 'M WRU',
      unitPrice: prices.dynamoDbOnDemandPerMillionWru,
      kind: 'usage',
    });
    add({
      service: 'DynamoDB',
      item: 'on-demand read request units',
      quantity: rru / 1e6,
      unit: 'M RRU',
      unitPrice: prices.dynamoDbOnDemandPerMillionRru,
      kind: 'usage',
    });
    const storedGb = (EVENTS * assumptions.dynamoDbRetainedBytesPerEvent) / GB;
    add({
      service: 'DynamoDB',
      item: 'storage of ledger, revenue schedule and crosswalk items',
      quantity: storedGb,
      unit: 'GB-month',
      unitPrice: prices.dynamoDbStorageGbMonth,
      kind: 'storage-month',
    });
    const pitr = tables.some(
      ([, t]) =>
        (
          t.Properties?.PointInTimeRecoverySpecification as
            { PointInTimeRecoveryEnabled?: boolean } | undefined
        )?.PointInTimeRecoveryEnabled === true,
    );
    if (pitr) {
      add({
        service: 'DynamoDB',
        item: 'point-in-time recovery of those items',
        quantity: storedGb,
        unit: 'GB-month',
        unitPrice: prices.dynamoDbPitrGbMonth,
        kind: 'storage-month',
      });
    }
  }

  // SQS: the happy path sends nothing; parked events are sent, received and deleted once each.
  if (present.has('SQS')) {
    const chunks = Math.ceil(assumptions.parkedMessageBytes / prices.sqsChunkBytes);
    sqsRequests += EVENTS * assumptions.parkedFraction * 3 * chunks;
    add({
      service: 'SQS',
      item: `requests (${assumptions.parkedFraction * 100} % of events parked and replayed)`,
      quantity: sqsRequests / 1e6,
      unit: 'M requests',
      unitPrice: prices.sqsStandardPerMillionRequests,
      kind: 'usage',
    });
  }

  // CloudWatch
  const logGroups: [string, number][] = [
    ['Lambda logs (platform + Powertools + EMF)', lambdaLogBytes],
    ['Step Functions execution logs', sfnLogBytes],
  ];
  const stage = ofType(template, 'AWS::ApiGatewayV2::Stage').find(([, s]) => s.Properties?.AccessLogSettings);
  if (stage) logGroups.push(['API access logs', EVENTS * assumptions.apiAccessLogBytes]);
  for (const [item, bytes] of logGroups) {
    add({
      service: 'CloudWatch',
      item: `${item} ingestion`,
      quantity: bytes / GB,
      unit: 'GB',
      unitPrice: prices.cloudWatchLogsIngestPerGb,
      kind: 'usage',
    });
    add({
      service: 'CloudWatch',
      item: `${item} storage (raw bytes)`,
      quantity: bytes / GB,
      unit: 'GB-month',
      unitPrice: prices.cloudWatchLogsStorageGbMonth,
      kind: 'storage-month',
    });
  }
  if ([...functions.values()].some((f) => f.metricsEnabled)) {
    add({
      service: 'CloudWatch',
      item: 'custom metrics (EMF)',
      quantity: assumptions.customMetrics,
      unit: 'metrics',
      unitPrice: prices.cloudWatchCustomMetricMonth,
      kind: 'fixed-month',
    });
  }
  const alarms = ofType(template, 'AWS::CloudWatch::Alarm').length;
  if (alarms > 0) {
    add({
      service: 'CloudWatch',
      item: 'alarms',
      quantity: alarms,
      unit: 'alarms',
      unitPrice: prices.cloudWatchAlarmMonth,
      kind: 'fixed-month',
    });
  }
  const dashboards = ofType(template, 'AWS::CloudWatch::Dashboard').length;
  if (dashboards > 0) {
    add({
      service: 'CloudWatch',
      item: 'dashboards',
      quantity: dashboards,
      unit: 'dashboards',
      unitPrice: prices.cloudWatchDashboardMonth,
      kind: 'fixed-month',
    });
  }

  // X-Ray: the trace decision is made once, by the first traced hop, and travels with the trace header (ingest →
  // PutEvents → state machine → Tasks). An HTTP API sends no header, so the root is the ingest function if its
  // tracing is Active (Lambda's fixed 1/s + 5 %, not configurable), else each flow's state machine if traced
  // (the sampling rules of the account, by priority: the template's, then X-Ray's default 1/s + 5 %), else an
  // Active Task function. PassThrough functions only follow a decision made upstream.
  const xray = xrayTraces(
    template,
    ingest,
    flows,
    machines,
    functions,
    flowWeight,
    assumptions.eventsPerSecond,
  );
  if (xray.fraction > 0 || present.has('X-Ray')) {
    add({
      service: 'X-Ray',
      item: `traces recorded (${Number((xray.fraction * 100).toPrecision(3))} % of events: ${xray.describe})`,
      quantity: (EVENTS * xray.fraction) / 1e6,
      unit: 'M traces',
      unitPrice: prices.xrayPerMillionTracesRecorded,
      kind: 'usage',
    });
  }

  // KMS, Secrets Manager, SNS
  const keys = ofType(template, 'AWS::KMS::Key').length;
  if (keys > 0) {
    add({
      service: 'KMS',
      item: 'requests (data keys cached by the services)',
      quantity: (EVENTS * assumptions.kmsRequestsPerEvent) / 1e6,
      unit: 'M requests',
      unitPrice: prices.kmsPerMillionRequests,
      kind: 'usage',
    });
    add({
      service: 'KMS',
      item: 'customer managed keys',
      quantity: keys,
      unit: 'keys',
      unitPrice: prices.kmsKeyMonth,
      kind: 'fixed-month',
    });
  }
  const secrets = ofType(template, 'AWS::SecretsManager::Secret').length;
  if (secrets > 0) {
    add({
      service: 'Secrets Manager',
      item: 'GetSecretValue (cached 5 min per environment)',
      quantity: (EVENTS * assumptions.secretsManagerCallsPerEvent) / 1e6,
      unit: 'M calls',
      unitPrice: prices.secretsManagerPerMillionApiCalls,
      kind: 'usage',
    });
    add({
      service: 'Secrets Manager',
      item: 'secrets',
      quantity: secrets,
      unit: 'secrets',
      unitPrice: prices.secretsManagerSecretMonth,
      kind: 'fixed-month',
    });
  }
  if (present.has('SNS')) {
    // Alarm notifications only: a handful of e-mails a month, inside SNS's free 1,000.
    add({
      service: 'SNS',
      item: 'alarm notifications',
      quantity: 0,
      unit: 'notifications',
      unitPrice: 0,
      kind: 'usage',
    });
  }

  const byService: Partial<Record<Service, number>> = {};
  // Every service with a line, its per-event (usage) dollars; one billed only monthly shows $0 here.
  for (const l of lines)
    byService[l.service] = (byService[l.service] ?? 0) + (l.kind === 'usage' ? l.dollars : 0);
  const sum = (kind: LineKind) => lines.filter((l) => l.kind === kind).reduce((s, l) => s + l.dollars, 0);
  return {
    events: EVENTS,
    flows,
    scheduled,
    lines,
    byService,
    total: sum('usage'),
    storagePerMonth: sum('storage-month'),
    fixedPerMonth: sum('fixed-month'),
  };
}

/** The same template with every state machine of another type (for Express vs Standard). */
export function withStateMachineType(template: TemplateJson, type: 'EXPRESS' | 'STANDARD'): TemplateJson {
  return mapStateMachines(template, (p) => ({ ...p, StateMachineType: type }));
}

/** The same template with every state machine logging at `level` (what-if for the execution logs). */
export function withStateMachineLogLevel(
  template: TemplateJson,
  level: 'ALL' | 'ERROR' | 'OFF',
  includeExecutionData?: boolean,
): TemplateJson {
  return mapStateMachines(template, (p) => {
    const logging: Json = { ...((p.LoggingConfiguration ?? {}) as Json), Level: level };
    if (includeExecutionData !== undefined) logging.IncludeExecutionData = includeExecutionData;
    return { ...p, LoggingConfiguration: logging };
  });
}

/** The same template without its `AWS::XRay::SamplingRule`s (X-Ray's default rule applies). */
export function withoutSamplingRules(template: TemplateJson): TemplateJson {
  return {
    ...template,
    Resources: Object.fromEntries(
      Object.entries(template.Resources).filter(([, r]) => r.Type !== 'AWS::XRay::SamplingRule'),
    ),
  };
}

function mapStateMachines(template: TemplateJson, f: (p: Json) => Json): TemplateJson {
  const resources = Object.fromEntries(
    Object.entries(template.Resources).map(([id, r]) => [
      id,
      r.Type === 'AWS::StepFunctions::StateMachine' ? { ...r, Properties: f(r.Properties ?? {}) } : r,
    ]),
  );
  return { ...template, Resources: resources };
}

// ---------------------------------------------------------------------------------------------------------
// npx tsx bench/cost.ts
// ---------------------------------------------------------------------------------------------------------

export const GOAL_PER_MILLION = 15;

const usd = (n: number) =>
  n !== 0 && Math.abs(n) < 0.0001 ? '<$0.0001' : `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 4 : 2)}`;
const num = (n: number) =>
  n >= 1000 ? Math.round(n).toLocaleString('en-US') : Number(n.toPrecision(4)).toString();

export function formatBreakdown(b: CostBreakdown): string {
  const out: string[] = [];
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  for (const kind of ['usage', 'storage-month', 'fixed-month'] as const) {
    const rows = b.lines.filter((l) => l.kind === kind);
    if (rows.length === 0) continue;
    out.push(
      kind === 'usage'
        ? `Per ${b.events.toLocaleString('en-US')} events`
        : kind === 'storage-month'
          ? 'Every month the data of those events is kept'
          : 'Fixed, per month (whatever the volume)',
    );
    for (const l of rows) {
      out.push(
        `  ${pad(l.service, 16)}${pad(l.item, 70)}${lpad(num(l.quantity), 12)} ${pad(l.unit, 15)}` +
          `× ${pad(String(l.unitPrice), 13)}${lpad(usd(l.dollars), 10)}`,
      );
    }
  }
  out.push('', 'Per service (per 1M events)');
  for (const [service, dollars] of Object.entries(b.byService).sort((x, y) => y[1] - x[1])) {
    out.push(`  ${pad(service, 16)}${lpad(usd(dollars), 10)}`);
  }
  out.push(`  ${pad('Total', 16)}${lpad(usd(b.total), 10)}`);
  out.push(
    `  plus ${usd(b.storagePerMonth)} per month the data is retained, and ${usd(b.fixedPerMonth)} fixed per month`,
  );
  return out.join('\n');
}

async function main(): Promise<void> {
  // Synthesized the way the infra tests do (no bundling: the template is the same apart from asset hashes).
  const { synthTemplate } = await import('../test/infra/template');
  const template = synthTemplate().json as TemplateJson;
  const express = costPerMillion(template, US_EAST_1_PRICES, DEFAULT_ASSUMPTIONS);

  console.log('Happy paths walked from the ASL definitions');
  for (const f of express.flows) {
    console.log(
      `  ${f.detailType.padEnd(18)} → ${f.stateMachine} (${f.type}): ${f.states.join(' → ')}` +
        ` — ${f.transitions} transitions, ${f.lambdaInvocations.length} Lambda tasks, ${f.historyEvents} history events`,
    );
  }
  for (const f of express.scheduled) {
    console.log(
      `  ${f.detailType} → ${f.stateMachine} (${f.type}), ${f.runsPerMonth} run(s) a month: ` +
        `${f.transitions} transitions, ${f.lambdaInvocations.length} Lambda tasks per run`,
    );
  }
  console.log('');
  console.log(formatBreakdown(express));

  const standard = costPerMillion(
    withStateMachineType(template, 'STANDARD'),
    US_EAST_1_PRICES,
    DEFAULT_ASSUMPTIONS,
  );
  const sfn = (b: CostBreakdown) => b.byService['Step Functions'] ?? 0;
  console.log('');
  console.log('Express vs a hypothetical Standard workflow (same template, StateMachineType flipped)');
  console.log(`  Step Functions  Express ${usd(sfn(express))}   Standard ${usd(sfn(standard))}`);
  console.log(`  Total           Express ${usd(express.total)}   Standard ${usd(standard.total)}`);

  const quiet = costPerMillion(
    withStateMachineLogLevel(template, 'ERROR'),
    US_EAST_1_PRICES,
    DEFAULT_ASSUMPTIONS,
  );
  const unsampled = costPerMillion(withoutSamplingRules(template), US_EAST_1_PRICES, DEFAULT_ASSUMPTIONS);
  console.log('');
  const noData = costPerMillion(
    withStateMachineLogLevel(template, 'ALL', false),
    US_EAST_1_PRICES,
    DEFAULT_ASSUMPTIONS,
  );
  console.log('What-if');
  console.log(`  state machine logging ALL without execution data                    ${usd(noData.total)}`);
  console.log(`  state machine logging ERROR (happy path logs nothing)               ${usd(quiet.total)}`);
  console.log(
    `  without the X-Ray sampling rules (default rule: 1/s + 5 %)          ${usd(unsampled.total)}`,
  );
  console.log('');
  const met = express.total <= GOAL_PER_MILLION;
  console.log(
    `Goal ≤ ${usd(GOAL_PER_MILLION)} per 1M invoice events: ${met ? 'MET' : 'NOT MET'} (${usd(express.total)} as deployed)`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
