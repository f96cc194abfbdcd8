/**
 * Reads a parked message (exception queue or dead-letter queue) into a classified, human-readable
 * record. Step Functions puts a Lambda error's Cause as JSON ({errorType, errorMessage, trace})
 * in AWS; the local interpreter puts the message string. Both read the same here.
 */
import type { ErrorClassification } from './errors';

export interface ParkedException {
  classification: ErrorClassification;
  error: string;
  reason: string;
  eventType: string | null;
  sourceEventId: string | null;
  correlationId: string | null;
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function causeMessage(cause: unknown): string {
  const text = str(cause) ?? '';
  try {
    const parsed = JSON.parse(text) as Json;
    return str(parsed.errorMessage) ?? text;
  } catch {
    return text;
  }
}

export function describeParked(body: string, attributes: Record<string, string> = {}): ParkedException {
  let parsed: Json = {};
  try {
    parsed = JSON.parse(body) as Json;
  } catch {
    // unreadable bodies are still reported, never dropped
  }
  const fromStateMachine = typeof parsed.classification === 'string';
  // A reference-only park (the payload itself could not be queued) names the event instead of carrying it.
  const ref = parsed.eventRef as Json | undefined;
  const event = (ref ? { 'detail-type': ref['detail-type'] } : fromStateMachine ? parsed.event : parsed) as
    Json | undefined;
  const detail = (ref ? { eventId: ref.eventId } : (event?.detail ?? {})) as Json;
  const classification = (str(parsed.classification) ?? 'technical') as ErrorClassification;
  return {
    classification,
    error: str(parsed.error) ?? attributes.ERROR_CODE ?? 'Unknown',
    reason: fromStateMachine
      ? causeMessage(parsed.cause)
      : (attributes.ERROR_MESSAGE ?? 'undeliverable event'),
    eventType: str(event?.['detail-type']),
    sourceEventId: str(detail.eventId),
    correlationId: str(detail.correlationId),
  };
}

/** Prefix of the parked markers' keys (statemachines/*.asl.json `Park…Key` states). */
export const PARKED_MARKER_PREFIX = 'parked#';

/** The parked marker a message was parked under, or null (older messages, dead letters, other queues). */
export function parkedKeyOf(body: string): string | null {
  try {
    const key = (JSON.parse(body) as Json).parkedKey;
    return typeof key === 'string' && key.startsWith(PARKED_MARKER_PREFIX) ? key : null;
  } catch {
    return null;
  }
}
