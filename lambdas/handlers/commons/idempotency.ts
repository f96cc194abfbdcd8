/**
 * Powertools idempotency on DynamoDB, keyed by the posting's `idempotencyKey` (derived from the
 * source, e.g. stripe:invoice:in_123:post). One persistence layer per function, as Powertools
 * requires. The ledger's conditional write remains the permanent guard after records expire.
 *
 * A posting whose record another invocation holds in progress (a concurrent duplicate, or invoice.paid
 * posting the invoice that invoice.finalized is posting) waits for it here, inside its own timeout,
 * instead of in the state machine: a Step Functions retry costs the Express 5-minute budget a whole
 * function timeout per attempt (test/infra/express-budget.ts), a wait here costs nothing extra. Only
 * when the invocation's time runs out does the error reach the flow's retrier.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { dynamo, requiredEnv } from '../../adapters/store/dynamodb';
import { TABLES } from '../../../lib/topology';

export function idempotentPosting<In extends { idempotencyKey: string }, Out>(
  /** Stable prefix of the idempotency records (the function's topology id), the same in AWS and locally. */
  keyPrefix: string,
  post: (input: In) => Promise<Out>,
): (input: In, context: Context) => Promise<Out> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    expiresAfterSeconds: 7 * 24 * 3600,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: requiredEnv(TABLES.idempotency.envVar),
    awsSdkV3Client: dynamo().raw,
  });
  const idempotent = makeIdempotent(post, { persistenceStore, config, keyPrefix });
  return (input, context) => {
    config.registerLambdaContext(context);
    return waitingForConcurrentPosting(
      () => idempotent(input),
      () => context.getRemainingTimeInMillis(),
    );
  };
}

/** The errors Powertools raises while another invocation holds (or has just released) the record. */
const HELD_BY_ANOTHER_INVOCATION = new Set([
  'IdempotencyAlreadyInProgressError',
  'IdempotencyItemNotFoundError',
]);
/** Left for the error to travel back before the function's own timeout would cut it off. */
const RESERVE_MS = 2_000;

/**
 * Calls `attempt` again (250 ms, ×1.5, at most 2 s apart) while it fails because another invocation
 * holds the record, as long as the invocation has time left; then the last error goes to the flow.
 */
export async function waitingForConcurrentPosting<T>(
  attempt: () => Promise<T>,
  remainingMs: () => number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let delay = 250; ; delay = Math.min(delay * 1.5, 2_000)) {
    try {
      return await attempt();
    } catch (err) {
      const held = err instanceof Error && HELD_BY_ANOTHER_INVOCATION.has(err.name);
      if (!held || remainingMs() - delay < RESERVE_MS) throw err;
      await sleep(delay);
    }
  }
}
