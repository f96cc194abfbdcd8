/**
 * The exception census: how much work is parked, and how long the oldest has waited, per
 * classification — what finance ops reads as "exceptions by reason". Pure: the drain counts the
 * messages its scan leaves on the exception queue and emits this as metrics.
 */
import { ERROR_CLASSIFICATIONS, type ErrorClassification } from './errors';

export interface ParkedCount {
  parked: number;
  /** Seconds the oldest parked message has waited (0 when none). */
  oldestSeconds: number;
}

export type ExceptionCensus = Record<ErrorClassification, ParkedCount>;

/** Every classification appears, with 0 when nothing is parked, so dashboards show a zero, not a gap. */
export function exceptionCensus(
  parked: readonly { classification: ErrorClassification; sentAtMs: number }[],
  nowMs: number,
): ExceptionCensus {
  const census = Object.fromEntries(
    ERROR_CLASSIFICATIONS.map((c) => [c, { parked: 0, oldestSeconds: 0 }]),
  ) as ExceptionCensus;
  for (const { classification, sentAtMs } of parked) {
    const entry = census[classification];
    entry.parked++;
    entry.oldestSeconds = Math.max(entry.oldestSeconds, Math.max(0, Math.floor((nowMs - sentAtMs) / 1000)));
  }
  return census;
}
