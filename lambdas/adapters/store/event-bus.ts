/**
 * Publishes envelopes on the quote-to-cash bus (AWS_ENDPOINT_URL_EVENTBRIDGE points it locally). Every
 * entry is sized as EventBridge sizes it; one above CLAIM_CHECK_ABOVE_BYTES is claim-checked: the detail
 * is stored in S3 first and the entry carries the reference (lambdas/domain/claim-check.ts).
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CLAIM_CHECK_ABOVE_BYTES, claimCheckDetail, putEventsEntrySize } from '../../domain/claim-check';
import { TransientError } from '../../domain/errors';
import { retryable } from './aws-errors';
import { storePayload } from './claim-check-store';

const client = new EventBridgeClient({});

export interface BusEvent {
  source: string;
  detailType: string;
  detail: unknown;
  time: Date;
}

/** The PutEvents entry for an event: inline, or (too large for the bus) a claim-check reference. */
export async function busEntry(busName: string, event: BusEvent): Promise<PutEventsRequestEntry> {
  const entry = {
    EventBusName: busName,
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    Time: event.time,
  };
  if (putEventsEntrySize(entry) <= CLAIM_CHECK_ABOVE_BYTES) return entry;
  const ref = await storePayload(entry.Detail);
  return { ...entry, Detail: JSON.stringify(claimCheckDetail(event.detail as Record<string, unknown>, ref)) };
}

export async function publish(busName: string, event: BusEvent): Promise<string> {
  const request = await busEntry(busName, event);
  const out = await retryable(() => client.send(new PutEventsCommand({ Entries: [request] })));
  const entry = out.Entries?.[0];
  if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
    throw new TransientError(
      `PutEvents rejected the entry: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`,
    );
  }
  return entry.EventId;
}

/** PutEvents takes at most 10 entries and 256 KB per request (entries sized as EventBridge sizes them). */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 240 * 1024;

export interface PublishAllOptions {
  /** Attempts per entry (PutEvents can fail single entries: FailedEntryCount). Default 4. */
  attempts?: number;
  /** Base back-off between attempts in ms (doubled each time, with full jitter). Default 100. */
  backoffMs?: number;
}

/**
 * Publishes every event, in batches of ≤10 entries and ≤240 KB, retrying only the entries PutEvents
 * failed (FailedEntryCount) and whole batches the SDK could not send. Resolves only when EVERY event
 * has an EventBridge event id; otherwise throws TransientError (the caller must not acknowledge).
 */
export async function publishAll(
  busName: string,
  events: readonly BusEvent[],
  options: PublishAllOptions = {},
): Promise<string[]> {
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 100;
  const ids: (string | undefined)[] = new Array(events.length);
  const entries: PutEventsRequestEntry[] = [];
  for (const e of events) entries.push(await busEntry(busName, e));
  let pending = entries.map((_, i) => i);
  let lastError = '';
  for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
    if (attempt > 1) await sleep(Math.random() * backoffMs * 2 ** (attempt - 2));
    const failed: number[] = [];
    for (const batch of batches(pending, (i) => putEventsEntrySize(entries[i]))) {
      try {
        const out = await retryable(() =>
          client.send(new PutEventsCommand({ Entries: batch.map((i) => entries[i]) })),
        );
        batch.forEach((index, n) => {
          const result = out.Entries?.[n];
          if (result?.EventId && !result.ErrorCode) ids[index] = result.EventId;
          else {
            failed.push(index);
            lastError = `${result?.ErrorCode ?? 'unknown'} ${result?.ErrorMessage ?? ''}`.trim();
          }
        });
      } catch (err) {
        failed.push(...batch);
        lastError = (err as Error).message;
      }
    }
    pending = failed;
  }
  if (pending.length > 0) {
    throw new TransientError(
      `PutEvents did not accept ${pending.length} of ${events.length} events after ${attempts} attempts: ${lastError}`,
    );
  }
  return ids as string[];
}

function batches(indexes: number[], size: (i: number) => number): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const i of indexes) {
    const s = size(i);
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + s > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += s;
  }
  if (current.length > 0) out.push(current);
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
