/**
 * NetSuite governs concurrency per account (5 / 15 / 20 by service tier, +10 per SuiteCloud Plus
 * licence), shared by every integration, and answers 429 beyond it. The adapter never asks for more
 * than its budget: every request holds a permit while it is in flight. `LocalPermits` bounds one
 * process; `DynamoDbPermits` (dynamodb-permits.ts) bounds every Lambda instance together.
 */
import { randomUUID } from 'node:crypto';

export interface Permit {
  readonly leaseId: string;
  /** Epoch ms after which the permit counts as abandoned and may be reclaimed by others. */
  readonly expiresAt: number;
}

export interface ConcurrencyPermits {
  /** The most permits held at once. */
  readonly limit: number;
  /** Resolves once a permit is held; rejects (TransientError) if none frees up in time. */
  acquire(): Promise<Permit>;
  /** Idempotent: releasing twice, or after the lease expired and was reclaimed, is harmless. */
  release(permit: Permit): Promise<void>;
}

/** Runs `task` while holding a permit from each pool, acquired in order and released in reverse. */
export async function withPermits<T>(
  pools: readonly ConcurrencyPermits[],
  task: () => Promise<T>,
): Promise<T> {
  const [first, ...rest] = pools;
  if (!first) return task();
  const permit = await first.acquire();
  try {
    return await withPermits(rest, task);
  } finally {
    await first.release(permit);
  }
}

/**
 * An in-process FIFO semaphore. Waiters queue instead of failing: a burst of postings in one
 * instance is served at the budget's pace, in arrival order.
 */
export class LocalPermits implements ConcurrencyPermits {
  private readonly held = new Set<string>();
  private readonly waiters: ((permit: Permit) => void)[] = [];

  constructor(
    readonly limit: number,
    private readonly leaseMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`concurrency limit must be ≥ 1, got ${limit}`);
  }

  /** Permits held right now (for tests and metrics). */
  get inUse(): number {
    return this.held.size;
  }

  acquire(): Promise<Permit> {
    if (this.held.size < this.limit && this.waiters.length === 0) return Promise.resolve(this.grant());
    return new Promise<Permit>((resolve) => this.waiters.push(resolve));
  }

  async release(permit: Permit): Promise<void> {
    if (!this.held.delete(permit.leaseId)) return;
    // Hand the slot straight to the longest waiter, so a newcomer cannot overtake it.
    this.waiters.shift()?.(this.grant());
  }

  private grant(): Permit {
    const permit = { leaseId: randomUUID(), expiresAt: this.now() + this.leaseMs };
    this.held.add(permit.leaseId);
    return permit;
  }
}
