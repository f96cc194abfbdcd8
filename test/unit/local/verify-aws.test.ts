/**
 * `q2c verify --target aws --stack <name>`: the table names come from the stack's outputs (CloudFormation
 * mocked with aws-sdk-client-mock), the tables are read with the real DynamoDB client — here against
 * dynalite with the very table schemas CDK deploys (lib/topology.ts TABLES), written by the real
 * adapters the Lambdas use (ledger, schedule store, crosswalk).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Crosswalk } from '../../../lambdas/adapters/crosswalk/crosswalk';
import { LedgerAdapter } from '../../../lambdas/adapters/erp/ledger/ledger-adapter';
import { ScheduleStore, shardOf } from '../../../lambdas/adapters/revenue/schedule-store';
import { journalForInvoice } from '../../../lambdas/domain/accounting/invoice';
import { postingKeys, type Invoice, type JournalEntry } from '../../../lambdas/domain/model';
import { revenueReleaseEntry } from '../../../lambdas/domain/revenue/release';
import { scheduleInputsForInvoice } from '../../../lambdas/domain/revenue/schedule';
import { TABLES } from '../../../lib/topology';
import { localTableName, startDynamo, type LocalDynamo } from '../../../local/services/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/services/local-aws';
import { verifyAwsStack } from '../../../local/verify-aws';

const cfn = mockClient(CloudFormationClient);
const STACK = 'QuoteToCash-prod';
let dir: string;
let dynamodb: LocalDynamo;
let doc: DynamoDBDocumentClient;

const invoice: Invoice = {
  schemaVersion: 'v1',
  invoiceRef: 'stripe:in_AWS',
  source: { system: 'stripe', id: 'in_AWS', eventId: 'evt_AWS', eventType: 'invoice.finalized' },
  number: 'AWS-0001',
  customerRef: 'stripe:cus_AWS',
  subscriptionRef: null,
  issuedAt: '2026-11-16T00:00:00.000Z',
  subtotal: 120_000,
  discountTotal: 0,
  taxTotal: 0,
  total: 120_000,
  subsidiary: 'US-INC',
  currency: 'usd',
  correlationId: 'opp_AWS',
  lines: [
    {
      lineRef: 'stripe:il_AWS',
      description: 'Annual plan',
      productRef: null,
      priceRef: null,
      quantity: 1,
      amount: 120_000,
      discount: 0,
      netAmount: 120_000,
      tax: 0,
      recognition: 'ratable',
      servicePeriod: { start: '2026-11-16T00:00:00.000Z', end: '2027-11-16T00:00:00.000Z' },
      proration: false,
    },
  ],
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-verify-aws-'));
  dynamodb = await startDynamo(dir);
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  // The books as the posting Lambdas write them: the invoice, its schedule and DUE index, November's
  // release and close, each entry's crosswalk link.
  const ledger = new LedgerAdapter(doc, localTableName('ledger'));
  const schedules = new ScheduleStore(doc, localTableName('ledger'));
  const links = new Crosswalk(doc, localTableName('crosswalk'));
  const post = async (entry: JournalEntry) => {
    await ledger.postJournal(entry);
    await links.link({
      sourceRef: entry.documentRef,
      target: `erp:${entry.kind}`,
      canonicalRef: entry.documentRef,
      erpId: entry.entryId,
      erpSystem: 'ledger',
      sourceVersion: '2026-11-16T00:00:00.000Z',
      correlationId: entry.correlationId,
    });
  };
  await post(journalForInvoice(invoice, postingKeys.invoice('in_AWS')));
  const schedule = await schedules.create(scheduleInputsForInvoice(invoice)[0]!);
  await post(revenueReleaseEntry(schedule, '2026-11')!);
  await schedules.closePeriod('2026-11');
});

afterAll(async () => {
  doc?.destroy();
  await dynamodb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  cfn.reset();
  cfn.on(DescribeStacksCommand, { StackName: STACK }).resolves({
    Stacks: [
      {
        StackName: STACK,
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [
          { OutputKey: `${TABLES.ledger.id}Name`, OutputValue: localTableName('ledger') },
          { OutputKey: `${TABLES.crosswalk.id}Name`, OutputValue: localTableName('crosswalk') },
          { OutputKey: 'EventBusName', OutputValue: 'quote-to-cash' },
        ],
      },
    ],
  });
});

const clients = () => ({ cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }), dynamo: doc });

describe('q2c verify --target aws', () => {
  it("reads the stack's tables by their outputs and finds the books clean", async () => {
    const report = await verifyAwsStack(STACK, clients());
    expect(report.violations).toEqual([]);
    expect(report.checked).toMatchObject({
      entries: 2,
      ratableLines: 1,
      schedules: 1,
      releases: 1,
      closedPeriods: 1,
    });
    expect(cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([
      { StackName: STACK },
    ]);
  });

  it('a DUE item deleted from the deployed table is named', async () => {
    const lineRef = 'stripe:il_AWS';
    const sk = `${String(shardOf(lineRef)).padStart(2, '0')}#${lineRef}`;
    await doc.send(
      new DeleteCommand({ TableName: localTableName('ledger'), Key: { pk: 'DUE#2027-02', sk } }),
    );
    const report = await verifyAwsStack(STACK, clients(), '2027-02');
    expect(report.violations.map((v) => [v.invariant, v.objects])).toEqual([
      ['due_index_missing', [`schedule:${lineRef}`, `DUE#2027-02/${lineRef}`]],
    ]);
  });

  it('a stack without the table outputs is refused with what to do', async () => {
    cfn.reset();
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Old', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });
    await expect(verifyAwsStack('Old', clients())).rejects.toThrow(
      'stack Old has no output LedgerTableName (deploy the current version)',
    );
  });
});
