/**
 * Re-drives parked messages from an SQS queue (a dead-letter queue or the exception queue) with the
 * real SQS client — the same code against AWS and against the local emulator, used by
 * `q2c replay --from dlq|exceptions`, `q2c replay --executions failed` (Express) and the outage drain.
 *
 * Each message is deleted only after its re-publish (PutEvents accepted it, StartExecution started it,
 * or — on a partner-bus rule's dead-letter queue — the rule's target function ran without error)
 * succeeded. Messages that do not match the filters, dry-run messages, skipped and
 * failed ones stay on the queue: they are kept invisible while the scan runs (so the scan sees each
 * message once) and made visible again at the end.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { parkedKeyOf } from '../../domain/exceptions';
import {
  matchesFilter,
  planMessage,
  type PlannedMessage,
  planRelayMessage,
  reasonLabel,
  type ReplayFilter,
  type ReplayMode,
  ReplayTally,
  type StoredEvent,
} from '../../domain/replay';
import type { ParkedMarkers } from './parked-markers';

/** Where re-driven work goes. */
export interface ReplaySink {
  /** Put an event back on the bus (throws when the bus refused it). */
  publish(event: StoredEvent): Promise<void>;
  /** Start the named state machine (as deployed) with this input. */
  start(stateMachine: string, input: unknown): Promise<void>;
  /**
   * Invoke a function (topology key) synchronously with this event; throws unless it ran without a
   * function error. Only sinks that re-drive partner-bus dead letters need it.
   */
  invoke?(functionKey: string, payload: StoredEvent): Promise<void>;
}

export interface RedriveOptions {
  sqs: SQSClient;
  queueUrl: string;
  sink: ReplaySink;
  mode?: ReplayMode;
  /**
   * The queue is a partner-bus rule's dead-letter queue: each message is a partner event, re-driven by
   * invoking this function (topology key) with it (`planRelayMessage`) — `mode` does not apply.
   */
  reinvoke?: string;
  filter?: ReplayFilter;
  /** Report what would be replayed; change nothing. */
  dryRun?: boolean;
  /** Further selection after the filters (the drain lets one probe through per half-open circuit). */
  select?: (message: PlannedMessage) => boolean;
  onProgress?: (done: number, total: number) => void;
  /** Long-poll wait of each receive; the scan ends after two empty receives. Default 1 s. */
  waitTimeSeconds?: number;
  /** How long scanned messages stay invisible while the scan runs. Default 300 s. */
  visibilityTimeoutSeconds?: number;
  /** Told of every message the scan leaves on the queue (the drain's exception census). */
  onLeft?: (message: Message) => void;
  /** The parked markers of the exception queue: released before a message's work is re-driven. */
  markers?: ParkedMarkers;
  /** Told of every selected message and what became of it (q2c replay follows the replayed ones). */
  onSelected?: (selected: SelectedMessage) => void;
}

export interface SelectedMessage {
  messageId: string;
  parked: PlannedMessage['parked'];
  outcome: 'replayed' | 'skipped' | 'failed';
  /** Why skipped or failed, or what a dry run would do. */
  detail?: string;
}

export async function redriveQueue(opts: RedriveOptions): Promise<ReplayTally> {
  const tally = new ReplayTally();
  const { sqs, queueUrl } = opts;
  // Only what was parked before the scan started: a replayed event that fails again is parked anew
  // (a new message), and must wait for the next replay instead of looping in this one.
  // Behind a clock ahead of SQS's, the identity guard below still stops a loop.
  const scanStartedAt = Date.now();
  const republished = new Set<string>();
  const total = await approximateDepth(sqs, queueUrl);
  const seen = new Set<string>();
  const release: { Id: string; ReceiptHandle: string }[] = [];
  let done = 0;
  let empty = 0;
  opts.onProgress?.(0, total);
  while (empty < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: opts.waitTimeSeconds ?? 1,
        VisibilityTimeout: opts.visibilityTimeoutSeconds ?? 300,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const fresh = Messages.filter((m) => m.MessageId && m.ReceiptHandle && !seen.has(m.MessageId));
    if (fresh.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    for (const m of fresh) {
      const messageId = m.MessageId as string;
      const receipt = m.ReceiptHandle as string;
      seen.add(messageId);
      const keep = () => {
        release.push({ Id: String(release.length), ReceiptHandle: receipt });
        opts.onLeft?.(m);
      };
      const attributes = Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, String(v.StringValue ?? '')]),
      );
      if (Number(m.Attributes?.SentTimestamp ?? 0) > scanStartedAt) {
        keep();
        continue; // parked during this scan (possibly by this scan's own re-publish)
      }
      const planned = opts.reinvoke
        ? planRelayMessage(m.Body ?? '', attributes, opts.reinvoke)
        : planMessage(m.Body ?? '', attributes, opts.mode);
      const label = reasonLabel(planned.parked);
      const identity = planned.parked.sourceEventId ?? planned.parked.correlationId;
      if (identity && republished.has(identity)) {
        keep();
        continue; // the same event was re-published in this run: a later replay takes this copy
      }
      if (!matchesFilter(planned.parked, opts.filter ?? {}) || !(opts.select?.(planned) ?? true)) {
        keep();
        continue; // not selected: not counted, left as it was
      }
      done++;
      const selected = (outcome: SelectedMessage['outcome'], detail?: string) =>
        opts.onSelected?.({ messageId, parked: planned.parked, outcome, detail });
      if (planned.action.kind === 'skip') {
        tally.add('skipped', label, `${messageId}: ${planned.action.reason}`);
        selected('skipped', planned.action.reason);
        keep();
      } else if (opts.dryRun) {
        tally.add('skipped', label, `${messageId}: dry run — would ${describeAction(planned)}`);
        selected('skipped', `dry run — would ${describeAction(planned)}`);
        keep();
      } else {
        try {
          // Before the re-drive, so that if the work fails again it parks again (exactly one new message;
          // this one is deleted below). Released but not re-driven (a failure below) costs at most a
          // duplicate park later, never a lost one.
          const marker = parkedKeyOf(m.Body ?? '');
          if (marker && opts.markers) await opts.markers.release(marker);
          const a = planned.action;
          if (a.kind === 'publish') await opts.sink.publish(a.event);
          else if (a.kind === 'start') await opts.sink.start(a.stateMachine, a.input);
          else if (opts.sink.invoke) await opts.sink.invoke(a.function, a.payload);
          else throw new Error(`this replay cannot invoke ${a.function}`);
        } catch (err) {
          tally.add('failed', label, `${messageId}: ${(err as Error).message}`);
          selected('failed', (err as Error).message);
          keep();
          opts.onProgress?.(done, total);
          continue;
        }
        // Only now: the work is back on the bus or running again.
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt }));
        tally.add('replayed', label);
        selected('replayed');
        if (identity) republished.add(identity);
      }
      opts.onProgress?.(done, Math.max(total, done));
    }
  }
  for (let i = 0; i < release.length; i += 10) {
    const batch = release.slice(i, i + 10).map((r, j) => ({ ...r, Id: String(j), VisibilityTimeout: 0 }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
  }
  return tally;
}

function describeAction(planned: PlannedMessage): string {
  const a = planned.action;
  if (a.kind === 'publish') return `re-publish ${a.event['detail-type']} ${a.event.id ?? ''}`.trim();
  if (a.kind === 'start') return `re-start ${a.stateMachine}`;
  if (a.kind === 'invoke') return `re-invoke ${a.function} with ${a.payload['detail-type']}`;
  return a.reason;
}

async function approximateDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0);
}

/**
 * Puts an event back on the bus with the real EventBridge client, keeping its source, detail-type,
 * detail, resources and original time (idempotency keys derive from the detail, so postings dedupe).
 */
export function eventBridgePublisher(
  client: EventBridgeClient,
  busName: string,
): (event: StoredEvent) => Promise<void> {
  return async (event) => {
    const time = event.time ? new Date(event.time) : undefined;
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: event.source,
            DetailType: event['detail-type'],
            Detail: JSON.stringify(event.detail),
            Resources: event.resources,
            Time: time && Number.isFinite(time.getTime()) ? time : undefined,
          },
        ],
      }),
    );
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId)
      throw new Error(
        `PutEvents refused it: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
  };
}

export { EventBridgeClient };
