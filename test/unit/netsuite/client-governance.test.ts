/**
 * 429s are absorbed in the client: NetSuite did no work for a governance refusal, so the same
 * request goes again after `Retry-After` (or a jittered backoff), without holding a permit while it
 * waits, within a time budget. Anything else goes straight to the caller.
 */
import type { NetSuiteAuth } from '../../../lambdas/adapters/erp/netsuite/auth';
import { NetSuiteClient } from '../../../lambdas/adapters/erp/netsuite/client';
import { LocalPermits } from '../../../lambdas/adapters/erp/netsuite/concurrency';
import { NetSuiteBusinessError, NetSuiteTransientError } from '../../../lambdas/adapters/erp/netsuite/errors';
import { isOutageFailure } from '../../../lambdas/adapters/circuit-breaker/dynamodb-breaker';
import { ErpRateLimitedError, TransientError } from '../../../lambdas/domain/errors';

const auth: NetSuiteAuth = { authorization: async () => 'OAuth realm="X"', invalidate: () => undefined };

const errorBody = (status: number, code: string, detail: string) =>
  JSON.stringify({
    type: 'about:blank',
    title: 'Error',
    status,
    'o:errorDetails': [{ detail, 'o:errorCode': code }],
  });

const throttled = (retryAfter?: string) =>
  new Response(errorBody(429, 'CONCURRENCY_LIMIT_EXCEEDED', 'Concurrent request limit exceeded.'), {
    status: 429,
    headers: retryAfter === undefined ? {} : { 'Retry-After': retryAfter },
  });
const created = (id: number) =>
  new Response(null, {
    status: 204,
    headers: { Location: `https://x/services/rest/record/v1/journalEntry/${id}` },
  });

function clientWith(
  responses: (() => Response)[],
  options: Partial<ConstructorParameters<typeof NetSuiteClient>[0]> = {},
) {
  const waits: number[] = [];
  const permits = new LocalPermits(1);
  const heldDuringWait: number[] = [];
  let calls = 0;
  const client = new NetSuiteClient({
    accountId: 'TSTDRV1',
    baseUrl: 'https://tstdrv1.suitetalk.api.netsuite.com',
    auth,
    permits: [permits],
    fetch: async () => {
      const next = responses[calls++];
      if (!next) throw new Error('no more responses');
      return next();
    },
    sleep: async (ms) => {
      waits.push(ms);
      heldDuringWait.push(permits.inUse);
    },
    random: () => 0.5,
    ...options,
  });
  return { client, waits, heldDuringWait, calls: () => calls };
}

describe('NetSuiteClient governance retries', () => {
  it('waits Retry-After and sends the same request again, holding no permit meanwhile', async () => {
    const t = clientWith([() => throttled('2'), () => throttled('1'), () => created(77)]);
    await expect(t.client.create('journalEntry', { externalId: 'x' })).resolves.toBe('77');
    expect(t.waits).toEqual([2000, 1000]);
    expect(t.heldDuringWait).toEqual([0, 0]);
    expect(t.client.governanceRetries).toBe(2);
  });

  it('tells the ErpThrottled counter of every 429, the absorbed ones and the one it gives up on', async () => {
    let refusals = 0;
    const onGovernanceRefusal = () => refusals++;
    const absorbed = clientWith([() => throttled('1'), () => throttled('1'), () => created(3)], {
      onGovernanceRefusal,
    });
    await absorbed.client.create('journalEntry', { externalId: 'a' });
    expect(refusals).toBe(2);
    const refused = clientWith(
      Array.from({ length: 6 }, () => () => throttled('1')),
      { onGovernanceRefusal },
    );
    await expect(refused.client.create('journalEntry', { externalId: 'b' })).rejects.toThrow(
      ErpRateLimitedError,
    );
    expect(refusals).toBe(2 + 6);
  });

  it('without Retry-After, backs off exponentially with jitter', async () => {
    const t = clientWith([() => throttled(), () => throttled(), () => throttled(), () => created(5)], {
      governanceRetry: { baseDelayMs: 100 },
    });
    await t.client.create('journalEntry', {});
    // random() = 0.5 of 100, 200, 400
    expect(t.waits).toEqual([50, 100, 200]);
  });

  it('hands the refusal to the caller as ErpRateLimitedError after the attempts or the wait budget are spent', async () => {
    const storm = Array.from({ length: 10 }, () => () => throttled('0'));
    const byAttempts = clientWith(storm, { governanceRetry: { attempts: 3 } });
    const err = await byAttempts.client.create('journalEntry', {}).catch((e: unknown) => e);
    // Its own Step Functions error name (the flows park it as rate-limited), still transient to code …
    expect(err).toBeInstanceOf(ErpRateLimitedError);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as ErpRateLimitedError).name).toBe('ErpRateLimitedError');
    expect((err as ErpRateLimitedError).status).toBe(429);
    expect((err as ErpRateLimitedError).retryAfterMs).toBe(0);
    expect((err as ErpRateLimitedError).message).toMatch(
      /^erp: rate limited, still refused after 3 attempts: /,
    );
    // … and never an outage: the circuit breaker does not count it.
    expect(isOutageFailure(err)).toBe(false);
    expect(byAttempts.calls()).toBe(3);

    const byBudget = clientWith([() => throttled('5'), () => throttled('5'), () => created(1)], {
      governanceRetry: { budgetMs: 8_000 },
    });
    await expect(byBudget.client.create('journalEntry', {})).rejects.toBeInstanceOf(ErpRateLimitedError);
    expect(byBudget.waits).toEqual([5000]); // a second 5 s wait would exceed the 8 s budget
  });

  it('does not retry anything but governance: 5xx and business errors go to the caller at once', async () => {
    const t5xx = clientWith([
      () => new Response(errorBody(503, 'UNEXPECTED_ERROR', 'Service unavailable'), { status: 503 }),
      () => created(1),
    ]);
    await expect(t5xx.client.create('journalEntry', {})).rejects.toBeInstanceOf(NetSuiteTransientError);
    expect(t5xx.calls()).toBe(1);

    const tBusiness = clientWith([
      () =>
        new Response(errorBody(400, 'INVALID_KEY_OR_REF', 'Invalid customer reference key 9.'), {
          status: 400,
        }),
      () => created(1),
    ]);
    await expect(tBusiness.client.create('journalEntry', {})).rejects.toBeInstanceOf(NetSuiteBusinessError);
    expect(tBusiness.calls()).toBe(1);
    expect(tBusiness.waits).toEqual([]);
  });
});
