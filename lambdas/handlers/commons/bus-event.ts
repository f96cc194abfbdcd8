/**
 * The one place a flow reads a bus event's detail: a claim-check reference (an event too large for the
 * bus, stored in S3 at ingest) is resolved here to the detail it stands for; anything else is the detail
 * itself. The flows' first steps (MapStripeInvoice, MapStripeMoneyEvent, LoadDeal) call it, so archive
 * replays and re-driven parked events (which carry the reference) resolve the same way.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { loadPayload } from '../../adapters/store/claim-checks';
import { claimCheckOf } from '../../domain/claim-check';

export async function eventDetail(event: EventBridgeEvent<string, unknown> | undefined): Promise<unknown> {
  const ref = claimCheckOf(event?.detail);
  return ref ? loadPayload(ref) : event?.detail;
}
