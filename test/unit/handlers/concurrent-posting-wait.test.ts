/**
 * A posting whose idempotency record another invocation holds waits for it inside its own timeout
 * (commons/idempotency.ts) rather than burning the Express budget on Step Functions retries.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyItemNotFoundError,
  IdempotencyPersistenceLayerError,
} from '@aws-lambda-powertools/idempotency';
import { waitingForConcurrentPosting } from '../../../lambdas/handlers/commons/idempotency';

/** A fake clock: sleeping advances it, so the invocation's remaining time shrinks as it waits. */
function clock(timeoutMs: number) {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    remaining: () => timeoutMs - now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
  };
}

describe('waitingForConcurrentPosting', () => {
  it('waits while another invocation holds the record, then returns what the posting returns', async () => {
    const c = clock(12_000);
    let calls = 0;
    const result = await waitingForConcurrentPosting(
      async () => {
        calls += 1;
        if (calls <= 3) throw new IdempotencyAlreadyInProgressError('in progress');
        if (calls === 4) throw new IdempotencyItemNotFoundError('released');
        return 'posted';
      },
      c.remaining,
      c.sleep,
    );
    expect(result).toBe('posted');
    expect(calls).toBe(5);
    expect(c.waits).toEqual([250, 375, 562.5, 843.75]);
  });

  it('gives the error to the flow when the invocation would run out of time (2 s kept in reserve)', async () => {
    const c = clock(12_000);
    let calls = 0;
    await expect(
      waitingForConcurrentPosting(
        async () => {
          calls += 1;
          throw new IdempotencyAlreadyInProgressError('still in progress');
        },
        c.remaining,
        c.sleep,
      ),
    ).rejects.toThrow('still in progress');
    const waited = c.waits.reduce((a, b) => a + b, 0);
    expect(waited).toBeLessThanOrEqual(10_000);
    expect(waited).toBeGreaterThan(8_000);
    expect(Math.max(...c.waits)).toBe(2_000);
    expect(calls).toBe(c.waits.length + 1);
  });

  it('does not wait on any other error', async () => {
    const c = clock(12_000);
    await expect(
      waitingForConcurrentPosting(
        async () => {
          throw new IdempotencyPersistenceLayerError('throttled');
        },
        c.remaining,
        c.sleep,
      ),
    ).rejects.toThrow('throttled');
    expect(c.waits).toEqual([]);
  });
});
