import fc from 'fast-check';
import {
  admit,
  type BreakerPolicy,
  type BreakerState,
  CLOSED,
  drainAllowance,
  onFailure,
  onSuccess,
} from '../../../lambdas/domain/circuit-breaker';
import { DependencyOutageError, outageDependency } from '../../../lambdas/domain/errors';

const policy: BreakerPolicy = { failureThreshold: 3, openMs: 10_000, probeTimeoutMs: 5_000 };

const fail = (s: BreakerState, now: number) => onFailure(s, now, policy);

describe('circuit breaker (pure)', () => {
  test('closed admits; opens after exactly failureThreshold consecutive failures', () => {
    let s = CLOSED;
    expect(admit(s, 0, policy)).toEqual({ allow: true, probe: false, next: null });
    s = fail(s, 1);
    s = fail(s, 2);
    expect(s.status).toBe('closed');
    expect(admit(s, 3, policy).allow).toBe(true);
    s = fail(s, 3);
    expect(s).toMatchObject({ status: 'open', consecutiveFailures: 3, openedAt: 3 });
    expect(admit(s, 4, policy)).toEqual({ allow: false, retryAt: 3 + policy.openMs });
  });

  test('a success in between resets the count (consecutive, not total)', () => {
    let s = fail(fail(CLOSED, 1), 2);
    s = onSuccess(s) ?? s;
    expect(s.consecutiveFailures).toBe(0);
    s = fail(fail(s, 3), 4);
    expect(s.status).toBe('closed');
  });

  test('after openMs one probe goes through (half-open); others wait; success closes', () => {
    const open = fail(fail(fail(CLOSED, 0), 0), 0);
    const a = admit(open, policy.openMs, policy);
    expect(a).toMatchObject({ allow: true, probe: true });
    const probing = (a as { next: BreakerState }).next;
    expect(probing).toMatchObject({ status: 'half-open', probeStartedAt: policy.openMs });
    expect(probing.version).toBe(open.version + 1);
    expect(admit(probing, policy.openMs + 1, policy).allow).toBe(false);
    expect(onSuccess(probing)).toEqual({ ...CLOSED, version: probing.version + 1 });
  });

  test('a failed probe re-opens for another openMs', () => {
    const open = fail(fail(fail(CLOSED, 0), 0), 0);
    const probing = (admit(open, 20_000, policy) as { next: BreakerState }).next;
    const reopened = fail(probing, 20_001);
    expect(reopened).toMatchObject({ status: 'open', openedAt: 20_001 });
    expect(admit(reopened, 20_002, policy).allow).toBe(false);
    expect(admit(reopened, 20_001 + policy.openMs, policy).allow).toBe(true);
  });

  test('a probe that never reports back stops blocking after probeTimeoutMs', () => {
    const open = fail(fail(fail(CLOSED, 0), 0), 0);
    const probing = (admit(open, 10_000, policy) as { next: BreakerState }).next;
    expect(admit(probing, 10_000 + policy.probeTimeoutMs - 1, policy).allow).toBe(false);
    expect(admit(probing, 10_000 + policy.probeTimeoutMs, policy)).toMatchObject({
      allow: true,
      probe: true,
    });
  });

  test('drain allowance: all when closed, one probe when the window passed, none while open', () => {
    const open = fail(fail(fail(CLOSED, 0), 0), 0);
    expect(drainAllowance(CLOSED, 0, policy)).toBe('all');
    expect(drainAllowance(open, 1, policy)).toBe('none');
    expect(drainAllowance(open, policy.openMs, policy)).toBe('probe');
  });

  const event = fc.oneof(
    fc.record({ kind: fc.constant('fail' as const), dt: fc.integer({ min: 0, max: 20_000 }) }),
    fc.record({ kind: fc.constant('ok' as const), dt: fc.integer({ min: 0, max: 20_000 }) }),
  );

  test('property: the circuit is open or probing iff the last N outcomes since a success are failures ≥ threshold', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        let s = CLOSED;
        let now = 0;
        let streak = 0;
        for (const e of events) {
          now += e.dt;
          const a = admit(s, now, policy);
          if (!a.allow) {
            // refused calls never reach the dependency: they change nothing
            expect(a.retryAt).toBeGreaterThan(now);
            continue;
          }
          if (a.next) s = a.next;
          if (e.kind === 'ok') {
            s = onSuccess(s) ?? s;
            streak = 0;
          } else {
            s = fail(s, now);
            streak++;
          }
          // invariants
          expect(s.consecutiveFailures).toBe(streak);
          expect(s.status === 'closed').toBe(streak < policy.failureThreshold);
          if (s.status !== 'closed') expect(s.openedAt).not.toBeNull();
        }
      }),
    );
  });

  test('property: versions strictly increase on every transition (optimistic writes can detect races)', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        let s = CLOSED;
        let now = 0;
        for (const e of events) {
          now += e.dt;
          const a = admit(s, now, policy);
          if (!a.allow) continue;
          const before = s.version;
          if (a.next) {
            expect(a.next.version).toBe(before + 1);
            s = a.next;
          }
          const next = e.kind === 'ok' ? onSuccess(s) : fail(s, now);
          if (next) {
            expect(next.version).toBe(s.version + 1);
            s = next;
          }
        }
      }),
    );
  });

  test('property: while open, no call is admitted before openedAt + openMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 9_999 }), (t, dt) => {
        const open = fail(fail(fail(CLOSED, t), t), t);
        expect(admit(open, t + dt, policy).allow).toBe(false);
        expect(admit(open, t + policy.openMs, policy).allow).toBe(true);
      }),
    );
  });

  test('DependencyOutageError names its dependency first, so a parked reason tells what it waits for', () => {
    const err = new DependencyOutageError('erp', Date.UTC(2026, 10, 30));
    expect(err.name).toBe('DependencyOutageError');
    expect(outageDependency(err.message)).toBe('erp');
    expect(outageDependency('unmapped_product: x')).toBeNull();
  });
});
