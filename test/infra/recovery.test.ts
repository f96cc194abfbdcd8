/**
 * Replay and recovery in the template: every asynchronous path (rule targets, schedules, the drain
 * function's async invocations) has an encrypted SQS dead-letter queue, every queue alarms on depth
 * and age, the circuit-breaker table is granted to exactly the functions that guard a dependency, and
 * the outputs `q2c replay --target aws` reads exist.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { OLDEST_MESSAGE_ALARM_SECONDS } from '../../lib/constructs/queue-age-alarms';
import {
  FUNCTIONS,
  type FunctionDef,
  OUTAGE_DRAIN,
  PARTNER_RULES,
  QUEUES,
  type QueueKey,
  RULES,
  STATE_MACHINES,
  TABLES,
} from '../../lib/topology';
import { type CfnTemplate, resourcesOfType, synthTemplate, topologyResources } from './template';

let template: Template;
let json: CfnTemplate;
beforeAll(() => ({ template, json } = synthTemplate()));

const queueId = (q: QueueKey): string => topologyResources(json, 'QUEUES')[q].logicalId;
const fnId = (f: keyof typeof FUNCTIONS): string => topologyResources(json, 'FUNCTIONS')[f].logicalId;

describe('dead-letter queues', () => {
  test('every bus rule target has a retry policy and an SQS dead-letter queue', () => {
    const rules = topologyResources(json, 'RULES');
    expect(Object.keys(rules).sort()).toEqual(Object.keys(RULES).sort());
    for (const rule of Object.values(rules)) {
      const targets = rule.Properties?.Targets as {
        DeadLetterConfig?: { Arn: unknown };
        RetryPolicy?: unknown;
      }[];
      for (const t of targets) {
        expect(t.DeadLetterConfig?.Arn).toBeDefined();
        expect(t.RetryPolicy).toBeDefined();
      }
    }
  });

  test('every schedule target has a dead-letter queue (month-end close and the outage drain)', () => {
    const schedules = resourcesOfType(json, 'AWS::Scheduler::Schedule');
    expect(Object.keys(schedules).length).toBeGreaterThanOrEqual(2);
    for (const s of Object.values(schedules)) {
      const target = s.Properties?.Target as { DeadLetterConfig?: { Arn: unknown }; RetryPolicy?: unknown };
      expect(target.DeadLetterConfig?.Arn).toBeDefined();
    }
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: OUTAGE_DRAIN.expression,
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [fnId('drainDependencyOutages'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId('scheduleDlq'), 'Arn'] } },
      }),
    });
  });

  test('the drain function (invoked asynchronously) sends failed invocations to its dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId('drainDependencyOutages') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId('scheduleDlq'), 'Arn'] } } },
    });
  });

  test('every queue is encrypted with the CMK', () => {
    for (const q of Object.keys(QUEUES) as QueueKey[]) {
      expect(topologyResources(json, 'QUEUES')[q].Properties).toMatchObject({
        KmsMasterKeyId: expect.anything(),
      });
    }
  });
});

describe('queue alarms', () => {
  const alarmsOn = (q: QueueKey, metric: string) =>
    Object.values(resourcesOfType(json, 'AWS::CloudWatch::Alarm')).filter(
      (a) =>
        a.Properties?.MetricName === metric && JSON.stringify(a.Properties?.Dimensions).includes(queueId(q)),
    );

  test.each(Object.keys(QUEUES) as QueueKey[])(
    '%s alarms on depth > 0 and on the age of its oldest message',
    (q) => {
      const depth = alarmsOn(q, 'ApproximateNumberOfMessagesVisible');
      expect(depth).toHaveLength(1);
      expect(depth[0].Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
      const age = alarmsOn(q, 'ApproximateAgeOfOldestMessage');
      expect(age).toHaveLength(1);
      expect(age[0].Properties).toMatchObject({ Threshold: OLDEST_MESSAGE_ALARM_SECONDS[q] });
      expect((age[0].Properties?.AlarmActions as unknown[]).length).toBe(1);
    },
  );
});

describe('circuit breakers and the drain: least privilege', () => {
  const policiesOf = (f: keyof typeof FUNCTIONS) => {
    const roleId = (json.Resources[fnId(f)].Properties?.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    return JSON.stringify(
      Object.values(resourcesOfType(json, 'AWS::IAM::Policy')).filter((p) =>
        JSON.stringify(p.Properties?.Roles).includes(roleId),
      ),
    );
  };
  const breakerTable = () => topologyResources(json, 'TABLES').circuitBreakers.logicalId;

  test('the breaker table is granted to exactly the functions that declare it', () => {
    for (const [key, def] of Object.entries(FUNCTIONS) as [keyof typeof FUNCTIONS, FunctionDef][]) {
      const declared = def.tables.some((t) => t.table === 'circuitBreakers');
      expect({ key, granted: policiesOf(key).includes(breakerTable()) }).toEqual({ key, granted: declared });
    }
    // every ERP poster and the Stripe reader guard their dependency
    for (const f of [
      'postInvoice',
      'applyPayment',
      'postDocument',
      'releaseRevenue',
      'mapStripeMoneyEvent',
    ] as const)
      expect(FUNCTIONS[f].tables.some((t) => t.table === 'circuitBreakers')).toBe(true);
    expect(TABLES.circuitBreakers.partitionKey).toEqual({ name: 'pk', type: 'S' });
  });

  test('the drain reads the breakers, consumes only the exception queue and puts events on the bus', () => {
    const policy = policiesOf('drainDependencyOutages');
    expect(policy).toContain('sqs:ReceiveMessage');
    expect(policy).toContain('sqs:DeleteMessage');
    expect(policy).not.toContain('sqs:PurgeQueue');
    expect(policy).toContain(queueId('exceptions'));
    expect(policy).not.toContain(queueId('postingDlq'));
    expect(policy).toContain('events:PutEvents');
    expect(policy).not.toContain('dynamodb:PutItem');
    // …and releases the parked markers of what it re-drives (DeleteItem on the idempotency table only).
    expect(policy).toContain('dynamodb:DeleteItem');
  });
});

describe('outputs read by q2c replay --target aws', () => {
  test('bus, archive, every queue URL and every state machine ARN', () => {
    const outputs = Object.keys(json.Outputs ?? {});
    for (const key of ['EventBusName', 'EventBusArn', 'EventArchiveArn']) expect(outputs).toContain(key);
    for (const q of Object.values(QUEUES)) expect(outputs).toContain(`${q.id}Url`);
    for (const sm of Object.values(STATE_MACHINES)) expect(outputs).toContain(`${sm.id}Arn`);
    // --from dlq re-invokes the partner-bus rule targets with their dead letters.
    for (const r of Object.values(PARTNER_RULES))
      expect(outputs).toContain(`${FUNCTIONS[r.targetFunction].id}FunctionName`);
  });
});
