/**
 * Stripe's v1 idempotency layer. A POST with an `Idempotency-Key` saves its status and body once the
 * endpoint has run; a retry with the same key (per API key) replays them with `Idempotent-Replayed: true`,
 * and the same key with other parameters or another endpoint is an `idempotency_error`. Requests that fail
 * validation (4xx) are not saved, so they can be corrected and retried with the same key, as Stripe does.
 * stripe-node sends a generated key on every POST, so this is on the path of every write.
 */
import { createHash } from 'node:crypto';
import { StripeApiError } from './errors';
import type { FormValue } from './form';

/** Stripe prunes keys once they are at least 24 hours old. */
const TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyRecord {
  /** SHA-256 of the API key: keys are per API key, and the data file should not hold the secret. */
  scope: string;
  key: string;
  endpoint: string;
  params: string;
  status: number;
  body: string;
  requestId: string;
  savedAt: number;
}

export function scopeOf(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** Parameters compared regardless of key order. */
export function canonicalParams(value: FormValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalParams).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalParams(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function idempotencyError(message: string): StripeApiError {
  return new StripeApiError(400, { type: 'idempotency_error', message });
}

export class IdempotencyLayer {
  private readonly records = new Map<string, IdempotencyRecord>();
  private readonly listeners: Array<() => void> = [];

  /** The saved response to replay, or undefined when the key is new; throws on misuse of a key. */
  lookup(scope: string, key: string, endpoint: string, params: string): IdempotencyRecord | undefined {
    const found = this.records.get(`${scope} ${key}`);
    if (!found || Date.now() - found.savedAt > TTL_MS) return undefined;
    if (found.endpoint !== endpoint) {
      throw idempotencyError(
        `Keys for idempotent requests can only be used for the same endpoint they were first used for ` +
          `('${found.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    if (found.params !== params) {
      throw idempotencyError(
        `Keys for idempotent requests can only be used with the same parameters they were first used with. ` +
          `Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    return found;
  }

  save(record: IdempotencyRecord): void {
    this.prune();
    this.records.set(`${record.scope} ${record.key}`, record);
    for (const l of this.listeners) l();
  }

  all(): IdempotencyRecord[] {
    return [...this.records.values()];
  }

  load(records: readonly IdempotencyRecord[]): void {
    for (const r of records) this.records.set(`${r.scope} ${r.key}`, r);
    this.prune();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private prune(): void {
    const cutoff = Date.now() - TTL_MS;
    for (const [k, r] of this.records) if (r.savedAt < cutoff) this.records.delete(k);
  }
}
