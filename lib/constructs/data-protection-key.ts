import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The one customer-managed KMS key protecting quote-to-cash data at rest: ledger tables, queues,
 * log groups, the event archive, the alarm topic and the webhook signing secret.
 *
 * One key keeps the audit story simple (one CloudTrail trail of kms:Decrypt to review) while IAM
 * statements elsewhere still scope each principal to the service it reaches the key through
 * (`kms:ViaService`). Services that encrypt with their *own* identity need key-policy statements.
 */
export class DataProtectionKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: 'Quote-to-cash data protection: ledger, crosswalk, idempotency, queues, logs, secret.',
      enableKeyRotation: true,
      alias: `alias/${stack.stackName}/data-protection`,
      // Losing the key makes the retained ledger tables unreadable: never delete it with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // CloudWatch Logs encrypts log events itself, so the logs service needs the key, limited to
    // log groups of this account and region (documented encryption-context condition).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );

    // EventBridge writes undeliverable events to the KMS-encrypted posting DLQ with its own
    // service identity, and CloudWatch alarms publish to the KMS-encrypted alarm topic likewise.
    for (const [sid, service] of [
      ['AllowEventBridgeToWriteEncryptedDeadLetters', 'events.amazonaws.com'],
      ['AllowCloudWatchAlarmsToPublishEncryptedNotifications', 'cloudwatch.amazonaws.com'],
    ] as const) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
      );
    }
  }
}
