/**
 * cdk-nag wiring and the catalogue of every acknowledged finding.
 *
 * cdk-nag 3.x runs as a CDK policy-validation plugin: an unacknowledged error fails `cdk synth`
 * (and makes `Template.fromStack()` throw in tests). Findings we cannot fix are acknowledged on the
 * narrowest construct that owns them, one finding id at a time (`AwsSolutions-IAM5[Resource::*]`,
 * never a bare rule id), with a reason from this file so the whole risk register reads in one place.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Register the AWS Solutions and Serverless rule packs on the whole app. */
export function applyNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

/** The rule packs `applyNagChecks` registers, for tests that run them by hand. */
export const NAG_PACKS = [AwsSolutionsChecks, ServerlessChecks] as const;

export interface NagAcknowledgement {
  /** A cdk-nag finding id, e.g. `AwsSolutions-APIG4` or `AwsSolutions-IAM5[Resource::*]`. */
  id: string;
  /** Why the finding is accepted here; reviewed like code. */
  reason: string;
}

/** Every acknowledgement the stack makes. Tests assert each reason is specific (not boilerplate). */
export const ACKNOWLEDGEMENTS = {
  webhookRouteAuthorization: {
    id: 'AwsSolutions-APIG4',
    reason:
      'Stripe cannot send IAM, JWT or Lambda-authorizer credentials. Every webhook is authenticated by the ' +
      'Stripe-Signature HMAC (whsec_ signing secret, timestamp tolerance) verified in the ingest Lambda ' +
      'before anything is published; unsigned or stale requests get 400 and never reach the bus.',
  },
  lambdaXrayTracing: {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) is granted on "*": these X-Ray ' +
      'actions support no resource-level permissions. Every data-access grant of this role is scoped to ' +
      'a specific table, queue, secret, bus or key ARN (asserted by test/infra/stack.test.ts).',
  },
  stateMachineLogDeliveryAndTracing: {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Step Functions log delivery (logs:CreateLogDelivery, logs:PutResourcePolicy, ...) and X-Ray ' +
      '(xray:PutTraceSegments, xray:GetSamplingRules, ...) support no resource-level permissions, so ' +
      'CDK grants them on "*". Lambda invokes and sqs:SendMessage are scoped to exact ARNs.',
  },
  webhookSecretRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'The Stripe webhook signing secret (whsec_) is issued by Stripe per endpoint and can only be rolled in ' +
      'the Stripe dashboard/API; Secrets Manager cannot generate a value Stripe would accept. Operators ' +
      'roll it in Stripe, then put-secret-value on the StripeWebhookSigningSecretArn stack output.',
  },
  expressExecutionLogging: {
    id: 'AwsSolutions-SF1',
    reason:
      'Express posting flows log ERROR events with execution data (every failure with its input), not ALL: ' +
      'logging every execution was ~73% of the cost per 1M events (bench/cost.ts). The per-event audit ' +
      'trail is the immutable journal (source event id on every line), the crosswalk and the bus archive.',
  },
  stripeApiKeyRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'The Stripe restricted API key (rk_) is issued and rolled in the Stripe dashboard; Secrets Manager ' +
      'cannot mint a key Stripe would accept. Operators roll it in Stripe (with an expiry on the old ' +
      'key), then put-secret-value on the StripeApiKeyArn stack output; functions re-read it within 5 min.',
  },
  netsuiteCredentialsRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'NetSuite token-based credentials (consumer key/secret, token id/secret) are issued in NetSuite ' +
      '(Setup → Integration / Access Tokens) and can only be rotated there; operators create the new token, ' +
      'put-secret-value on the NetSuiteCredentialsArn output, then revoke the old token.',
  },
  salesforceWebhookRouteAuthorization: {
    id: 'AwsSolutions-APIG4',
    reason:
      'Salesforce Flow/Apex callouts and Outbound Messages cannot present IAM, JWT or authorizer credentials. ' +
      'Flow callouts are authenticated by an HMAC-SHA256 signature (shared secret, 300 s replay window) and ' +
      'the org id; Outbound Messages by the OrganizationId. Both carry ids and a version only: the deal flow ' +
      'reloads every amount from Salesforce with its own OAuth credentials, so a forged message cannot inject data.',
  },
  salesforceApiCredentialsRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      "The Salesforce connected app's consumer secret is issued and rolled in Salesforce (Setup → App Manager); " +
      'Secrets Manager cannot mint one Salesforce would accept. Operators generate the new secret there, ' +
      'put-secret-value on the SalesforceApiCredentialsArn output, then expire the old one; functions re-read it within 5 min.',
  },
  salesforceFlowSecretRotation: {
    id: 'AwsSolutions-SMG4',
    reason:
      'The Flow callout signing key must be entered in the Salesforce External Credential at the same time as ' +
      'here; an automatic Secrets Manager rotation would break every callout until someone updated Salesforce. ' +
      'Operators roll it by adding the new key in Salesforce, put-secret-value here, then removing the old one.',
  },
  salesforceRelayDeadLetterQueue: {
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue IS the dead-letter queue of the Salesforce Event Relay rule target and the failure destination ' +
      'of the relay function; its depth alarms to the finance-ops SNS topic and `q2c replay` re-drives it.',
  },
  scheduleDeadLetterQueue: {
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue IS the dead-letter queue of the schedules (month-end close, outage drain) and the failure ' +
      'destination of the drain function; its depth and age alarm to the finance-ops SNS topic.',
  },
  postingDeadLetterQueue: {
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue IS the dead-letter queue of the EventBridge posting-rule targets (RuleTarget ' +
      'DeadLetterConfig, which cdk-nag does not recognise as a DLQ). A DLQ behind a DLQ would only move ' +
      'the same letters; its depth alarms to the finance-ops SNS topic and `q2c replay` re-drives it.',
  },
  exceptionParkingQueue: {
    id: 'AwsSolutions-SQS3',
    reason:
      'The exception queue is the terminal parking lot for classified posting failures (written by the ' +
      'state machines Catch states, read by operators and `q2c replay`), i.e. it plays the DLQ role ' +
      'itself; any depth > 0 alarms to the finance-ops SNS topic.',
  },
  claimCheckPayloadObjects: {
    id: 'AwsSolutions-IAM5[Resource::<ClaimChecksClaimCheckBucket122DF917.Arn>/payloads/*]',
    reason:
      'A claim-checked payload is named by the SHA-256 of its content (payloads/<sha256>.json), known only ' +
      'when the event arrives, so the grant is the payloads/ prefix of this one bucket: publishers may only ' +
      'put, the flows that resolve may only get; no list, no delete. Objects expire by lifecycle rule.',
  },
  reconciliationStagingObjects: {
    id: 'AwsSolutions-IAM5[Resource::<ReconciliationReconciliationBucketC0ECEEBE.Arn>/staging/*]',
    reason:
      'Reconciliation tasks write and read the parts of the run they belong to, whose keys are named by the ' +
      'execution (staging/<run>/...) only at run time, so the grant is the staging/ prefix of this one bucket ' +
      '(get and put; no delete, no other bucket). Parts expire after 7 days by lifecycle rule.',
  },
  reconciliationReportObjects: {
    id: 'AwsSolutions-IAM5[Resource::<ReconciliationReconciliationBucketC0ECEEBE.Arn>/reports/*]',
    reason:
      'The report step writes reports/<period>/<run>.json and .csv, named per execution at run time, so the ' +
      'grant is the reports/ prefix of this one bucket (get and put; no delete: reports are audit evidence).',
  },
  lambdaSynchronousInvocation: {
    id: 'Serverless-LambdaDLQ',
    reason:
      'A Lambda dead-letter queue only receives failed ASYNCHRONOUS invocations; this function is only invoked ' +
      'synchronously (API Gateway for webhooks, a Step Functions Task for postings), so the caller sees every ' +
      'failure: the vendor gets a 5xx and re-delivers, the state machine retries and parks it on the exception queue.',
  },
  lambdaAsyncFailureDestination: {
    id: 'Serverless-LambdaDLQ',
    reason:
      'Invoked asynchronously (EventBridge rule, Scheduler), this function has an on-failure DESTINATION (EventInvokeConfig ' +
      'to its dead-letter queue), which supersedes DeadLetterConfig and records the error with the event; cdk-nag checks ' +
      'only DeadLetterConfig. Delivery to it alarms through DestinationDeliveryFailures.',
  },
  lambdaPassThroughTracing: {
    id: 'Serverless-LambdaTracing',
    reason:
      'Tracing is PassThrough on purpose: Active samples a fixed 1 request/s + 5 % that cannot be configured (~84 % of ' +
      'events at 1M a month). The trace decision is made by the state machines X-Ray sampling rules (5 %), and the ' +
      'Task invocations they sample are traced end to end (lib/constructs/finance-function.ts).',
  },
  deadLetterQueueRedrive: {
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'This queue IS a dead-letter queue (rule targets, schedules, async invocations): a redrive policy would move ' +
      'letters to another DLQ nobody reads. Its depth and age alarm to the finance-ops topic and `q2c replay` re-drives it.',
  },
  exceptionQueueRedrive: {
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'The exception queue is the terminal parking lot of classified posting failures, read by operators, the outage ' +
      'drain and `q2c replay`, which delete what they re-drive; a redrive policy would move parked work out of their sight.',
  },
} as const satisfies Record<string, NagAcknowledgement>;

/** Acknowledge one finding on one construct (and its children), recording the reason. */
export function acknowledge(scope: IConstruct, ack: NagAcknowledgement): void {
  Validations.of(scope).acknowledge({ id: ack.id, reason: ack.reason });
}
