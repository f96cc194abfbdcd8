/**
 * Posting latency, in business terms: from the moment our webhook endpoint accepted the vendor event
 * (`receivedAt` on the envelope) to the moment its document is in the ERP. The mapping tasks stamp the
 * time on each posting they hand on; postEntry records `PostingLatency` when the document is first posted.
 * The stamp travels beside the idempotency key, which alone identifies a posting (Powertools is keyed on it).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { JournalEntry } from '../../domain/model';
import { metrics } from './powertools';

export interface Received {
  /** ISO time our edge accepted the source event. */
  receivedAt?: string;
}

export function stampReceived<T extends object>(posting: T, receivedAt: string): T & Received {
  return { ...posting, receivedAt };
}

export function recordPostingLatency(
  kind: JournalEntry['kind'],
  receivedAt: string | undefined,
  now = Date.now(),
): void {
  if (!receivedAt) return;
  const elapsed = now - Date.parse(receivedAt);
  if (!Number.isFinite(elapsed) || elapsed < 0) return;
  const latency = metrics.singleMetric();
  latency.addDimensions({ kind });
  latency.addMetric('PostingLatency', MetricUnit.Milliseconds, elapsed);
}
