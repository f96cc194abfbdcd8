/**
 * Express executions stop at 5 minutes, and a Catch cannot handle it: StartExecution succeeded, so no
 * dead-letter queue sees the event either — it vanishes. Every Express ASL's worst case (every retrier
 * exhausted, every attempt to its timeout, along the longest path) must stay under the budget, so work
 * that has to wait longer parks (rate-limited, dependency-outage) while the execution can still do it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MAX_POSTINGS_PER_MONEY_EVENT } from '../../lambdas/domain/mapping/stripe-money';
import {
  EXPRESS_WORST_CASE_SECONDS,
  PROJECT_ROOT,
  STATE_MACHINES,
  type StateMachineKey,
} from '../../lib/topology';
import { type Machine, retrierBackoffSeconds, taskWorstSeconds, worstCase } from './express-budget';

const asl = (key: StateMachineKey): Machine =>
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, STATE_MACHINES[key].file), 'utf8')) as Machine;

/** Map item bounds the mappers guarantee (the ASL cannot say). */
const MAP_ITEMS = { PostDocuments: MAX_POSTINGS_PER_MONEY_EVENT };

describe('the worst-case calculator (Step Functions retry semantics)', () => {
  test('a retrier waits IntervalSeconds × BackoffRate^(n-1), capped by MaxDelaySeconds; FULL jitter at most that', () => {
    // AWS example shape: 3 retries from 2 s doubling → 2 + 4 + 8.
    expect(
      retrierBackoffSeconds({ ErrorEquals: ['X'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }),
    ).toBe(14);
    // Capped: 2, 4, 8, 16, then 30 (not 32).
    expect(
      retrierBackoffSeconds({
        ErrorEquals: ['X'],
        IntervalSeconds: 2,
        MaxAttempts: 5,
        BackoffRate: 2,
        MaxDelaySeconds: 30,
        JitterStrategy: 'FULL',
      }),
    ).toBe(60);
    // ASL defaults: IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.
    expect(retrierBackoffSeconds({ ErrorEquals: ['X'] })).toBe(7);
  });

  test("a Task's attempts are 1 + every retrier's MaxAttempts, each to its timeout", () => {
    const task = {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage',
      TimeoutSeconds: 5,
      Retry: [
        { ErrorEquals: ['A'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 },
        { ErrorEquals: ['B'], IntervalSeconds: 3, MaxAttempts: 1 },
      ],
    };
    expect(taskWorstSeconds('T', task)).toBe(4 * 5 + (1 + 2) + 3);
    expect(() => taskWorstSeconds('T', { ...task, TimeoutSeconds: undefined })).toThrow(/no worst case/);
  });

  test('the longest path follows Next, Catch and Choice; loops and unbounded Maps are refused', () => {
    const t = (s: number, extra = {}) => ({
      Type: 'Task',
      Resource: 'x',
      TimeoutSeconds: s,
      Retry: [],
      ...extra,
    });
    const m: Machine = {
      StartAt: 'A',
      States: {
        A: t(1, { Next: 'C', Catch: [{ Next: 'Slow' }] }),
        C: { Type: 'Choice', Choices: [{ Next: 'B' }], Default: 'End' },
        B: t(2, { Next: 'End' }),
        Slow: t(10, { Next: 'End' }),
        End: { Type: 'Succeed' },
      },
    };
    expect(worstCase(m)).toEqual({ seconds: 11, path: ['A', 'Slow', 'End'] });
    const loop: Machine = { StartAt: 'A', States: { A: t(1, { Next: 'A' }) } };
    expect(() => worstCase(loop)).toThrow(/loop/);
    const map: Machine = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          MaxConcurrency: 1,
          ItemProcessor: { StartAt: 'I', States: { I: t(4, { End: true }) } },
        },
      },
    };
    expect(() => worstCase(map)).toThrow(/item bound/);
    expect(worstCase(map, { mapItems: { M: 3 } }).seconds).toBe(12);
  });
});

describe('every Express state machine finishes (or parks) inside the Express limit', () => {
  const express = (Object.keys(STATE_MACHINES) as StateMachineKey[]).filter(
    (k) => STATE_MACHINES[k].type === 'EXPRESS',
  );

  test('there are Express machines to check', () => {
    expect(express).toEqual(expect.arrayContaining(['postInvoice', 'postMoneyEvent']));
  });

  test.each(express)(
    `%s: worst case ≤ ${EXPRESS_WORST_CASE_SECONDS} s (5-minute hard limit, 1 minute margin)`,
    (key) => {
      const { seconds, path: worst } = worstCase(asl(key), { mapItems: MAP_ITEMS });
      // The figure the issue notes quote, visible in the test output on failure.
      expect({ key, seconds, worst }).toEqual({ key, seconds: expect.any(Number), worst });
      expect(seconds).toBeLessThanOrEqual(EXPRESS_WORST_CASE_SECONDS);
    },
  );

  test('post-invoice: an ERP still failing after the in-flow retries parks as dependency-outage (re-driven by the drain), a 429 as rate-limited', () => {
    const states = asl('postInvoice').States as Record<
      string,
      { Catch?: { ErrorEquals: string[]; Next: string }[] }
    >;
    for (const name of ['PostInvoice', 'ApplyPayment']) {
      const next = (error: string) => states[name].Catch?.find((c) => c.ErrorEquals.includes(error))?.Next;
      expect([
        name,
        next('TransientError'),
        next('DependencyOutageError'),
        next('ErpRateLimitedError'),
        // (each through its parked marker: …Key → …Marker → the message)
      ]).toEqual([name, 'ParkDependencyOutageKey', 'ParkDependencyOutageKey', 'ParkRateLimitedKey']);
    }
  });
});
