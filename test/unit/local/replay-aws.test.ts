/**
 * `q2c replay --target aws`: the real AWS SDK v3 clients (SQS, EventBridge, Step Functions,
 * CloudFormation, Lambda) with their transport replaced by aws-sdk-client-mock. What is asserted is what
 * goes over the wire: which calls, with which parameters, and — the safety property — that a
 * message is deleted only after its re-publish succeeded.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeReplayCommand,
  EventBridgeClient,
  PutEventsCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import {
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { parseReplayRequest } from '../../../local/replay/command';
import { runReplay } from '../../../local/replay/run';
import { awsTarget, functionNameOutput } from '../../../local/replay/targets';
import { FUNCTIONS, QUEUES, STATE_MACHINES } from '../../../lib/topology';

const cfn = mockClient(CloudFormationClient);
const sqs = mockClient(SQSClient);
const eb = mockClient(EventBridgeClient);
const sfn = mockClient(SFNClient);
const lambda = mockClient(LambdaClient);
const ddb = mockClient(DynamoDBClient);

const STACK = 'QuoteToCash';
const url = (id: string) => `https://sqs.eu-west-1.amazonaws.com/123456789012/${id}`;
const smArn = (id: string) => `arn:aws:states:eu-west-1:123456789012:stateMachine:PostingFlow${id}ABC-x1`;
const outputs: Record<string, string> = {
  EventBusName: 'quote-to-cash',
  EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/quote-to-cash',
  EventArchiveArn: 'arn:aws:events:eu-west-1:123456789012:archive/QuoteToCashArchive',
  ...Object.fromEntries(Object.values(QUEUES).map((q) => [`${q.id}Url`, url(q.id)])),
  ...Object.fromEntries(Object.values(STATE_MACHINES).map((m) => [`${m.id}Arn`, smArn(m.id)])),
  [`${QUEUES.exceptions.id}Url`]: url('exceptions'),
  [`${QUEUES.postingDlq.id}Url`]: url('dlq'),
  IdempotencyTableName: 'QuoteToCash-IdempotencyTable-X1',
  [functionNameOutput('relaySalesforceEvent')]:
    `QuoteToCash-SalesforceEventRelay${FUNCTIONS.relaySalesforceEvent.id}-a1B2`,
};

const invoiceEvent = (id: string) => ({
  version: '0',
  id: `bus-${id}`,
  source: 'q2c.stripe',
  'detail-type': 'invoice.finalized',
  time: '2026-11-03T10:00:00Z',
  resources: [],
  detail: { eventId: id, correlationId: `corr-${id}`, data: { object: { id: `in_${id}` } } },
});

const parked = (id: string, classification: string, cause: string) =>
  JSON.stringify({
    classification,
    error: classification === 'business' ? 'BusinessError' : 'DependencyOutageError',
    cause: JSON.stringify({ errorType: 'X', errorMessage: cause }),
    stateMachine: `PostingFlow${STATE_MACHINES.postInvoice.id}ABC-x1`,
    execution: `arn:aws:states:eu-west-1:123456789012:express:PostInvoiceFlow:${id}`,
    event: invoiceEvent(id),
  });

function queue(messages: { id: string; body: string }[], relayDeadLetters: Message[] = []) {
  sqs
    .on(GetQueueAttributesCommand)
    .resolves({ Attributes: { ApproximateNumberOfMessages: String(messages.length) } });
  sqs
    .on(ReceiveMessageCommand, { QueueUrl: url('exceptions') })
    .resolvesOnce({
      Messages: messages.map((m) => ({ MessageId: m.id, ReceiptHandle: `rh-${m.id}`, Body: m.body })),
    })
    .resolves({ Messages: [] });
  sqs.on(ReceiveMessageCommand, { QueueUrl: url('dlq') }).resolves({ Messages: [] });
  sqs
    .on(ReceiveMessageCommand, { QueueUrl: url(QUEUES.salesforceRelayDlq.id) })
    .resolvesOnce({ Messages: relayDeadLetters })
    .resolves({ Messages: [] });
}

async function target() {
  return awsTarget(
    STACK,
    {
      cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
      sqs: new SQSClient({ region: 'eu-west-1' }),
      eventBridge: new EventBridgeClient({ region: 'eu-west-1' }),
      sfn: new SFNClient({ region: 'eu-west-1' }),
      lambda: new LambdaClient({ region: 'eu-west-1' }),
      dynamodb: new DynamoDBClient({ region: 'eu-west-1' }),
    },
    { pollMs: 1 },
  );
}

beforeEach(() => {
  for (const m of [cfn, sqs, eb, sfn, lambda, ddb]) m.reset();
  cfn.on(DescribeStacksCommand, { StackName: STACK }).resolves({
    Stacks: [
      {
        StackName: STACK,
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  sqs.on(DeleteMessageCommand).resolves({});
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [] });
});

describe('q2c replay --target aws', () => {
  test('--from exceptions: the parked marker is deleted before the event is re-published, then the message', async () => {
    const marker = 'parked#e1#business#BusinessError';
    queue([
      {
        id: 'm1',
        body: JSON.stringify({
          ...JSON.parse(parked('e1', 'business', 'unmapped_product: x')),
          parkedKey: marker,
        }),
      },
    ]);
    const order: string[] = [];
    ddb.on(DeleteItemCommand).callsFake(() => (order.push('marker'), {}));
    eb.on(PutEventsCommand).callsFake(
      () => (order.push('publish'), { FailedEntryCount: 0, Entries: [{ EventId: 'x' }] }),
    );
    sqs.on(DeleteMessageCommand).callsFake(() => (order.push('delete'), {}));
    await runReplay(await target(), parseReplayRequest({ from: 'exceptions', target: 'aws', url: '' }));
    expect(ddb.commandCalls(DeleteItemCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: 'QuoteToCash-IdempotencyTable-X1', Key: { id: { S: marker } } },
    ]);
    expect(order).toEqual(['marker', 'publish', 'delete']);
  });

  test('--from exceptions: PutEvents of the original event on the stack’s bus, then delete; a refused entry stays', async () => {
    queue([
      { id: 'm1', body: parked('e1', 'business', 'unmapped_product: prod_X has no item mapping') },
      { id: 'm2', body: parked('e2', 'business', 'unmapped_product: prod_X has no item mapping') },
    ]);
    eb.on(PutEventsCommand).callsFake((input: { Entries: { Detail: string }[] }) => {
      const detail = JSON.parse(input.Entries[0].Detail) as { eventId: string };
      return detail.eventId === 'e2'
        ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] }
        : { FailedEntryCount: 0, Entries: [{ EventId: 'new-1' }] };
    });
    const report = await runReplay(
      await target(),
      parseReplayRequest({ from: 'exceptions', target: 'aws', url: '' }),
    );

    const puts = eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0]);
    expect(puts).toHaveLength(2);
    expect(puts[0]).toMatchObject({
      EventBusName: 'quote-to-cash',
      Source: 'q2c.stripe',
      DetailType: 'invoice.finalized',
      Time: new Date('2026-11-03T10:00:00Z'),
    });
    expect(JSON.parse(puts[0]?.Detail ?? '{}')).toEqual(invoiceEvent('e1').detail);
    // deleted: only the accepted one
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: url('exceptions'), ReceiptHandle: 'rh-m1' },
    ]);
    // the refused one is made visible again for the next attempt
    const released = sqs
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? []);
    expect(released).toEqual([expect.objectContaining({ ReceiptHandle: 'rh-m2', VisibilityTimeout: 0 })]);
    expect(report.tally.rows()).toEqual([
      { reason: 'business: unmapped_product', replayed: 1, skipped: 0, failed: 1 },
    ]);
  });

  test('--reason filters by classification; --dry-run publishes and deletes nothing', async () => {
    queue([
      { id: 'm1', body: parked('e1', 'business', 'unmapped_product: x') },
      { id: 'm2', body: parked('e2', 'dependency-outage', 'erp: circuit open after repeated failures') },
    ]);
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    const report = await runReplay(
      await target(),
      parseReplayRequest({
        from: 'exceptions',
        reason: 'dependency-outage',
        dryRun: true,
        target: 'aws',
        url: '',
      }),
    );
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(report.tally.rows()).toEqual([
      { reason: 'dependency-outage: erp', replayed: 0, skipped: 1, failed: 0 },
    ]);
    expect(report.tally.notes[0]).toMatch(/dry run — would re-publish invoice.finalized/);

    sqs.reset();
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    queue([
      { id: 'm1', body: parked('e1', 'business', 'unmapped_product: x') },
      { id: 'm2', body: parked('e2', 'dependency-outage', 'erp: circuit open after repeated failures') },
    ]);
    await runReplay(
      await target(),
      parseReplayRequest({ from: 'exceptions', reason: 'dependency-outage', target: 'aws', url: '' }),
    );
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual([
      'rh-m2',
    ]);
  });

  test('--from dlq: Salesforce Event Relay dead letters re-invoke the relay function (no PutEvents onto a partner bus); deleted only after it ran', async () => {
    const partnerBus = 'aws.partner/salesforce.com/00D5g000004ABCDEAA/0YLabc';
    const relayed = (uuid: string) => ({
      version: '0',
      id: `partner-${uuid}`,
      'detail-type': 'Q2C_Opportunity_Event__e',
      source: partnerBus,
      account: '123456789012',
      time: '2026-11-02T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { id: uuid, schemaId: 's1', payload: { Opportunity_Id__c: '0065g00000ABCDEAAA' } },
    });
    const relayFunction = outputs[functionNameOutput('relaySalesforceEvent')];
    // What lands on the relay DLQ in AWS: the rule target's dead letter (the event, error as attributes),
    // and the function's on-failure destination record (the event as requestPayload).
    const attr = (v: string) => ({ DataType: 'String', StringValue: v });
    const destinationRecord = (uuid: string) =>
      JSON.stringify({
        version: '1.0',
        timestamp: '2026-11-02T10:05:00.000Z',
        requestContext: {
          requestId: 'r-1',
          functionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${relayFunction}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: relayed(uuid),
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'TransientError', errorMessage: 'PutEvents rejected the entry' },
      });
    queue(
      [],
      [
        {
          MessageId: 'r1',
          ReceiptHandle: 'rh-r1',
          Body: JSON.stringify(relayed('u1')),
          MessageAttributes: {
            ERROR_CODE: attr('SDKClientException'),
            ERROR_MESSAGE: attr('Rate Exceeded'),
          },
        },
        { MessageId: 'r2', ReceiptHandle: 'rh-r2', Body: destinationRecord('u2') },
        { MessageId: 'r3', ReceiptHandle: 'rh-r3', Body: destinationRecord('u3') },
      ],
    );
    lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array }) => {
      const event = JSON.parse(Buffer.from(input.Payload).toString('utf8')) as { detail: { id: string } };
      return event.detail.id === 'u3'
        ? {
            StatusCode: 200,
            FunctionError: 'Unhandled',
            Payload: Buffer.from(JSON.stringify({ errorType: 'TransientError', errorMessage: 'bus down' })),
          }
        : { StatusCode: 200, Payload: Buffer.from('{"published":1}') };
    });

    const report = await runReplay(
      await target(),
      parseReplayRequest({ from: 'dlq', target: 'aws', url: '' }),
    );

    const invokes = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invokes.map((i) => [i.FunctionName, i.InvocationType])).toEqual([
      [relayFunction, 'RequestResponse'],
      [relayFunction, 'RequestResponse'],
      [relayFunction, 'RequestResponse'],
    ]);
    // The partner event as EventBridge delivered it, unwrapped from the destination record.
    expect(JSON.parse(Buffer.from(invokes[0].Payload as Uint8Array).toString('utf8'))).toEqual(relayed('u1'));
    expect(JSON.parse(Buffer.from(invokes[1].Payload as Uint8Array).toString('utf8'))).toEqual(relayed('u2'));
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
    // Deleted: the two the function relayed; the one it failed again stays, visible for the next replay.
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: url(QUEUES.salesforceRelayDlq.id), ReceiptHandle: 'rh-r1' },
      { QueueUrl: url(QUEUES.salesforceRelayDlq.id), ReceiptHandle: 'rh-r2' },
    ]);
    const released = sqs
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? []);
    expect(released).toEqual([expect.objectContaining({ ReceiptHandle: 'rh-r3', VisibilityTimeout: 0 })]);
    expect(report.tally.rows()).toEqual([
      { reason: 'technical: SDKClientException', replayed: 1, skipped: 0, failed: 0 },
      { reason: 'technical: TransientError', replayed: 1, skipped: 0, failed: 1 },
    ]);
    expect(report.tally.notes.join('\n')).toMatch(/r3: .*failed \(Unhandled\): TransientError: bus down/);
  });

  test('--from dlq --dry-run: says it would re-invoke the relay function; invokes and deletes nothing', async () => {
    queue(
      [],
      [
        {
          MessageId: 'r1',
          ReceiptHandle: 'rh-r1',
          Body: JSON.stringify({
            id: 'p1',
            source: 'aws.partner/salesforce.com/00D5g000004ABCDEAA/0YLabc',
            'detail-type': 'Q2C_Opportunity_Event__e',
            detail: { id: 'u9', payload: {} },
          }),
        },
        { MessageId: 'r2', ReceiptHandle: 'rh-r2', Body: '{"not":"an event"}' },
      ],
    );
    const report = await runReplay(
      await target(),
      parseReplayRequest({ from: 'dlq', dryRun: true, target: 'aws', url: '' }),
    );
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(report.tally.totals()).toEqual({ replayed: 0, skipped: 2, failed: 0 });
    expect(report.tally.notes.join('\n')).toMatch(
      /dry run — would re-invoke relaySalesforceEvent with Q2C_Opportunity_Event__e/,
    );
    expect(report.tally.notes.join('\n')).toMatch(/r2: not a partner event/);
  });

  test('--archive: StartReplay of the stack archive onto its bus for the window, polled to completion', async () => {
    eb.on(StartReplayCommand).resolves({ State: 'STARTING' });
    eb.on(DescribeReplayCommand)
      .resolvesOnce({ State: 'RUNNING', EventLastReplayedTime: new Date('2026-11-15T00:00:00Z') })
      .resolves({ State: 'COMPLETED' });
    const report = await runReplay(
      await target(),
      parseReplayRequest({
        archive: true,
        since: '2026-11-01T00:00:00Z',
        until: '2026-12-01T00:00:00Z',
        target: 'aws',
        url: '',
      }),
    );
    expect(eb.commandCalls(StartReplayCommand)[0].args[0].input).toMatchObject({
      EventSourceArn: outputs.EventArchiveArn,
      EventStartTime: new Date('2026-11-01T00:00:00Z'),
      EventEndTime: new Date('2026-12-01T00:00:00Z'),
      Destination: { Arn: outputs.EventBusArn },
    });
    expect(report.archive?.state).toBe('COMPLETED');
    expect(report.tally.totals()).toEqual({ replayed: 1, skipped: 0, failed: 0 });
  });

  test('--executions failed: RedriveExecution for Standard, StartExecution from the stored input for Express', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn
      .on(ListExecutionsCommand, {
        stateMachineArn: outputs[`${STATE_MACHINES.monthEndClose.id}Arn`],
        statusFilter: 'FAILED',
        redriveFilter: 'NOT_REDRIVEN',
      })
      .resolves({
        executions: [
          {
            executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:MonthEndCloseFlow:close-2026-11',
            stateMachineArn: outputs[`${STATE_MACHINES.monthEndClose.id}Arn`],
            name: 'close-2026-11',
            status: 'FAILED',
            startDate: new Date(),
          },
        ],
      });
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'new', startDate: new Date() });
    queue([{ id: 'm1', body: parked('e1', 'technical', 'TransientError: ERP 503') }]);

    const report = await runReplay(
      await target(),
      parseReplayRequest({ executions: 'failed', target: 'aws', url: '' }),
    );

    expect(sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([
      'arn:aws:states:eu-west-1:123456789012:execution:MonthEndCloseFlow:close-2026-11',
    ]);
    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start.stateMachineArn).toBe(outputs[`${STATE_MACHINES.postInvoice.id}Arn`]);
    expect(JSON.parse(start.input ?? '{}')).toEqual(invoiceEvent('e1'));
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual([
      'rh-m1',
    ]);
    expect(report.tally.totals()).toEqual({ replayed: 2, skipped: 0, failed: 0 });
  });

  test('a reference-only park is skipped with the archive hint and left on the queue', async () => {
    queue([
      {
        id: 'm1',
        body: JSON.stringify({
          classification: 'technical',
          error: 'UnparkablePayload',
          cause: 'The event could not be carried on the exception queue',
          stateMachine: 'PostingFlowPostInvoiceFlowABC-x1',
          eventRef: { id: 'b1', 'detail-type': 'invoice.paid', source: 'q2c.stripe', eventId: 'evt_1' },
        }),
      },
    ]);
    const report = await runReplay(
      await target(),
      parseReplayRequest({ from: 'exceptions', target: 'aws', url: '' }),
    );
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(report.tally.totals()).toEqual({ replayed: 0, skipped: 1, failed: 0 });
    expect(report.tally.notes[0]).toMatch(/--archive/);
  });

  test('a missing stack output is a clear error naming it', async () => {
    cfn.reset();
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });
    const t = await target();
    expect(() => t.queueUrl('exceptions')).toThrow(`stack ${STACK} has no output ${QUEUES.exceptions.id}Url`);
  });

  test('exactly one mode is required', () => {
    expect(() => parseReplayRequest({ target: 'aws', url: '' })).toThrow(/exactly one/);
    expect(() => parseReplayRequest({ from: 'dlq', archive: true, target: 'aws', url: '' })).toThrow(
      /exactly one/,
    );
    expect(() => parseReplayRequest({ archive: true, target: 'aws', url: '' })).toThrow(/--since/);
  });
});
