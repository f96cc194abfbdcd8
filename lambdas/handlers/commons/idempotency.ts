/**
 * Powertools idempotency on DynamoDB, keyed by the posting's `idempotencyKey` (derived from the
 * source, e.g. stripe:invoice:in_123:post). One persistence layer per function, as Powertools
 * requires. The ledger's conditional write remains the permanent guard after records expire.
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
    return idempotent(input);
  };
}
