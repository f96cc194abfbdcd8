import { App } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseMappingConfig } from '../lambdas/domain/config';
import { DEFAULT_STAGE, PROJECT_ROOT, type SalesforceSettings, stageNames } from './topology';
import { applyNagChecks } from './nag';
import { QuoteToCashStack } from './quote-to-cash-stack';
import { wafSettings, type WafSettings } from './constructs/webhook-firewall';
import { assertNoDemoPlaceholders, loadStage } from './stage';

/** The default stage's stack name; a stage `s` deploys `QuoteToCash-s` (lib/topology.ts stageNames). */
export const STACK_NAME = stageNames(DEFAULT_STAGE).stackName;
export const MAPPING_CONFIG_FILE = 'config/mapping.json';

export interface BuildAppProps {
  /** Extra App context (merged over cdk.json's when run by the CLI). */
  context?: Record<string, unknown>;
  /**
   * Bundle the Lambda code with esbuild (default true). Unit tests turn it off: the template is the
   * same apart from asset hashes, and synth drops from ~9 s to ~1 s.
   */
  bundling?: boolean;
  /** CDK's built-in CloudFormation validation (default true; ~4 s and ~300 MB per synth). */
  cloudFormationValidation?: boolean;
  /** Register cdk-nag AwsSolutions checks (default true). Only the negative-control test flips it. */
  nag?: boolean;
  /** Overrides context `alarmEmail`. */
  alarmEmail?: string;
  outdir?: string;
  /** The mapping configuration to validate (default: config/mapping.json, which the functions bundle). */
  mappingConfig?: unknown;
  /** Salesforce settings (default: config/deployment.json); tests synthesize an Event Relay variant. */
  salesforce?: SalesforceSettings;
  /** WAF settings (default: config/deployment.json); tests synthesize the enabled variant. */
  waf?: WafSettings;
  /** The stage to deploy (default: context `stage`, else the demo stage). */
  stage?: string;
  /** Replaces config/stages/<stage>.json (tests). */
  stageConfig?: Record<string, unknown>;
}

export interface BuiltApp {
  app: App;
  stack: QuoteToCashStack;
}

/** The App, the QuoteToCash stack and cdk-nag, shared by `bin/quote-to-cash.ts` and the infra tests. */
export function buildApp(props: BuildAppProps = {}): BuiltApp {
  const context: Record<string, unknown> = { ...props.context };
  if (props.bundling === false) context['aws:cdk:bundling-stacks'] = [];

  const app = new App({
    context,
    outdir: props.outdir,
    builtinCloudFormationValidation: props.cloudFormationValidation ?? true,
  });
  if (props.nag ?? true) applyNagChecks(app);
  return { app, stack: addStageStack(app, props) };
}

/**
 * One stage's stack in `app` (several stages may share an app: their names never collide). Refuses a
 * stage that is not a demo but still carries the demo placeholders, with the fix in the message.
 */
export function addStageStack(app: App, props: BuildAppProps = {}): QuoteToCashStack {
  const stage = loadStage(
    props.stage ?? (app.node.tryGetContext('stage') as string | undefined) ?? DEFAULT_STAGE,
    props.stageConfig,
  );
  // The functions bundle config/mapping.json: refuse to synthesize a deployment of an invalid one.
  const mappingConfig =
    props.mappingConfig ?? JSON.parse(readFileSync(path.join(PROJECT_ROOT, MAPPING_CONFIG_FILE), 'utf8'));
  parseMappingConfig(mappingConfig);
  assertNoDemoPlaceholders(stage, mappingConfig);

  const alarmEmail =
    props.alarmEmail ?? (app.node.tryGetContext('alarmEmail') as string | undefined) ?? stage.alarmEmail;
  return new QuoteToCashStack(app, stage.names.stackName, {
    stage,
    alarmEmail,
    salesforce: props.salesforce,
    waf: props.waf ?? wafSettings(stage.waf),
  });
}
