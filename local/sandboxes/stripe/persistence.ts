/**
 * The sandbox's state on disk, so a restarted local runtime keeps what the pipeline created.
 * Written through on every change, synchronously and atomically (temp file + rename): the response
 * only leaves once its effect is durable, and a crash mid-write leaves the previous file intact.
 * State is small (a laptop's worth of test objects), so rewriting it whole is cheap.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { IdempotencyRecord } from './idempotency';
import { isStripeObject, type StripeObject } from './store';

const FORMAT = 'q2c-stripe-sandbox/1';

export interface PersistedState {
  objects: StripeObject[];
  idempotency: IdempotencyRecord[];
}

export function loadState(file: string): PersistedState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<PersistedState> & { format?: string };
  if (parsed.format !== FORMAT || !Array.isArray(parsed.objects) || !parsed.objects.every(isStripeObject)) {
    throw new Error(`${file} is not a Stripe sandbox data file (expected format ${FORMAT})`);
  }
  return { objects: parsed.objects, idempotency: parsed.idempotency ?? [] };
}

export function saveState(file: string, state: PersistedState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ format: FORMAT, ...state }));
  renameSync(tmp, file);
}
