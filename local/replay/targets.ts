/**
 * Where `q2c replay` acts. Both targets use the real AWS SDK v3 clients for the queues (SQS) and the
 * bus (EventBridge PutEvents) — against AWS, or against the local runtime's emulators (fauxqs and
 * the local PutEvents endpoint, whose addresses GET /ops/endpoints gives). What has no local
 * emulator (executions, archive replay, function invocation) goes through the local ops API instead
 * of Step Functions / EventBridge StartReplay / Lambda Invoke.
 *
 * AWS resource names come from the stack's named outputs (lib/quote-to-cash-stack.ts addOutputs).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeReplayCommand,
  EventBridgeClient,
  StartReplayCommand,
  type ReplayState,
} from '@aws-sdk/client-eventbridge';
import {
  ExecutionStatus,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { lambdaInvoker } from '../../lambdas/adapters/replay/function-invoker';
import { dynamoParkedMarkers, type ParkedMarkers } from '../../lambdas/adapters/replay/parked-markers';
import { eventBridgePublisher } from '../../lambdas/adapters/replay/queue-redrive';
import type { StoredEvent } from '../../lambdas/domain/replay';
import {
  FUNCTIONS,
  type FunctionKey,
  QUEUES,
  STATE_MACHINES,
  type QueueKey,
  type StateMachineKey,
  TABLES,
} from '../../lib/topology';
import { OpsClient } from '../ops-client';
import { LOCAL_CREDENTIALS } from '../services/local-aws';
import type { LocalEndpoints, LoggedExecution } from './local-ops';
import { machineKeyOf } from './machines';

export interface FailedExecution {
  executionArn: string;
  stateMachine: StateMachineKey;
  error: string;
}

export interface ArchiveReplayResult {
  replayName: string;
  state: string;
  /** Known locally (counted); in AWS EventBridge reports no counts, only the state. */
  replayed?: number;
  unmatched?: number;
  notStored?: number;
  reason?: string;
}

export interface ReplayTarget {
  readonly name: string;
  readonly sqs: SQSClient;
  queueUrl(q: QueueKey): string;
  /** The exception queue's parked markers (released when a parked message is re-driven). */
  readonly markers: ParkedMarkers;
  publish(event: StoredEvent): Promise<void>;
  /** Start a state machine (name as deployed, ARN or topology key) from a stored input. */
  start(stateMachine: string, input: unknown): Promise<void>;
  /** Invoke a function (topology key) synchronously with a parked partner event; throws on a function error. */
  invoke(functionKey: string, payload: StoredEvent): Promise<void>;
  /** Failed Standard executions not yet redriven. */
  failedStandardExecutions(): Promise<FailedExecution[]>;
  /** Redrive (AWS RedriveExecution) or re-run (locally) one failed Standard execution. */
  redrive(execution: FailedExecution): Promise<void>;
  replayArchive(
    since: Date,
    until: Date,
    onProgress?: (fraction: number) => void,
  ): Promise<ArchiveReplayResult>;
  close(): void;
}

const isStandard = (k: StateMachineKey) => STATE_MACHINES[k].type === 'STANDARD';

export function stateMachineKey(ref: string): StateMachineKey {
  const key = machineKeyOf(ref);
  if (!key) throw new Error(`unknown state machine ${ref}`);
  return key;
}

// ---------------------------------------------------------------------------------------------
// AWS
// ---------------------------------------------------------------------------------------------

export interface AwsClients {
  cloudFormation: CloudFormationClient;
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
  sfn: SFNClient;
  lambda: LambdaClient;
  dynamodb: DynamoDBClient;
}

/** The stack output naming a deployed function (lib/quote-to-cash-stack.ts addOutputs). */
export const functionNameOutput = (key: FunctionKey): string => `${FUNCTIONS[key].id}FunctionName`;

export function functionKey(ref: string): FunctionKey {
  if (!(ref in FUNCTIONS)) throw new Error(`unknown function ${ref}`);
  return ref as FunctionKey;
}

export function awsClients(region?: string): AwsClients {
  const config = region ? { region } : {};
  return {
    cloudFormation: new CloudFormationClient(config),
    sqs: new SQSClient(config),
    eventBridge: new EventBridgeClient(config),
    sfn: new SFNClient(config),
    lambda: new LambdaClient(config),
    dynamodb: new DynamoDBClient(config),
  };
}

/** The stack's outputs by key (OutputKey → OutputValue). */
export async function stackOutputs(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<Record<string, string>> {
  const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = Stacks[0];
  if (!stack) throw new Error(`stack ${stackName} not found`);
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

export async function awsTarget(
  stackName: string,
  clients: AwsClients,
  options: { pollMs?: number } = {},
): Promise<ReplayTarget> {
  const outputs = await stackOutputs(clients.cloudFormation, stackName);
  const output = (key: string): string => {
    const value = outputs[key];
    if (!value) throw new Error(`stack ${stackName} has no output ${key} (deploy the current version)`);
    return value;
  };
  const machineArn = (k: StateMachineKey) => output(`${STATE_MACHINES[k].id}Arn`);
  const publish = (event: StoredEvent) =>
    eventBridgePublisher(clients.eventBridge, output('EventBusName'))(event);
  return {
    name: `aws stack ${stackName}`,
    sqs: clients.sqs,
    queueUrl: (q) => output(`${QUEUES[q].id}Url`),
    markers: {
      release: (key) =>
        dynamoParkedMarkers(clients.dynamodb, output(`${TABLES.idempotency.id}Name`)).release(key),
    },
    publish,
    start: async (stateMachine, input) => {
      await clients.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machineArn(stateMachineKey(stateMachine)),
          input: JSON.stringify(input),
        }),
      );
    },
    invoke: (fn, payload) =>
      lambdaInvoker(clients.lambda, output(functionNameOutput(functionKey(fn))))(payload),
    failedStandardExecutions: async () => {
      const failed: FailedExecution[] = [];
      const keys = (Object.keys(STATE_MACHINES) as StateMachineKey[]).filter(isStandard);
      for (const key of keys) {
        for (const status of [ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED]) {
          let nextToken: string | undefined;
          do {
            const page = await clients.sfn.send(
              new ListExecutionsCommand({
                stateMachineArn: machineArn(key),
                statusFilter: status,
                redriveFilter: 'NOT_REDRIVEN',
                nextToken,
              }),
            );
            for (const e of page.executions ?? [])
              if (e.executionArn)
                failed.push({ executionArn: e.executionArn, stateMachine: key, error: status });
            nextToken = page.nextToken;
          } while (nextToken);
        }
      }
      return failed;
    },
    redrive: async (execution) => {
      await clients.sfn.send(
        new RedriveExecutionCommand({ executionArn: execution.executionArn, clientToken: randomUUID() }),
      );
    },
    replayArchive: async (since, until, onProgress) => {
      const replayName = `q2c-replay-${Date.now()}`;
      await clients.eventBridge.send(
        new StartReplayCommand({
          ReplayName: replayName,
          Description: `q2c replay --archive ${since.toISOString()} … ${until.toISOString()}`,
          EventSourceArn: output('EventArchiveArn'),
          EventStartTime: since,
          EventEndTime: until,
          Destination: { Arn: output('EventBusArn') },
        }),
      );
      const span = until.getTime() - since.getTime();
      for (;;) {
        const r = await clients.eventBridge.send(new DescribeReplayCommand({ ReplayName: replayName }));
        const state = (r.State ?? 'STARTING') as ReplayState;
        if (r.EventLastReplayedTime)
          onProgress?.(Math.min(1, (r.EventLastReplayedTime.getTime() - since.getTime()) / span));
        if (state === 'COMPLETED' || state === 'FAILED' || state === 'CANCELLED') {
          if (state === 'COMPLETED') onProgress?.(1);
          return { replayName, state, reason: r.StateReason };
        }
        await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5000));
      }
    },
    close: () => {
      clients.cloudFormation.destroy();
      clients.sqs.destroy();
      clients.eventBridge.destroy();
      clients.sfn.destroy();
      clients.lambda.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Local runtime
// ---------------------------------------------------------------------------------------------

async function call<T>(ops: OpsClient, baseUrl: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, baseUrl), {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : ops.actionHeaders(),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Error(`cannot reach the local runtime at ${baseUrl} — is \`npm start\` (q2c serve) running?`);
  }
  const parsed = (await res.json()) as T & { error?: { message?: string } };
  if (!res.ok) throw new Error(`${path} → ${res.status} ${parsed.error?.message ?? ''}`.trim());
  return parsed;
}

/** `dataDir`: the runtime's, whose ops token authorises the re-runs and re-invocations. */
/** The runtime's parked markers; a runtime that does not say where its tables are cannot be replayed safely. */
function localParkedMarkers(
  endpoints: LocalEndpoints,
  clientConfig: { region: string; credentials: typeof LOCAL_CREDENTIALS },
): ParkedMarkers {
  const db = endpoints.dynamodb;
  if (!db) {
    return {
      release: () =>
        Promise.reject(new Error('the local runtime does not expose its DynamoDB endpoint (upgrade it)')),
    };
  }
  return dynamoParkedMarkers(
    new DynamoDBClient({ ...clientConfig, endpoint: db.endpoint }),
    db.tables.idempotency,
  );
}

export async function localTarget(baseUrl: string, dataDir: string): Promise<ReplayTarget> {
  const ops = new OpsClient(baseUrl, dataDir);
  const endpoints = await call<LocalEndpoints>(ops, baseUrl, '/ops/endpoints');
  const clientConfig = { region: endpoints.region, credentials: LOCAL_CREDENTIALS };
  // fauxqs queue URLs name a host that does not resolve: send to the endpoint instead.
  const sqs = new SQSClient({
    ...clientConfig,
    endpoint: endpoints.sqs.endpoint,
    useQueueUrlAsEndpoint: false,
  });
  const eventBridge = new EventBridgeClient({ ...clientConfig, endpoint: endpoints.eventBridge.endpoint });
  const run = async (stateMachine: string, input: unknown, redriveOf?: string) => {
    const record = await call<LoggedExecution>(ops, baseUrl, '/ops/executions/start', {
      stateMachine,
      input,
      redriveOf,
    });
    if (redriveOf && record.status !== 'SUCCEEDED')
      throw new Error(`re-run failed again: ${record.error ?? ''} ${record.cause ?? ''}`.trim());
  };
  const inputs = new Map<string, unknown>();
  return {
    name: `local runtime ${baseUrl}`,
    sqs,
    queueUrl: (q) => endpoints.sqs.queues[q],
    markers: localParkedMarkers(endpoints, clientConfig),
    publish: eventBridgePublisher(eventBridge, endpoints.eventBridge.busName),
    start: (stateMachine, input) => run(stateMachine, input),
    invoke: async (fn, payload) => {
      await call(ops, baseUrl, '/ops/functions/invoke', { function: functionKey(fn), payload });
    },
    failedStandardExecutions: async () => {
      const { executions } = await call<{ executions: LoggedExecution[] }>(
        ops,
        baseUrl,
        '/ops/executions?status=FAILED&redriven=false',
      );
      const failed: FailedExecution[] = [];
      for (const e of executions) {
        const key = machineKeyOf(e.stateMachine);
        if (!key || !isStandard(key)) continue;
        inputs.set(e.executionArn, e.input);
        failed.push({ executionArn: e.executionArn, stateMachine: key, error: e.error ?? 'FAILED' });
      }
      return failed;
    },
    // No RedriveExecution locally: the interpreter re-runs the execution from its stored input. Every
    // step is idempotent (keys per document and per release), so a re-run completes what failed.
    redrive: (execution) =>
      run(execution.stateMachine, inputs.get(execution.executionArn), execution.executionArn),
    replayArchive: async (since, until, onProgress) => {
      const r = await call<{ replayName: string; replayed: number; unmatched: number; notStored: number }>(
        ops,
        baseUrl,
        '/ops/archive/replay',
        { since: since.toISOString(), until: until.toISOString() },
      );
      onProgress?.(1);
      return { ...r, state: 'COMPLETED' };
    },
    close: () => {
      sqs.destroy();
      eventBridge.destroy();
    },
  };
}
