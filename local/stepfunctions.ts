/**
 * Step Functions locally: the ASL files CDK deploys, with the same definition substitutions,
 * executed by aws-local-stepfunctions. That interpreter runs no service integrations itself, so
 * every Task state gets a local handler, derived by walking the definition: Lambda ARNs call the
 * in-process handlers, `states:::sqs:sendMessage` calls the local SQS with the real SDK.
 */
import './polyfills';
import { type DynamoDBClient, PutItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { StateMachine } from 'aws-local-stepfunctions';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT, STATE_MACHINES, type StateMachineKey } from '../lib/topology';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './services/local-aws';

type Json = Record<string, unknown>;
export type TaskHandler = (input: Json) => Promise<unknown>;

/** Resolves a Task state's (substituted) Resource to what runs it locally. */
export interface TaskResolver {
  lambda(arn: string): TaskHandler | undefined;
  sqs: SQSClient;
  /** For `states:::dynamodb:putItem` (the parked markers); without it that task fails as a service error would. */
  dynamodb?: DynamoDBClient;
  /** Called after the runtime itself changed a queue (for persistence). */
  onQueueChanged?: () => Promise<void>;
}

export function loadDefinition(key: StateMachineKey, substitutions: Record<string, string>): Json {
  const text = readFileSync(path.join(PROJECT_ROOT, STATE_MACHINES[key].file), 'utf8');
  const substituted = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const value = substitutions[name];
    if (value === undefined) throw new Error(`${STATE_MACHINES[key].file}: no substitution for ${whole}`);
    return value;
  });
  return JSON.parse(substituted) as Json;
}

/** Every Task state of a definition, including those inside Parallel branches and Map iterators. */
export function taskStates(definition: Json): { name: string; resource: string; parameters?: Json }[] {
  const found: { name: string; resource: string; parameters?: Json }[] = [];
  const walk = (states: Record<string, Json>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task')
        found.push({ name, resource: String(state.Resource), parameters: state.Parameters as Json });
      for (const branch of (state.Branches as Json[] | undefined) ?? [])
        walk(branch.States as Record<string, Json>);
      const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
      if (processor) walk(processor.States as Record<string, Json>);
    }
  };
  walk(definition.States as Record<string, Json>);
  return found;
}

/**
 * `retryIntervalMs` shortens every retrier (tests keep transient-error retries fast), except one that
 * waits for another execution (its idempotency record in progress, or just released): shortening that
 * wait would park locally what AWS does not, so it keeps the ASL's own interval, backoff and jitter
 * (-1 = no override).
 */
const WAITS_FOR_ANOTHER_EXECUTION = new Set([
  'IdempotencyAlreadyInProgressError',
  'IdempotencyItemNotFoundError',
]);

export function retryIntervalOverridesFor(
  definition: Json,
  retryIntervalMs: number,
): Record<string, number[]> {
  const overrides: Record<string, number[]> = {};
  const walk = (states: Record<string, Json>) => {
    for (const [name, state] of Object.entries(states)) {
      const retriers = (state.Retry as { ErrorEquals: string[] }[] | undefined) ?? [];
      if (retriers.length)
        overrides[name] = retriers.map((r) =>
          r.ErrorEquals.every((e) => WAITS_FOR_ANOTHER_EXECUTION.has(e)) ? -1 : retryIntervalMs,
        );
      for (const branch of (state.Branches as Json[] | undefined) ?? [])
        walk(branch.States as Record<string, Json>);
      const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
      if (processor) walk(processor.States as Record<string, Json>);
    }
  };
  walk(definition.States as Record<string, Json>);
  return overrides;
}

function taskHandlerFor(resource: string, resolver: TaskResolver): TaskHandler {
  const lambda = resolver.lambda(resource);
  if (lambda) return lambda;
  if (resource === 'arn:aws:states:::lambda:invoke') {
    // The optimised integration returns the invocation envelope; OutputPath usually selects Payload.
    return async (input) => {
      const fn = resolver.lambda(String(input.FunctionName));
      if (!fn) throw new Error(`no local function for ${String(input.FunctionName)}`);
      return { StatusCode: 200, Payload: await fn(input.Payload as Json) };
    };
  }
  if (resource === 'arn:aws:states:::sqs:sendMessage') {
    return async (input) => {
      const body = input.MessageBody;
      const out = await resolver.sqs.send(
        new SendMessageCommand({
          QueueUrl: String(input.QueueUrl),
          MessageBody: typeof body === 'string' ? body : escapeAstral(JSON.stringify(body)),
          MessageAttributes: input.MessageAttributes as never,
        }),
      );
      await resolver.onQueueChanged?.();
      return { MessageId: out.MessageId, MD5OfMessageBody: out.MD5OfMessageBody };
    };
  }
  if (resource === 'arn:aws:states:::dynamodb:putItem') {
    return async (input) => {
      if (!resolver.dynamodb) throw new Error('no DynamoDB client for states:::dynamodb:putItem');
      try {
        await resolver.dynamodb.send(new PutItemCommand(input as unknown as PutItemCommandInput));
      } catch (err) {
        // Step Functions names a DynamoDB error `DynamoDB.<exception>` (what Catch/Retry match on).
        throw Object.assign(new Error((err as Error).message), { name: `DynamoDB.${(err as Error).name}` });
      }
      return {};
    };
  }
  throw new Error(`the local runtime cannot run Task resource ${resource}`);
}

/**
 * fauxqs validates bodies with a regex lacking the `u` flag, so it refuses every character above
 * U+FFFF (emoji) that real SQS accepts. JSON can carry them as \uD83D\uDE80 escapes: the same string
 * once parsed. Only the local emulator needs this.
 */
function escapeAstral(body: string): string {
  return body.replace(
    /[\u{10000}-\u{10FFFF}]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16)}\\u${c.charCodeAt(1).toString(16)}`,
  );
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachine: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startDate: string;
  stopDate?: string;
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
}

export class LocalStateMachine {
  readonly name: string;
  readonly arn: string;
  private readonly machine: StateMachine;
  private readonly handlers: Record<string, TaskHandler>;

  constructor(
    readonly key: StateMachineKey,
    readonly definition: Json,
    resolver: TaskResolver,
    private readonly retryIntervalMs?: number,
  ) {
    this.name = `q2c-${STATE_MACHINES[key].id}`;
    this.arn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${this.name}`;
    // The interpreter annotates the definition it is given (QueryLanguage…): give it a copy. A JSON
    // copy, not structuredClone: the interpreter checks plain objects by prototype, and under jest
    // structuredClone returns objects of another realm.
    this.machine = new StateMachine(JSON.parse(JSON.stringify(definition)) as never);
    this.handlers = Object.fromEntries(
      taskStates(definition).map((t) => [t.name, taskHandlerFor(t.resource, resolver)]),
    );
  }

  /** Runs one execution to completion. Never throws: the record says how it ended. */
  async execute(input: unknown, name: string = randomUUID()): Promise<ExecutionRecord> {
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${this.name}:${name}`;
    const record: ExecutionRecord = {
      executionArn,
      stateMachine: this.name,
      status: 'RUNNING',
      startDate: new Date().toISOString(),
      input,
    };
    const retryIntervalOverrides =
      this.retryIntervalMs === undefined
        ? undefined
        : retryIntervalOverridesFor(this.definition, this.retryIntervalMs);
    try {
      const execution = this.machine.run(input as never, {
        overrides: { taskResourceLocalHandlers: this.handlers as never, retryIntervalOverrides },
        context: {
          Execution: { Id: executionArn, Name: name, Input: input as never, StartTime: record.startDate },
          StateMachine: { Id: this.arn, Name: this.name },
        },
      });
      record.output = await execution.result;
      record.status = 'SUCCEEDED';
    } catch (err) {
      const e = err as { name?: string; message?: string; cause?: unknown };
      const inner = (e.cause ?? e) as { name?: string; message?: string; Cause?: string; Error?: string };
      record.status = 'FAILED';
      record.error = inner.Error ?? inner.name ?? e.name ?? 'Error';
      record.cause = inner.Cause ?? inner.message ?? e.message;
    }
    record.stopDate = new Date().toISOString();
    return record;
  }
}
