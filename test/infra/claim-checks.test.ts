/**
 * The claim-check bucket in the synthesized stack. Oracles: AWS S3 User Guide (SSE-KMS with a customer
 * managed key and S3 Bucket Keys; "aws:SecureTransport" deny for TLS-only; Block Public Access; lifecycle
 * Expiration; server access logging) and the least-privilege rule of the repo (publishers put, resolvers
 * get, nothing else). cdk-nag stays clean (test/infra/nag.test.ts).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, type FunctionKey } from '../../lib/topology';
import { resourcesOfType, synthTemplate, topologyResources } from './template';

describe('ClaimCheckBucket', () => {
  const { template, json } = synthTemplate();
  const bucket = topologyResources(json, 'BUCKETS').claimChecks;
  const keyId = Object.keys(resourcesOfType(json, 'AWS::KMS::Key'))[0];

  it('is KMS-encrypted with the stack key, blocks public access, logs access, expires after archive + 14 days', () => {
    expect(bucket).toBeDefined();
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'claim-checks/' },
      // The archive keeps events 365 days; a parked reference can wait 14 more on SQS.
      LifecycleConfiguration: { Rules: [{ Prefix: 'payloads/', ExpirationInDays: 379, Status: 'Enabled' }] },
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('denies every request not made over TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket.logicalId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('is declared for exactly the publishers (write) and the flows’ first steps (read)', () => {
    const declared = Object.fromEntries(
      (Object.keys(FUNCTIONS) as FunctionKey[])
        .map((f) => [f, (FUNCTIONS[f] as { claimChecks?: string }).claimChecks])
        .filter(([, a]) => a !== undefined),
    );
    expect(declared).toEqual({
      ingestStripeWebhook: 'write',
      ingestSalesforceFlow: 'write',
      ingestSalesforceOutboundMessage: 'write',
      relaySalesforceEvent: 'write',
      mapStripeInvoice: 'read',
      mapStripeMoneyEvent: 'read',
      loadDeal: 'read',
    });
    // Each gets the bucket name; the grants themselves are asserted in stack.test.ts (least privilege).
    const fns = topologyResources(json, 'FUNCTIONS');
    for (const f of Object.keys(declared)) {
      const env = (fns[f].Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.CLAIM_CHECK_BUCKET_NAME).toEqual({ Ref: bucket.logicalId });
    }
  });
});
