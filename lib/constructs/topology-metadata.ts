import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * CloudFormation metadata key naming the `lib/topology.ts` entry a resource was generated from,
 * e.g. `"q2c:topology": "TABLES.ledger"`. Logical ids are CDK's business; this tag lets tests
 * (topology parity) and tools (`q2c replay`) map template resources back to topology keys.
 */
export const TOPOLOGY_METADATA_KEY = 'q2c:topology';

export type TopologySection =
  | 'TABLES'
  | 'QUEUES'
  | 'FUNCTIONS'
  | 'SECRETS'
  | 'STATE_MACHINES'
  | 'RULES'
  | 'BUS'
  | 'SCHEDULES'
  | 'PARTNER_RULES'
  | 'BUCKETS';

/** Tag the construct's underlying CloudFormation resource with its topology section and key. */
export function markTopology(construct: IConstruct, section: TopologySection, key: string): void {
  const cfn = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(cfn instanceof CfnResource)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  cfn.addMetadata(TOPOLOGY_METADATA_KEY, `${section}.${key}`);
}

/** `Object.keys` typed to the record's keys (topology records are `as const`, so this is exact). */
export function keysOf<T extends object>(record: T): (keyof T & string)[] {
  return Object.keys(record) as (keyof T & string)[];
}
