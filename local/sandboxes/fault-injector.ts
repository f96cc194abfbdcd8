/**
 * Fault injection shared by the vendor sandboxes: a list of one-shot or counted faults, each
 * matched against an incoming request and consumed when it fires. What a fault *answers* with is
 * vendor-specific (each sandbox's `faultError`); when and how often it fires is the same everywhere.
 */
export interface FaultHandle {
  /** Matching requests still to fail. */
  readonly remaining: number;
  cancel(): void;
}

export interface CountedFault<Req> {
  /** How many matching requests it affects; default 1 (`Infinity` until cleared). */
  times?: number;
  match?: (req: Req) => boolean;
}

interface ActiveFault<Spec> {
  spec: Spec;
  remaining: number;
}

export class FaultInjector<Req, Spec extends CountedFault<Req>> {
  private faults: ActiveFault<Spec>[] = [];

  inject(spec: Spec): FaultHandle {
    const fault: ActiveFault<Spec> = { spec, remaining: spec.times ?? 1 };
    this.faults.push(fault);
    return {
      get remaining() {
        return fault.remaining;
      },
      cancel: () => {
        fault.remaining = 0;
        this.faults = this.faults.filter((f) => f !== fault);
      },
    };
  }

  /** The first active fault matching the request, consumed. */
  take(req: Req): Spec | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && (f.spec.match?.(req) ?? true));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault.spec;
  }

  clear(): void {
    for (const f of this.faults) f.remaining = 0;
    this.faults = [];
  }
}
