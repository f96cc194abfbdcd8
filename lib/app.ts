import { App } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseMappingConfig } from '../lambdas/domain/config';
import { PROJECT_ROOT, type SalesforceSettings } from './topology';
import { applyNagChecks } from './nag';
import { QuoteToCashStack } from './quote-to-cash-stack';
import type { WafSettings } from './constructs/webhook-firewall';

export const STACK_NAME = 'QuoteToCash';
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
}

export interface BuiltApp {
  app: App;
  stack: QuoteToCashStack;
}

/** The App, the QuoteToCash stack and cdk-nag, shared by `bin/quote-to-cash.ts` and the infra tests. */
export function buildApp(props: BuildAppProps = {}): BuiltApp {
  // The functions bundle config/mapping.json: refuse to synthesize a deployment of an invalid one.
  parseMappingConfig(
    props.mappingConfig ?? JSON.parse(readFileSync(path.join(PROJECT_ROOT, MAPPING_CONFIG_FILE), 'utf8')),
  );
  const context: Record<string, unknown> = { ...props.context };
  if (props.bundling === false) context['aws:cdk:bundling-stacks'] = [];

  const app = new App({
    context,
    outdir: props.outdir,
    builtinCloudFormationValidation: props.cloudFormationValidation ?? true,
  });
  if (props.nag ?? true) applyNagChecks(app);

  const alarmEmail = props.alarmEmail ?? (app.node.tryGetContext('alarmEmail') as string | undefined);
  const stack = new QuoteToCashStack(app, STACK_NAME, {
    alarmEmail,
    salesforce: props.salesforce,
    waf: props.waf,
  });
  return { app, stack };
}
