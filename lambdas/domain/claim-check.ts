/**
 * Claim-check for bus events (DESIGN.md §2): an event too large to travel on the bus is stored whole in
 * S3 and the bus carries a small reference the flows resolve. Sizes are measured as EventBridge measures
 * a PutEvents entry (AWS docs, "Calculating Amazon EventBridge PutEvents event entry size"): the UTF-8
 * bytes of Source, DetailType, Detail and each Resources entry, plus 14 bytes when Time is given. The
 * entry must be under 256 KB.
 */
import * as z from 'zod';

/** EventBridge's PutEvents entry limit (256 KB). */
export const EVENTBRIDGE_MAX_ENTRY_BYTES = 256 * 1024;

/**
 * Entries above this go to S3. Well under the 256 KB entry limit on purpose: the delivered event becomes
 * a flow's Step Functions execution input, and the flow adds the mapped postings (the invoice's lines
 * again) to the same state, which Step Functions also caps at 256 KB; a quarter leaves that room.
 */
export const CLAIM_CHECK_ABOVE_BYTES = 64 * 1024;

/** The key prefix claim-checked payloads live under (the grants are scoped to it). */
export const CLAIM_CHECK_PREFIX = 'payloads/';

export interface PutEventsEntryFields {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: readonly string[];
  Time?: Date | string | number;
}

const utf8 = (s: string | undefined): number => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));

/** The size EventBridge counts against the 256 KB limit (EventBusName is not counted). */
export function putEventsEntrySize(entry: PutEventsEntryFields): number {
  let size = entry.Time === undefined || entry.Time === null ? 0 : 14;
  size += utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail);
  for (const r of entry.Resources ?? []) size += utf8(r);
  return size;
}

export const ClaimCheckRef = z.object({
  /** Object key: payloads/<sha256 of the stored detail>.json (content-addressed, immutable). */
  key: z.string().startsWith(CLAIM_CHECK_PREFIX),
  /** UTF-8 bytes of the stored detail. */
  bytes: z.number().int().positive(),
  /** Hex SHA-256 of the stored detail: the resolver refuses an object that does not match. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ClaimCheckRef = z.infer<typeof ClaimCheckRef>;

export const claimCheckKey = (sha256: string): string => `${CLAIM_CHECK_PREFIX}${sha256}.json`;

/** Top-level fields of the detail kept on the reference (ids, types, timestamps), for logs and parking. */
const SUMMARY_FIELD_MAX_CHARS = 256;

/**
 * The detail the bus carries instead: the envelope's small top-level scalars (schemaVersion, source,
 * eventId, eventType, created, livemode, correlationId, receivedAt…) so archives, the exception queue
 * and logs still name the event, plus `claimCheck`. It deliberately fails the envelope schemas
 * (no `object` / `record`), so nothing can mistake a reference for the event.
 */
export function claimCheckDetail(
  detail: Record<string, unknown>,
  ref: ClaimCheckRef,
): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail)) {
    const small =
      v === null ||
      typeof v === 'boolean' ||
      typeof v === 'number' ||
      (typeof v === 'string' && v.length <= SUMMARY_FIELD_MAX_CHARS);
    if (small && k !== 'claimCheck') summary[k] = v;
  }
  return { ...summary, claimCheck: ref };
}

/** The claim-check reference a bus detail carries, if it is one. */
export function claimCheckOf(detail: unknown): ClaimCheckRef | undefined {
  if (detail === null || typeof detail !== 'object' || !('claimCheck' in detail)) return undefined;
  const parsed = ClaimCheckRef.safeParse((detail as { claimCheck: unknown }).claimCheck);
  return parsed.success ? parsed.data : undefined;
}
