/**
 * Faults an integration with NetSuite must survive, injected on demand: 5xx, 429 bursts (as
 * another integration eating the shared budget would cause) and timeouts — including the nasty one,
 * where NetSuite commits the record and the response never arrives.
 */
export interface FaultMatch {
  method?: string;
  /** Substring of the path, or a pattern. */
  path?: string | RegExp;
}

export type FaultSpec =
  | { kind: 'status'; status: 500 | 502 | 503 | 504; times?: number; match?: FaultMatch }
  | { kind: 'throttle'; times?: number; retryAfterSeconds?: number; match?: FaultMatch }
  | {
      kind: 'timeout';
      times?: number;
      /** Process the request (the record is written), then never answer. */
      afterCommit?: boolean;
      match?: FaultMatch;
    };

export interface FaultHandle {
  /** How many more requests this fault will hit. */
  remaining(): number;
  clear(): void;
}

interface ActiveFault {
  spec: FaultSpec;
  left: number;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): FaultHandle {
    const fault = { spec, left: spec.times ?? 1 };
    this.faults.push(fault);
    return {
      remaining: () => fault.left,
      clear: () => {
        this.faults = this.faults.filter((f) => f !== fault);
      },
    };
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault matching this request, consumed once. */
  take(method: string, path: string): FaultSpec | undefined {
    const fault = this.faults.find((f) => f.left > 0 && matches(f.spec.match, method, path));
    if (!fault) return undefined;
    fault.left--;
    if (fault.left === 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault.spec;
  }
}

function matches(match: FaultMatch | undefined, method: string, path: string): boolean {
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== method.toUpperCase()) return false;
  if (match.path === undefined) return true;
  return typeof match.path === 'string' ? path.includes(match.path) : match.path.test(path);
}
