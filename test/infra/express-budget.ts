/**
 * Worst-case duration of a Step Functions execution, from its ASL, for the Express 5-minute limit.
 *
 * The rules are Step Functions' (AWS Step Functions Developer Guide, "Handling errors in Step Functions
 * workflows"): retry n (1-based) of a retrier waits IntervalSeconds × BackoffRate^(n-1), capped at
 * MaxDelaySeconds; JitterStrategy FULL draws the wait from [0, that], so its worst case is the cap itself;
 * each retrier counts its own attempts, so errors alternating between retriers exhaust every one of them.
 * A Task attempt lasts at most its TimeoutSeconds, and a Lambda invocation at most the function's timeout.
 * The longest path follows Next, every Catch and every Choice branch.
 */
import { FUNCTIONS, type FunctionKey } from '../../lib/topology';

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}
interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { Next: string }[];
  Retry?: Retrier[];
  TimeoutSeconds?: number;
  Seconds?: number;
  MaxConcurrency?: number;
  ItemProcessor?: Machine;
  Iterator?: Machine;
  Branches?: Machine[];
}
export interface Machine {
  StartAt: string;
  States: Record<string, State>;
}

/** Σ of the waits of one retrier when all its attempts are used (ASL defaults: 1 s, 3 attempts, rate 2). */
export function retrierBackoffSeconds(r: Retrier): number {
  const interval = r.IntervalSeconds ?? 1;
  const rate = r.BackoffRate ?? 2;
  let total = 0;
  for (let n = 1; n <= (r.MaxAttempts ?? 3); n++) {
    const wait = interval * rate ** (n - 1);
    total += r.MaxDelaySeconds === undefined ? wait : Math.min(wait, r.MaxDelaySeconds);
  }
  return total;
}

export interface BudgetOptions {
  /** Upper bound on the items of each Map state, by state name (inline Maps carry no bound of their own). */
  mapItems?: Record<string, number>;
}

/** `${PostInvoiceFunctionArn}` → the function's timeout from the topology. */
function lambdaTimeout(resource: string): number | undefined {
  const sub = /^\$\{(\w+)\}$/.exec(resource)?.[1];
  if (!sub) return undefined;
  const key = (Object.keys(FUNCTIONS) as FunctionKey[]).find(
    (k) => (FUNCTIONS[k] as { asArnSubstitution?: string }).asArnSubstitution === sub,
  );
  return key ? FUNCTIONS[key].timeoutSeconds : undefined;
}

/** Worst case of one attempt-set of a Task: every attempt to its timeout, every retrier exhausted. */
export function taskWorstSeconds(name: string, s: State): number {
  const lambda = s.Resource ? lambdaTimeout(s.Resource) : undefined;
  const attempt = Math.min(s.TimeoutSeconds ?? Infinity, lambda ?? Infinity);
  if (!Number.isFinite(attempt))
    throw new Error(`${name}: a Task with neither TimeoutSeconds nor a Lambda timeout has no worst case`);
  const retriers = s.Retry ?? [];
  const attempts = 1 + retriers.reduce((n, r) => n + (r.MaxAttempts ?? 3), 0);
  return attempts * attempt + retriers.reduce((t, r) => t + retrierBackoffSeconds(r), 0);
}

/** The longest path through a machine, in seconds, with the states on it. */
export function worstCase(machine: Machine, opts: BudgetOptions = {}): { seconds: number; path: string[] } {
  const memo = new Map<string, { seconds: number; path: string[] }>();
  const visit = (name: string, stack: Set<string>): { seconds: number; path: string[] } => {
    const cached = memo.get(name);
    if (cached) return cached;
    if (stack.has(name)) throw new Error(`loop through ${name}: no worst case`);
    const s = machine.States[name];
    if (!s) throw new Error(`no state ${name}`);
    let own = 0;
    if (s.Type === 'Task') own = taskWorstSeconds(name, s);
    else if (s.Type === 'Wait') {
      if (s.Seconds === undefined) throw new Error(`${name}: a Wait without fixed Seconds has no worst case`);
      own = s.Seconds;
    } else if (s.Type === 'Map') {
      const items = opts.mapItems?.[name];
      if (items === undefined) throw new Error(`${name}: a Map needs an item bound (mapItems)`);
      const concurrency = s.MaxConcurrency && s.MaxConcurrency > 0 ? s.MaxConcurrency : items;
      const inner = worstCase((s.ItemProcessor ?? s.Iterator) as Machine, opts).seconds;
      own = Math.ceil(items / concurrency) * inner;
    } else if (s.Type === 'Parallel') {
      own = Math.max(...(s.Branches ?? []).map((b) => worstCase(b, opts).seconds));
    }
    const next = [
      s.Next,
      s.Default,
      ...(s.Choices ?? []).map((c) => c.Next),
      ...(s.Catch ?? []).map((c) => c.Next),
    ].filter((n): n is string => typeof n === 'string');
    const inner = new Set(stack).add(name);
    const best = next
      .map((n) => visit(n, inner))
      .reduce<{ seconds: number; path: string[] }>(
        (a, b) => (a.path.length === 0 || b.seconds > a.seconds ? b : a),
        {
          seconds: 0,
          path: [],
        },
      );
    const result = { seconds: own + best.seconds, path: [name, ...best.path] };
    memo.set(name, result);
    return result;
  };
  return visit(machine.StartAt, new Set());
}
