/**
 * Helpers for the infrastructure tests: one synth per test file, and a *topology view* of the
 * synthesized template — rules, tables, state machines, functions keyed by their `lib/topology.ts`
 * keys, with every CloudFormation reference rewritten to the topology entry it points at:
 *
 *   {"Ref": "LedgerStorageLedgerTable6E3911B7"}                       → "{Ref:TABLES.ledger}"
 *   {"Fn::GetAtt": ["PostingFlowPostInvoiceFunction626B3F9C", "Arn"]} → "{GetAtt:FUNCTIONS.postInvoice.Arn}"
 *
 * `topologyView()` builds the same shape straight from `lib/topology.ts` (and the ASL files), so
 * `expect(templateView(t)).toEqual(topologyView())` proves the deployed wiring is the declared one.
 * The local runtime can produce a third view of the same shape and be compared the same way.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuildAppProps, type BuiltApp } from '../../lib/app';
import { TOPOLOGY_METADATA_KEY } from '../../lib/constructs/topology-metadata';
import type { QuoteToCashStack } from '../../lib/quote-to-cash-stack';
import {
  definitionSubstitutions,
  FUNCTIONS,
  type FunctionKey,
  functionEnvironment,
  PROJECT_ROOT,
  QUEUES,
  RULES,
  type RuleKey,
  STATE_MACHINES,
  type StateMachineKey,
  TABLES,
  type TableKey,
} from '../../lib/topology';

export type CfnResource = {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
} & Record<string, unknown>;
export type CfnTemplate = {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
};

/** cdk.json's context (feature flags), so unit-test templates match what `cdk synth` produces. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

export interface Synthesized extends BuiltApp {
  template: Template;
  json: CfnTemplate;
}

/**
 * Build and synthesize the app the way unit tests should: cdk-nag on, esbuild bundling and the
 * built-in CloudFormation validation off (both slow; `cdk synth` keeps them). Throws on any
 * unacknowledged cdk-nag error. `customize` may add constructs before synthesis (negative controls).
 */
export function synthStack(
  props: BuildAppProps = {},
  customize?: (stack: QuoteToCashStack) => void,
): Synthesized {
  const built = buildApp({
    bundling: false,
    cloudFormationValidation: false,
    ...props,
    context: { ...cdkJsonContext(), ...props.context },
  });
  customize?.(built.stack);
  const template = Template.fromStack(built.stack);
  return { ...built, template, json: template.toJSON() as CfnTemplate };
}

let cached: Synthesized | undefined;
/** The default stack, synthesized once per test file (jest isolates modules per file). */
export function synthTemplate(): Synthesized {
  cached ??= synthStack();
  return cached;
}

export function resourcesOfType(json: CfnTemplate, type: string): Record<string, CfnResource> {
  return Object.fromEntries(Object.entries(json.Resources).filter(([, r]) => r.Type === type));
}

/** `"TABLES.ledger"` etc. for resources generated from a topology entry, by logical id. */
export function topologyTags(json: CfnTemplate): Map<string, string> {
  const tags = new Map<string, string>();
  for (const [logicalId, r] of Object.entries(json.Resources)) {
    const tag = r.Metadata?.[TOPOLOGY_METADATA_KEY];
    if (typeof tag === 'string') tags.set(logicalId, tag);
  }
  return tags;
}

/** Resources of one topology section keyed by topology key, e.g. `topologyResources(json, 'TABLES').ledger`. */
export function topologyResources(
  json: CfnTemplate,
  section: string,
): Record<string, { logicalId: string } & CfnResource> {
  const out: Record<string, { logicalId: string } & CfnResource> = {};
  for (const [logicalId, tag] of topologyTags(json)) {
    const [tagSection, key] = tag.split('.');
    if (tagSection === section) out[key] = { logicalId, ...json.Resources[logicalId] };
  }
  return out;
}

/** Canonical reference strings shared by both views. */
export const ref = (tag: string): string => `{Ref:${tag}}`;
export const getAtt = (tag: string, attribute: string): string => `{GetAtt:${tag}.${attribute}}`;

/**
 * Rewrite Ref / Fn::GetAtt to topology resources into canonical strings (recursively). References
 * to resources outside the topology (roles, log groups) become `{Ref:#LogicalId}` so they stay visible.
 */
export function normaliseRefs(value: unknown, tags: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => normaliseRefs(v, tags));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === 'Ref' && typeof obj.Ref === 'string') {
    return ref(tags.get(obj.Ref) ?? `#${obj.Ref}`);
  }
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt' && Array.isArray(obj['Fn::GetAtt'])) {
    const [logicalId, attribute] = obj['Fn::GetAtt'] as [string, string];
    return getAtt(tags.get(logicalId) ?? `#${logicalId}`, attribute);
  }
  return Object.fromEntries(keys.map((k) => [k, normaliseRefs(obj[k], tags)]));
}

/** Apply `${Name}` definition substitutions to an ASL string (Step Functions' own syntax). */
export function applySubstitutions(asl: string, substitutions: Record<string, string>): string {
  return asl.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => substitutions[name] ?? whole);
}

// ------------------------------------------------------------------------------------------------
// The two views
// ------------------------------------------------------------------------------------------------

export interface KeyView {
  name: string;
  type: string;
}
export interface TopologyView {
  rules: Record<string, { pattern: unknown; target: unknown; retry: unknown; deadLetterQueue: unknown }>;
  tables: Record<string, { partitionKey: KeyView; sortKey?: KeyView; timeToLiveAttribute?: string }>;
  stateMachines: Record<string, { type: string; definition: unknown }>;
  /** Environment of each function, values as canonical reference strings or literals. */
  functions: Record<string, { environment: Record<string, unknown> }>;
  queues: string[];
}

/** The ASL of a state machine with topology substitutions as canonical references. */
export function expectedDefinition(key: StateMachineKey): unknown {
  const asl = readFileSync(path.join(PROJECT_ROOT, STATE_MACHINES[key].file), 'utf8');
  const subs = definitionSubstitutions(
    key,
    (f) => getAtt(`FUNCTIONS.${f}`, 'Arn'),
    (q) => ref(`QUEUES.${q}`),
    (t) => ref(`TABLES.${t}`),
  );
  return JSON.parse(applySubstitutions(asl, subs));
}

/** What `lib/topology.ts` declares, in the canonical shape. */
export function topologyView(): TopologyView {
  const view: TopologyView = { rules: {}, tables: {}, stateMachines: {}, functions: {}, queues: [] };
  for (const key of Object.keys(RULES) as RuleKey[]) {
    const def = RULES[key];
    view.rules[key] = {
      pattern: def.pattern,
      target: ref(`STATE_MACHINES.${def.target}`),
      retry: {
        MaximumRetryAttempts: def.retry.maximumRetryAttempts,
        MaximumEventAgeInSeconds: def.retry.maximumEventAgeSeconds,
      },
      deadLetterQueue: getAtt(`QUEUES.${def.deadLetterQueue}`, 'Arn'),
    };
  }
  for (const key of Object.keys(TABLES) as TableKey[]) {
    const def: { partitionKey: KeyView; sortKey?: KeyView; timeToLiveAttribute?: string } = TABLES[key];
    view.tables[key] = {
      partitionKey: { ...def.partitionKey },
      ...(def.sortKey ? { sortKey: { ...def.sortKey } } : {}),
      ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
    };
  }
  for (const key of Object.keys(STATE_MACHINES) as StateMachineKey[]) {
    view.stateMachines[key] = { type: STATE_MACHINES[key].type, definition: expectedDefinition(key) };
  }
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
    const environment = functionEnvironment(key, {
      tableName: (t) => ref(`TABLES.${t}`),
      queueUrl: (q) => ref(`QUEUES.${q}`),
      secretArn: (s) => ref(`SECRETS.${s}`),
      bucketName: (b) => ref(`BUCKETS.${b}`),
    });
    view.functions[key] = { environment: { ...environment, NODE_OPTIONS: '--enable-source-maps' } };
  }
  view.queues = Object.keys(QUEUES).sort();
  return view;
}

/** What the synthesized template deploys, in the canonical shape. */
export function templateView(json: CfnTemplate): TopologyView {
  const tags = topologyTags(json);
  const norm = (v: unknown): unknown => normaliseRefs(v, tags);
  const view: TopologyView = { rules: {}, tables: {}, stateMachines: {}, functions: {}, queues: [] };

  for (const [key, rule] of Object.entries(topologyResources(json, 'RULES'))) {
    const p = rule.Properties ?? {};
    const targets = p.Targets as Record<string, unknown>[];
    if (targets.length !== 1) throw new Error(`rule ${key} has ${targets.length} targets, expected 1`);
    const [target] = targets;
    view.rules[key] = {
      pattern: p.EventPattern,
      target: norm(target.Arn),
      retry: target.RetryPolicy,
      deadLetterQueue: norm((target.DeadLetterConfig as { Arn: unknown } | undefined)?.Arn),
    };
  }

  for (const [key, table] of Object.entries(topologyResources(json, 'TABLES'))) {
    const p = table.Properties ?? {};
    const attrs = p.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
    const keyOf = (keyType: string): KeyView | undefined => {
      const k = (p.KeySchema as { AttributeName: string; KeyType: string }[]).find(
        (s) => s.KeyType === keyType,
      );
      if (!k) return undefined;
      const attr = attrs.find((a) => a.AttributeName === k.AttributeName);
      return { name: k.AttributeName, type: attr?.AttributeType ?? '?' };
    };
    const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
    const sortKey = keyOf('RANGE');
    view.tables[key] = {
      partitionKey: keyOf('HASH') as KeyView,
      ...(sortKey ? { sortKey } : {}),
      ...(ttl?.Enabled ? { timeToLiveAttribute: ttl.AttributeName } : {}),
    };
  }

  for (const [key, sm] of Object.entries(topologyResources(json, 'STATE_MACHINES'))) {
    const p = sm.Properties ?? {};
    if (typeof p.DefinitionString !== 'string') {
      throw new Error(
        `state machine ${key}: expected an inline DefinitionString, got ${JSON.stringify(p.DefinitionString)}`,
      );
    }
    const subs = Object.fromEntries(
      Object.entries((p.DefinitionSubstitutions ?? {}) as Record<string, unknown>).map(([name, v]) => [
        name,
        String(norm(v)),
      ]),
    );
    view.stateMachines[key] = {
      type: String(p.StateMachineType ?? 'STANDARD'),
      definition: JSON.parse(applySubstitutions(p.DefinitionString, subs)),
    };
  }

  for (const [key, fn] of Object.entries(topologyResources(json, 'FUNCTIONS'))) {
    const variables = ((fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {}) as Record<string, unknown>;
    view.functions[key] = { environment: norm(variables) as Record<string, unknown> };
  }

  view.queues = Object.keys(topologyResources(json, 'QUEUES')).sort();
  return view;
}
