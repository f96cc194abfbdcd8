/**
 * Stages: which configuration a synth deploys (`npx cdk deploy -c stage=staging`).
 *
 * A stage's settings are config/deployment.json (the defaults) with config/stages/<stage>.json laid over
 * it (objects merged key by key). A stage not marked `"demo": true` is refused at synth while it still
 * carries a demo placeholder — the bundled demo's Salesforce org id or the demo catalog in
 * config/mapping.json — because it would accept no real Salesforce callout and map no real invoice.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import {
  DEFAULT_STAGE,
  deploymentSettings,
  type DeploymentSettings,
  PROJECT_ROOT,
  type StageEnvironment,
  type StageNames,
  stageNames,
} from './topology';

/** The bundled demo's Salesforce org id (config/deployment.json): only a demo stage may deploy with it. */
export const DEMO_SALESFORCE_ORG_ID = '00D5g000004Q2CQEA0';
/** Ids of the demo catalog in config/mapping.json (products, prices, tax rates of the demo and fixtures). */
const DEMO_CATALOG_ID = /^(prod_Demo|price_Q2c|txr_1Demo)/;

export interface StageSettings extends StageEnvironment {
  names: StageNames;
  /** A demo stage may deploy the demo placeholders (org id, catalog). */
  demo: boolean;
  deployment: DeploymentSettings;
  /** The raw `waf` section (validated by the firewall construct). */
  waf?: unknown;
  /** Subscribed to the alarm topic (context `alarmEmail` overrides it). */
  alarmEmail?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merged key by key; anything else in `over` replaces `base`. */
export function layer(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isObject(v) && isObject(base[k]) ? layer(base[k], v) : v;
  return out;
}

export const stageConfigFile = (stage: string): string => `config/stages/${stage}.json`;

function readJson(file: string): Json {
  return JSON.parse(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')) as Json;
}

/**
 * The settings of one stage. `overlay` replaces config/stages/<stage>.json (tests); without it a stage
 * other than the default needs its file, so a typo in `-c stage=` cannot deploy a stack nobody configured.
 */
export function loadStage(stage: string = DEFAULT_STAGE, overlay?: Json): StageSettings {
  const names = stageNames(stage);
  const file = stageConfigFile(stage);
  let over = overlay;
  if (!over) {
    if (!existsSync(path.join(PROJECT_ROOT, file)))
      throw new Error(
        `stage "${stage}": ${file} does not exist. Create it (see docs/deploy.md), e.g. ` +
          `{"salesforce": {"orgId": "00D…", "orgCurrency": "USD"}}, or deploy an existing stage.`,
      );
    over = readJson(file);
  }
  const raw = layer(readJson('config/deployment.json'), over);
  const deployment = deploymentSettings(raw);
  return {
    names,
    busName: names.busName,
    demo: raw.demo === true,
    deployment,
    waf: raw.waf,
    alarmEmail: typeof raw.alarmEmail === 'string' ? raw.alarmEmail : undefined,
  };
}

/** Refuse a non-demo stage that still carries a demo placeholder, saying how to fix it. */
export function assertNoDemoPlaceholders(stage: StageSettings, mappingConfig: unknown): void {
  if (stage.demo) return;
  const file = stageConfigFile(stage.names.stage);
  const problems: string[] = [];
  if (stage.deployment.salesforce.orgId === DEMO_SALESFORCE_ORG_ID)
    problems.push(
      `salesforce.orgId is the demo org ${DEMO_SALESFORCE_ORG_ID}: set your org's 18-character id in ${file} ` +
        '(Salesforce Setup → Company Information → Salesforce.com Organization ID)',
    );
  const demoIds = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && DEMO_CATALOG_ID.test(v)) demoIds.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) Object.values(v).forEach(walk);
  };
  walk(mappingConfig);
  if (demoIds.size > 0)
    problems.push(
      `config/mapping.json still holds the demo catalog (${[...demoIds].slice(0, 3).join(', ')}, … ${demoIds.size} ids): ` +
        "replace products, prices and tax rates with your Stripe account's ids (Stripe dashboard → Product catalog, Tax rates)",
    );
  if (problems.length > 0)
    throw new Error(
      `stage "${stage.names.stage}" is not a demo but deploys demo placeholders:\n - ${problems.join('\n - ')}\n` +
        `(Only for a throw-away demo: add "demo": true to ${file}.)`,
    );
}

const stages = new WeakMap<Stack, StageSettings>();

/** Record the stage a stack deploys, for the constructs inside it. */
export function setStage(stack: Stack, stage: StageSettings): void {
  stages.set(stack, stage);
}

/** The stage of the stack `scope` is in (the default stage for a stack built without one, e.g. in tests). */
export function stageOf(scope: IConstruct): StageSettings {
  const stack = Stack.of(scope);
  let stage = stages.get(stack);
  if (!stage) {
    stage = loadStage(DEFAULT_STAGE);
    stages.set(stack, stage);
  }
  return stage;
}
