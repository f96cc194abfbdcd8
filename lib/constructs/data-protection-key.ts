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

    // CloudWatch alarms publish to the KMS-encrypted alarm topic with their own service identity.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishEncryptedNotifications',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
  }

  /**
   * EventBridge writes undeliverable events to KMS-encrypted dead-letter queues with its own service
   * identity. Its KMS calls carry no aws:SourceAccount (AWS documents the condition as unsupported there),
   * so the statement is pinned to the queues by the encryption context SQS passes (aws:sqs:arn). The
   * ARNs are built from the queues' physical names: referencing the queues would be a key ↔ queue cycle.
   */
  allowEventBridgeDeadLetters(queueNames: string[]): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeToWriteEncryptedDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnEquals: {
            'kms:EncryptionContext:aws:sqs:arn': queueNames.map(
              (name) => `arn:${Aws.PARTITION}:sqs:${Aws.REGION}:${Aws.ACCOUNT_ID}:${name}`,
            ),
          },
        },
      }),
    );
  }
}
