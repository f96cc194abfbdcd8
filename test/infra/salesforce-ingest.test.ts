/**
 * Salesforce ingestion in the template: the two HTTP API routes (same stage as Stripe's), the Flow
 * signing secret and exactly its grant, the relay function's failure destination, and — only when
 * config/deployment.json configures `salesforce.eventRelay` — the partner event bus bound to the
 * Salesforce partner event source with the topology's rule on it. Both variants pass cdk-nag
 * (synthStack throws on any unacknowledged finding).
 */
import {
  DEPLOYMENT,
  PARTNER_RULES,
  QUEUES,
  SECRETS,
  salesforceSettings,
  type SalesforceSettings,
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

const ORG = '00D5g000004Q2CQEA0';
const SOURCE = `aws.partner/salesforce.com/${ORG}/0YL5g00000Q2CRELAY`;
const CONFIGURED: SalesforceSettings = { orgId: ORG, eventRelay: { partnerEventSourceName: SOURCE } };

let json: CfnTemplate;
let relayJson: CfnTemplate;

/** Synthesized once, for the template tests only (the settings tests below need no synth). */
function synthesize(): void {
  json ??= synthTemplate().json;
  relayJson ??= synthStack({ salesforce: CONFIGURED }).json;
}

const norm = (t: CfnTemplate, v: unknown) => normaliseRefs(v, topologyTags(t));

function routeTarget(t: CfnTemplate, routeKey: string): unknown {
  const route = Object.values(resourcesOfType(t, 'AWS::ApiGatewayV2::Route')).find(
    (r) => r.Properties?.RouteKey === routeKey,
  );
  expect(route).toBeDefined();
  const integrationId = (route?.Properties?.Target as { 'Fn::Join': [string, [string, { Ref: string }]] })[
    'Fn::Join'
  ][1][1].Ref;
  const integration = t.Resources[integrationId] as CfnResource;
  expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  return norm(t, integration.Properties?.IntegrationUri);
}

describe('Salesforce webhook routes', () => {
  beforeAll(synthesize);
  test('POST /webhooks/salesforce/flow and /outbound-message → their ingest functions, on the one throttled stage', () => {
    expect(routeTarget(json, 'POST /webhooks/salesforce/flow')).toBe(
      getAtt('FUNCTIONS.ingestSalesforceFlow', 'Arn'),
    );
    expect(routeTarget(json, 'POST /webhooks/salesforce/outbound-message')).toBe(
      getAtt('FUNCTIONS.ingestSalesforceOutboundMessage', 'Arn'),
    );
    expect(routeTarget(json, 'POST /webhooks/stripe')).toBe(getAtt('FUNCTIONS.ingestStripeWebhook', 'Arn'));
    const stages = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
  });

  test('the Flow signing secret is generated, KMS-encrypted, and reaches only the Flow function, by ARN', () => {
    const secret = topologyResources(json, 'SECRETS').salesforceFlowSigning;
    expect(secret.Properties?.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
    expect(secret.Properties?.SecretString).toBeUndefined();
    expect(secret.Properties?.KmsKeyId).toBeDefined();
    const view = templateView(json).functions;
    expect(view.ingestSalesforceFlow.environment[SECRETS.salesforceFlowSigning.envVar]).toBe(
      ref('SECRETS.salesforceFlowSigning'),
    );
    const holders = Object.entries(view).filter(([, f]) =>
      JSON.stringify(f.environment).includes(ref('SECRETS.salesforceFlowSigning')),
    );
    expect(holders.map(([k]) => k)).toEqual(['ingestSalesforceFlow']);

    // Exactly one policy statement grants it: GetSecretValue, on that secret.
    const grants = Object.values(resourcesOfType(json, 'AWS::IAM::Policy')).flatMap((p) =>
      (
        (p.Properties?.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement ??
        []
      )
        .filter((s) => JSON.stringify(norm(json, s.Resource)).includes('SECRETS.salesforceFlowSigning'))
        .map((s) => ({ action: s.Action, roles: p.Properties?.Roles })),
    );
    expect(grants).toHaveLength(1);
    expect(grants[0].action).toBe('secretsmanager:GetSecretValue');
  });
});

describe('Salesforce Event Relay', () => {
  beforeAll(synthesize);
  test('without eventRelay configured: the relay function exists, no partner bus, no partner rule', () => {
    expect(DEPLOYMENT.salesforce.eventRelay).toBeUndefined();
    expect(topologyResources(json, 'FUNCTIONS').relaySalesforceEvent).toBeDefined();
    expect(Object.keys(topologyResources(json, 'PARTNER_RULES'))).toEqual([]);
    const buses = Object.values(resourcesOfType(json, 'AWS::Events::EventBus'));
    expect(buses.filter((b) => b.Properties?.EventSourceName)).toEqual([]);
  });

  test('failed relays: Lambda retries twice, then the relay dead-letter queue', () => {
    for (const t of [json, relayJson]) {
      const configs = Object.values(resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig')).filter(
        (c) => norm(t, c.Properties?.FunctionName) === ref('FUNCTIONS.relaySalesforceEvent'),
      );
      expect(configs).toHaveLength(1);
      expect(norm(t, configs[0].Properties)).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: getAtt('QUEUES.salesforceRelayDlq', 'Arn') } },
      });
    }
  });

  test('configured: a partner event bus bound to the partner event source', () => {
    const partner = Object.values(resourcesOfType(relayJson, 'AWS::Events::EventBus')).filter(
      (b) => b.Properties?.EventSourceName,
    );
    expect(partner.map((b) => b.Properties)).toEqual([
      expect.objectContaining({ EventSourceName: SOURCE, Name: SOURCE }),
    ]);
  });

  test('configured: the rule on the partner bus has the exact topology pattern, retry policy and DLQ', () => {
    const rules = topologyResources(relayJson, 'PARTNER_RULES');
    expect(Object.keys(rules)).toEqual(Object.keys(PARTNER_RULES));
    const def = PARTNER_RULES.salesforceEventRelay;
    const rule = rules.salesforceEventRelay;
    expect(JSON.stringify(rule.Properties?.EventPattern)).toBe(JSON.stringify(def.pattern));
    expect(rule.Properties?.EventPattern).toEqual({
      source: [{ prefix: 'aws.partner/salesforce.com' }],
      'detail-type': ['Q2C_Opportunity_Event__e', 'OpportunityChangeEvent'],
    });
    expect(norm(relayJson, rule.Properties?.EventBusName)).toBe(`{Ref:BUS.${SOURCE}}`);
    const [target] = rule.Properties?.Targets as Record<string, unknown>[];
    expect(norm(relayJson, target)).toMatchObject({
      Arn: getAtt('FUNCTIONS.relaySalesforceEvent', 'Arn'),
      RetryPolicy: {
        MaximumRetryAttempts: def.retry.maximumRetryAttempts,
        MaximumEventAgeInSeconds: def.retry.maximumEventAgeSeconds,
      },
      DeadLetterConfig: { Arn: getAtt(`QUEUES.${def.deadLetterQueue}`, 'Arn') },
    });
    expect(QUEUES[def.deadLetterQueue]).toBeDefined();
    // EventBridge may invoke the relay function from this rule only.
    const permissions = Object.values(resourcesOfType(relayJson, 'AWS::Lambda::Permission')).filter(
      (p) => p.Properties?.Principal === 'events.amazonaws.com',
    );
    expect(
      permissions.map((p) => norm(relayJson, [p.Properties?.FunctionName, p.Properties?.SourceArn])),
    ).toEqual([
      [getAtt('FUNCTIONS.relaySalesforceEvent', 'Arn'), getAtt('PARTNER_RULES.salesforceEventRelay', 'Arn')],
    ]);
  });
});

describe('config/deployment.json salesforce settings', () => {
  test('the shipped org is the 18-character demo org', () => {
    expect(DEPLOYMENT.salesforce.orgId).toBe(ORG);
  });
  test.each([
    [{}, /orgId/],
    [{ orgId: '00D5g000004Q2CQ' }, /18-character/],
    [
      {
        orgId: ORG,
        eventRelay: {
          partnerEventSourceName: 'aws.partner/salesforce.com/00D000000000001AAA/0YL5g00000Q2CRELAY',
        },
      },
      /partnerEventSourceName/,
    ],
    [
      { orgId: ORG, eventRelay: { partnerEventSourceName: `aws.partner/salesforce.com/${ORG}/nope` } },
      /partnerEventSourceName/,
    ],
  ])('refuses %j', (raw, message) => {
    expect(() => salesforceSettings(raw)).toThrow(message);
  });
  test('accepts a partner event source of the configured org', () => {
    expect(salesforceSettings(CONFIGURED)).toEqual(CONFIGURED);
  });
});
