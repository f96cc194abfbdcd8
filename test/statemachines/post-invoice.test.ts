/**
 * The real post-invoice ASL, with the same substitutions as CDK, under aws-local-stepfunctions.
 * Task handlers are injected so each path (happy, retried transient error, parked business
 * error) can be forced; the exception queue is a real (fauxqs) SQS queue read with the SDK.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { BusinessError, TransientError } from '../../lambdas/domain/errors';
import { describeParked } from '../../lambdas/domain/exceptions';
import { definitionSubstitutions, PROJECT_ROOT, STATE_MACHINES, type FunctionKey } from '../../lib/topology';
import { localFunctionArn } from '../../local/lambda';
import { startSqs, type LocalSqs } from '../../local/services/sqs';
import {
  LocalStateMachine,
  loadDefinition,
  retryIntervalOverridesFor,
  taskStates,
  type TaskHandler,
} from '../../local/stepfunctions';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (d: unknown) => { isValid: boolean; errors: unknown[] };

const EVENT = {
  version: '0',
  id: 'bus-1',
  'detail-type': 'invoice.paid',
  source: 'q2c.stripe',
  detail: { eventId: 'evt_1', correlationId: 'opp_1' },
};

let sqs: LocalSqs;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-sfn-'));
  sqs = await startSqs(dir);
});
afterAll(async () => {
  await sqs.stop();
  rmSync(dir, { recursive: true, force: true });
});

function machine(handlers: Partial<Record<FunctionKey, TaskHandler>>): LocalStateMachine {
  const subs = definitionSubstitutions('postInvoice', localFunctionArn, (q) => sqs.queueUrl(q));
  const resolver = {
    lambda: (arn: string): TaskHandler | undefined => {
      const key = STATE_MACHINES.postInvoice.functions.find((k) => localFunctionArn(k) === arn);
      if (!key) return undefined;
      return handlers[key] ?? (async () => Promise.reject(new Error(`${key} must not run in this path`)));
    },
    sqs: sqs.client,
  };
  return new LocalStateMachine('postInvoice', loadDefinition('postInvoice', subs), resolver, 1);
}

const mapped = (paid: boolean) => async () => ({
  invoicePosting: { idempotencyKey: 'stripe:invoice:in_1:post' },
  ...(paid ? { paymentPosting: { idempotencyKey: 'stripe:invoice:in_1:payment' } } : {}),
});
const ok = (calls: string[], name: string) => async (input: Record<string, unknown>) => {
  calls.push(`${name}:${String(input.idempotencyKey)}`);
  return { erpId: String(input.idempotencyKey), outcome: 'posted' };
};

async function drainExceptions() {
  const messages = sqs.inspect('exceptions');
  await sqs.client.send(
    new (await import('@aws-sdk/client-sqs')).PurgeQueueCommand({ QueueUrl: sqs.queueUrl('exceptions') }),
  );
  return messages;
}

describe('statemachines/post-invoice.asl.json', () => {
  it('is valid ASL before and after substitution', () => {
    const raw = JSON.parse(readFileSync(path.join(PROJECT_ROOT, STATE_MACHINES.postInvoice.file), 'utf8'));
    expect(aslValidator(raw)).toMatchObject({ isValid: true, errors: [] });
    // the validator is live: a dangling transition is caught
    const broken = structuredClone(raw);
    broken.States.PostInvoice.Next = 'NoSuchState';
    expect(aslValidator(broken).isValid).toBe(false);
    const subs = definitionSubstitutions('postInvoice', localFunctionArn, () => 'http://localhost/q');
    expect(aslValidator(loadDefinition('postInvoice', subs)).errors).toEqual([]);
  });

  it('gives every Task state a local handler (Lambda ARNs, the SQS and DynamoDB integrations)', () => {
    const subs = definitionSubstitutions('postInvoice', localFunctionArn, (q) => sqs.queueUrl(q));
    const resources = taskStates(loadDefinition('postInvoice', subs)).map((t) => t.resource);
    expect(new Set(resources)).toEqual(
      new Set([
        localFunctionArn('mapStripeInvoice'),
        localFunctionArn('postInvoice'),
        localFunctionArn('applyPayment'),
        'arn:aws:states:::sqs:sendMessage',
        // the parked markers (one exception message per source and reason)
        'arn:aws:states:::dynamodb:putItem',
      ]),
    );
  });

  it('happy path: posts the invoice, then applies the payment of a paid invoice', async () => {
    const calls: string[] = [];
    const run = await machine({
      mapStripeInvoice: mapped(true),
      postInvoice: ok(calls, 'post'),
      applyPayment: ok(calls, 'pay'),
    }).execute(EVENT);
    expect(run.status).toBe('SUCCEEDED');
    expect(calls).toEqual(['post:stripe:invoice:in_1:post', 'pay:stripe:invoice:in_1:payment']);
  });

  it('does not apply a payment for a finalized (unpaid) invoice', async () => {
    const calls: string[] = [];
    const run = await machine({
      mapStripeInvoice: mapped(false),
      postInvoice: ok(calls, 'post'),
      applyPayment: ok(calls, 'pay'),
    }).execute(EVENT);
    expect(run.status).toBe('SUCCEEDED');
    expect(calls).toEqual(['post:stripe:invoice:in_1:post']);
  });

  it('retries a transient ERP error and then succeeds', async () => {
    const calls: string[] = [];
    let failures = 2;
    const flaky: TaskHandler = async (input) => {
      if (failures-- > 0) throw new TransientError('ERP timed out');
      return ok(calls, 'post')(input);
    };
    const run = await machine({
      mapStripeInvoice: mapped(false),
      postInvoice: flaky,
      applyPayment: ok(calls, 'pay'),
    }).execute(EVENT);
    expect(run.status).toBe('SUCCEEDED');
    expect(failures).toBe(-1);
    expect(calls).toEqual(['post:stripe:invoice:in_1:post']);
    expect(await drainExceptions()).toEqual([]);
  });

  it('parks a business error on the exception queue with the original event and reason, without retrying', async () => {
    let attempts = 0;
    const run = await machine({
      mapStripeInvoice: async () => {
        attempts++;
        throw new BusinessError('unmapped_currency', 'no subsidiary books JPY invoices');
      },
    }).execute(EVENT);
    expect(run).toMatchObject({ status: 'FAILED', error: 'PostingParked' });
    expect(attempts).toBe(1);
    const [message, ...rest] = await drainExceptions();
    expect(rest).toEqual([]);
    expect(message.attributes).toEqual({ classification: 'business' });
    expect(JSON.parse(message.body).event).toEqual(EVENT);
    expect(describeParked(message.body, message.attributes)).toEqual({
      classification: 'business',
      error: 'BusinessError',
      reason: 'unmapped_currency: no subsidiary books JPY invoices',
      eventType: 'invoice.paid',
      sourceEventId: 'evt_1',
      correlationId: 'opp_1',
    });
  });

  it('waits for a concurrent delivery holding the idempotency record (its own retrier, ASL intervals even locally)', async () => {
    // The class Powertools throws; Step Functions matches the Lambda's errorType, which is error.name.
    const inProgress = () =>
      new IdempotencyAlreadyInProgressError('There is already an execution in progress with idempotency key');
    expect(inProgress().name).toBe('IdempotencyAlreadyInProgressError');
    const subs = definitionSubstitutions('postInvoice', localFunctionArn, (q) => sqs.queueUrl(q));
    // Locally shortened retries leave the waiting retrier (-1) alone: it waits on real time, as in AWS.
    const overrides = retryIntervalOverridesFor(loadDefinition('postInvoice', subs), 1);
    for (const state of ['PostInvoice', 'ApplyPayment']) {
      expect(overrides[state][0]).toBe(-1);
      expect(overrides[state].slice(1).every((ms) => ms === 1)).toBe(true);
    }
    expect(overrides.MapInvoice).toEqual([1]);
    // A wait and 2 transient errors: 3 retries, more than one shared retrier's 2, no more than each own.
    // The posting function waits for the holder itself first (commons/idempotency.ts), so the flow keeps
    // one retry for it (the Express budget: test/infra/express-budget.test.ts).
    const failures = ['transient', 'wait', 'transient'];
    const seen: string[] = [];
    const calls: string[] = [];
    const run = await machine({
      mapStripeInvoice: mapped(false),
      postInvoice: async (input) => {
        const next = failures.shift();
        if (next) seen.push(next);
        if (next === 'wait') throw inProgress();
        if (next === 'transient') throw new TransientError('ERP timed out');
        return ok(calls, 'post')(input);
      },
    }).execute(EVENT);
    expect(run.status).toBe('SUCCEEDED');
    expect(seen).toHaveLength(3);
    expect(calls).toEqual(['post:stripe:invoice:in_1:post']);
    expect(await drainExceptions()).toEqual([]);
  });

  it('parks a transient ERP error as dependency-outage once its in-flow retries are exhausted (the drain re-drives it)', async () => {
    let attempts = 0;
    const run = await machine({
      mapStripeInvoice: mapped(true),
      postInvoice: async () => {
        attempts++;
        throw new TransientError('ERP unavailable');
      },
    }).execute(EVENT);
    expect(run.status).toBe('FAILED');
    expect(attempts).toBe(3); // first attempt + MaxAttempts 2: longer waits would outrun the Express limit
    const [message] = await drainExceptions();
    expect(describeParked(message.body, message.attributes)).toMatchObject({
      classification: 'dependency-outage',
      error: 'TransientError',
      reason: 'ERP unavailable',
    });
  });
});
