/**
 * `q2c smoke --target aws` against the AWS SDK mocked with aws-sdk-client-mock, each call answered in the
 * shape the AWS API references document (CloudFormation DescribeStacks, Secrets Manager GetSecretValue,
 * EventBridge DescribeArchive, SQS ReceiveMessage, DynamoDB GetItem through the document client). The webhook URL of the stack
 * outputs is a local HTTPS-less endpoint that verifies the Stripe signature with the stripe SDK (the
 * vendor's own check) against the secret Secrets Manager returned; the ledger and crosswalk GetItem
 * answers appear only once the webhook received the event, computed by the pure mapping and accounting
 * code as PostInvoice / PostDocument would record them. A failing hop → exit 1 naming it.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeArchiveCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Option } from 'commander';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { normaliseStripeEvent, StripeEventShape } from '../../lambdas/domain/envelope';
import { journalForInvoice } from '../../lambdas/domain/accounting/invoice';
import type { JournalEntry } from '../../lambdas/domain/model';
import { mapStripeInvoiceEvent } from '../../lambdas/domain/mapping/stripe-invoice';
import { mapInvoiceVoided } from '../../lambdas/domain/mapping/stripe-money';
import { mappingConfig } from '../../lambdas/handlers/commons/config';
import { QUEUES, SECRETS, STRIPE_API_VERSION, TABLES } from '../../lib/topology';
import { smokeCommand } from '../../local/smoke/command';
import { runSmoke } from '../../local/smoke/run';
import { awsSmokeClients, awsSmokeTarget } from '../../local/smoke/targets';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const STACK = 'QuoteToCash-staging';
const SECRET = 'whsec_deployed_endpoint_secret';
const LEDGER_TABLE = 'QuoteToCash-staging-LedgerTable-1A2B3C';
const CROSSWALK_TABLE = 'QuoteToCash-staging-CrosswalkTable-4D5E6F';
const ARCHIVE = 'QuoteToCash-staging-archive';
const queueUrl = (name: string) => `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;

const cfn = mockClient(CloudFormationClient);
const secrets = mockClient(SecretsManagerClient);
const events = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
// The adapters read through the DynamoDB document client (GetItem with the attribute values unmarshalled).
const dynamo = mockClient(DynamoDBDocumentClient);

/** What the deployed functions would have recorded, keyed like the tables (pk/sk). */
let ledger: Map<string, JournalEntry>;
let crosswalk: Map<string, Record<string, unknown>>;
let received: Stripe.Event[];
let webhook: Server;
let webhookUrl: string;

beforeAll(async () => {
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(body, String(req.headers['stripe-signature']), SECRET);
      } catch {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"error":{"code":"invalid_signature"}}');
        return;
      }
      received.push(event);
      record(event);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received: true, eventId: event.id, handled: true }));
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/webhooks/stripe`;
});
afterAll(() => new Promise<void>((r) => webhook.close(() => r())));

/** PostingFlow / the money-event flow, as the pure code computes their journals and crosswalk links. */
function record(event: Stripe.Event): void {
  const envelope = normaliseStripeEvent(StripeEventShape.parse(event), new Date());
  const { invoicePosting } = mapStripeInvoiceEvent(envelope, mappingConfig, STRIPE_API_VERSION);
  const entry =
    event.type === 'invoice.voided'
      ? (mapInvoiceVoided(envelope, mappingConfig, STRIPE_API_VERSION).postings[1] as { entry: JournalEntry })
          .entry
      : journalForInvoice(invoicePosting.invoice, invoicePosting.idempotencyKey);
  ledger.set(`ENTRY#${entry.entryId}`, entry);
  crosswalk.set(`${entry.documentRef}|erp:${entry.kind}`, {
    sourceRef: entry.documentRef,
    target: `erp:${entry.kind}`,
    canonicalRef: entry.documentRef,
    erpId: entry.entryId,
    erpSystem: 'ledger',
    sourceVersion: envelope.created,
    correlationId: envelope.correlationId,
  });
}

function stackOutputs() {
  return [
    { OutputKey: 'StripeWebhookUrl', OutputValue: webhookUrl },
    {
      OutputKey: `${SECRETS.stripeWebhook.id}Arn`,
      OutputValue: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:StripeWebhookSigningSecret-AbCdEf`,
    },
    { OutputKey: 'EventArchiveName', OutputValue: ARCHIVE },
    { OutputKey: `${TABLES.ledger.id}Name`, OutputValue: LEDGER_TABLE },
    { OutputKey: `${TABLES.crosswalk.id}Name`, OutputValue: CROSSWALK_TABLE },
    { OutputKey: `${QUEUES.exceptions.id}Url`, OutputValue: queueUrl('QuoteToCash-staging-ExceptionQueue') },
    { OutputKey: `${QUEUES.postingDlq.id}Url`, OutputValue: queueUrl('QuoteToCash-staging-PostingDlq') },
  ];
}

beforeEach(() => {
  ledger = new Map();
  crosswalk = new Map();
  received = [];
  for (const m of [cfn, secrets, events, sqs, dynamo]) m.reset();
  cfn.on(DescribeStacksCommand, { StackName: STACK }).callsFake(() => ({
    Stacks: [
      {
        StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK}/5f1c9a80-d3a1-11ef-9a3e-0a1b2c3d4e5f`,
        StackName: STACK,
        CreationTime: new Date('2026-12-01T09:00:00Z'),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: stackOutputs(),
      },
    ],
  }));
  secrets.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({
    ARN: input.SecretId,
    Name: 'StripeWebhookSigningSecret',
    VersionId: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1',
    SecretString: SECRET,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: new Date('2026-12-01T09:05:00Z'),
  }));
  events.on(DescribeArchiveCommand, { ArchiveName: ARCHIVE }).resolves({
    ArchiveArn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/${ARCHIVE}`,
    ArchiveName: ARCHIVE,
    EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/quote-to-cash-staging`,
    EventPattern: JSON.stringify({ account: [ACCOUNT] }),
    State: 'ENABLED',
    RetentionDays: 365,
    SizeBytes: 10_240,
    EventCount: 12,
    CreationTime: new Date('2026-12-01T09:00:00Z'),
  });
  sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
  dynamo.on(GetCommand).callsFake((input: { TableName: string; Key: { pk: string; sk: string } }) => {
    const key = input.Key;
    if (input.TableName === LEDGER_TABLE) {
      const entry = ledger.get(key.pk);
      return entry && key.sk === 'v1'
        ? { Item: { pk: key.pk, sk: 'v1', ...entry, recordedAt: new Date().toISOString() } }
        : {};
    }
    if (input.TableName === CROSSWALK_TABLE) {
      const link = crosswalk.get(`${key.pk}|${key.sk}`);
      return link ? { Item: { pk: key.pk, sk: key.sk, ...link } } : {};
    }
    throw new Error(`unexpected GetItem on ${input.TableName}`);
  });
});

const smoke = async () => {
  const target = await awsSmokeTarget(STACK, awsSmokeClients(REGION));
  try {
    return await runSmoke(target, { mapping: mappingConfig, livemode: false, timeoutMs: 1_000, pollMs: 20 });
  } finally {
    target.close();
  }
};

describe('q2c smoke --target aws (AWS SDK mocked)', () => {
  it('signs with the secret from Secrets Manager, posts to the URL of the stack outputs, and passes every hop', async () => {
    const report = await smoke();
    expect(report.hops.find((h) => !h.ok)?.detail).toBeUndefined();
    expect(report.failedHop).toBeUndefined();
    expect(report.hops.map((h) => [h.hop, h.ok])).toEqual([
      ['api', true],
      ['bus archive', true],
      ['execution', true],
      ['erp posting', true],
      ['crosswalk', true],
      ['reversal api', true],
      ['reversal posting', true],
    ]);
    // The stripe SDK verified both deliveries with the deployed secret: the finalized invoice, then its void.
    expect(received.map((e) => [e.type, e.livemode])).toEqual([
      ['invoice.finalized', false],
      ['invoice.voided', false],
    ]);
    expect(cfn.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({ StackName: STACK });
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input.SecretId).toMatch(
      /^arn:aws:secretsmanager:/,
    );
    // The parking queues were only looked at (visibility timeout 0), never drained.
    for (const call of sqs.commandCalls(ReceiveMessageCommand))
      expect(call.args[0].input.VisibilityTimeout).toBe(0);
  });

  it('fails the bus archive hop when the archive is not ENABLED', async () => {
    events
      .on(DescribeArchiveCommand)
      .resolves({ ArchiveName: ARCHIVE, State: 'DISABLED', EventPattern: '{}' });
    const report = await smoke();
    expect(report.failedHop).toBe('bus archive');
    expect(report.hops.map((h) => h.hop)).toEqual(['api', 'bus archive']);
    expect(report.hops[1].detail).toContain('DISABLED');
  });

  it('fails the execution hop with the classified reason when the event is parked on the exception queue', async () => {
    // The flow parked it: nothing is posted; the exception message carries the event.
    dynamo.on(GetCommand).resolves({});
    sqs.on(ReceiveMessageCommand).callsFake((input: { QueueUrl: string }) =>
      input.QueueUrl.endsWith('ExceptionQueue') && received[0]
        ? {
            Messages: [
              {
                MessageId: 'c5a1a1e2-4b1a-4c4e-9f0a-1d2e3f4a5b6c',
                ReceiptHandle: 'AQEB-example',
                MD5OfBody: '0',
                // As PostingFlow's ParkBusinessException state writes it (statemachines/post-invoice.asl.json).
                Body: JSON.stringify({
                  classification: 'business',
                  error: 'BusinessError',
                  cause: JSON.stringify({
                    errorType: 'BusinessError',
                    errorMessage: 'unmapped_product: prod_x',
                  }),
                  stateMachine: 'QuoteToCash-staging-PostInvoiceFlow',
                  execution: `arn:aws:states:${REGION}:${ACCOUNT}:express:PostInvoiceFlow:1:2`,
                  event: { 'detail-type': 'invoice.finalized', detail: { eventId: received[0].id } },
                }),
                MessageAttributes: { classification: { DataType: 'String', StringValue: 'business' } },
              },
            ],
          }
        : { Messages: [] },
    );
    const report = await smoke();
    expect(report.failedHop).toBe('execution');
    expect(report.hops[2].detail).toBe(
      'parked on QuoteToCash-staging-ExceptionQueue: business: BusinessError: unmapped_product: prod_x',
    );
  });

  it('through the CLI command: exit code 1 and the failed hop named when the webhook refuses the signature', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'whsec_rotated_but_not_in_stripe' });
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await smokeCommand(new Option('--url <url>').default('http://127.0.0.1:1')).parseAsync(
        ['--target', 'aws', '--stack', STACK, '--region', REGION, '--timeout-seconds', '1'],
        { from: 'user' },
      );
      expect(process.exitCode).toBe(1);
      expect(errors.join('\n')).toContain('FAILED at hop "api"');
    } finally {
      process.exitCode = undefined;
      spy.mockRestore();
      log.mockRestore();
    }
  });
});
