/**
 * Several stages in one account: two stages synthesized side by side must not share a single physical
 * name, export or alarm name (CloudFormation would fail the second with AlreadyExists), and a stage that
 * is not a demo refuses the demo placeholders at synth, saying how to fix them.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addStageStack } from '../../lib/app';
import { applyNagChecks } from '../../lib/nag';
import { DEMO_SALESFORCE_ORG_ID, loadStage } from '../../lib/stage';
import { DEFAULT_STAGE, FUNCTIONS, PROJECT_ROOT, stageNames } from '../../lib/topology';
import { type CfnTemplate, cdkJsonContext, resourcesOfType, topologyResources } from './template';

const demoMapping = readFileSync(path.join(PROJECT_ROOT, 'config/mapping.json'), 'utf8');
/** The demo mapping with every demo catalog id replaced, as an operator's own catalog would be. */
const ownCatalog = JSON.parse(
  demoMapping
    .replace(/prod_Demo/g, 'prod_Acme')
    .replace(/price_Q2c/g, 'price_Acme')
    .replace(/txr_1Demo/g, 'txr_1Acme'),
) as unknown;

const STAGES = {
  staging: { salesforce: { orgId: '00D000000000001EAA', orgCurrency: 'EUR' } },
  prod: { salesforce: { orgId: '00D000000000002EAA', orgCurrency: 'USD' } },
};

function synthStages(): Record<keyof typeof STAGES, CfnTemplate> {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  applyNagChecks(app);
  const stacks = Object.fromEntries(
    Object.entries(STAGES).map(([stage, stageConfig]) => [
      stage,
      addStageStack(app, { stage, stageConfig, mappingConfig: ownCatalog }),
    ]),
  );
  return Object.fromEntries(
    Object.entries(stacks).map(([stage, stack]) => [
      stage,
      Template.fromStack(stack).toJSON() as CfnTemplate,
    ]),
  ) as Record<keyof typeof STAGES, CfnTemplate>;
}

/** A name as deployed: Fn::Join resolved with the stack's pseudo parameters (other refs kept symbolic). */
function deployedName(value: unknown, stackName: string): string {
  if (typeof value === 'string') return value;
  const o = value as Record<string, unknown>;
  if (o.Ref === 'AWS::StackName') return stackName;
  // A stack id ends in a UUID CloudFormation draws per stack: modelled as one per stack name.
  if (o.Ref === 'AWS::StackId') return `arn:stack/${stackName}/uuid(${stackName.replace(/-/g, '_')})`;
  if (typeof o.Ref === 'string') return `<${o.Ref}>`;
  if (o['Fn::Join']) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => deployedName(p, stackName)).join(sep);
  }
  if (o['Fn::Select']) {
    const [i, list] = o['Fn::Select'] as [number, unknown];
    const sl = o['Fn::Select'] as unknown[];
    const inner = list as Record<string, unknown>;
    if (inner['Fn::Split']) {
      const [sep, src] = inner['Fn::Split'] as [string, unknown];
      return deployedName(src, stackName).split(sep)[i] ?? JSON.stringify(sl);
    }
  }
  return JSON.stringify(value);
}

/** Properties that name a resource account- or region-wide (PolicyName is scoped to its role; MetricName etc. are not names). */
const NOT_PHYSICAL = new Set([
  'PolicyName',
  'MetricName',
  'StageName',
  'DisplayName',
  // References to another resource's name, not names of their own:
  'EventBusName',
  'FunctionName',
  'GroupName',
]);

function physicalNames(json: CfnTemplate, stackName: string): string[] {
  const names: string[] = [];
  for (const [id, r] of Object.entries(json.Resources)) {
    for (const [k, v] of Object.entries(r.Properties ?? {})) {
      if (!k.endsWith('Name') || NOT_PHYSICAL.has(k)) continue;
      names.push(`${r.Type}.${k}=${deployedName(v, stackName)}`);
      expect(id).toBeTruthy();
    }
    if (r.Type === 'AWS::XRay::SamplingRule') {
      const rule = (r.Properties as { SamplingRule: { RuleName: unknown } }).SamplingRule;
      names.push(`${r.Type}.RuleName=${deployedName(rule.RuleName, stackName)}`);
    }
  }
  for (const o of Object.values(json.Outputs ?? {}) as { Export?: { Name: unknown } }[])
    if (o.Export) names.push(`Export=${deployedName(o.Export.Name, stackName)}`);
  return names;
}

describe('two stages in one account', () => {
  const templates = synthStages();

  test('stack names derive from the stage; the default stage keeps the historical names', () => {
    expect(stageNames('staging')).toMatchObject({
      stackName: 'QuoteToCash-staging',
      busName: 'quote-to-cash-staging',
    });
    expect(stageNames(DEFAULT_STAGE)).toMatchObject({
      stackName: 'QuoteToCash',
      busName: 'quote-to-cash',
      financeOpsDashboardName: 'QuoteToCash-FinanceOps',
    });
    expect(() => stageNames('Prod_1')).toThrow(/lower-case letters/);
  });

  test('no physical name, export or alarm name is shared between staging and prod', () => {
    const staging = physicalNames(templates.staging, 'QuoteToCash-staging');
    const prod = physicalNames(templates.prod, 'QuoteToCash-prod');
    // The names the stack sets itself: bus, dashboards, queues, alarms, alias, log groups, API, sampling rules.
    for (const kind of [
      'AWS::Events::EventBus.Name',
      'AWS::CloudWatch::Dashboard.DashboardName',
      'AWS::SQS::Queue.QueueName',
      'AWS::CloudWatch::Alarm.AlarmName',
      'AWS::KMS::Alias.AliasName',
      'AWS::Logs::LogGroup.LogGroupName',
      'AWS::XRay::SamplingRule.RuleName',
    ])
      expect(staging.some((n) => n.startsWith(`${kind}=`))).toBe(true);
    expect(staging.filter((n) => prod.includes(n))).toEqual([]);
    // …and none is repeated inside one stage either.
    expect(staging.filter((n, i) => staging.indexOf(n) !== i)).toEqual([]);
  });

  test('every alarm is named, and named after its stage', () => {
    for (const [stage, json] of Object.entries(templates)) {
      for (const alarm of Object.values(resourcesOfType(json, 'AWS::CloudWatch::Alarm')))
        expect(String(alarm.Properties?.AlarmName)).toMatch(new RegExp(`^QuoteToCash-${stage}-`));
    }
  });

  test("each stage's functions run with its settings: its bus, its org id and currency (a EUR org reads deals as EUR)", () => {
    for (const [stage, json] of Object.entries(templates) as [keyof typeof STAGES, CfnTemplate][]) {
      const functions = topologyResources(json, 'FUNCTIONS');
      for (const fn of Object.values(functions)) {
        const env = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(env).toMatchObject({
          EVENT_BUS_NAME: `quote-to-cash-${stage}`,
          SALESFORCE_ORG_ID: STAGES[stage].salesforce.orgId,
          SALESFORCE_ORG_CURRENCY: STAGES[stage].salesforce.orgCurrency,
        });
      }
      expect(Object.keys(functions)).toContain('loadDeal' satisfies keyof typeof FUNCTIONS);
    }
  });
});

describe('first deploy: demo placeholders are refused outside a demo stage', () => {
  const synth = (stage: string, stageConfig?: Record<string, unknown>, mappingConfig?: unknown) => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    return addStageStack(app, { stage, stageConfig, mappingConfig });
  };

  test('the shipped prod stage (demo org id, demo catalog) is refused with both fixes in the message', () => {
    expect(() => synth('prod')).toThrow(/stage "prod" is not a demo but deploys demo placeholders/);
    expect(() => synth('prod')).toThrow(
      new RegExp(
        `salesforce\\.orgId is the demo org ${DEMO_SALESFORCE_ORG_ID}: set your org's 18-character id in config/stages/prod\\.json`,
      ),
    );
    expect(() => synth('prod')).toThrow(/config\/mapping\.json still holds the demo catalog \(prod_Demo/);
  });

  test('a real org id with the demo catalog is still refused (catalog only)', () => {
    const attempt = () => synth('staging', STAGES.staging);
    expect(attempt).toThrow(/demo catalog/);
    expect(attempt).not.toThrow(/salesforce\.orgId is the demo org/);
  });

  test('a real org id and catalog synthesize; a demo stage may keep the placeholders', () => {
    expect(() => synth('staging', STAGES.staging, ownCatalog)).not.toThrow();
    expect(() => synth('sandbox', { demo: true })).not.toThrow();
    expect(loadStage(DEFAULT_STAGE).demo).toBe(true);
  });

  test('a stage with no config/stages file is refused (a typo in -c stage= deploys nothing)', () => {
    expect(() => loadStage('stagign')).toThrow(/config\/stages\/stagign\.json does not exist/);
  });

  test('an org currency that is not ISO 4217 is refused', () => {
    expect(() => loadStage('x', { salesforce: { orgCurrency: 'euro' } })).toThrow(/ISO 4217/);
  });
});
