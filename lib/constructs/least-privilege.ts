/**
 * Least-privilege grants derived from the topology, written out explicitly instead of CDK's
 * `grant*` helpers: those add wildcard KMS actions (`kms:ReEncrypt*`, `kms:GenerateDataKey*`) and
 * extra actions (`secretsmanager:DescribeSecret`) the handlers never call. Every KMS statement is
 * pinned to the one service the principal reaches the key through (`kms:ViaService`).
 */
import { Aws } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** Item reads; Scan is included for reconciliation-style readers. TransactWriteItems needs no action of its own. */
const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

function viaService(service: string): Record<string, unknown> {
  return { StringEquals: { 'kms:ViaService': `${service}.${Aws.REGION}.amazonaws.com` } };
}

export function keyThroughService(key: kms.IKey, service: string, actions: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions, resources: [key.keyArn], conditions: viaService(service) });
}

export function grantTable(
  principal: iam.IPrincipal,
  table: dynamodb.ITable,
  access: 'read' | 'readwrite' | 'delete',
  key: kms.IKey,
): void {
  if (access === 'delete') {
    // Deletes by key only (the drain releasing parked markers): no reads, no writes.
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:DeleteItem'], resources: [table.tableArn] }),
    );
    principal.addToPrincipalPolicy(keyThroughService(key, 'dynamodb', ['kms:Decrypt', 'kms:DescribeKey']));
    return;
  }
  const write = access === 'readwrite';
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: write ? [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS] : TABLE_READ_ACTIONS,
      resources: [table.tableArn],
    }),
  );
  principal.addToPrincipalPolicy(
    keyThroughService(
      key,
      'dynamodb',
      write
        ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']
        : ['kms:Decrypt', 'kms:DescribeKey'],
    ),
  );
}

/** PutItem only (a state machine's native DynamoDB task), with the table key's encrypt side. */
export function grantPutItem(principal: iam.IPrincipal, table: dynamodb.ITable, key: kms.IKey): void {
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [table.tableArn] }),
  );
  principal.addToPrincipalPolicy(
    keyThroughService(key, 'dynamodb', [
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
    ]),
  );
}

/** Producers of a KMS-encrypted queue need GenerateDataKey (new data key) and Decrypt (cached key). */
export function grantSendMessage(principal: iam.IPrincipal, queue: sqs.IQueue, key: kms.IKey): void {
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
  );
  principal.addToPrincipalPolicy(keyThroughService(key, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']));
}

export function grantSecretValue(
  principal: iam.IPrincipal,
  secret: secretsmanager.ISecret,
  key: kms.IKey,
): void {
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
  );
  principal.addToPrincipalPolicy(keyThroughService(key, 'secretsmanager', ['kms:Decrypt']));
}

/** Objects of one bucket (get, put, list): no delete — staging expires by lifecycle rule, reports are kept. */
export function grantBucketObjects(principal: iam.IPrincipal, bucket: s3.IBucket, key: kms.IKey): void {
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: [bucket.arnForObjects('staging/*'), bucket.arnForObjects('reports/*')],
    }),
  );
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
  );
  principal.addToPrincipalPolicy(keyThroughService(key, 's3', ['kms:Decrypt', 'kms:GenerateDataKey']));
}

/** Receive, delete and release messages of one queue (replay, outage drain): no purge, no send. */
export function grantConsumeMessages(principal: iam.IPrincipal, queue: sqs.IQueue, key: kms.IKey): void {
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
      ],
      resources: [queue.queueArn],
    }),
  );
  principal.addToPrincipalPolicy(keyThroughService(key, 'sqs', ['kms:Decrypt']));
}

export function grantPutEvents(principal: iam.IPrincipal, bus: events.IEventBus): void {
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
  );
}

/**
 * Invoke exactly these functions by their unqualified ARNs: the ASL Task resources are unqualified
 * ARNs, so no `:*` version wildcard (what `grantInvoke` adds) is needed.
 */
export function grantInvoke(principal: iam.IPrincipal, functions: lambda.IFunction[]): void {
  if (functions.length === 0) return;
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: functions.map((f) => f.functionArn),
    }),
  );
}
