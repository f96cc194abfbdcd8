/**
 * Where `q2c smoke` looks. The ERP posting and the crosswalk are read the same way on both targets:
 * the real DynamoDB client on the ledger and crosswalk tables (AWS: names from the stack outputs;
 * locally: dynalite, whose address GET /ops/endpoints gives). The other hops differ:
 *   bus archive — locally the bus log; in AWS an archive cannot be read per event, so: it is ENABLED and
 *                 its event pattern (matched with the local runtime's own pattern engine) takes the event;
 *   execution   — locally the execution record; PostingFlow is Express, which ListExecutions and
 *                 DescribeExecution do not serve, so in AWS: failed if the event is parked on the exception
 *                 queue or a dead-letter queue (its classified reason), succeeded once its posting exists.
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type Output as StackOutput,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeArchiveCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Crosswalk } from '../../lambdas/adapters/crosswalk/crosswalk';
import { LedgerAdapter } from '../../lambdas/adapters/erp/ledger/ledger-adapter';
import { describeParked } from '../../lambdas/domain/exceptions';
import { DEPLOYMENT, QUEUES, SECRETS, SOURCES, TABLES, type QueueKey } from '../../lib/topology';
import { matchesPattern, type EventPattern } from '../bus/event-pattern';
import type { OpsClient } from '../ops-client';
import { LOCAL_CREDENTIALS } from '../services/local-aws';
import type { HopCheck, SmokeTarget } from './run';
import type { SmokeEvents } from './smoke-events';

const pending: HopCheck = { state: 'pending' };

/** ERP posting and crosswalk, read from the tables (shared by both targets). */
function tableHops(doc: DynamoDBDocumentClient, tables: { ledger: string; crosswalk: string }) {
  const ledger = new LedgerAdapter(doc, tables.ledger);
  const links = new Crosswalk(doc, tables.crosswalk);
  return {
    posting: async (entryId: string, link: { sourceRef: string; target: string }): Promise<HopCheck> => {
      if (DEPLOYMENT.erp === 'netsuite') {
        // NetSuite is not read here: the crosswalk link written once NetSuite accepted the record names it.
        const found = await links.find(link.sourceRef, link.target);
        return found ? { state: 'ok', detail: `NetSuite ${found.erpId}` } : pending;
      }
      const entry = await ledger.getEntry(entryId);
      if (!entry) return pending;
      const debit = entry.lines.reduce((s, l) => s + BigInt(l.debit), 0n);
      const credit = entry.lines.reduce((s, l) => s + BigInt(l.credit), 0n);
      if (debit !== credit)
        return { state: 'failed', detail: `${entryId} does not balance: ${debit} ≠ ${credit}` };
      return {
        state: 'ok',
        detail: `${entry.kind} ${entryId}: ${entry.lines.length} lines, ${debit} ${entry.lines[0]?.currency ?? ''} each side`,
      };
    },
    crosswalk: async (sourceRef: string, target: string): Promise<HopCheck> => {
      const link = await links.find(sourceRef, target);
      return link ? { state: 'ok', detail: `${sourceRef} → ${link.erpSystem} ${link.erpId}` } : pending;
    },
  };
}

/** The parked message of an event on a queue, looked at without taking it (visibility timeout 0). */
async function parkedOn(sqs: SQSClient, queueUrl: string, eventId: string): Promise<string | undefined> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  for (const m of Messages) {
    const attributes = Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']),
    );
    // The same reading as q2c queues and replay: classification, error, reason, the event it carries.
    const parked = describeParked(m.Body ?? '', attributes);
    if (parked.sourceEventId === eventId)
      return `${parked.classification}: ${parked.error}: ${parked.reason}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Local runtime
// ---------------------------------------------------------------------------------------------

export interface LocalSmokeOptions {
  url: string;
  ops: OpsClient;
  secret: string;
}

export async function localSmokeTarget(opts: LocalSmokeOptions): Promise<SmokeTarget> {
  const endpoints = await opts.ops.endpoints();
  if (!endpoints.dynamodb)
    throw new Error('the local runtime does not report its DynamoDB endpoint (/ops/endpoints)');
  const db = new DynamoDBClient({
    endpoint: endpoints.dynamodb.endpoint,
    region: endpoints.region,
    credentials: LOCAL_CREDENTIALS,
  });
  const doc = DynamoDBDocumentClient.from(db);
  const hops = tableHops(doc, endpoints.dynamodb.tables);
  return {
    name: `local runtime at ${opts.url}`,
    signingSecret: async () => opts.secret,
    webhookUrl: () => new URL('/webhooks/stripe', opts.url).toString(),
    archived: async (eventId) => {
      const { events } = await opts.ops.events();
      const hit = events.find((e) => e.sourceEventId === eventId);
      if (!hit) return pending;
      if (hit.matchedRules.length === 0)
        return { state: 'failed', detail: `${hit.id} archived but no rule matched it` };
      return { state: 'ok', detail: `${hit.id} → rules ${hit.matchedRules.join(', ')}` };
    },
    execution: async (_events: SmokeEvents, eventId) => {
      const { executions } = await opts.ops.executions();
      const hit = executions.find(
        (e) => (e.input as { detail?: { eventId?: unknown } } | null)?.detail?.eventId === eventId,
      );
      if (!hit) return pending;
      if (hit.status === 'SUCCEEDED') return { state: 'ok', detail: `${hit.stateMachine} SUCCEEDED` };
      if (hit.status === 'FAILED')
        return {
          state: 'failed',
          detail: `${hit.stateMachine} FAILED: ${hit.error ?? ''} ${hit.cause ?? ''}`.trim(),
        };
      return pending;
    },
    posting: hops.posting,
    crosswalk: hops.crosswalk,
    close: () => db.destroy(),
  };
}

// ---------------------------------------------------------------------------------------------
// AWS
// ---------------------------------------------------------------------------------------------

export interface AwsSmokeClients {
  cloudFormation: CloudFormationClient;
  secretsManager: SecretsManagerClient;
  eventBridge: EventBridgeClient;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
}

export function awsSmokeClients(region?: string): AwsSmokeClients {
  const config = region ? { region } : {};
  return {
    cloudFormation: new CloudFormationClient(config),
    secretsManager: new SecretsManagerClient(config),
    eventBridge: new EventBridgeClient(config),
    sqs: new SQSClient(config),
    dynamodb: new DynamoDBClient(config),
  };
}

/** Queues an event of PostingFlow can be parked on: the exception queue and the rules' dead-letter queues. */
const PARKING_QUEUES: QueueKey[] = ['exceptions', 'postingDlq'];

export async function awsSmokeTarget(stackName: string, clients: AwsSmokeClients): Promise<SmokeTarget> {
  const { Stacks = [] } = await clients.cloudFormation.send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  const stack = Stacks[0];
  if (!stack) throw new Error(`stack ${stackName} not found`);
  const outputs = new Map((stack.Outputs ?? []).map((o: StackOutput) => [o.OutputKey, o.OutputValue]));
  const output = (key: string): string => {
    const v = outputs.get(key);
    if (!v) throw new Error(`stack ${stackName} has no output ${key} — deployed from this version of lib/?`);
    return v;
  };
  const account = stack.StackId?.split(':')[4];
  const webhookUrl = output('StripeWebhookUrl');
  const hops = tableHops(DynamoDBDocumentClient.from(clients.dynamodb), {
    ledger: output(`${TABLES.ledger.id}Name`),
    crosswalk: output(`${TABLES.crosswalk.id}Name`),
  });
  const queueUrls = PARKING_QUEUES.map((q) => output(`${QUEUES[q].id}Url`));
  return {
    name: `stack ${stackName}`,
    signingSecret: async () => {
      const secret = await clients.secretsManager.send(
        new GetSecretValueCommand({ SecretId: output(`${SECRETS.stripeWebhook.id}Arn`) }),
      );
      if (!secret.SecretString?.startsWith('whsec_'))
        throw new Error(
          `the Stripe webhook signing secret holds no whsec_ value: put the endpoint's secret there first (README, deploy)`,
        );
      return secret.SecretString;
    },
    webhookUrl: () => webhookUrl,
    archived: async (eventId) => {
      const archive = await clients.eventBridge.send(
        new DescribeArchiveCommand({ ArchiveName: output('EventArchiveName') }),
      );
      if (archive.State !== 'ENABLED')
        return { state: 'failed', detail: `archive ${archive.ArchiveName} is ${archive.State ?? 'unknown'}` };
      const pattern = JSON.parse(archive.EventPattern ?? '{}') as EventPattern;
      const busEvent = {
        account,
        source: SOURCES.stripe,
        'detail-type': 'invoice.finalized',
        detail: { eventId },
      };
      if (!matchesPattern(pattern, busEvent))
        return {
          state: 'failed',
          detail: `archive ${archive.ArchiveName}'s pattern does not take the event`,
        };
      return {
        state: 'ok',
        detail: `archive ${archive.ArchiveName} ENABLED, pattern takes the event (${archive.EventCount ?? 0} events; AWS counts with a delay)`,
      };
    },
    execution: async (events: SmokeEvents, eventId) => {
      for (const url of queueUrls) {
        const reason = await parkedOn(clients.sqs, url, eventId);
        if (reason) return { state: 'failed', detail: `parked on ${url.split('/').pop()}: ${reason}` };
      }
      const posted = await hops.posting(events.invoiceEntryId, events.crosswalk);
      return posted.state === 'ok'
        ? { state: 'ok', detail: 'PostingFlow succeeded (its posting is recorded)' }
        : pending;
    },
    posting: hops.posting,
    crosswalk: hops.crosswalk,
    close: () => {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
