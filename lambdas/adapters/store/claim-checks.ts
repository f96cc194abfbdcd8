/**
 * Claim-checked payloads in S3 (the claim-check bucket; locally fauxqs's S3). Ingest stores a payload
 * too large for the bus before it publishes the reference; the flows load it back where they first read
 * the event. Objects are content-addressed (payloads/<sha256>.json) and never rewritten, so a retried
 * store is harmless and a loaded object is checked against the reference's digest.
 */
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { ClaimCheckRef } from '../../domain/claim-check';
import { BusinessError } from '../../domain/errors';
import { retryable } from './aws-errors';
import { claimCheckBucket } from './claim-check-store';

// Ingest stores with a signed PUT of its own (claim-check-store.ts), not this client: see there.
export { storePayload } from './claim-check-store';

let shared: S3Client | undefined;
const s3 = (): S3Client =>
  (shared ??= new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }));

/** The stored detail, parsed. A missing or altered object is a business error naming the reference. */
export async function loadPayload(ref: ClaimCheckRef): Promise<unknown> {
  let text: string;
  try {
    const out = await retryable(() =>
      s3().send(new GetObjectCommand({ Bucket: claimCheckBucket(), Key: ref.key })),
    );
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
