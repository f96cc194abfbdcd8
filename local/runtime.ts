/**
 * The embedded local runtime: the whole pipeline on one laptop, no AWS account, no Docker.
 * Real emulators (dynalite, fauxqs, a PutEvents endpoint) reached by the real AWS SDK v3
 * clients; the same handlers, ASL files, rule patterns and table schemas CDK deploys.
 */
import './polyfills';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { appendFileSync, mkdirSync } from 'node:fs';
import pLimit from 'p-limit';
import type { Server } from 'node:http';
import * as path from 'node:path';
import { LedgerAdapter } from '../lambdas/adapters/erp/ledger/ledger-adapter';
import { dynamo } from '../lambdas/adapters/store/dynamodb';
import { trialBalance, unbalancedCurrencies } from '../lambdas/domain/accounting/trial-balance';
import { describeParked } from '../lambdas/domain/exceptions';
import { exceptionCensus } from '../lambdas/domain/exception-census';
import { pipelineHealth } from './health';
import { assertPortFree } from './port-check';
import { filterJournal, journalFilterProblem, stripeCustomerOf, type JournalFilter } from './journal-filter';
import { takeMessage } from '../lambdas/adapters/replay/queue-take';
import {
  appendDiscarded,
  discardRecord,
  exceptionArchiveFile,
  readDiscarded,
  type DiscardedException,
} from './exception-archive';
import { revenueWaterfall } from '../lambdas/domain/revenue/waterfall';
import { periodHasEnded } from '../lambdas/domain/revenue/periods';
import {
  DEPLOYMENT,
  FUNCTIONS,
  functionEnvironment,
  definitionSubstitutions,
  PARTNER_RULES,
  type PartnerRuleKey,
  SALESFORCE_PARTNER_SOURCE_PREFIX,
  QUEUES,
  RULES,
  SECRETS,
  STATE_MACHINES,
  TABLES,
  type FunctionKey,
  type QueueKey,
  type RuleKey,
  type StateMachineKey,
  type TableKey,
  type BucketKey,
} from '../lib/topology';
import { LocalEventBus, type BusEvent } from './bus/local-event-bus';
import { lockDataDir } from './data-dir-lock';
import { BadRequest, createHttpServer } from './http-server';
import { ensureOpsToken } from './ops-token';
import { closePeriodProblem, reconcilePeriodProblem, revenuePeriodProblem } from './period-input';
import { LocalFunctions, localFunctionArn } from './lambda';
import { localTableName, startDynamo, type LocalDynamo } from './services/dynamodb';
import { throttleSpecFrom } from './services/dynamodb-faults';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOOPBACK } from './services/local-aws';
import { startSqs, type LocalSqs } from './services/sqs';
import { LOCAL_CLAIM_CHECK_BUCKET, startLocalClaimChecks } from './services/claim-checks';
import { LocalStateMachine, loadDefinition, type ExecutionRecord } from './stepfunctions';

import {
  DEFAULT_DATA_DIR,
  DEFAULT_LOCAL_RELAY_CHANNEL_ID,
  DEFAULT_LOCAL_SALESFORCE_FLOW_SECRET,
  DEFAULT_LOCAL_STRIPE_WEBHOOK_ENDPOINT_ID,
  DEFAULT_LOCAL_SALESFORCE_CLIENT,
  DEFAULT_LOCAL_STRIPE_API_KEY,
  DEFAULT_LOCAL_WEBHOOK_SECRET,
  DEFAULT_MAX_CONCURRENT_EXECUTIONS,
  DEFAULT_PORT,
} from './defaults';
import { startNetSuiteSimulator, type NetSuiteSimulator } from './sandboxes/netsuite';
import { RECORD_TYPES as NETSUITE_RECORD_TYPES } from './sandboxes/netsuite/records';
import { startStripeSandbox, type StripeSandbox } from './sandboxes/stripe';
import { startSalesforceSandbox, type SalesforceSandbox } from './sandboxes/salesforce';
import { buildDemoOrg } from './scenarios/salesforce-org';
import { stripeCatalog } from './scenarios/stripe-catalog';
import { mappingConfig } from '../lambdas/handlers/commons/config';
import { closeNowMs, setBillingClock } from '../lambdas/handlers/commons/clock';
import {
  createLocalReconciliationBucket,
  LOCAL_RECONCILIATION_BUCKET,
  reconcileLocally,
  type LocalReconciliation,
} from './reconciliation';
import { captureMetrics, LocalMetrics } from './metrics';
import { replayOps, startOutageDrain } from './replay/local-ops';

export interface LocalRuntimeOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  webhookSecret?: string;
  /** Override every Retry interval (ms); tests use this to keep retries fast. */
  retryIntervalMs?: number;
  logLevel?: string;
  /** Where postings go: the built-in ledger (default) or the local NetSuite simulator. */
  erp?: 'ledger' | 'netsuite';
  /** How often parked dependency-outage (and, paced, rate-limited) work is re-driven (the drain schedule's stand-in); 0 = never. */
  drainIntervalMs?: number;
  /**
   * Rule-started executions running at once (default 128). One process stands in for a fleet of Lambda
   * instances: past this, deliveries wait their turn in order — as EventBridge holds and retries
   * deliveries Step Functions throttles — instead of queueing inside tasks until their timeouts fire.
   */
  maxConcurrentExecutions?: number;
  /** Serve the fault-injection routes (/ops/bus/fault, /ops/dynamodb/fault(s), /ops/erp/faults): tests only. */
  faultInjection?: boolean;
}

export interface ExecutionStats {
  inFlight: number;
  started: number;
  succeeded: number;
  failed: number;
}

export interface LocalRuntime {
  url: string;
  dataDir: string;
  webhookSecret: string;
  /** Signs Salesforce Flow callouts (SECRETS.salesforceFlowSigning's local value). */
  salesforceFlowSecret: string;
  /** The local EventBridge endpoint (PutEvents), e.g. for injecting Event Relay events. */
  busEndpoint: string;
  /** Name of the local Salesforce Event Relay partner event bus (= its partner event source). */
  partnerEventBusName: string;
  /** Resolves when no state machine execution is running. */
  idle(): Promise<void>;
  stats(): ExecutionStats;
  /** Runs month-end close for a period ('YYYY-MM' or 'previous') to completion. */
  close(period: string): Promise<ExecutionRecord>;
  /** Reconciles billing vs ERP for a month ('YYYY-MM', 'current', 'previous') or a day ('YYYY-MM-DD', 'yesterday'); the report lands in the data dir. */
  reconcile(period: string): Promise<LocalReconciliation>;
  ledger: LedgerAdapter;
  sqs: LocalSqs;
  bus: LocalEventBus;
  /** The NetSuite simulator postings go to, when started with erp: 'netsuite'. */
  netsuite?: NetSuiteSimulator;
  /** The local Stripe API sandbox the billing adapter reads from. */
  stripe: StripeSandbox;
  /** The local Salesforce org the deal flow loads deals from and writes billing status back to. */
  salesforce: SalesforceSandbox;
  /** The state machines as loaded (substituted definitions), for parity checks against CDK. */
  stateMachines: ReadonlyMap<StateMachineKey, LocalStateMachine>;
  dynamoEndpoint: string;
  /**
   * Stops everything and releases the data dir. `graceMs`: how long in-flight executions may finish
   * (default: until they do); past it they are abandoned like a crashed Lambda, and the next start's
   * re-deliveries complete them (every write is completing-idempotent).
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  await assertPortFree(options.port ?? DEFAULT_PORT, options.host ?? LOOPBACK);
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  const opsToken = ensureOpsToken(dataDir);
  const webhookSecret =
    options.webhookSecret ?? process.env.STRIPE_WEBHOOK_SECRET ?? DEFAULT_LOCAL_WEBHOOK_SECRET;

  const db = await startDynamo(dataDir);
  const sqs = await startSqs(dataDir);
  const stripe = await startStripeSandbox({
    apiKey: DEFAULT_LOCAL_STRIPE_API_KEY,
    dataFile: path.join(dataDir, 'stripe-sandbox.json'),
    // The products and prices config/mapping.json sells deals at (added when the data file lacks them).
    objects: stripeCatalog(mappingConfig) as never,
  });
  const salesforce = await startSalesforceSandbox({
    dataFile: path.join(dataDir, 'salesforce-org.json'),
    orgId: DEPLOYMENT.salesforce.orgId,
    ...DEFAULT_LOCAL_SALESFORCE_CLIENT,
    // The demo org (accounts, contacts, products, the month's deals with their quotes): added when the
    // data file lacks them, so a restart keeps what the flows wrote back.
    seed: buildDemoOrg().records,
  });
  const executions = new ExecutionTracker(path.join(dataDir, 'executions.jsonl'));
  const machines = new Map<StateMachineKey, LocalStateMachine>();
  const partnerEventBusName =
    DEPLOYMENT.salesforce.eventRelay?.partnerEventSourceName ??
    `${SALESFORCE_PARTNER_SOURCE_PREFIX}/${DEPLOYMENT.salesforce.orgId}/${DEFAULT_LOCAL_RELAY_CHANNEL_ID}`;
  const salesforceFlowSecret =
    process.env[SECRETS.salesforceFlowSigning.localEnvVar] ?? DEFAULT_LOCAL_SALESFORCE_FLOW_SECRET;
  const relays = new Set<Promise<void>>();
  const bus = new LocalEventBus(dataDir, (rule, event) => deliver(rule, event), {
    name: partnerEventBusName,
    deliver: (rule, event) => {
      const relay = relayToTarget(rule, event).finally(() => relays.delete(relay));
      relays.add(relay);
    },
  });
  const busEndpoint = await bus.start();
  const netsuite = options.erp === 'netsuite' ? await startLocalNetSuite(dataDir) : undefined;

  configureEnvironment({ db, sqs, stripe, busEndpoint, webhookSecret, logLevel: options.logLevel });
  // The deal flow's jsforce connection: OAuth 2.0 client credentials against the local org.
  process.env[SECRETS.salesforceApi.localEnvVar] = JSON.stringify({
    loginUrl: salesforce.url,
    clientId: salesforce.clientId,
    clientSecret: salesforce.clientSecret,
  });
  const s3 = await createLocalReconciliationBucket(sqs.endpoint);
  const claimChecks = await startLocalClaimChecks(sqs.endpoint, dataDir);
  bus.beforeClaimCheckedEntries = () => claimChecks.persist();
  if (netsuite) {
    for (const [k, v] of Object.entries(netsuite.env)) {
      if (v === '') delete process.env[k];
      else process.env[k] = v;
    }
  }
  // The handlers' EMF metrics, aggregated locally (GET /ops/metrics, q2c status) instead of printed.
  const localMetrics = new LocalMetrics();
  await captureMetrics(localMetrics);
  const functions = new LocalFunctions();
  functions.load();
  // Start dates are judged against Stripe's clock (the sandbox's, which the demo moves through the month).
  setBillingClock(() => stripe.now());

  for (const key of Object.keys(STATE_MACHINES) as StateMachineKey[]) {
    const subs = definitionSubstitutions(key, localFunctionArn, (q) => sqs.queueUrl(q), localTableName);
    const resolver = {
      dynamodb: dynamo().raw,
      lambda: (arn: string) => {
        const f = functions.byArn(arn);
        return f ? (input: Record<string, unknown>) => functions.invoke(f, input) : undefined;
      },
      sqs: sqs.client,
      onQueueChanged: () => sqs.persist(),
    };
    machines.set(
      key,
      new LocalStateMachine(key, loadDefinition(key, subs), resolver, options.retryIntervalMs),
    );
  }

  /** Runs a state machine directly (operator actions such as month-end close) and waits for it. */
  async function startExecution(
    key: StateMachineKey,
    input: unknown,
    name?: string,
  ): Promise<ExecutionRecord> {
    const machine = machines.get(key);
    if (!machine) throw new Error(`state machine ${key} is not loaded`);
    const execution = machine.execute(input, name);
    executions.track(execution);
    return execution;
  }

  /** A rule target: start the execution asynchronously, as EventBridge does; undeliverable → DLQ. */
  const ruleExecutions = pLimit(options.maxConcurrentExecutions ?? DEFAULT_MAX_CONCURRENT_EXECUTIONS);
  function deliver(ruleKey: RuleKey, event: BusEvent): void {
    const rule = RULES[ruleKey];
    const machine = machines.get(rule.target);
    if (!machine) {
      void deadLetter(ruleKey, event, `state machine ${rule.target} is not running`);
      return;
    }
    executions.track(ruleExecutions(() => machine.execute(event)));
  }

  /**
   * A partner-bus rule target (a function, invoked asynchronously as EventBridge does): Lambda's two
   * retries of a failed asynchronous invocation, then the rule's dead-letter queue.
   */
  async function relayToTarget(ruleKey: PartnerRuleKey, event: BusEvent): Promise<void> {
    const rule = PARTNER_RULES[ruleKey];
    let lastError = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, options.retryIntervalMs ?? 1000));
      try {
        await functions.invoke(rule.targetFunction, event);
        return;
      } catch (err) {
        lastError = (err as Error).message;
      }
    }
    await sendDeadLetter(rule.deadLetterQueue, event, {
      ERROR_MESSAGE: lastError.slice(0, 1000) || 'failed',
      RULE_ARN: rule.id,
    });
  }

  /** A rule's dead letter as EventBridge writes it: the event, the failure in message attributes. */
  async function sendDeadLetter(queue: QueueKey, event: BusEvent, attributes: Record<string, string>) {
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: sqs.queueUrl(queue),
        MessageBody: JSON.stringify(event),
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      }),
    );
    await sqs.persist();
  }

  async function deadLetter(ruleKey: RuleKey, event: BusEvent, message: string): Promise<void> {
    const rule = RULES[ruleKey];
    await sendDeadLetter(rule.deadLetterQueue, event, {
      ERROR_CODE: 'ResourceNotFoundException',
      ERROR_MESSAGE: message,
      RULE_ARN: rule.id,
    });
  }

  const reconcile = (period: string) =>
    reconcileLocally(s3, dataDir, period, (input, name) => startExecution('reconcile', input, name));

  const ledger = new LedgerAdapter(dynamo().doc, localTableName('ledger'));
  // q2c replay --target local, and the outage drain (local/replay/local-ops.ts).
  const replay = replayOps({
    dataDir,
    sqs,
    bus,
    busEndpoint,
    dynamodb: {
      endpoint: db.endpoint,
      tables: Object.fromEntries(
        (Object.keys(TABLES) as TableKey[]).map((t) => [t, localTableName(t)]),
      ) as Record<TableKey, string>,
    },
    machines,
    netsuite: netsuite?.simulator,
    invoke: (key, payload) => functions.invoke(key, payload),
    run: (key, input, redriveOf) => {
      const machine = machines.get(key);
      if (!machine) throw new Error(`state machine ${key} is not loaded`);
      const execution = machine.execute(input).then((r) => (redriveOf ? { ...r, redriveOf } : r));
      executions.track(execution);
      return execution;
    },
  });
  const stopDrain = startOutageDrain(
    () => functions.invoke('drainDependencyOutages', {}),
    options.drainIntervalMs ?? 30_000,
  );
  const ingest = await functions.handlerOf<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
    'ingestStripeWebhook',
  );
  const ingestFlow = await functions.handlerOf<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
    'ingestSalesforceFlow',
  );
  const ingestOutboundMessage = await functions.handlerOf<
    APIGatewayProxyEventV2,
    APIGatewayProxyStructuredResultV2
  >('ingestSalesforceOutboundMessage');
  const server = createHttpServer(
    {
      webhooks: {
        '/webhooks/stripe': (e) => ingest(e),
        '/webhooks/salesforce/flow': (e) => ingestFlow(e),
        '/webhooks/salesforce/outbound-message': (e) => ingestOutboundMessage(e),
      },
      ops: {
        ...opsRoutes({
          ledger,
          sqs,
          bus,
          executions,
          netsuite: netsuite?.simulator,
          metrics: localMetrics,
          stripe,
        }),
        ...replay.routes,
        // The ledger audits itself (q2c verify): the same VerifyLedger handler the ReconciliationFlow runs in AWS.
        '/ops/verify': async (url: URL) => {
          const period = url.searchParams.get('period') ?? undefined;
          const problem = period === undefined ? undefined : revenuePeriodProblem(period);
          if (problem) throw new BadRequest('invalid_period', problem);
          return functions.invoke('verifyLedger', { period });
        },
        // Exceptions resolved without a replay, oldest first (q2c exceptions archive).
        '/ops/exceptions/archive': async () => ({ discarded: readDiscarded(dataDir) }),
        // Local only: DynamoDB throttles answered so far (and requests seen while a throttle was armed).
        '/ops/dynamodb/faults': async () => db.faults.stats(),
      },
      actions: {
        ...replay.actions,
        // q2c exceptions discard: {"messageId":"…","reason":"why","by":"who"} moves one parked exception to
        // the audited archive (<data-dir>/exceptions-archive.jsonl) instead of replaying it.
        '/ops/exceptions/discard': async (body) => {
          const { messageId, reason, by } = (body ?? {}) as {
            messageId?: unknown;
            reason?: unknown;
            by?: unknown;
          };
          if (typeof messageId !== 'string' || !messageId)
            return badRequest(
              'missing_message_id',
              'give {"messageId":"…"} (the Message id q2c exceptions list shows)',
            );
          if (typeof reason !== 'string' || !reason.trim())
            return badRequest(
              'missing_reason',
              'give {"reason":"…"}: why it is resolved without a replay (kept in the audit archive)',
            );
          if (by !== undefined && typeof by !== 'string')
            return badRequest('invalid_by', '"by" must be a string (who discards)');
          let record: DiscardedException | undefined;
          const taken = await takeMessage(sqs.client, sqs.queueUrl('exceptions'), messageId, async (m) => {
            record = discardRecord(m, { reason: reason.trim(), by }, new Date());
            appendDiscarded(dataDir, record);
          });
          await sqs.persist();
          if (!taken || !record)
            return {
              status: 404,
              body: {
                error: {
                  code: 'no_such_exception',
                  message: `no parked exception ${messageId} on the exception queue`,
                },
              },
            };
          return { status: 200, body: { discarded: record, archive: exceptionArchiveFile(dataDir) } };
        },
        // Local only: make the next PutEvents requests fail ({"mode":"throttle"|"failed-entry","times":n}; 0 clears).
        '/ops/bus/fault': async (body) => {
          const { mode, times } = body as { mode?: unknown; times?: unknown };
          if ((mode !== 'throttle' && mode !== 'failed-entry') || typeof times !== 'number' || times < 0)
            return {
              status: 400,
              body: {
                error: {
                  code: 'invalid_fault',
                  message: 'give {"mode":"throttle"|"failed-entry","times":n}',
                },
              },
            };
          bus.injectFault({ mode, times });
          return { status: 200, body: { mode, times } };
        },
        // Local only: throttle DynamoDB requests on the wire, as DynamoDB does ({"exception":"ThrottlingException"|
        // "ProvisionedThroughputExceededException","rate":0–1,"times":n,"operations":["PutItem"…],"tables":["ledger"…]};
        // {"clear":true} clears). Tables by topology key or local name.
        '/ops/dynamodb/fault': async (body) => {
          try {
            const spec = throttleSpecFrom(body, (t) => (t in TABLES ? localTableName(t as TableKey) : t));
            if (spec === 'clear') db.faults.clear();
            else db.faults.throttle(spec);
            return { status: 200, body: { armed: spec, stats: db.faults.stats() } };
          } catch (err) {
            return {
              status: 400,
              body: { error: { code: 'invalid_fault', message: (err as Error).message } },
            };
          }
        },
        // Local only: load Stripe objects (invoices, charges, balance transactions, payouts…) into the
        // sandbox the billing adapter reads, e.g. before replaying webhooks that refer to them.
        '/ops/stripe/objects': async (body) => {
          const objects = (body as { objects?: unknown }).objects;
          if (!Array.isArray(objects))
            return {
              status: 400,
              body: { error: { code: 'missing_objects', message: 'give {"objects":[…]}' } },
            };
          const invalid = objects.findIndex(
            (o: unknown) =>
              typeof o !== 'object' ||
              o === null ||
              typeof (o as { id?: unknown }).id !== 'string' ||
              typeof (o as { object?: unknown }).object !== 'string',
          );
          if (invalid >= 0)
            return badRequest(
              'invalid_object',
              `objects[${invalid}] is not a Stripe object: each needs a string "id" and "object"`,
            );
          stripe.store.putAll(objects as Parameters<typeof stripe.store.putAll>[0]);
          return { status: 200, body: { loaded: objects.length } };
        },
        '/ops/close': async (body) => {
          const period = (body as { period?: unknown } | null)?.period;
          const problem = closePeriodProblem(period);
          if (problem || typeof period !== 'string')
            return { status: 400, body: { error: { code: 'invalid_period', message: problem } } };
          // Refused before the flow starts (which refuses it too, as in AWS): nothing is parked.
          if (period !== 'previous' && !periodHasEnded(period, closeNowMs()))
            return {
              status: 409,
              body: {
                error: {
                  code: 'period_not_ended',
                  message: `${period} has not ended yet: a period is closed once its last day is over`,
                },
              },
            };
          const record = await startExecution('monthEndClose', { period });
          return { status: record.status === 'SUCCEEDED' ? 200 : 500, body: record };
        },
        '/ops/reconcile': async (body) => {
          const period = (body as { period?: unknown } | null)?.period;
          const problem = reconcilePeriodProblem(period);
          if (problem || typeof period !== 'string')
            return { status: 400, body: { error: { code: 'invalid_period', message: problem } } };
          const record = await reconcile(period);
          return { status: record.status === 'SUCCEEDED' ? 200 : 500, body: record };
        },
      },
    },
    { opsToken, faultInjection: options.faultInjection },
  );
  const port = options.port ?? DEFAULT_PORT;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host ?? LOOPBACK, resolve);
  });
  // The local Stripe account's webhook endpoint is this runtime (as `stripe listen --forward-to` would be):
  // what the sandbox bills for the deal flow comes back as signed webhooks. A fixed id re-points it on restart.
  stripe.addWebhookEndpoint({
    id: DEFAULT_LOCAL_STRIPE_WEBHOOK_ENDPOINT_ID,
    url: `${serverUrl(server, options.host ?? LOOPBACK)}/webhooks/stripe`,
    secret: webhookSecret,
  });

  return {
    url: serverUrl(server, options.host ?? LOOPBACK),
    dataDir,
    webhookSecret,
    salesforceFlowSecret,
    busEndpoint,
    partnerEventBusName,
    // Relayed partner-bus events first: each ends as a PutEvents onto our bus, which starts executions.
    idle: async () => {
      while (relays.size) await Promise.allSettled([...relays]);
      await executions.idle();
    },
    stats: () => executions.stats(),
    close: (period) => startExecution('monthEndClose', { period }),
    reconcile,
    ledger,
    sqs,
    bus,
    stateMachines: machines,
    netsuite: netsuite?.simulator,
    stripe,
    salesforce,
    dynamoEndpoint: db.endpoint,
    stop: async ({ graceMs }: { graceMs?: number } = {}) => {
      await stopDrain();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets (the demo's own deliveries) would hold close() open until they time out.
      server.closeAllConnections();
      await closed;
      if (graceMs === undefined) await executions.idle();
      else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          executions.idle(),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
        ]);
        clearTimeout(timer);
      }
      await Promise.allSettled([...relays]);
      await bus.stop();
      await claimChecks.stop();
      await sqs.stop();
      await stripe.stop();
      await salesforce.stop();
      await netsuite?.simulator.stop();
      await db.stop();
      unlock();
    },
  };
}

const badRequest = (code: string, message: string) => ({ status: 400, body: { error: { code, message } } });

function serverUrl(server: Server, host: string): string {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : DEFAULT_PORT;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Points the SDK clients at the local emulators and gives handlers their topology environment. */
/** The local S3 buckets (in fauxqs), by topology key. */
const LOCAL_BUCKETS: Record<BucketKey, string> = {
  reconciliation: LOCAL_RECONCILIATION_BUCKET,
  claimChecks: LOCAL_CLAIM_CHECK_BUCKET,
};

function configureEnvironment(opts: {
  db: LocalDynamo;
  sqs: LocalSqs;
  stripe: StripeSandbox;
  busEndpoint: string;
  webhookSecret: string;
  logLevel?: string;
}): void {
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: opts.db.endpoint,
    AWS_ENDPOINT_URL_SQS: opts.sqs.endpoint,
    // fauxqs serves S3 on the same endpoint (reconciliation staging and reports).
    AWS_ENDPOINT_URL_S3: opts.sqs.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: opts.busEndpoint,
    POWERTOOLS_LOG_LEVEL: opts.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // EMF lines would drown the demo output; the ops API shows the same counts.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    [SECRETS.stripeWebhook.localEnvVar]: opts.webhookSecret,
    [SECRETS.salesforceFlowSigning.localEnvVar]:
      process.env[SECRETS.salesforceFlowSigning.localEnvVar] ?? DEFAULT_LOCAL_SALESFORCE_FLOW_SECRET,
    [SECRETS.stripeApiKey.localEnvVar]: opts.stripe.apiKey,
    // The real stripe SDK, pointed at the local sandbox.
    STRIPE_API_HOST: new URL(opts.stripe.url).hostname,
    STRIPE_API_PORT: String(opts.stripe.port),
    STRIPE_API_PROTOCOL: 'http',
  };
  for (const f of Object.keys(FUNCTIONS) as FunctionKey[]) {
    Object.assign(
      env,
      functionEnvironment(f, {
        tableName: localTableName,
        queueUrl: (q: QueueKey) => opts.sqs.queueUrl(q),
        secretArn: () => '', // no Secrets Manager locally: the value comes from localEnvVar
        bucketName: (b) => LOCAL_BUCKETS[b],
      }),
    );
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === '') delete process.env[k];
    else process.env[k] = v;
  }
}

class ExecutionTracker {
  private readonly running = new Set<Promise<unknown>>();
  private readonly counts = { started: 0, succeeded: 0, failed: 0 };
  private waiters: (() => void)[] = [];

  constructor(private readonly logFile: string) {}

  track(execution: Promise<ExecutionRecord>): void {
    this.counts.started++;
    const done = execution.then((record) => {
      this.counts[record.status === 'SUCCEEDED' ? 'succeeded' : 'failed']++;
      appendFileSync(this.logFile, JSON.stringify(record) + '\n');
    });
    this.running.add(done);
    void done.finally(() => {
      this.running.delete(done);
      if (this.running.size === 0) {
        const waiters = this.waiters;
        this.waiters = [];
        waiters.forEach((w) => w());
      }
    });
  }

  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  stats(): ExecutionStats {
    return { inFlight: this.running.size, ...this.counts };
  }
}

function opsRoutes(deps: {
  ledger: LedgerAdapter;
  sqs: LocalSqs;
  bus: LocalEventBus;
  executions: ExecutionTracker;
  netsuite?: NetSuiteSimulator;
  metrics: LocalMetrics;
  stripe: StripeSandbox;
}) {
  const queueDepths = () =>
    (Object.keys(QUEUES) as QueueKey[]).map((q) => ({ queue: q, depth: deps.sqs.inspect(q).length }));
  const parkedCensus = () =>
    exceptionCensus(
      deps.sqs.inspect('exceptions').map((m) => ({
        classification: describeParked(m.body, m.attributes).classification,
        sentAtMs: m.sentAtMs,
      })),
      Date.now(),
    );
  return {
    '/ops/health': async () => {
      const executions = deps.executions.stats();
      const queues = queueDepths();
      return {
        ...pipelineHealth({
          parked: parkedCensus(),
          deadLetters: queues.filter((q) => q.queue !== 'exceptions'),
          executionsFailed: executions.failed,
        }),
        executions,
      };
    },
    // Where the local Salesforce Event Relay delivers: PutEvents endpoint and the partner event bus name.
    '/ops/salesforce/relay': async () => ({
      eventBridge: deps.bus.endpoint(),
      partnerEventBus: deps.bus.partnerBusName() ?? null,
    }),
    // `parked` is the census of the exception queue as it is now (the drain's metrics are its last scan).
    '/ops/metrics': async () => ({
      metrics: deps.metrics.snapshot(),
      executions: deps.executions.stats(),
      queues: queueDepths(),
      parked: parkedCensus(),
    }),
    // ?period=YYYY-MM&account=…&customer=cus_…&document=in_… (local/journal-filter.ts); none = all.
    '/ops/journal': async (url: URL) => {
      const filter = Object.fromEntries(
        (['period', 'account', 'customer', 'document'] as const).flatMap((k) => {
          const v = url.searchParams.get(k);
          return v === null ? [] : [[k, v]];
        }),
      ) as JournalFilter;
      const problem = journalFilterProblem(filter);
      if (problem) throw new BadRequest('invalid_filter', problem);
      const customerOf = stripeCustomerOf(
        (object, id) => deps.stripe.store.get(object, id) as Record<string, unknown> | undefined,
      );
      return { entries: filterJournal(await deps.ledger.listEntries(), filter, customerOf) };
    },
    '/ops/trial-balance': async () => {
      const entries = await deps.ledger.listEntries();
      const accounts = trialBalance(entries);
      // Each legal entity's books, as the demo prints them (an entry belongs to one subsidiary).
      const bySubsidiary = [...new Set(entries.map((e) => e.subsidiary))].sort().map((subsidiary) => ({
        subsidiary,
        accounts: trialBalance(entries.filter((e) => e.subsidiary === subsidiary)),
      }));
      return { accounts, bySubsidiary, unbalancedCurrencies: unbalancedCurrencies(accounts) };
    },
    '/ops/queues': async () => ({
      queues: (Object.keys(QUEUES) as QueueKey[]).map((q) => {
        const messages = deps.sqs.inspect(q);
        return {
          queue: q,
          name: QUEUES[q].id,
          url: deps.sqs.queueUrl(q),
          depth: messages.length,
          messages: messages.map((m) => ({
            messageId: m.messageId,
            parkedAt: new Date(m.sentAtMs).toISOString(),
            ...describeParked(m.body, m.attributes),
          })),
        };
      }),
    }),
    '/ops/revenue': async (url: URL) => {
      const period = url.searchParams.get('period') ?? new Date().toISOString().slice(0, 7);
      const problem = revenuePeriodProblem(period);
      if (problem) throw new BadRequest('invalid_period', problem);
      return { period, waterfall: revenueWaterfall(await deps.ledger.listEntries(), period) };
    },
    '/ops/erp': async () => ({
      target: deps.netsuite ? 'netsuite' : 'ledger',
      records: deps.netsuite
        ? Object.fromEntries(NETSUITE_RECORD_TYPES.map((t) => [t, deps.netsuite?.records(t).length ?? 0]))
        : { journalEntry: (await deps.ledger.listEntries()).length },
    }),
    // ?bus=<partner bus name> lists the Salesforce Event Relay partner bus instead of ours.
    '/ops/events': async (url: URL) => {
      const events = deps.bus.archive(url.searchParams.get('bus') ?? undefined);
      return {
        received: events.length,
        unhandled: events.filter((e) => e.matchedRules.length === 0).length,
        events,
      };
    },
  };
}

/** Local NetSuite account: TBA credentials known to both sides, the concurrency limit of a base tier. */
const LOCAL_NETSUITE = {
  accountId: 'TSTDRV0000000',
  consumer: { key: 'local-consumer-key', secret: 'local-consumer-secret' },
  token: { id: 'local-token-id', secret: 'local-token-secret' },
  concurrencyLimit: 5,
};

async function startLocalNetSuite(dataDir: string) {
  const simulator = await startNetSuiteSimulator({
    ...LOCAL_NETSUITE,
    dataFile: path.join(dataDir, 'netsuite.sqlite'),
  });
  const env = {
    ERP_TARGET: 'netsuite',
    // One process is one instance: its in-process limiter governs all local calls. (The DynamoDB permits
    // for many Lambda instances are tested on their own in test/integration/netsuite.)
    NETSUITE_PERMITS_TABLE: '',
    NETSUITE_ACCOUNT_ID: LOCAL_NETSUITE.accountId,
    NETSUITE_BASE_URL: simulator.url,
    NETSUITE_CONCURRENCY_LIMIT: String(LOCAL_NETSUITE.concurrencyLimit),
    NETSUITE_TBA_CREDENTIALS: JSON.stringify({
      consumerKey: LOCAL_NETSUITE.consumer.key,
      consumerSecret: LOCAL_NETSUITE.consumer.secret,
      tokenId: LOCAL_NETSUITE.token.id,
      tokenSecret: LOCAL_NETSUITE.token.secret,
    }),
  };
  return { simulator, env };
}
