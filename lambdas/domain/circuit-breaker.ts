/**
 * Circuit breaker, pure: closed → open after `failureThreshold` consecutive outage failures; open
 * refuses calls for `openMs`; then one caller at a time probes (half-open): success closes the
 * circuit, failure re-opens it for another `openMs`. A probe that never reports back (the Lambda
 * died) stops counting as "in progress" after `probeTimeoutMs`, so the circuit cannot stick.
 *
 * The state is shared by every Lambda instance (DynamoDB, see adapters/circuit-breaker); every
 * transition here returns a new state with `version + 1`, so the store can write it conditionally
 * on the version it read (optimistic concurrency: of two instances, one wins the probe).
 */
export type BreakerStatus = 'closed' | 'open' | 'half-open';

export interface BreakerPolicy {
  /** Consecutive outage failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before a probe is let through. */
  openMs: number;
  /** A half-open probe older than this is presumed dead and another caller may probe. */
  probeTimeoutMs: number;
}

export interface BreakerState {
  status: BreakerStatus;
  consecutiveFailures: number;
  /** When the circuit (last) opened, epoch ms. */
  openedAt: number | null;
  /** When the current half-open probe started, epoch ms. */
  probeStartedAt: number | null;
  version: number;
}

export const CLOSED: BreakerState = {
  status: 'closed',
  consecutiveFailures: 0,
  openedAt: null,
  probeStartedAt: null,
  version: 0,
};

export type Admission =
  /** Call the dependency. `next` is the state to claim first (conditionally) when the call is a probe. */
  | { allow: true; probe: boolean; next: BreakerState | null }
  /** Do not call: park the work until `retryAt`. */
  | { allow: false; retryAt: number };

/** May a call go through now? */
export function admit(state: BreakerState, now: number, policy: BreakerPolicy): Admission {
  if (state.status === 'closed') return { allow: true, probe: false, next: null };
  if (state.status === 'open') {
    const retryAt = (state.openedAt ?? now) + policy.openMs;
    if (now < retryAt) return { allow: false, retryAt };
  } else {
    const probeDeadline = (state.probeStartedAt ?? now) + policy.probeTimeoutMs;
    if (now < probeDeadline) return { allow: false, retryAt: probeDeadline };
  }
  return {
    allow: true,
    probe: true,
    next: { ...state, status: 'half-open', probeStartedAt: now, version: state.version + 1 },
  };
}

/** A call succeeded: the dependency is healthy again (a no-op, `null`, when nothing changes). */
export function onSuccess(state: BreakerState): BreakerState | null {
  if (state.status === 'closed' && state.consecutiveFailures === 0) return null;
  return { ...CLOSED, version: state.version + 1 };
}

/** A call failed in a way that suggests an outage (5xx, timeout, connection refused). */
export function onFailure(state: BreakerState, now: number, policy: BreakerPolicy): BreakerState {
  const failures = state.consecutiveFailures + 1;
  const version = state.version + 1;
  if (state.status === 'half-open') {
    return { status: 'open', consecutiveFailures: failures, openedAt: now, probeStartedAt: null, version };
  }
  if (state.status === 'open') {
    // A call admitted before the circuit opened failed late: keep the open window as it is.
    return { ...state, consecutiveFailures: failures, version };
  }
  if (failures >= policy.failureThreshold) {
    return { status: 'open', consecutiveFailures: failures, openedAt: now, probeStartedAt: null, version };
  }
  return { ...state, consecutiveFailures: failures, version };
}

/**
 * Whether parked work for this dependency should be re-driven now: everything when closed; one
 * message (the probe) when the open window has passed; nothing while open or probing.
 */
export function drainAllowance(
  state: BreakerState,
  now: number,
  policy: BreakerPolicy,
): 'all' | 'probe' | 'none' {
  if (state.status === 'closed') return 'all';
  const admission = admit(state, now, policy);
  return admission.allow ? 'probe' : 'none';
}
