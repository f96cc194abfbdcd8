/**
 * CDK assertions on the QuoteToCash stack: the properties a finance reviewer or an auditor would
 * ask about (encryption, retention, least privilege, where errors go), checked on the template.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { NODE_RUNTIME } from '../../lib/constructs/finance-function';
import { FINANCE_OPS_DASHBOARD_NAME } from '../../lib/constructs/finance-ops-dashboard';
import {
  BUS_NAME,
  FUNCTIONS,
  type FunctionDef,
  type FunctionKey,
  QUEUES,
  RULES,
  SECRETS,
  STATE_MACHINES,
  TABLES,
} from '../../lib/topology';
import {
  type CfnResource,
  type CfnTemplate,
  getAtt,
  normaliseRefs,
  ref,
  resourcesOfType,
  synthStack,
  synthTemplate,
  templateView,
  topologyResources,
  topologyTags,
} from './template';

let template: Template;
let json: CfnTemplate;
let keyArn: unknown;

beforeAll(() => {
  ({ template, json } = synthTemplate());
  const [keyId] = Object.keys(resourcesOfType(json, 'AWS::KMS::Key'));
  keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
});

const only = <T>(record: Record<string, T>): [string, T] => {
  const entries = Object.entries(record);
  expect(entries).toHaveLength(1);
  return entries[0];
};

describe('data protection key', () => {
  test('one customer-managed key, rotated, retained, usable by CloudWatch Logs', () => {
    const [, key] = only(resourcesOfType(json, 'AWS::KMS::Key'));
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    const statements = (key.Properties?.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const logs = statements.find((s) => JSON.stringify(s.Principal).includes('logs.'));
    expect(logs?.Condition).toHaveProperty(['ArnLike', 'kms:EncryptionContext:aws:logs:arn']);
  });
});

describe('WebhookIngest', () => {
  test('HTTP API route POST /webhooks/stripe → Lambda proxy integration of the ingest function', () => {
    const fnId = topologyResources(json, 'FUNCTIONS').ingestStripeWebhook.logicalId;
    const [integrationId] = only(
      Object.fromEntries(
        Object.entries(resourcesOfType(json, 'AWS::ApiGatewayV2::Integration')).filter(
          ([, r]) =>
            JSON.stringify(r.Properties?.IntegrationUri) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] }),
        ),
      ),
    );
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /webhooks/stripe',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
    });
  });

  test('the stage is access-logged as JSON to an encrypted, retained log group and throttled', () => {
    const [, stage] = only(resourcesOfType(json, 'AWS::ApiGatewayV2::Stage'));
    const p = stage.Properties as {
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
      DefaultRouteSettings: { ThrottlingBurstLimit: number; ThrottlingRateLimit: number };
    };
    expect(Object.keys(JSON.parse(p.AccessLogSettings.Format))).toEqual(
      expect.arrayContaining([
        'requestId',
        'ip',
        'routeKey',
        'status',
        'responseLength',
        'integrationErrorMessage',
      ]),
    );
    const logGroup = json.Resources[p.AccessLogSettings.DestinationArn['Fn::GetAtt'][0]];
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties?.KmsKeyId).toEqual(keyArn);
    expect(p.DefaultRouteSettings).toEqual({ ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 });
  });

  test('the signing secret is a KMS-encrypted placeholder; only its ARN reaches the function', () => {
    const secret = topologyResources(json, 'SECRETS').stripeWebhook;
    expect(secret.Properties?.SecretString).toBeUndefined();
    expect(secret.Properties?.KmsKeyId).toEqual(keyArn);
    const env = templateView(json).functions.ingestStripeWebhook.environment;
    expect(env[SECRETS.stripeWebhook.envVar]).toBe(ref('SECRETS.stripeWebhook'));
  });

  test('no secret material in any Lambda environment', () => {
    for (const [id, fn] of Object.entries(resourcesOfType(json, 'AWS::Lambda::Function'))) {
      const variables = JSON.stringify(
        (fn.Properties?.Environment as { Variables?: unknown })?.Variables ?? {},
      );
      expect({ id, variables }).not.toEqual({
        id,
        variables: expect.stringMatching(/resolve:secretsmanager|whsec_|sk_live|sk_test/),
      });
      // A secret may only be referenced by ARN, in a variable whose name says so.
      for (const [name, value] of Object.entries(JSON.parse(variables) as Record<string, unknown>)) {
        const pointsAtSecret = JSON.stringify(value).includes(
          topologyResources(json, 'SECRETS').stripeWebhook.logicalId,
        );
        if (pointsAtSecret) expect(name).toMatch(/_SECRET_ARN$/);
      }
    }
  });
});

describe('PostingFlow', () => {
  test('Express state machine with ALL-level logging incl. execution data to an encrypted log group, and X-Ray', () => {
    const sm = topologyResources(json, 'STATE_MACHINES').postInvoice;
    expect(STATE_MACHINES.postInvoice.type).toBe('EXPRESS');
    const p = sm.Properties as {
      StateMachineType: string;
      TracingConfiguration: { Enabled: boolean };
      LoggingConfiguration: {
        Level: string;
        IncludeExecutionData: boolean;
        Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string, string] } } }[];
      };
    };
    expect(p.StateMachineType).toBe('EXPRESS');
    expect(p.TracingConfiguration).toEqual({ Enabled: true });
    expect(p.LoggingConfiguration.Level).toBe('ERROR'); // cost: see posting-flow.ts
    expect(p.LoggingConfiguration.IncludeExecutionData).toBe(true);
    const logGroup =
      json.Resources[
        p.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0]
      ];
    expect(logGroup.Properties?.KmsKeyId).toEqual(keyArn);
    expect(JSON.stringify(logGroup.Properties?.LogGroupName)).toContain('/aws/vendedlogs/states/');
  });

  test('resolved definition: every Lambda task retries TransientError and catches to the exception queue', () => {
    type State = {
      Type: string;
      Resource?: string;
      Retry?: { ErrorEquals: string[] }[];
      Catch?: { ErrorEquals: string[]; Next: string }[];
      Parameters?: { QueueUrl?: string };
    };
    const definition = templateView(json).stateMachines.postInvoice.definition as {
      States: Record<string, State>;
    };
    const lambdaTasks = Object.entries(definition.States).filter(([, s]) =>
      String(s.Resource).startsWith('{GetAtt:FUNCTIONS.'),
    );
    expect(lambdaTasks.map(([name]) => name)).toEqual(['MapInvoice', 'PostInvoice', 'ApplyPayment']);
    for (const [, task] of lambdaTasks) {
      expect(task.Retry?.some((r) => r.ErrorEquals.includes('TransientError'))).toBe(true);
      const catchAll = task.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
      const business = task.Catch?.find((c) => c.ErrorEquals.includes('BusinessError'));
      for (const c of [catchAll, business]) {
        expect(c).toBeDefined();
        // Catch → the parked marker's key (Pass) → the conditional marker (PutItem) → the message.
        const key = definition.States[c!.Next] as State & { Next?: string };
        const marker = definition.States[String(key.Next)] as State & { Next?: string };
        expect(marker.Resource).toBe('arn:aws:states:::dynamodb:putItem');
        const parking = definition.States[String(marker.Next)];
        expect(parking.Resource).toBe('arn:aws:states:::sqs:sendMessage');
        expect(parking.Parameters?.QueueUrl).toBe(ref('QUEUES.exceptions'));
      }
    }
  });

  test('the rule carries the exact topology pattern and a target with retry policy and DLQ', () => {
    const rule = topologyResources(json, 'RULES').invoicePosting;
    expect(rule.Properties?.EventPattern).toEqual(RULES.invoicePosting.pattern);
    const [target] = normaliseRefs(rule.Properties?.Targets, topologyTags(json)) as Record<string, unknown>[];
    expect(target).toMatchObject({
      Arn: ref('STATE_MACHINES.postInvoice'),
      RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: getAtt('QUEUES.postingDlq', 'Arn') },
    });
    const busId = only(resourcesOfType(json, 'AWS::Events::EventBus'))[0];
    expect(rule.Properties?.EventBusName).toEqual({ Ref: busId });
  });

  test('the state machine role invokes exactly its functions and sends only to the exception queue', () => {
    const smRoleId = (
      topologyResources(json, 'STATE_MACHINES').postInvoice.Properties?.RoleArn as {
        'Fn::GetAtt': [string, string];
      }
    )['Fn::GetAtt'][0];
    const statements = statementsOfRole(smRoleId).map(
      (s) => normaliseRefs(s, topologyTags(json)) as Statement,
    );
    const invoke = statements.filter((s) => actions(s).includes('lambda:InvokeFunction'));
    expect(invoke.flatMap((s) => [s.Resource].flat()).sort()).toEqual(
      STATE_MACHINES.postInvoice.functions.map((f) => getAtt(`FUNCTIONS.${f}`, 'Arn')).sort(),
    );
    const send = statements.filter((s) => actions(s).includes('sqs:SendMessage'));
    expect(send.flatMap((s) => [s.Resource].flat())).toEqual([getAtt('QUEUES.exceptions', 'Arn')]);
    // The parked markers: PutItem on the idempotency table only.
    const put = statements.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    expect(put.map((s) => [actions(s), s.Resource])).toEqual([
      [['dynamodb:PutItem'], getAtt('TABLES.idempotency', 'Arn')],
    ]);
    const kms = statements.filter((s) => actions(s).some((a) => a.startsWith('kms:')));
    expect(kms.flatMap(actions).sort()).toEqual([
      'kms:Decrypt', // queue
      'kms:Decrypt', // table
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey', // queue
      'kms:GenerateDataKey', // table
    ]);
  });
});

describe('LedgerStorage', () => {
  test('every table is on-demand, point-in-time recoverable and encrypted with the CMK', () => {
    const tables = resourcesOfType(json, 'AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(Object.keys(TABLES).length);
    for (const table of Object.values(tables)) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
      });
    }
  });

  test('TTL on the idempotency table only', () => {
    const byKey = topologyResources(json, 'TABLES');
    expect(byKey.idempotency.Properties?.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiration',
      Enabled: true,
    });
    expect(byKey.ledger.Properties?.TimeToLiveSpecification).toBeUndefined();
  });

  test('ledger and crosswalk are retained and deletion-protected (financial records)', () => {
    const byKey = topologyResources(json, 'TABLES');
    for (const key of ['ledger', 'crosswalk']) {
      expect(byKey[key].DeletionPolicy).toBe('Retain');
      expect(byKey[key].UpdateReplacePolicy).toBe('Retain');
      expect(byKey[key].Properties?.DeletionProtectionEnabled).toBe(true);
    }
  });
});

describe('queues, bus and archive', () => {
  test('queues are KMS-encrypted with the CMK, keep 14 days and deny non-TLS access', () => {
    const queues = resourcesOfType(json, 'AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(Object.keys(QUEUES).length);
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.Properties).toMatchObject({
        KmsMasterKeyId: keyArn,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  test('the bus is named from the topology and archived for a year with the CMK', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'quote-to-cash' });
    const [, archive] = only(resourcesOfType(json, 'AWS::Events::Archive'));
    expect(archive.Properties).toMatchObject({ RetentionDays: 365, KmsKeyIdentifier: keyArn });
  });
});

describe('Lambda functions', () => {
  const functions = (): [string, CfnResource][] =>
    Object.entries(resourcesOfType(json, 'AWS::Lambda::Function'));

  test('every function runs on arm64 with the newest, non-deprecated Node.js runtime and X-Ray', () => {
    const newestNode = lambda.Runtime.ALL.filter((r) => /^nodejs\d+\.x$/.test(r.name))
      .map((r) => r.name)
      .sort((a, b) => parseInt(a.slice(6), 10) - parseInt(b.slice(6), 10))
      .pop();
    expect(NODE_RUNTIME.name).toBe(newestNode);
    expect(functions()).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const [, fn] of functions()) {
      const runtime = String(fn.Properties?.Runtime);
      expect(runtime).toBe(NODE_RUNTIME.name);
      expect(parseInt(runtime.replace(/\D/g, ''), 10)).toBeGreaterThanOrEqual(22);
      expect(fn.Properties?.Architectures).toEqual(['arm64']);
      // The trace decision is made by the state machines' sampling rules (posting-flow.ts); functions follow it.
      expect(fn.Properties?.TracingConfig).toEqual({ Mode: 'PassThrough' });
      expect(fn.Properties?.Handler).toBe('index.handler');
    }
  });

  test('every function logs to its own encrypted log group kept for a year', () => {
    const groups = new Set<string>();
    for (const [, fn] of functions()) {
      const groupId = (fn.Properties?.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      groups.add(groupId);
      expect(json.Resources[groupId].Properties).toMatchObject({ KmsKeyId: keyArn, RetentionInDays: 365 });
    }
    expect(groups.size).toBe(functions().length);
  });

  test('function roles carry no AWS managed policy (no AWSLambdaBasicExecutionRole)', () => {
    for (const [, role] of Object.entries(resourcesOfType(json, 'AWS::IAM::Role'))) {
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const actions = (s: Statement): string[] => [s.Action].flat();

function allIamStatements(): { owner: string; statement: Statement }[] {
  const out: { owner: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(json.Resources)) {
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      const doc = r.Properties?.PolicyDocument as { Statement: Statement[] };
      for (const statement of doc.Statement) out.push({ owner: id, statement });
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const policy of (r.Properties?.Policies ?? []) as {
        PolicyDocument: { Statement: Statement[] };
      }[]) {
        for (const statement of policy.PolicyDocument.Statement) out.push({ owner: id, statement });
      }
    }
  }
  return out;
}

function statementsOfRole(roleId: string): Statement[] {
  return Object.values(resourcesOfType(json, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('least privilege', () => {
  test('no IAM statement allows "Action": "*"', () => {
    for (const { owner, statement } of allIamStatements()) {
      expect({ owner, actions: actions(statement) }).not.toEqual({
        owner,
        actions: expect.arrayContaining(['*']),
      });
    }
  });

  test('no data-access action (dynamodb/sqs/secretsmanager/events/s3/lambda/kms) on "Resource": "*"', () => {
    const dataServices = /^(dynamodb|sqs|secretsmanager|events|s3|lambda|kms|states|sns):/;
    for (const { owner, statement } of allIamStatements()) {
      if (statement.Effect !== 'Allow' || ![statement.Resource].flat().includes('*')) continue;
      const offending = actions(statement).filter((a) => dataServices.test(a) || a.endsWith(':*'));
      expect({ owner, offending }).toEqual({ owner, offending: [] });
      // What remains on "*" is exactly X-Ray and Step Functions log delivery (acknowledged in lib/nag.ts).
      for (const a of actions(statement)) expect(a).toMatch(/^(xray|logs):/);
    }
  });

  test('each function role is granted exactly the resources its FunctionDef declares', () => {
    const tags = topologyTags(json);
    const keyRef = `{GetAtt:#${only(resourcesOfType(json, 'AWS::KMS::Key'))[0]}.Arn}`;
    for (const [key, fn] of Object.entries(topologyResources(json, 'FUNCTIONS'))) {
      const def: FunctionDef = FUNCTIONS[key as FunctionKey];
      const roleId = (fn.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const grants = new Map<string, Set<string>>();
      for (const s of statementsOfRole(roleId)) {
        if (actions(s).every((a) => /^(xray|logs):/.test(a))) continue; // own log group + tracing
        for (const resource of [normaliseRefs(s.Resource, tags)].flat()) {
          // An object ARN is {"Fn::Join": ["", ["{GetAtt:BUCKETS.x.Arn}", "/prefix/*"]]}: read it as one string.
          const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
          const name = join?.[1].every((p) => typeof p === 'string')
            ? join[1].join(join[0])
            : String(resource);
          const set = grants.get(name) ?? new Set<string>();
          actions(s).forEach((a) => set.add(a));
          grants.set(name, set);
        }
      }
      const expected = new Set<string>([
        ...def.tables.map((t) => getAtt(`TABLES.${t.table}`, 'Arn')),
        ...(def.queues ?? []).map((q) => getAtt(`QUEUES.${q}`, 'Arn')),
        ...(def.consumesQueues ?? []).map((q) => getAtt(`QUEUES.${q}`, 'Arn')),
        ...(def.secrets ?? []).map((sk) => ref(`SECRETS.${sk}`)),
        ...(def.putsEvents ? [getAtt(`BUS.${BUS_NAME}`, 'Arn')] : []),
        ...(def.buckets ?? []).flatMap((b) => [
          getAtt(`BUCKETS.${b}`, 'Arn'),
          `${getAtt(`BUCKETS.${b}`, 'Arn')}/staging/*`,
          `${getAtt(`BUCKETS.${b}`, 'Arn')}/reports/*`,
        ]),
        ...(def.claimChecks ? [`${getAtt('BUCKETS.claimChecks', 'Arn')}/payloads/*`] : []),
      ]);
      // Encrypted resources (tables, queues, secrets) also need the CMK, through that service only.
      if (
        def.tables.length +
          (def.queues?.length ?? 0) +
          (def.secrets?.length ?? 0) +
          (def.buckets?.length ?? 0) +
          (def.claimChecks ? 1 : 0) >
        0
      )
        expected.add(keyRef);
      expect({ key, resources: [...grants.keys()].sort() }).toEqual({ key, resources: [...expected].sort() });
      for (const t of def.tables) {
        const granted = grants.get(getAtt(`TABLES.${t.table}`, 'Arn'))!;
        if (t.access === 'delete') {
          expect([...granted]).toEqual(['dynamodb:DeleteItem']);
          continue;
        }
        expect(granted.has('dynamodb:GetItem')).toBe(true);
        expect(granted.has('dynamodb:PutItem')).toBe(t.access === 'readwrite');
      }
      for (const sk of def.secrets ?? []) {
        expect([...grants.get(ref(`SECRETS.${sk}`))!]).toEqual(['secretsmanager:GetSecretValue']);
      }
      if (def.putsEvents)
        expect([...grants.get(getAtt(`BUS.${BUS_NAME}`, 'Arn'))!]).toEqual(['events:PutEvents']);
      // Claim-checks: publishers only put, resolvers only get.
      if (def.claimChecks)
        expect([...grants.get(`${getAtt('BUCKETS.claimChecks', 'Arn')}/payloads/*`)!]).toEqual([
          def.claimChecks === 'write' ? 's3:PutObject' : 's3:GetObject',
        ]);
    }
  });
});

describe('FinanceOpsDashboard', () => {
  test('dashboard "QuoteToCash-FinanceOps" shows intake, postings and parked work', () => {
    const dashboard = Object.values(resourcesOfType(json, 'AWS::CloudWatch::Dashboard')).find(
      (d) => d.Properties?.DashboardName === FINANCE_OPS_DASHBOARD_NAME,
    )!;
    expect(dashboard).toBeDefined();
    const body = JSON.stringify(dashboard.Properties?.DashboardBody);
    for (const needle of [
      'WebhookEventsReceived',
      'InvoicesPosted',
      'PaymentsApplied',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'ExecutionsFailed',
      'QuoteToCash',
      '\\"service\\",\\"quote-to-cash\\"',
    ]) {
      expect(body).toContain(needle);
    }
  });

  test('alarms on exception-queue and DLQ depth > 0 notify an encrypted, TLS-only SNS topic', () => {
    const [topicId, topic] = only(resourcesOfType(json, 'AWS::SNS::Topic'));
    expect(topic.Properties?.KmsMasterKeyId).toEqual(keyArn);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const alarms = Object.values(resourcesOfType(json, 'AWS::CloudWatch::Alarm'));
    const queues = topologyResources(json, 'QUEUES');
    for (const q of ['exceptions', 'postingDlq']) {
      const alarm = alarms.find((a) =>
        JSON.stringify(a.Properties?.Dimensions).includes(`"${queues[q].logicalId}"`),
      );
      expect(alarm?.Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: topicId }],
      });
    }
    expect(resourcesOfType(json, 'AWS::SNS::Subscription')).toEqual({});
    // The ledger's audit of its own invariants (ReconciliationFlow's VerifyLedger step) alarms on any violation.
    const ledger = alarms.find((a) => a.Properties?.MetricName === 'LedgerInvariantViolations');
    expect(ledger?.Properties).toMatchObject({
      Namespace: 'QuoteToCash',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [{ Ref: topicId }],
    });
  });

  test('context alarmEmail subscribes that address to the alarm topic', () => {
    const { json: withEmail } = synthStack({
      nag: false,
      context: { alarmEmail: 'finance-ops@example.com' },
    });
    const [, subscription] = only(resourcesOfType(withEmail, 'AWS::SNS::Subscription'));
    expect(subscription.Properties).toMatchObject({ Protocol: 'email', Endpoint: 'finance-ops@example.com' });
  });
});

describe('outputs (read by q2c replay)', () => {
  test('webhook URL, secret, bus, archive, queues, state machines and tables are exported by name', () => {
    const outputs = json.Outputs ?? {};
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'StripeWebhookUrl',
        'StripeWebhookSigningSecretArn',
        'EventBusName',
        'EventArchiveName',
        'ExceptionQueueUrl',
        'PostingRuleDeadLetterQueueUrl',
        'PostInvoiceFlowArn',
        'IdempotencyTableName',
        'LedgerTableName',
        'CrosswalkTableName',
      ]),
    );
    expect(JSON.stringify(outputs.StripeWebhookUrl.Value)).toMatch(/\/webhooks\/stripe"\]\]\}$/);
  });
});
