/**
 * The claim-check bucket locally: a bucket in fauxqs's S3 (reached by the real @aws-sdk/client-s3, as
 * in AWS). fauxqs keeps objects in memory, so every payload is mirrored into the data dir
 * (<data dir>/claim-checks/<sha256>.json) shortly after it is stored and when the runtime stops, and
 * put back on start: an archived or parked reference still resolves after a restart.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLAIM_CHECK_PREFIX } from '../../lambdas/domain/claim-check';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-aws';

export const LOCAL_CLAIM_CHECK_BUCKET = 'q2c-claim-checks';

/** How often new payloads are mirrored into the data dir. */
const MIRROR_INTERVAL_MS = 200;

export interface LocalClaimChecks {
  /** Mirrors every payload not yet in the data dir (also runs on a timer and at stop). */
  persist(): Promise<void>;
  /** How many payloads the bucket holds. */
  count(): number;
  stop(): Promise<void>;
}

export async function startLocalClaimChecks(s3Endpoint: string, dataDir: string): Promise<LocalClaimChecks> {
  const client = new S3Client({
    endpoint: s3Endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  await client.send(new CreateBucketCommand({ Bucket: LOCAL_CLAIM_CHECK_BUCKET }));
  const dir = path.join(dataDir, 'claim-checks');
  mkdirSync(dir, { recursive: true });
  const mirrored = new Set<string>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    await client.send(
      new PutObjectCommand({
        Bucket: LOCAL_CLAIM_CHECK_BUCKET,
        Key: `${CLAIM_CHECK_PREFIX}${name}`,
        Body: readFileSync(path.join(dir, name)),
        ContentType: 'application/json',
      }),
    );
    mirrored.add(name);
  }

  // Serialised, so the timer and stop() never write the same file at once.
  let chain: Promise<void> = Promise.resolve();
  const mirror = async (): Promise<void> => {
    const pages = paginateListObjectsV2(
      { client },
      { Bucket: LOCAL_CLAIM_CHECK_BUCKET, Prefix: CLAIM_CHECK_PREFIX },
    );
    for await (const page of pages) {
      for (const { Key } of page.Contents ?? []) {
        const name = Key ? path.basename(Key) : '';
        if (!name || mirrored.has(name)) continue;
        const file = path.join(dir, name);
        if (!existsSync(file)) {
          const { Body } = await client.send(new GetObjectCommand({ Bucket: LOCAL_CLAIM_CHECK_BUCKET, Key }));
          writeFileSync(`${file}.tmp`, Buffer.from((await Body?.transformToByteArray()) ?? new Uint8Array()));
          renameSync(`${file}.tmp`, file);
        }
        mirrored.add(name);
      }
    }
  };
  const persist = (): Promise<void> => {
    chain = chain.then(mirror).catch((err: unknown) => {
      process.emitWarning(`could not mirror local claim-checks: ${(err as Error).message}`);
    });
    return chain;
  };
  const timer = setInterval(() => void persist(), MIRROR_INTERVAL_MS);
  timer.unref();

  return {
    persist,
    count: () => mirrored.size,
    stop: async () => {
      clearInterval(timer);
      await persist();
      client.destroy();
    },
  };
}
