/**
 * The reconciliation bucket: key-sorted NDJSON parts between the flow's steps (staging/<run>/…) and
 * the reports (reports/<period>/…). The endpoint comes from AWS_ENDPOINT_URL_S3, which the local
 * runtime points at its S3 emulator (path-style, since bucket subdomains of 127.0.0.1 do not resolve).
 */
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { retryable } from '../store/aws-errors';

let shared: S3Client | undefined;
const s3 = (): S3Client =>
  (shared ??= new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }));

export class ReconciliationBucket {
  constructor(private readonly bucket: string) {}

  async putText(key: string, body: string, contentType: string): Promise<void> {
    await retryable(() =>
      s3().send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
      ),
    );
  }

  /** One NDJSON object; nothing is written for no lines (a missing part reads as empty). */
  async putLines(key: string, items: readonly unknown[]): Promise<void> {
    if (items.length === 0) return;
    await this.putText(key, items.map((i) => JSON.stringify(i)).join('\n') + '\n', 'application/x-ndjson');
  }

  async *keys(prefix: string): AsyncGenerator<string> {
    for await (const page of paginateListObjectsV2(
      { client: s3() },
      { Bucket: this.bucket, Prefix: prefix },
    )) {
      for (const o of page.Contents ?? []) if (o.Key) yield o.Key;
    }
  }

  /** Streams an NDJSON object line by line: a part is never held in memory whole. */
  async *lines<T>(key: string): AsyncGenerator<T> {
    const { Body } = await retryable(() =>
      s3().send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
    );
    if (!Body) return;
    for await (const line of createInterface({ input: Body as Readable, crlfDelay: Infinity })) {
      if (line) yield JSON.parse(line) as T;
    }
  }

  async text(key: string): Promise<string> {
    const { Body } = await retryable(() =>
      s3().send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
    );
    return Body ? Body.transformToString() : '';
  }
}

/** Where each step reads and writes, so no step guesses another's layout. */
export const stagingKeys = {
  part: (runId: string, side: 'billing' | 'erp', shard: number, part: string) =>
    `staging/${runId}/${side}/${String(shard).padStart(3, '0')}/${part}.ndjson`,
  side: (runId: string, side: 'billing' | 'erp', shard: number) =>
    `staging/${runId}/${side}/${String(shard).padStart(3, '0')}/`,
  findings: (runId: string, shard: number) =>
    `staging/${runId}/findings/${String(shard).padStart(3, '0')}.ndjson`,
  findingsPrefix: (runId: string) => `staging/${runId}/findings/`,
  report: (period: string, runId: string, ext: 'json' | 'csv') =>
    `reports/${period}/${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.${ext}`,
};
