/**
 * In-process Lambda: the same handler modules CDK bundles, invoked with a Lambda-like context.
 * Inputs and outputs go through JSON, as they do across the real Lambda boundary, so nothing
 * works locally that would not survive serialisation in AWS.
 */
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { FUNCTIONS, PROJECT_ROOT, type FunctionKey } from '../lib/topology';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './services/local-aws';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export const localFunctionArn = (f: FunctionKey): string =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:q2c-${FUNCTIONS[f].id}`;

export function lambdaContext(f: FunctionKey): Context {
  const def = FUNCTIONS[f];
  const deadline = Date.now() + def.timeoutSeconds * 1000;
  const fail = () => {
    throw new Error('callback-style completion is not used by these handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `q2c-${def.id}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(f),
    memoryLimitInMB: String(def.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/q2c-${def.id}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

export class LocalFunctions {
  private readonly handlers = new Map<FunctionKey, LambdaHandler>();

  /** Imports every handler. Call after the environment points the SDK clients at local endpoints. */
  load(): void {
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      // require, not import(): the handler modules are CommonJS under both tsx and jest.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(path.join(PROJECT_ROOT, FUNCTIONS[key].entry)) as { handler?: LambdaHandler };
      if (typeof mod.handler !== 'function') throw new Error(`${FUNCTIONS[key].entry} exports no handler`);
      this.handlers.set(key, mod.handler);
    }
  }

  async invoke(f: FunctionKey, event: unknown): Promise<unknown> {
    const handler = this.handlers.get(f);
    if (!handler) throw new Error(`function ${f} is not loaded`);
    const result = await handler(JSON.parse(JSON.stringify(event ?? null)), lambdaContext(f));
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  }

  /** The handler as API Gateway would invoke it (a fresh context each call). */
  async handlerOf<E, R>(f: FunctionKey): Promise<(event: E) => Promise<R>> {
    return async (event: E) => {
      const handler = this.handlers.get(f);
      if (!handler) throw new Error(`function ${f} is not loaded`);
      return (await handler(event, lambdaContext(f))) as R;
    };
  }

  byArn(arn: string): FunctionKey | undefined {
    return (Object.keys(FUNCTIONS) as FunctionKey[]).find((f) => localFunctionArn(f) === arn);
  }
}
