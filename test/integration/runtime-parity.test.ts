/**
 * One source of truth: what the local runtime actually runs (tables it created in dynalite,
 * rule patterns its bus applies, state machine definitions it loaded, handler environment)
 * equals what CDK synthesizes for AWS.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  FUNCTIONS,
  functionEnvironment,
  QUEUES,
  TABLES,
  type FunctionKey,
  type QueueKey,
  type TableKey,
} from '../../lib/topology';
import { localFunctionArn } from '../../local/lambda';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { localTableName } from '../../local/services/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/local-aws';
import { getAtt, ref, synthTemplate, templateView, type TopologyView } from '../infra/template';

let runtime: LocalRuntime;
let deployed: TopologyView;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  deployed = templateView(synthTemplate().json);
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-parity-'));
  runtime = await startLocalRuntime({ port: 0, dataDir: dir, logLevel: 'ERROR' });
});
afterAll(async () => {
  await runtime.stop();
  rmSync(dir, { recursive: true, force: true });
  process.env = savedEnv;
});

describe('local runtime ≡ synthesized template', () => {
  it('applies exactly the deployed rule patterns, targets and dead-letter queues', () => {
    const local = Object.fromEntries(
      Object.entries(runtime.bus.rules()).map(([k, r]) => [
        k,
        {
          pattern: r.pattern,
          target: ref(`STATE_MACHINES.${r.target}`),
          dlq: getAtt(`QUEUES.${r.deadLetterQueue}`, 'Arn'),
        },
      ]),
    );
    const cloud = Object.fromEntries(
      Object.entries(deployed.rules).map(([k, r]) => [
        k,
        { pattern: r.pattern, target: r.target, dlq: r.deadLetterQueue },
      ]),
    );
    expect(normalise(local)).toEqual(normalise(cloud));
  });

  it('created every deployed table in dynalite with the same key schema', async () => {
    const client = new DynamoDBClient({
      endpoint: runtime.dynamoEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    for (const key of Object.keys(TABLES) as TableKey[]) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: localTableName(key) }));
      const typeOf = (name?: string) =>
        Table?.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
      const [hash, range] = [0, 1].map((i) => Table?.KeySchema?.[i]?.AttributeName);
      const cloud = deployed.tables[key];
      expect({ name: hash, type: typeOf(hash) }).toEqual(cloud.partitionKey);
      expect(range ? { name: range, type: typeOf(range) } : undefined).toEqual(cloud.sortKey);
    }
    client.destroy();
  });

  it('runs the deployed state machine definitions, with local ARNs, queue URLs and table names in place of the CloudFormation references', () => {
    expect([...runtime.stateMachines.keys()].sort()).toEqual(Object.keys(deployed.stateMachines).sort());
    for (const [key, machine] of runtime.stateMachines) {
      let text = JSON.stringify(machine.definition);
      for (const f of Object.keys(FUNCTIONS) as FunctionKey[])
        text = text.split(localFunctionArn(f)).join(getAtt(`FUNCTIONS.${f}`, 'Arn'));
      for (const q of Object.keys(QUEUES) as QueueKey[])
        text = text.split(runtime.sqs.queueUrl(q)).join(ref(`QUEUES.${q}`));
      for (const t of Object.keys(TABLES) as TableKey[])
        text = text.split(JSON.stringify(localTableName(t))).join(JSON.stringify(ref(`TABLES.${t}`)));
      expect(JSON.parse(text)).toEqual(deployed.stateMachines[key].definition);
    }
  });

  it('gives each handler the environment variables its deployed function has (except NODE_OPTIONS and secret ARNs)', () => {
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const cloud = Object.keys(deployed.functions[key].environment).filter(
        (k) => k !== 'NODE_OPTIONS' && !k.endsWith('_SECRET_ARN'),
      );
      for (const name of cloud) expect({ [name]: process.env[name] }).toEqual({ [name]: expect.any(String) });
      expect(cloud.sort()).toEqual(
        Object.keys(
          functionEnvironment(key, {
            tableName: localTableName,
            queueUrl: () => 'q',
            secretArn: () => '',
            bucketName: () => 'b',
          }),
        )
          .filter((k) => !k.endsWith('_SECRET_ARN'))
          .sort(),
      );
    }
  });
});

function normalise(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
