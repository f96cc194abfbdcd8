/** The client-side limiter: never more than the budget in flight, waiters served in arrival order. */
import { LocalPermits, withPermits } from '../../../lambdas/adapters/erp/netsuite/concurrency';

describe('LocalPermits', () => {
  it('holds at most `limit` permits and serves waiters first come, first served', async () => {
    const permits = new LocalPermits(2);
    const order: number[] = [];
    let peak = 0;
    const task = (i: number) =>
      withPermits([permits], async () => {
        peak = Math.max(peak, permits.inUse);
        order.push(i);
        await new Promise((resolve) => setTimeout(resolve, 5));
      });
    await Promise.all(Array.from({ length: 8 }, (_, i) => task(i)));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(permits.inUse).toBe(0);
  });

  it('releases the permit when the task fails, and ignores a second release', async () => {
    const permits = new LocalPermits(1);
    await expect(withPermits([permits], () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const permit = await permits.acquire();
    await permits.release(permit);
    await permits.release(permit);
    expect(permits.inUse).toBe(0);
  });

  it('refuses a budget below one', () => {
    expect(() => new LocalPermits(0)).toThrow(RangeError);
  });
});
