/**
 * The deployed template and `lib/topology.ts` (the map the local runtime runs) describe the same
 * pipeline: same rules and patterns, same tables, same state machine definitions, same function
 * environments. Both sides are reduced to `TopologyView` (see ./template.ts) and compared whole.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  FUNCTIONS,
  type FunctionKey,
  functionEnvironment,
  PROJECT_ROOT,
  QUEUES,
  RULES,
  STATE_MACHINES,
  TABLES,
} from '../../lib/topology';
import {
  type CfnTemplate,
  synthTemplate,
  templateView,
  topologyResources,
  topologyView,
  type TopologyView,
} from './template';

let json: CfnTemplate;
let deployed: TopologyView;
let declared: TopologyView;

beforeAll(() => {
  json = synthTemplate().json;
  deployed = templateView(json);
  declared = topologyView();
});

describe('topology parity: synthesized template vs lib/topology.ts', () => {
  test('the same set of rules, each with the identical EventPattern JSON, target, retry policy and DLQ', () => {
    expect(Object.keys(deployed.rules).sort()).toEqual(Object.keys(RULES).sort());
    for (const key of Object.keys(RULES)) {
      // Exact JSON, key order included: the pattern is passed through untouched.
      expect(JSON.stringify(deployed.rules[key].pattern)).toBe(
        JSON.stringify(RULES[key as keyof typeof RULES].pattern),
      );
    }
    expect(deployed.rules).toEqual(declared.rules);
  });

  test('the same tables with identical key schema, attribute types and TTL', () => {
    expect(Object.keys(deployed.tables).sort()).toEqual(Object.keys(TABLES).sort());
    expect(deployed.tables).toEqual(declared.tables);
  });

  test('the same queues', () => {
    expect(deployed.queues).toEqual(Object.keys(QUEUES).sort());
  });

  test('each state machine definition equals its ASL file with the topology substitutions applied', () => {
    expect(Object.keys(deployed.stateMachines).sort()).toEqual(Object.keys(STATE_MACHINES).sort());
    expect(deployed.stateMachines).toEqual(declared.stateMachines);
  });

  test('the deployed definition string is the ASL file verbatim (substitution placeholders intact)', () => {
    for (const [key, sm] of Object.entries(topologyResources(json, 'STATE_MACHINES'))) {
      const file = STATE_MACHINES[key as keyof typeof STATE_MACHINES].file;
      expect(sm.Properties?.DefinitionString).toBe(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'));
    }
  });

  test('every function exists once and its environment variable names are functionEnvironment() + NODE_OPTIONS', () => {
    expect(Object.keys(deployed.functions).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const names = Object.keys(
        functionEnvironment(key, {
          tableName: () => 't',
          queueUrl: () => 'q',
          secretArn: () => 's',
          bucketName: () => 'b',
        }),
      );
      expect(Object.keys(deployed.functions[key].environment).sort()).toEqual(
        [...names, 'NODE_OPTIONS'].sort(),
      );
    }
  });

  test('every function environment value points at the declared table / queue / secret', () => {
    expect(deployed.functions).toEqual(declared.functions);
  });
});
