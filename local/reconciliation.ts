/**
 * Reconciliation locally: the same ReconciliationFlow and handlers, writing to a bucket in the local
 * S3 emulator (fauxqs, reached by the real @aws-sdk/client-s3); the finished report is then copied
 * into the data dir (reports/reconciliation/<period>/<run>.json|csv), where it survives restarts.
 */
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './services/local-aws';
import type { ExecutionRecord } from './stepfunctions';

export const LOCAL_RECONCILIATION_BUCKET = 'q2c-reconciliation';

export async function createLocalReconciliationBucket(s3Endpoint: string): Promise<S3Client> {
  const client = new S3Client({
    endpoint: s3Endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  await client.send(new CreateBucketCommand({ Bucket: LOCAL_RECONCILIATION_BUCKET }));
  return client;
}

export interface LocalReconciliation extends ExecutionRecord {
  /** Where the JSON and CSV report were copied (absolute paths), when the run succeeded. */
  files?: { json: string; csv: string };
}

/** Runs the flow for a period and copies its report into the data dir. */
export async function reconcileLocally(
  s3: S3Client,
  dataDir: string,
  period: string,
  run: (input: unknown, name: string) => Promise<ExecutionRecord>,
): Promise<LocalReconciliation> {
  const name = `reconcile-${period}-${new Date().toISOString().replace(/[:.]/g, '')}`;
  const record: LocalReconciliation = await run({ period }, name);
  const output = record.output as { period?: string; report?: { json: string; csv: string } } | undefined;
  if (record.status !== 'SUCCEEDED' || !output?.report || !output.period) return record;
  const dir = path.join(dataDir, 'reports', 'reconciliation', output.period);
  mkdirSync(dir, { recursive: true });
  const files = { json: '', csv: '' };
  for (const ext of ['json', 'csv'] as const) {
    const key = output.report[ext];
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: LOCAL_RECONCILIATION_BUCKET, Key: key }));
    files[ext] = path.join(dir, path.basename(key));
    writeFileSync(files[ext], (await Body?.transformToString()) ?? '');
  }
  return { ...record, files };
}
