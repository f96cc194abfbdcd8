import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, ACKNOWLEDGEMENTS } from '../nag';
import { stageOf } from '../stage';
import {
  FUNCTIONS,
  type FunctionDef,
  type FunctionKey,
  functionEnvironment,
  PROJECT_ROOT,
  type QueueKey,
  type SecretKey,
  type TableKey,
  type BucketKey,
} from '../topology';
import {
  grantBucketObjects,
  grantConsumeMessages,
  grantPutEvents,
  grantSecretValue,
  grantSendMessage,
  grantTable,
} from './least-privilege';
import { grantClaimChecks } from './claim-check-bucket';
import { markTopology } from './topology-metadata';

/**
 * Lambda runtime for every function. nodejs20.x is deprecated; cdk-nag AwsSolutions-L1 requires the
 * newest Node.js runtime aws-cdk-lib knows. The esbuild target follows it.
 */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const ESBUILD_TARGET = 'node24';
/** esbuild's package entry-point preference for every bundle (ES modules first: see the bundling options). */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];

/** Finance audit: keep function logs for a year. */
export const FINANCE_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

/** The concrete resources a function can be wired to; what it gets is decided by its `FunctionDef`. */
export interface FunctionResources {
  key: kms.IKey;
  bus: events.IEventBus;
  tables: Record<TableKey, dynamodb.ITable>;
  queues: Record<QueueKey, sqs.IQueue>;
  /** Secrets exist only where they are created (the ingest construct), hence partial. */
  secrets: Partial<Record<SecretKey, secretsmanager.ISecret>>;
  /** Buckets exist only where they are created, hence partial. */
  buckets?: Partial<Record<BucketKey, s3.IBucket>>;
}

export interface FinanceFunctionProps {
  functionKey: FunctionKey;
  resources: FunctionResources;
  /** How it is invoked: asynchronous functions carry an on-failure destination (default synchronous). */
  invocation?: 'synchronous' | 'asynchronous';
}

/**
 * One Lambda function of `FUNCTIONS`, bundled from its handler entry with esbuild (AWS SDK included,
 * so the code runs against the SDK version we tested, not the runtime's copy), with its own
 * KMS-encrypted log group, X-Ray pass-through tracing, and a role holding exactly the grants its `FunctionDef`
 * declares (no AWSLambdaBasicExecutionRole: it would allow writing to every log group).
 */
export class FinanceFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FinanceFunctionProps) {
    super(scope, id);
    const { functionKey, resources } = props;
    const def: FunctionDef = FUNCTIONS[functionKey];

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: FINANCE_LOG_RETENTION,
      encryptionKey: resources.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${def.id}: only its own log group and its declared resources.`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      description: def.description,
      entry: path.join(PROJECT_ROOT, def.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: def.memoryMb,
      timeout: Duration.seconds(def.timeoutSeconds),
      // PassThrough, not Active: Active samples at a fixed 1 request/s + 5 % that cannot be configured (at 1M
      // events a month, ~0.4/s, that is ~84 % of them). The trace decision is made where it can be configured:
      // the state machines (PostingFlow's X-Ray sampling rules); their Task invocations carry the sampled
      // header and are traced. Functions outside a state machine are traced only when called with one. A
      // PassThrough function with no upstream decision propagates `Root=…` without `Sampled` (aws-xray-sdk-node
      // #660), so the next traced hop decides; Tracing.DISABLED would propagate `Sampled=0` and suppress it.
      tracing: lambda.Tracing.PASS_THROUGH,
      // JSON logs with the system level at WARN: Lambda's START/END/REPORT lines (≈ 450 B an invocation, a
      // fifth of the log bill) are not shipped; duration, errors and throttles are in Lambda's metrics, and
      // Powertools writes its JSON lines and EMF to stdout itself, which JSON format leaves as they are.
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ...functionEnvironment(
          functionKey,
          {
            tableName: (t) => resources.tables[t].tableName,
            queueUrl: (q) => resources.queues[q].queueUrl,
            secretArn: (s) => required(resources.secrets[s], `secret ${s} for ${def.id}`).secretArn,
            bucketName: (b) => required(resources.buckets?.[b], `bucket ${b} for ${def.id}`).bucketName,
          },
          stageOf(this),
        ),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: ESBUILD_TARGET,
        format: OutputFormat.CJS,
        // The packages' ES module builds, which esbuild can tree-shake (the AWS SDK v3, Smithy and zod ship
        // both; their CommonJS builds are bundled whole): the ingest bundle drops from ~650 to ~480 KB.
        mainFields: BUNDLE_MAIN_FIELDS,
        bundleAwsSDK: true,
      },
    });
    markTopology(this.fn, 'FUNCTIONS', functionKey);

    for (const { table, access } of def.tables)
      grantTable(this.role, resources.tables[table], access, resources.key);
    for (const q of def.queues ?? []) grantSendMessage(this.role, resources.queues[q], resources.key);
    for (const q of def.consumesQueues ?? [])
      grantConsumeMessages(this.role, resources.queues[q], resources.key);
    for (const s of def.secrets ?? []) {
      grantSecretValue(this.role, required(resources.secrets[s], `secret ${s}`), resources.key);
    }
    if (def.putsEvents) grantPutEvents(this.role, resources.bus);
    for (const b of def.buckets ?? []) {
      grantBucketObjects(this.role, required(resources.buckets?.[b], `bucket ${b}`), resources.key);
      acknowledge(this.role, ACKNOWLEDGEMENTS.reconciliationStagingObjects);
      acknowledge(this.role, ACKNOWLEDGEMENTS.reconciliationReportObjects);
    }
    if (def.claimChecks) {
      const bucket = required(resources.buckets?.claimChecks, `the claim-check bucket for ${def.id}`);
      grantClaimChecks(this.role, bucket, def.claimChecks, resources.key);
      acknowledge(this.role, ACKNOWLEDGEMENTS.claimCheckPayloadObjects);
    }

    acknowledge(this.role, ACKNOWLEDGEMENTS.lambdaXrayTracing);
    acknowledge(this.fn, ACKNOWLEDGEMENTS.lambdaPassThroughTracing);
    acknowledge(
      this.fn,
      props.invocation === 'asynchronous'
        ? ACKNOWLEDGEMENTS.lambdaAsyncFailureDestination
        : ACKNOWLEDGEMENTS.lambdaSynchronousInvocation,
    );
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`Missing ${what}: create it before the function that uses it`);
  return value;
}
