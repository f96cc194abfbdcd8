import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { type KeyDef, TABLES, type TableDef, type TableKey } from '../topology';
import { keysOf, markTopology } from './topology-metadata';

export interface LedgerStorageProps {
  key: kms.IKey;
}

/**
 * The DynamoDB tables of `TABLES`: the double-entry ledger, the vendor-id crosswalk and the
 * Powertools idempotency records. All on-demand, point-in-time recoverable and encrypted with the
 * data-protection key; ledger and crosswalk are financial records and survive stack deletion.
 */
export class LedgerStorage extends Construct {
  readonly tables: Record<TableKey, dynamodb.Table>;

  constructor(scope: Construct, id: string, props: LedgerStorageProps) {
    super(scope, id);
    const tables = {} as Record<TableKey, dynamodb.Table>;
    for (const key of keysOf(TABLES)) tables[key] = this.createTable(key, TABLES[key], props.key);
    this.tables = tables;
  }

  private createTable(key: TableKey, def: TableDef, encryptionKey: kms.IKey): dynamodb.Table {
    // The journal and crosswalk are the books; idempotency records (TTL) and ERP permits are disposable.
    const isFinancialRecord = key === 'ledger' || key === 'crosswalk';
    const table = new dynamodb.Table(this, def.id, {
      partitionKey: attribute(def.partitionKey),
      sortKey: def.sortKey ? attribute(def.sortKey) : undefined,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey,
      timeToLiveAttribute: def.timeToLiveAttribute,
      deletionProtection: isFinancialRecord,
      removalPolicy: isFinancialRecord ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    markTopology(table, 'TABLES', key);
    return table;
  }
}

function attribute(def: KeyDef): dynamodb.Attribute {
  const type = def.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING;
  return { name: def.name, type };
}
