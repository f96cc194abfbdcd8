/**
 * Claim-checked payloads in S3 (the claim-check bucket; locally fauxqs's S3). Ingest stores a payload
 * too large for the bus before it publishes the reference; the flows load it back where they first read
 * the event. Objects are content-addressed (payloads/<sha256>.json) and never rewritten, so a retried
 * store is harmless and a loaded object is checked against the reference's digest.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { claimCheckKey, type ClaimCheckRef } from '../../domain/claim-check';
import { BusinessError } from '../../domain/errors';
import { BUCKETS } from '../../../lib/topology';
import { retryable } from './aws-errors';

let shared: S3Client | undefined;
const s3 = (): S3Client =>
  (shared ??= new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }));

function bucket(): string {
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
    s3().send(
      new PutObjectCommand({
        Bucket: bucket(),
        Key: key,
        Body: body,
        ContentType: 'application/json',
      }),
    ),
  );
  return { key, bytes: body.length, sha256 };
}

/** The stored detail, parsed. A missing or altered object is a business error naming the reference. */
export async function loadPayload(ref: ClaimCheckRef): Promise<unknown> {
  let text: string;
  try {
    const out = await retryable(() => s3().send(new GetObjectCommand({ Bucket: bucket(), Key: ref.key })));
    text = (await out.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey')
      throw new BusinessError(
        'claim_check_missing',
        `the claim-checked payload ${ref.key} is not in the claim-check bucket (expired past its retention, or deleted)`,
      );
    throw err;
  }
  const digest = createHash('sha256').update(text, 'utf8').digest('hex');
  if (digest !== ref.sha256)
    throw new BusinessError(
      'claim_check_mismatch',
      `the claim-checked payload ${ref.key} does not match its reference (sha256 ${digest})`,
    );
  return JSON.parse(text) as unknown;
}
