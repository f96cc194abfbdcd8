/** Wires the ERP port to its configured adapter. The built-in ledger is the default. */
import { LedgerAdapter } from '../../adapters/erp/ledger/ledger-adapter';
import type { ErpAdapter } from '../../adapters/erp/port';
import { Crosswalk } from '../../adapters/crosswalk/crosswalk';
import { dynamo, requiredEnv } from '../../adapters/store/dynamodb';
import { TABLES } from '../../../lib/topology';

export function erpAdapter(): ErpAdapter {
  return new LedgerAdapter(dynamo().doc, requiredEnv(TABLES.ledger.envVar));
}

export function crosswalk(): Crosswalk {
  return new Crosswalk(dynamo().doc, requiredEnv(TABLES.crosswalk.envVar));
}
