import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BUCKETS, commonEnvironment, METRICS_NAMESPACE } from '../topology';
import { markTopology } from './topology-metadata';

/**
 * Where reconciliation writes: reports (reports/<period>/<run>.json|csv, kept: they are audit evidence)
 * and each run's staging parts (staging/<run>/…, expired after 7 days). KMS CMK, TLS only, no public
 * access, versioned, with server access logs to a second bucket. `alarmOn` adds the alarms that fire
 * when a run leaves anything unexplained and when the ledger violates one of its invariants.
 */
export class ReconciliationReports extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  alarm?: cloudwatch.Alarm;
  /** Fires when the ledger's audit of its own invariants (the flow's VerifyLedger step) finds any violation. */
  ledgerInvariantsAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: { key: kms.IKey }) {
    super(scope, id);
    // S3 server access logging can only deliver to an SSE-S3 bucket (not SSE-KMS).
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Owner-enforced (no ACLs): S3 log delivery is granted by a bucket policy instead.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, BUCKETS.reconciliation.id, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      lifecycleRules: [
        { prefix: 'staging/', expiration: Duration.days(7), noncurrentVersionExpiration: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    markTopology(this.bucket, 'BUCKETS', 'reconciliation');

    // Server access logs, granted by a bucket policy (no ACLs; what the CDK feature flag
    // @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy does), limited to this source bucket and account.
    (this.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: this.accessLogs.bucketName,
      logFilePrefix: 'reconciliation/',
    };
    this.accessLogs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsForReconciliationBucket',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.accessLogs.arnForObjects('reconciliation/*')],
        conditions: {
          ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );
  }

  /** Alarm → SNS when the latest reconciliation left anything unexplained (metric from the report step). */
  alarmOn(topic: sns.ITopic): cloudwatch.Alarm {
    this.alarm = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'ReconciliationUnexplained',
      dimensionsMap: { service: commonEnvironment().POWERTOOLS_SERVICE_NAME },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.hours(1),
    }).createAlarm(this, 'UnexplainedAlarm', {
      alarmDescription:
        'Reconciliation found unexplained differences between billing and the ERP: open the report ' +
        '(reports/<period>/ in the reconciliation bucket), fix or replay, then run `q2c reconcile` again.',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new cwActions.SnsAction(topic));

    this.ledgerInvariantsAlarm = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'LedgerInvariantViolations',
      dimensionsMap: { service: commonEnvironment().POWERTOOLS_SERVICE_NAME },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.hours(1),
    }).createAlarm(this, 'LedgerInvariantsAlarm', {
      alarmDescription:
        'The ledger broke one of its own invariants (unbalanced entry, missing schedule, DUE item or release, ' +
        'deferred balance off, posting into a closed period, crosswalk gap): run `q2c verify --target aws ' +
        '--stack <name>` to list each violation with its objects, fix, then verify again.',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.ledgerInvariantsAlarm.addAlarmAction(new cwActions.SnsAction(topic));
    return this.alarm;
  }
}
