import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CLAIM_CHECK_PREFIX } from '../../lambdas/domain/claim-check';
import { BUCKETS } from '../topology';
import { keyThroughService } from './least-privilege';
import { markTopology } from './topology-metadata';

/** Parked exceptions wait on SQS at most 14 days (its maximum retention) before a replay reads them. */
const PARKED_MESSAGE_MAX_DAYS = 14;

export interface ClaimCheckBucketProps {
  key: kms.IKey;
  /** The bus archive's retention: a claim-checked event must resolve for as long as it can be replayed. */
  archiveRetention: Duration;
  /** Where S3 server access logs go (an SSE-S3 bucket; the reconciliation construct's). */
  accessLogs: s3.IBucket;
}

/**
 * Claim-checked bus payloads (DESIGN.md §2): ingest stores an event too large for the bus here
 * (payloads/<sha256>.json) and publishes a reference; the flows' first step reads it back. KMS CMK,
 * TLS only, no public access, server access logs; objects expire one parked-message lifetime after
 * the archive retention, so every archived or parked reference can still be replayed.
 */
export class ClaimCheckBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly expiration: Duration;

  constructor(scope: Construct, id: string, props: ClaimCheckBucketProps) {
    super(scope, id);
    this.expiration = Duration.days(props.archiveRetention.toDays() + PARKED_MESSAGE_MAX_DAYS);
    this.bucket = new s3.Bucket(this, BUCKETS.claimChecks.id, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Content-addressed objects are never overwritten; no versions to keep.
      lifecycleRules: [{ prefix: CLAIM_CHECK_PREFIX, expiration: this.expiration }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    markTopology(this.bucket, 'BUCKETS', 'claimChecks');
    (this.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: props.accessLogs.bucketName,
      logFilePrefix: 'claim-checks/',
    };
    props.accessLogs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsForClaimCheckBucket',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [props.accessLogs.arnForObjects('claim-checks/*')],
        conditions: {
          ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );
  }
}

/**
 * Least privilege on the claim-check bucket: publishers may only put payloads (and generate the data
 * key that encrypts them), resolvers may only get them (and decrypt). Nobody lists or deletes.
 */
export function grantClaimChecks(
  principal: iam.IPrincipal,
  bucket: s3.IBucket,
  access: 'write' | 'read',
  key: kms.IKey,
): void {
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [access === 'write' ? 's3:PutObject' : 's3:GetObject'],
      resources: [bucket.arnForObjects(`${CLAIM_CHECK_PREFIX}*`)],
    }),
  );
  principal.addToPrincipalPolicy(
    keyThroughService(key, 's3', [access === 'write' ? 'kms:GenerateDataKey' : 'kms:Decrypt']),
  );
}
