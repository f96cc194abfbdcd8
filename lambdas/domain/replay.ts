/**
 * Replay, pure: what to do with one parked message (dead letter or exception), whether it passes
 * the operator's filters, and the tally the summary table prints. The I/O (SQS, PutEvents,
 * StartExecution) lives in adapters/replay; the operator command in local/replay.
 *
 * Decided per message kind:
 * - a bus event (a dead letter, or a flow started by a rule: its input is the event) is put back on
 *   the bus with PutEvents, so the rules route it as the first time (`republish`);
 * - a flow not started by the bus (month-end close: input `{ period }`) is re-started from the stored
 *   input on the state machine that parked it;
 * - `restart` (`q2c replay --executions failed` for Express flows) re-starts the state machine from
 *   the stored input even when it is an event;
 * - a reference-only park (the payload could not be queued) cannot be re-published: it is skipped
 *   with the hint to replay the archive window around it;
 * - a partner event on a relay dead-letter queue (`planRelayMessage`) is re-invoked on the function
 *   the partner-bus rule targets: nobody can PutEvents onto a partner event bus, and the function is
 *   the one place that turns it into our envelopes.
 */
import { ERROR_CLASSIFICATIONS } from './errors';
import { describeParked, type ParkedException } from './exceptions';

export type ReplayOrigin = 'dlq' | 'exceptions';
export type ReplayMode = 'republish' | 'restart';

/** An event as stored in a dead letter or as a flow's input (EventBridge's delivery shape). */
export interface StoredEvent {
  id?: string;
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
  time?: string;
  resources?: string[];
}

export type ReplayAction =
  | { kind: 'publish'; event: StoredEvent }
  | { kind: 'start'; stateMachine: string; input: unknown }
  | { kind: 'invoke'; function: string; payload: StoredEvent }
  | { kind: 'skip'; reason: string };

export interface PlannedMessage {
  parked: ParkedException;
  /** The state machine that parked it (name as deployed), when it came from a flow. */
  stateMachine: string | null;
  action: ReplayAction;
}

type Json = Record<string, unknown>;

export function isStoredEvent(value: unknown): value is StoredEvent {
  const v = value as Json | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.source === 'string' &&
    typeof v['detail-type'] === 'string' &&
    typeof v.detail === 'object' &&
    v.detail !== null &&
    !Array.isArray(v.detail)
  );
}

export function planMessage(
  body: string,
  attributes: Record<string, string>,
  mode: ReplayMode = 'republish',
): PlannedMessage {
  const parked = describeParked(body, attributes);
  let parsed: Json | null;
  try {
    parsed = JSON.parse(body) as Json;
  } catch {
    return { parked, stateMachine: null, action: { kind: 'skip', reason: 'unreadable message body' } };
  }
  const fromFlow = typeof parsed?.classification === 'string';
  const stateMachine = fromFlow && typeof parsed?.stateMachine === 'string' ? parsed.stateMachine : null;
  if (fromFlow && parsed?.eventRef) {
    return {
      parked,
      stateMachine,
      action: {
        kind: 'skip',
        reason: 'reference only (payload not queueable): replay the archive window around it (--archive)',
      },
    };
  }
  const input = fromFlow ? parsed?.event : parsed;
  if (mode === 'restart' || (fromFlow && !isStoredEvent(input))) {
    if (!stateMachine)
      return { parked, stateMachine, action: { kind: 'skip', reason: 'no state machine to re-start' } };
    if (input === undefined)
      return { parked, stateMachine, action: { kind: 'skip', reason: 'no stored input' } };
    return { parked, stateMachine, action: { kind: 'start', stateMachine, input } };
  }
  if (!isStoredEvent(input))
    return {
      parked,
      stateMachine,
      action: { kind: 'skip', reason: 'not an event (no source/detail-type/detail)' },
    };
  return { parked, stateMachine, action: { kind: 'publish', event: input } };
}

/**
 * A message on a partner-bus rule's dead-letter queue, re-driven by invoking the rule's target function
 * with the partner event, as EventBridge delivered it. Two shapes reach that queue in AWS:
 * - the rule target's DLQ: the event itself, with ERROR_CODE / ERROR_MESSAGE message attributes
 *   (EventBridge could not invoke the function);
 * - the function's asynchronous-invocation on-failure destination: an invocation record
 *   `{ requestContext: { condition, … }, requestPayload: <the event>, responsePayload: { errorType, errorMessage } }`
 *   (the function failed on every attempt).
 */
export function planRelayMessage(
  body: string,
  attributes: Record<string, string>,
  targetFunction: string,
): PlannedMessage {
  let parsed: Json | null = null;
  try {
    parsed = JSON.parse(body) as Json;
  } catch {
    // reported below as unreadable, never dropped
  }
  const record = parsed && typeof parsed.requestContext === 'object' && 'requestPayload' in parsed;
  const event: unknown = record ? parsed?.requestPayload : parsed;
  const context = (record ? parsed?.requestContext : {}) as Json;
  const response = (record ? (parsed?.responsePayload ?? {}) : {}) as Json;
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const e = (typeof event === 'object' && event !== null ? event : {}) as Json;
  const detail = (typeof e.detail === 'object' && e.detail !== null ? e.detail : {}) as Json;
  const parked: ParkedException = {
    classification: 'technical',
    error:
      (record
        ? (text(response.errorType) ?? text(context.condition))
        : (attributes.ERROR_CODE ?? attributes.RULE_ARN)) ?? 'Unknown',
    reason: (record ? text(response.errorMessage) : attributes.ERROR_MESSAGE) ?? 'undelivered partner event',
    eventType: text(e['detail-type']) ?? null,
    // The relayed event's own id (Salesforce's EventUuid), else EventBridge's.
    sourceEventId: text(detail.id) ?? text(e.id) ?? null,
    correlationId: null,
  };
  if (parsed === null)
    return { parked, stateMachine: null, action: { kind: 'skip', reason: 'unreadable message body' } };
  if (!isStoredEvent(event))
    return {
      parked,
      stateMachine: null,
      action: { kind: 'skip', reason: 'not a partner event (no source/detail-type/detail)' },
    };
  return { parked, stateMachine: null, action: { kind: 'invoke', function: targetFunction, payload: event } };
}

export interface ReplayFilter {
  /** A classification (business, technical, dependency-outage, rate-limited) or a word of the reason (e.g. unmapped_product). */
  reason?: string;
  /** The event's detail-type, e.g. invoice.finalized. */
  eventType?: string;
}

const CLASSIFICATIONS = new Set<string>(ERROR_CLASSIFICATIONS);

export function matchesFilter(parked: ParkedException, filter: ReplayFilter): boolean {
  if (filter.eventType && parked.eventType !== filter.eventType) return false;
  if (filter.reason) {
    const wanted = filter.reason.toLowerCase();
    if (CLASSIFICATIONS.has(wanted)) return parked.classification === wanted;
    const text = `${parked.error} ${parked.reason}`.toLowerCase();
    if (!text.includes(wanted)) return false;
  }
  return true;
}

/** How the summary groups messages: classification and the stable code at the start of the reason. */
export function reasonLabel(parked: ParkedException): string {
  const code = /^([a-z][a-z0-9_]+|erp|stripe|salesforce):/.exec(parked.reason.trim())?.[1];
  return code ? `${parked.classification}: ${code}` : `${parked.classification}: ${parked.error}`;
}

export type ReplayOutcome = 'replayed' | 'skipped' | 'failed';

export interface TallyRow {
  reason: string;
  replayed: number;
  skipped: number;
  failed: number;
}

/** Counts per reason and outcome, plus why each skip or failure happened (first few). */
export class ReplayTally {
  private readonly rowsByReason = new Map<string, TallyRow>();
  readonly notes: string[] = [];

  add(outcome: ReplayOutcome, reason: string, note?: string): void {
    const row = this.rowsByReason.get(reason) ?? { reason, replayed: 0, skipped: 0, failed: 0 };
    row[outcome]++;
    this.rowsByReason.set(reason, row);
    if (note && this.notes.length < 20) this.notes.push(note);
  }

  merge(other: ReplayTally): this {
    for (const row of other.rows()) {
      const mine = this.rowsByReason.get(row.reason) ?? {
        reason: row.reason,
        replayed: 0,
        skipped: 0,
        failed: 0,
      };
      mine.replayed += row.replayed;
      mine.skipped += row.skipped;
      mine.failed += row.failed;
      this.rowsByReason.set(row.reason, mine);
    }
    for (const n of other.notes) if (this.notes.length < 20) this.notes.push(n);
    return this;
  }

  rows(): TallyRow[] {
    return [...this.rowsByReason.values()].sort((a, b) => a.reason.localeCompare(b.reason));
  }

  totals(): Omit<TallyRow, 'reason'> {
    return this.rows().reduce(
      (t, r) => ({
        replayed: t.replayed + r.replayed,
        skipped: t.skipped + r.skipped,
        failed: t.failed + r.failed,
      }),
      { replayed: 0, skipped: 0, failed: 0 },
    );
  }

  toJSON(): { rows: TallyRow[]; totals: Omit<TallyRow, 'reason'>; notes: string[] } {
    return { rows: this.rows(), totals: this.totals(), notes: this.notes };
  }
}

/** Within an archive window [since, until) — the bounds EventBridge StartReplay takes. */
export function inWindow(time: string, since: Date, until: Date): boolean {
  const t = Date.parse(time);
  return Number.isFinite(t) && t >= since.getTime() && t < until.getTime();
}
