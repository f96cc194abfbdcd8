/**
 * One DynamoDB client per process, created outside the handler. The endpoint comes from the
 * standard AWS_ENDPOINT_URL_DYNAMODB variable, which the local runtime points at dynalite.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let shared: { raw: DynamoDBClient; doc: DynamoDBDocumentClient } | undefined;

export function dynamo(): { raw: DynamoDBClient; doc: DynamoDBDocumentClient } {
  if (!shared) {
    const raw = new DynamoDBClient({});
    const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    shared = { raw, doc };
  }
  return shared;
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
