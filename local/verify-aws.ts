/**
 * `q2c verify --target aws --stack <name>`: the stack's ledger and crosswalk tables (names from its
 * outputs) read with the caller's credentials through the AWS SDK, audited here by the same pure checks
 * the VerifyLedger Lambda runs. Loaded only for --target aws.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readLedgerFacts } from '../lambdas/adapters/audit/ledger-facts';
import { verifyLedger, type VerificationReport } from '../lambdas/domain/audit/ledger-invariants';
import { TABLES } from '../lib/topology';
import { stackOutputs } from './replay/targets';

/** Reads a deployed stack's tables and audits them (the caller's AWS credentials need dynamodb:Scan on both). */
export async function verifyAwsStack(
  stackName: string,
  clients: { cloudFormation: CloudFormationClient; dynamo: DynamoDBDocumentClient },
  period?: string,
): Promise<VerificationReport> {
  const outputs = await stackOutputs(clients.cloudFormation, stackName);
  const table = (key: 'ledger' | 'crosswalk') => {
    const name = outputs[`${TABLES[key].id}Name`];
    if (!name)
      throw new Error(`stack ${stackName} has no output ${TABLES[key].id}Name (deploy the current version)`);
    return name;
  };
  const facts = await readLedgerFacts(clients.dynamo, {
    ledger: table('ledger'),
    crosswalk: table('crosswalk'),
  });
  return verifyLedger(facts, { period });
}

/** With the SDK's default clients (credentials and region from the default chain unless `region` is given). */
export function verifyAwsStackWith(
  stackName: string,
  region?: string,
  period?: string,
): Promise<VerificationReport> {
  const config = region ? { region } : {};
  return verifyAwsStack(
    stackName,
    {
      cloudFormation: new CloudFormationClient(config),
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(config)),
    },
    period,
  );
}
