/**
 * Stores a claim-checked payload (see claim-checks.ts) with one signed S3 PUT (s3-put-object.ts) rather
 * than the S3 SDK client, which would put ~150 KB into the webhook ingest bundle, on its cold-start path.
 */
import { createHash } from 'node:crypto';
import { claimCheckKey, type ClaimCheckRef } from '../../domain/claim-check';
import { BUCKETS } from '../../../lib/topology';
import { retryable } from './aws-errors';
import { putObject } from './s3-put-object';

export function claimCheckBucket(): string {
  const name = process.env[BUCKETS.claimChecks.envVar];
  if (!name)
    throw new Error(
      `${BUCKETS.claimChecks.envVar} is not set: this function does not declare the claim-check bucket (lib/topology.ts)`,
    );
  return name;
}

/** Stores the serialised detail; resolves with the reference once S3 has it (before anything is published). */
export async function storePayload(detail: string): Promise<ClaimCheckRef> {
  const body = Buffer.from(detail, 'utf8');
  const sha256 = createHash('sha256').update(body).digest('hex');
  const key = claimCheckKey(sha256);
  await retryable(() =>
    putObject({ bucket: claimCheckBucket(), key, body, contentType: 'application/json' }),
  );
  return { key, bytes: body.length, sha256 };
}
