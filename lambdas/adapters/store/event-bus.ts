/** Publishes envelopes on the quote-to-cash bus (AWS_ENDPOINT_URL_EVENTBRIDGE points it locally). */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { TransientError } from '../../domain/errors';
import { retryable } from './aws-errors';

const client = new EventBridgeClient({});

export interface BusEvent {
  source: string;
  detailType: string;
  detail: unknown;
  time: Date;
}

export async function publish(busName: string, event: BusEvent): Promise<string> {
  const out = await retryable(() =>
    client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: event.source,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            Time: event.time,
          },
        ],
      }),
    ),
  );
  const entry = out.Entries?.[0];
  if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
    throw new TransientError(
      `PutEvents rejected the entry: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`,
    );
  }
  return entry.EventId;
}
