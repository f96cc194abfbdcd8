/**
 * Wires the ERP port to its configured adapter: the built-in ledger (default) or NetSuite
 * (ERP_TARGET=netsuite; connection settings in NETSUITE_* variables, credentials in Secrets Manager).
 */
import { LedgerAdapter } from '../../adapters/erp/ledger/ledger-adapter';
import { netsuiteAdapterFromEnv } from '../../adapters/erp/netsuite';
import type { ErpAdapter } from '../../adapters/erp/port';
import { Crosswalk } from '../../adapters/crosswalk/crosswalk';
import { dynamo, requiredEnv } from '../../adapters/store/dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { mappingConfig } from './config';
import { erpTarget } from './erp-target';
import { metrics } from './powertools';
import { TABLES } from '../../../lib/topology';

export function erpAdapter(): ErpAdapter {
  if (erpTarget() === 'netsuite')
    return netsuiteAdapterFromEnv(mappingConfig, {
      db: () => dynamo().doc,
      // Every 429 NetSuite answers, absorbed or not: the Engineering dashboard's ERP rate limiting.
      onGovernanceRefusal: () => metrics.addMetric('ErpThrottled', MetricUnit.Count, 1),
    });
  return new LedgerAdapter(dynamo().doc, requiredEnv(TABLES.ledger.envVar));
}

export function crosswalk(): Crosswalk {
  return new Crosswalk(dynamo().doc, requiredEnv(TABLES.crosswalk.envVar));
}
