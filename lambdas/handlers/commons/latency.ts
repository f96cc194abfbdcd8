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
  /** On the first invoice of a subscription a Salesforce deal created: when the opportunity closed won. */
  closedWonAt?: string;
}

/**
 * The deal's closed-won time, if this invoice is the first of a subscription the deal flow created
 * (the flow stamps the opportunity's version — its SystemModstamp at closed won — into the metadata).
 */
export function closedWonAtOf(invoice: Record<string, unknown>): string | undefined {
  if (invoice.billing_reason !== 'subscription_create') return undefined;
  const parent = invoice.parent as
    { subscription_details?: { metadata?: Record<string, unknown> } } | undefined;
  const version = parent?.subscription_details?.metadata?.sf_version;
  return typeof version === 'string' && !Number.isNaN(Date.parse(version)) ? version : undefined;
}

/** Quote-to-bill latency: closed won in Salesforce → its first invoice in the ERP. */
export function recordQuoteToBillLatency(closedWonAt: string | undefined, now = Date.now()): void {
  if (!closedWonAt) return;
  const elapsed = now - Date.parse(closedWonAt);
  if (!Number.isFinite(elapsed) || elapsed < 0) return;
  metrics.addMetric('QuoteToBillLatency', MetricUnit.Milliseconds, elapsed);
}

export function stampReceived<T extends object>(
  posting: T,
  receivedAt: string,
  closedWonAt?: string,
): T & Received {
  return { ...posting, receivedAt, ...(closedWonAt ? { closedWonAt } : {}) };
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
