/**
 * The circuit breaker port with its state in DynamoDB (TABLES.circuitBreakers, item `breaker#<dependency>`),
 * so every Lambda instance sees the same circuit. The decisions are the pure ones in
 * domain/circuit-breaker; this adapter only reads the state and writes transitions conditionally on
 * the version it read (dynalite has no transactions; a conditional put is enough here).
 *
 * Cost: one consistent GetItem per guarded call; a write only on a transition or a failure.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  admit,
  type BreakerPolicy,
  type BreakerState,
  CLOSED,
  onFailure,
  onSuccess,
} from '../../domain/circuit-breaker';
import {
  type Dependency,
  DependencyOutageError,
  ErpRateLimitedError,
  TransientError,
} from '../../domain/errors';
import { retryable } from '../store/aws-errors';
import { dynamo } from '../store/dynamodb';
import { CIRCUIT_BREAKERS, TABLES } from '../../../lib/topology';

export interface CircuitBreakerPort {
  /** Runs `call` unless the circuit is open (then throws DependencyOutageError without calling). */
  guard<T>(dependency: Dependency, call: () => Promise<T>, isOutage: (err: unknown) => boolean): Promise<T>;
  state(dependency: Dependency): Promise<BreakerState>;
}

export const breakerKey = (dependency: Dependency): string => `breaker#${dependency}`;

/** The topology's policy; Q2C_BREAKER_OPEN_MS shortens the open window (local runs and tests). */
export function breakerPolicy(dependency: Dependency): BreakerPolicy {
  const def = CIRCUIT_BREAKERS[dependency];
  const openOverride = Number(process.env.Q2C_BREAKER_OPEN_MS ?? '');
  const openMs = Number.isFinite(openOverride) && openOverride > 0 ? openOverride : def.openSeconds * 1000;
  return {
    failureThreshold: def.failureThreshold,
    openMs,
    probeTimeoutMs:
      Number.isFinite(openOverride) && openOverride > 0 ? openMs : def.probeTimeoutSeconds * 1000,
  };
}

/**
 * Outage-like failures: transient (5xx, timeouts, connection) but not rate limiting, which backoff and
 * the paced drain absorb — a refusal by status or governance code, or the ERP's given-up
 * ErpRateLimitedError (429s beyond the retries, our own concurrency permits exhausted).
 */
export function isOutageFailure(err: unknown): boolean {
  if (!(err instanceof TransientError) || err instanceof ErpRateLimitedError) return false;
  const e = err as TransientError & { status?: number; errorCode?: string };
  if (e.status === 429) return false;
  return !/CONCURRENCY_LIMIT|REQUEST_LIMIT/i.test(e.errorCode ?? '');
}

type OpenedListener = (dependency: Dependency) => void;
const openedListeners: OpenedListener[] = [];

/**
 * Called once each time this process opens a circuit (closed or half-open → open): the handlers count it
 * as the CircuitOpened metric. A listener, so this adapter needs no metrics library.
 */
export function onCircuitOpened(listener: OpenedListener): void {
  openedListeners.push(listener);
}

export class DynamoDbCircuitBreaker implements CircuitBreakerPort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly policyOf: (d: Dependency) => BreakerPolicy = breakerPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async state(dependency: Dependency): Promise<BreakerState> {
    const { Item } = await retryable(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: breakerKey(dependency) },
          ConsistentRead: true,
        }),
      ),
    );
    if (!Item) return CLOSED;
    return {
      status: Item.status as BreakerState['status'],
      consecutiveFailures: Number(Item.consecutiveFailures ?? 0),
      openedAt: Item.openedAt === undefined ? null : Number(Item.openedAt),
      probeStartedAt: Item.probeStartedAt === undefined ? null : Number(Item.probeStartedAt),
      version: Number(Item.version ?? 0),
    };
  }

  async guard<T>(
    dependency: Dependency,
    call: () => Promise<T>,
    isOutage: (err: unknown) => boolean,
  ): Promise<T> {
    const policy = this.policyOf(dependency);
    const state = await this.state(dependency);
    const admission = admit(state, this.now(), policy);
    if (!admission.allow) throw new DependencyOutageError(dependency, admission.retryAt);
    let current = state;
    if (admission.next) {
      // Only one instance wins the probe; the others park their work as the circuit is still open.
      if (!(await this.write(dependency, admission.next, state.version)))
        throw new DependencyOutageError(dependency, this.now() + policy.probeTimeoutMs);
      current = admission.next;
    }
    let result: T;
    try {
      result = await call();
    } catch (err) {
      if (isOutage(err)) await this.recordFailure(dependency, policy);
      throw err;
    }
    const closed = onSuccess(current);
    if (closed) await this.recordSuccess(dependency, current);
    return result;
  }

  private async recordSuccess(dependency: Dependency, seen: BreakerState): Promise<void> {
    let state = seen;
    for (let attempt = 0; attempt < 5; attempt++) {
      const next = onSuccess(state);
      if (!next) return;
      if (await this.write(dependency, next, state.version)) return;
      state = await this.state(dependency);
    }
  }

  private async recordFailure(dependency: Dependency, policy: BreakerPolicy): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const state = await this.state(dependency);
      const next = onFailure(state, this.now(), policy);
      if (await this.write(dependency, next, state.version)) {
        // The conditional write makes exactly one instance the one that opened it.
        if (next.status === 'open' && state.status !== 'open')
          for (const listener of openedListeners) listener(dependency);
        return;
      }
    }
  }

  /** Conditional on the version read: false when another instance changed the circuit meanwhile. */
  private async write(dependency: Dependency, next: BreakerState, expectedVersion: number): Promise<boolean> {
    try {
      await retryable(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: breakerKey(dependency),
              dependency,
              status: next.status,
              consecutiveFailures: next.consecutiveFailures,
              openedAt: next.openedAt ?? undefined,
              probeStartedAt: next.probeStartedAt ?? undefined,
              version: next.version,
              updatedAt: new Date(this.now()).toISOString(),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
            ExpressionAttributeValues: { ':v': expectedVersion },
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}

/** Without a breaker table (a function not wired to it), calls pass straight through. */
export const NO_BREAKER: CircuitBreakerPort = {
  guard: (_d, call) => call(),
  state: async () => CLOSED,
};

let shared: CircuitBreakerPort | undefined;

/**
 * The process-wide breaker: DynamoDB-backed when the function is wired to the breaker table
 * (TABLES.circuitBreakers in its FunctionDef), pass-through otherwise.
 */
export function circuitBreaker(): CircuitBreakerPort {
  if (!shared) {
    const table = process.env[TABLES.circuitBreakers.envVar];
    shared = table ? new DynamoDbCircuitBreaker(dynamo().doc, table) : NO_BREAKER;
  }
  return shared;
}
