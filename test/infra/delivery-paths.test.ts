/**
 * Paths that fail silently in a real account: a notification nobody may publish, a dead letter the
 * sender may not encrypt. AWS reveals neither at deploy time — only when the alarm or the dead letter
 * is needed — so the synthesized template has to prove them.
 *
 * Oracles (AWS documentation):
 * - SNS: a topic policy replaces the default one; CloudWatch alarms publish as the service principal
 *   cloudwatch.amazonaws.com, which the policy must allow (SNS "Amazon SNS access policy" examples,
 *   conditioned on aws:SourceAccount and aws:SourceArn of the alarms).
 * - SQS/SNS server-side encryption: a producer of an encrypted queue or topic needs kms:GenerateDataKey
 *   and kms:Decrypt on the key ("Key management" in the SQS Developer Guide; SNS "Enable compatibility
 *   between event sources and encrypted topics").
 * - EventBridge: for an encrypted dead-letter queue the key policy allows events.amazonaws.com
 *   kms:Decrypt and kms:GenerateDataKey; SQS calls KMS with the encryption context aws:sqs:arn = queue
 *   ARN, which is the condition to pin it to (EventBridge's KMS calls carry no aws:SourceAccount).
 */
import {
  type CfnResource,
  type CfnTemplate,
  resourcesOfType,
  synthTemplate,
  topologyResources,
} from './template';

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** IAM action matching with `*` wildcards (as IAM evaluates them, case-insensitive). */
export function actionAllows(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(action);
}
const statementAllows = (s: Statement, action: string): boolean =>
  s.Effect === 'Allow' && asArray(s.Action).some((a) => actionAllows(a, action));

/** The logical ids a Ref / Fn::GetAtt anywhere in `value` points at. */
function referencedIds(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => referencedIds(v, out));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.Ref === 'string') out.add(o.Ref);
    if (Array.isArray(o['Fn::GetAtt'])) out.add(String(o['Fn::GetAtt'][0]));
    Object.values(o).forEach((v) => referencedIds(v, out));
  }
  return out;
}

interface Encrypted {
  keyId: string;
  /** The service through which a producer reaches the key (kms:ViaService). */
  service: 'sqs' | 'sns';
  sendAction: 'sqs:SendMessage' | 'sns:Publish';
  policyType: string;
  policyTargets: string;
}

/** Every KMS-encrypted queue and topic of the template, with the key that encrypts it. */
function encryptedDestinations(json: CfnTemplate): Map<string, Encrypted> {
  const out = new Map<string, Encrypted>();
  for (const [id, r] of Object.entries(json.Resources)) {
    const kind =
      r.Type === 'AWS::SQS::Queue'
        ? ({
            service: 'sqs',
            sendAction: 'sqs:SendMessage',
            policyType: 'AWS::SQS::QueuePolicy',
            policyTargets: 'Queues',
          } as const)
        : r.Type === 'AWS::SNS::Topic'
          ? ({
              service: 'sns',
              sendAction: 'sns:Publish',
              policyType: 'AWS::SNS::TopicPolicy',
              policyTargets: 'Topics',
            } as const)
          : undefined;
    const keyRef = r.Properties?.KmsMasterKeyId;
    if (!kind || keyRef === undefined) continue;
    const [keyId] = [...referencedIds(keyRef)];
    expect(json.Resources[keyId]?.Type).toBe('AWS::KMS::Key');
    out.set(id, { keyId, ...kind });
  }
  return out;
}

/** Allow statements of every identity policy attached to a role (inline and AWS::IAM::Policy). */
function roleStatements(json: CfnTemplate, roleId: string): Statement[] {
  const role = json.Resources[roleId];
  const inline = asArray(
    role.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[],
  ).flatMap((p) => p.PolicyDocument.Statement);
  const attached = Object.values(resourcesOfType(json, 'AWS::IAM::Policy'))
    .filter((p) => referencedIds(p.Properties?.Roles).has(roleId))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  return [...inline, ...attached];
}

function keyStatements(json: CfnTemplate, keyId: string): Statement[] {
  return (json.Resources[keyId].Properties?.KeyPolicy as { Statement: Statement[] }).Statement;
}

/** Whether an identity statement covers `action` on the key, reached through `service` if it says so. */
function identityGrantsKey(s: Statement, keyId: string, action: string, service: string): boolean {
  if (!statementAllows(s, action)) return false;
  const onKey = asArray(s.Resource).some((r) => r === '*' || referencedIds(r).has(keyId));
  const via = s.Condition?.StringEquals?.['kms:ViaService'];
  return onKey && (via === undefined || JSON.stringify(via).includes(`"${service}.`));
}

interface Sender {
  /** Role logical id, or `service:<principal>` for a service principal of a resource policy. */
  principal: string;
  destination: string;
}

/** Every principal that may send to an encrypted destination, from IAM policies and resource policies. */
function sendersToEncrypted(json: CfnTemplate): { sender: Sender; dest: Encrypted }[] {
  const destinations = encryptedDestinations(json);
  const out: { sender: Sender; dest: Encrypted }[] = [];
  for (const policy of Object.values(resourcesOfType(json, 'AWS::IAM::Policy'))) {
    const statements = (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    for (const s of statements) {
      for (const destination of referencedIds(s.Resource)) {
        const dest = destinations.get(destination);
        if (!dest || !statementAllows(s, dest.sendAction)) continue;
        for (const roleId of referencedIds(policy.Properties?.Roles))
          out.push({ sender: { principal: roleId, destination }, dest });
      }
    }
  }
  for (const [destination, dest] of destinations) {
    for (const policy of Object.values(resourcesOfType(json, dest.policyType))) {
      if (!referencedIds(policy.Properties?.[dest.policyTargets]).has(destination)) continue;
      for (const s of (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement) {
        if (!statementAllows(s, dest.sendAction)) continue;
        for (const service of asArray((s.Principal as { Service?: unknown } | undefined)?.Service))
          out.push({ sender: { principal: `service:${JSON.stringify(service)}`, destination }, dest });
      }
    }
  }
  return out;
}

/** The KMS actions a sender lacks for its destination's key (empty when it can send). */
function missingKeyActions(json: CfnTemplate, sender: Sender, dest: Encrypted): string[] {
  return ['kms:GenerateDataKey', 'kms:Decrypt'].filter((action) => {
    const keyPolicy = keyStatements(json, dest.keyId).filter((s) => statementAllows(s, action));
    if (sender.principal.startsWith('service:')) {
      const service = JSON.parse(sender.principal.slice('service:'.length)) as unknown;
      return !keyPolicy.some((s) =>
        asArray((s.Principal as { Service?: unknown }).Service).some(
          (p) => JSON.stringify(p) === JSON.stringify(service),
        ),
      );
    }
    const viaKeyPolicy = keyPolicy.some((s) =>
      referencedIds((s.Principal as { AWS?: unknown } | undefined)?.AWS).has(sender.principal),
    );
    const viaIam = roleStatements(json, sender.principal).some((s) =>
      identityGrantsKey(s, dest.keyId, action, dest.service),
    );
    return !viaKeyPolicy && !viaIam;
  });
}

describe('every sender to an encrypted queue or topic can encrypt', () => {
  const { json } = synthTemplate();

  test('the walk finds the senders (scheduler roles, state machines, functions, EventBridge, CloudWatch)', () => {
    const senders = sendersToEncrypted(json);
    const principals = new Set(senders.map((s) => s.sender.principal));
    expect(principals).toContain('service:"events.amazonaws.com"');
    expect(principals).toContain('service:"cloudwatch.amazonaws.com"');
    const scheduleRoles = Object.values(topologyResources(json, 'SCHEDULES')).map(
      (s) => [...referencedIds((s.Properties?.Target as { RoleArn: unknown }).RoleArn)][0],
    );
    expect(scheduleRoles.length).toBeGreaterThan(0);
    for (const role of scheduleRoles) expect(principals).toContain(role);
  });

  test('each has kms:GenerateDataKey and kms:Decrypt on the key, through IAM or the key policy', () => {
    const gaps = sendersToEncrypted(json)
      .map(({ sender, dest }) => ({ ...sender, missing: missingKeyActions(json, sender, dest) }))
      .filter((g) => g.missing.length > 0);
    expect(gaps).toEqual([]);
  });

  test('every schedule dead-letter queue is one its role may send to', () => {
    for (const [key, schedule] of Object.entries(resourcesOfType(json, 'AWS::Scheduler::Schedule'))) {
      const target = schedule.Properties?.Target as { RoleArn: unknown; DeadLetterConfig?: { Arn: unknown } };
      const dlq = [...referencedIds(target.DeadLetterConfig?.Arn)][0];
      expect({ key, dlq }).toEqual({ key, dlq: expect.any(String) });
      const [role] = [...referencedIds(target.RoleArn)];
      const sends = roleStatements(json, role).some(
        (s) => statementAllows(s, 'sqs:SendMessage') && referencedIds(s.Resource).has(dlq),
      );
      expect({ key, sends }).toEqual({ key, sends: true });
    }
  });
});

describe('alarm notifications reach the topic', () => {
  const { json } = synthTemplate();
  const alarms = Object.entries(resourcesOfType(json, 'AWS::CloudWatch::Alarm'));
  const [[topicId]] = Object.entries(resourcesOfType(json, 'AWS::SNS::Topic'));

  test('the topic policy allows cloudwatch.amazonaws.com to publish, for this account and its alarms only', () => {
    const [policy] = Object.values(resourcesOfType(json, 'AWS::SNS::TopicPolicy')).filter((p) =>
      referencedIds(p.Properties?.Topics).has(topicId),
    );
    const statements = (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
    const allow = statements.filter(
      (s) =>
        statementAllows(s, 'sns:Publish') &&
        JSON.stringify((s.Principal as { Service?: unknown } | undefined)?.Service) ===
          '"cloudwatch.amazonaws.com"',
    );
    expect(allow).toHaveLength(1);
    expect(referencedIds(allow[0].Resource)).toEqual(new Set([topicId]));
    expect(allow[0].Condition?.StringEquals?.['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    // Exactly the alarms that notify this topic (their ARNs), so no other alarm in the account can publish.
    const sourceArns = asArray(allow[0].Condition?.ArnEquals?.['aws:SourceArn']);
    const notifying = alarms.filter(([, a]) => referencedIds(a.Properties?.AlarmActions).has(topicId));
    expect(notifying.length).toBeGreaterThanOrEqual(9);
    expect(new Set(sourceArns.map((a) => JSON.stringify(a)))).toEqual(
      new Set(notifying.map(([id]) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }))),
    );
  });

  test('every alarm notifies the topic', () => {
    const silent = alarms
      .filter(([, a]) => !referencedIds(a.Properties?.AlarmActions).has(topicId))
      .map(([id]) => id);
    expect(silent).toEqual([]);
  });
});

describe('EventBridge may encrypt dead letters into exactly its dead-letter queues', () => {
  const { json } = synthTemplate();

  test('the key statement for events.amazonaws.com is pinned by kms:EncryptionContext:aws:sqs:arn', () => {
    const [keyId] = Object.keys(resourcesOfType(json, 'AWS::KMS::Key'));
    const dlqIds = new Set(
      Object.values(resourcesOfType(json, 'AWS::Events::Rule')).flatMap((r) =>
        asArray(r.Properties?.Targets as { DeadLetterConfig?: { Arn: unknown } }[]).flatMap((t) => [
          ...referencedIds(t.DeadLetterConfig?.Arn),
        ]),
      ),
    );
    expect(dlqIds.size).toBeGreaterThan(0);
    const statements = keyStatements(json, keyId).filter(
      (s) =>
        JSON.stringify((s.Principal as { Service?: unknown }).Service) === '"events.amazonaws.com"' &&
        statementAllows(s, 'kms:GenerateDataKey') &&
        s.Condition?.ArnEquals?.['kms:EncryptionContext:aws:sqs:arn'] !== undefined,
    );
    expect(statements).toHaveLength(1);
    const [dlqStatement] = statements;
    expect(statementAllows(dlqStatement, 'kms:Decrypt')).toBe(true);
    expect(JSON.stringify(dlqStatement.Condition)).not.toContain('aws:SourceAccount');
    // The queue ARNs are built from the queues' physical names (a Ref would be a key ↔ queue cycle).
    const allowedArns = asArray(dlqStatement.Condition?.ArnEquals?.['kms:EncryptionContext:aws:sqs:arn']);
    const arnOfName = (name: unknown) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':sqs:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:${String(name)}`,
        ],
      ],
    });
    const expected = [...dlqIds].map((dlq) => {
      const queueName = (json.Resources[dlq] as CfnResource).Properties?.QueueName;
      expect(typeof queueName).toBe('string');
      return arnOfName(queueName);
    });
    expect(allowedArns).toEqual(expect.arrayContaining(expected));
    expect(allowedArns).toHaveLength(expected.length);
    // No events.amazonaws.com statement on the key still relies on aws:SourceAccount.
    const sourceAccount = keyStatements(json, keyId).filter(
      (s) =>
        JSON.stringify((s.Principal as { Service?: unknown }).Service) === '"events.amazonaws.com"' &&
        JSON.stringify(s.Condition ?? {}).includes('aws:SourceAccount'),
    );
    expect(sourceAccount).toEqual([]);
  });
});

describe('alarms on the delivery paths', () => {
  const { json } = synthTemplate();
  const alarms = Object.values(resourcesOfType(json, 'AWS::CloudWatch::Alarm')).map(
    (a) =>
      a.Properties as {
        Namespace: string;
        MetricName: string;
        Dimensions?: { Name: string; Value: unknown }[];
        AlarmActions: unknown;
        Threshold: number;
      },
  );
  /** Alarms on (namespace, metric) whose dimensions are exactly `dims` (values compared as JSON). */
  const alarmsOn = (namespace: string, metric: string, dims: Record<string, unknown>) =>
    alarms.filter(
      (a) =>
        a.Namespace === namespace &&
        a.MetricName === metric &&
        JSON.stringify(Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name, d.Value]))) ===
          JSON.stringify(dims),
    );

  test('every rule: FailedInvocations and InvocationsFailedToBeSentToDlq on {EventBusName, RuleName}', () => {
    const rules = Object.values(resourcesOfType(json, 'AWS::Events::Rule'));
    expect(rules.length).toBeGreaterThanOrEqual(3);
    for (const rule of rules) {
      // A rule on a custom bus is measured with both dimensions (EventBridge "Monitoring" reference).
      const dims = { EventBusName: rule.Properties?.EventBusName, RuleName: rule.Properties?.Name };
      expect(typeof dims.RuleName).toBe('string');
      for (const metric of ['FailedInvocations', 'InvocationsFailedToBeSentToDlq'])
        expect({ rule: dims.RuleName, metric, alarms: alarmsOn('AWS/Events', metric, dims).length }).toEqual({
          rule: dims.RuleName,
          metric,
          alarms: 1,
        });
    }
  });

  test("every schedule's group: TargetErrorCount and InvocationsFailedToBeSentToDeadLetterCount", () => {
    const groups = new Set(
      Object.values(resourcesOfType(json, 'AWS::Scheduler::Schedule')).map((s) => s.Properties?.GroupName),
    );
    expect(groups.size).toBe(1);
    const [group] = [...groups];
    // The group the stack creates (its name, per stage), not the account-wide default group.
    expect(group).not.toBeUndefined();
    const [groupResource] = Object.values(resourcesOfType(json, 'AWS::Scheduler::ScheduleGroup'));
    expect(groupResource.Properties?.Name).toEqual(group);
    for (const metric of ['TargetErrorCount', 'InvocationsFailedToBeSentToDeadLetterCount'])
      expect([metric, alarmsOn('AWS/Scheduler', metric, { ScheduleGroup: group }).length]).toEqual([
        metric,
        1,
      ]);
  });

  test('every state machine, Express included: ExecutionsFailed and ExecutionsTimedOut', () => {
    const machines = Object.keys(resourcesOfType(json, 'AWS::StepFunctions::StateMachine'));
    expect(machines).toHaveLength(5);
    for (const id of machines)
      for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut'])
        expect([id, metric, alarmsOn('AWS/States', metric, { StateMachineArn: { Ref: id } }).length]).toEqual(
          [id, metric, 1],
        );
  });

  test('every asynchronously invoked function with a failure destination: DestinationDeliveryFailures', () => {
    const configs = Object.values(resourcesOfType(json, 'AWS::Lambda::EventInvokeConfig')).filter(
      (c) => c.Properties?.DestinationConfig !== undefined,
    );
    expect(configs.length).toBeGreaterThanOrEqual(2);
    for (const c of configs) {
      const fn = c.Properties?.FunctionName;
      expect([
        fn,
        alarmsOn('AWS/Lambda', 'DestinationDeliveryFailures', { FunctionName: fn }).length,
      ]).toEqual([fn, 1]);
    }
  });
});
