/** The cross-instance concurrency semaphore against dynalite (conditional updates, no transactions). */
import { DynamoDbPermits } from '../../../lambdas/adapters/erp/netsuite/dynamodb-permits';
import { isOutageFailure } from '../../../lambdas/adapters/circuit-breaker/dynamodb-breaker';
import { ErpRateLimitedError, TransientError } from '../../../lambdas/domain/errors';
import { PERMITS_TABLE, startPermitsTable, type LocalPermitsTable } from './dynalite';

let table: LocalPermitsTable;
beforeAll(async () => {
  table = await startPermitsTable();
});
afterAll(() => table.stop());

let budgets = 0;
const permits = (options: Partial<ConstructorParameters<typeof DynamoDbPermits>[0]> = {}) =>
  new DynamoDbPermits({
    db: table.doc,
    tableName: PERMITS_TABLE,
    budget: `test-${++budgets}`,
    limit: 3,
    ...options,
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DynamoDbPermits', () => {
  it('never lets more than the limit hold a permit, across instances, and every waiter gets one', async () => {
    const budget = `shared-${++budgets}`;
    // Four "Lambda instances", each with its own client object, one budget of 3.
    const instances = [1, 2, 3, 4].map(() => permits({ budget, limit: 3 }));
    let holding = 0;
    let peak = 0;
    let served = 0;
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const pool = instances[i % instances.length];
        const permit = await pool.acquire();
        holding++;
        peak = Math.max(peak, holding);
        await sleep(10);
        holding--;
        served++;
        await pool.release(permit);
      }),
    );
    expect(served).toBe(12);
    expect(peak).toBe(3);
    expect(await instances[0].snapshot()).toEqual({ inFlight: 0, leases: {} });
  });

  it('reclaims a lease its holder abandoned (a crashed Lambda) once it expires', async () => {
    const pool = permits({ limit: 2, leaseMs: 80, acquireTimeoutMs: 2_000 });
    await pool.acquire();
    await pool.acquire(); // both holders "crash": never released
    const started = Date.now();
    const permit = await pool.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    const { inFlight, leases } = await pool.snapshot();
    expect(inFlight).toBe(Object.keys(leases).length);
    expect(Object.keys(leases)).toContain(permit.leaseId);
  });

  it('gives up as rate-limited (a TransientError, never an outage) when no permit frees up in time', async () => {
    const pool = permits({ limit: 1, leaseMs: 60_000, acquireTimeoutMs: 150 });
    await pool.acquire();
    const refused = pool.acquire();
    await expect(refused).rejects.toBeInstanceOf(ErpRateLimitedError);
    await expect(refused).rejects.toBeInstanceOf(TransientError);
    await expect(refused).rejects.toThrow(/^erp: rate limited, all 1 NetSuite concurrency permits/);
    expect(isOutageFailure(await refused.catch((e: unknown) => e))).toBe(false);
  });

  it('release is idempotent: a double release cannot free a permit someone else holds', async () => {
    const pool = permits({ limit: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    await pool.release(a);
    await pool.release(a);
    expect((await pool.snapshot()).inFlight).toBe(1);
    await pool.release(b);
    expect(await pool.snapshot()).toEqual({ inFlight: 0, leases: {} });
  });
});
