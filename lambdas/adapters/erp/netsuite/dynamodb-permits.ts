/**
 * A counting semaphore shared by every Lambda instance that talks to one NetSuite account, so that
 * together they never exceed the account's concurrency budget. One DynamoDB item per budget holds
 * the count of permits in use and a lease per holder:
 *
 *   { pk: 'PERMITS#netsuite:1234567', sk: 'v1', inFlight: 3, leases: { <leaseId>: <expiresAt ms> } }
 *
 * Acquire is a single conditional UpdateItem (`inFlight < limit`) that adds the lease and
 * increments the count atomically; release removes the lease and decrements. No read on the hot
 * path and no transactions (dynalite has none): the counter and the leases change together because
 * they live in one item. A holder that dies (Lambda timeout, crash) leaves a lease behind; once it
 * expires, a waiting acquirer reclaims it with a conditional REMOVE, so a crash costs a permit for at
 * most one lease period, never forever.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { retryable } from '../../store/aws-errors';
import type { ConcurrencyPermits, Permit } from './concurrency';
import { ErpRateLimitedError } from '../../../domain/errors';

export interface DynamoDbPermitsOptions {
  db: DynamoDBDocumentClient;
  tableName: string;
  /** What the budget governs, e.g. `netsuite:1234567`: one counter item per NetSuite account. */
  budget: string;
  /** The account's concurrency limit, or the share of it this integration may use. */
  limit: number;
  /** Longer than the slowest request (the client timeout) plus a margin; default 60 s. */
  leaseMs?: number;
  /** How long acquire waits for a free permit before giving up with a TransientError; default 20 s. */
  acquireTimeoutMs?: number;
  /** Key attribute names of the table; default `pk` / `sk`. */
  keyNames?: { partition: string; sort?: string };
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const BACKOFF_BASE_MS = 10;
const BACKOFF_CAP_MS = 250;

export class DynamoDbPermits implements ConcurrencyPermits {
  readonly limit: number;
  private readonly leaseMs: number;
  private readonly acquireTimeoutMs: number;
  private readonly key: Record<string, string>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private created: Promise<void> | undefined;

  constructor(private readonly options: DynamoDbPermitsOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`concurrency limit must be ≥ 1, got ${options.limit}`);
    }
    this.limit = options.limit;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 20_000;
    const names = options.keyNames ?? { partition: 'pk', sort: 'sk' };
    this.key = {
      [names.partition]: `PERMITS#${options.budget}`,
      ...(names.sort ? { [names.sort]: 'v1' } : {}),
    };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async acquire(): Promise<Permit> {
    await this.ensureCounter();
    const deadline = this.now() + this.acquireTimeoutMs;
    let reclaimDueAt = 0;
    for (let attempt = 0; ; attempt++) {
      const permit = { leaseId: randomUUID(), expiresAt: this.now() + this.leaseMs };
      if (await this.tryTake(permit)) return permit;
      // Full: abandoned leases are the only permits we may take without waiting. Reading the item
      // costs a read per waiter, so it is re-read only once its earliest lease can have expired.
      if (this.now() >= reclaimDueAt) {
        const { reclaimed, earliestExpiry } = await this.reclaimExpired();
        if (reclaimed > 0) continue;
        reclaimDueAt = earliestExpiry ?? this.now() + this.leaseMs;
      }
      if (this.now() >= deadline) {
        // Our own share of NetSuite's concurrency is exhausted (a quarter-end backlog): the same
        // condition as a 429 storm, so it parks as rate-limited and drains at a pace, not as technical.
        throw new ErpRateLimitedError(
          `erp: rate limited, all ${this.limit} NetSuite concurrency permits of ${this.options.budget} stayed in use for ${this.acquireTimeoutMs} ms`,
          undefined,
          'PERMITS_EXHAUSTED',
          BACKOFF_CAP_MS,
        );
      }
      // Full jitter: waiters spread out instead of retrying in lockstep on one hot item.
      await this.sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
    }
  }

  async release(permit: Permit): Promise<void> {
    try {
      await retryable(() =>
        this.options.db.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: this.key,
            UpdateExpression: 'REMOVE #leases.#lease ADD #inFlight :minusOne',
            ConditionExpression: 'attribute_exists(#leases.#lease)',
            ExpressionAttributeNames: {
              '#leases': 'leases',
              '#lease': permit.leaseId,
              '#inFlight': 'inFlight',
            },
            ExpressionAttributeValues: { ':minusOne': -1 },
          }),
        ),
      );
    } catch (err) {
      // Released already, or expired and reclaimed by someone else: the count is right either way.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /** Permits in use and their leases, as stored (for tests and the ops view). */
  async snapshot(): Promise<{ inFlight: number; leases: Record<string, number> }> {
    const { Item } = await retryable(() =>
      this.options.db.send(
        new GetCommand({ TableName: this.options.tableName, Key: this.key, ConsistentRead: true }),
      ),
    );
    return {
      inFlight: Number(Item?.inFlight ?? 0),
      leases: (Item?.leases as Record<string, number> | undefined) ?? {},
    };
  }

  private async tryTake(permit: Permit): Promise<boolean> {
    try {
      await retryable(() =>
        this.options.db.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: this.key,
            UpdateExpression: 'SET #leases.#lease = :expiresAt ADD #inFlight :one',
            ConditionExpression: '#inFlight < :limit',
            ExpressionAttributeNames: {
              '#leases': 'leases',
              '#lease': permit.leaseId,
              '#inFlight': 'inFlight',
            },
            ExpressionAttributeValues: { ':expiresAt': permit.expiresAt, ':one': 1, ':limit': this.limit },
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Removes leases past their expiry, each with a conditional write so two reclaimers cannot both count it. */
  private async reclaimExpired(): Promise<{ reclaimed: number; earliestExpiry?: number }> {
    const { leases } = await this.snapshot();
    const now = this.now();
    let reclaimed = 0;
    let earliestExpiry: number | undefined;
    for (const [leaseId, expiresAt] of Object.entries(leases)) {
      if (expiresAt > now) {
        earliestExpiry = Math.min(earliestExpiry ?? expiresAt, expiresAt);
        continue;
      }
      try {
        await retryable(() =>
          this.options.db.send(
            new UpdateCommand({
              TableName: this.options.tableName,
              Key: this.key,
              UpdateExpression: 'REMOVE #leases.#lease ADD #inFlight :minusOne',
              ConditionExpression: '#leases.#lease = :expiresAt',
              ExpressionAttributeNames: { '#leases': 'leases', '#lease': leaseId, '#inFlight': 'inFlight' },
              ExpressionAttributeValues: { ':minusOne': -1, ':expiresAt': expiresAt },
            }),
          ),
        );
        reclaimed++;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    return { reclaimed, earliestExpiry };
  }

  /** The counter item must exist before a nested `leases.<id>` path can be set in it. */
  private ensureCounter(): Promise<void> {
    this.created ??= retryable(() =>
      this.options.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: { ...this.key, inFlight: 0, leases: {} },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': Object.keys(this.key)[0] },
        }),
      ),
    ).then(
      () => undefined,
      (err: unknown) => {
        if (err instanceof ConditionalCheckFailedException) return;
        this.created = undefined;
        throw err;
      },
    );
    return this.created;
  }
}
