/**
 * What became of each replayed event — not "re-published", but where it ended: posted, already
 * posted (the replay added nothing: idempotent), parked again (with the reason), or done without a
 * posting (e.g. a deal applied in Stripe). Locally the runtime is asked once its executions settle;
 * the pure `replayOutcome` decides from the journal and the exception queue.
 */
import type { QueueView } from '../report';
import type { ReplayedMessage } from './run';

export type EventOutcome =
  'posted' | 'already posted' | 'parked again' | 'done, nothing posted' | 'not replayed';

export interface FollowedMessage extends ReplayedMessage {
  result: EventOutcome;
  /** The reason it is parked again, or the entries it posted. */
  because: string;
}

interface Posting {
  entryId: string;
  kind: string;
  sourceEventId: string;
  correlationId: string;
  recordedAt: string;
}

/** One replayed message's end, from the journal and the exception queue after the replay settled. */
export function replayOutcome(
  message: ReplayedMessage,
  after: { journal: readonly Posting[]; parked: QueueView['messages']; sinceMs: number },
): FollowedMessage {
  if (message.outcome !== 'replayed')
    return { ...message, result: 'not replayed', because: message.detail ?? message.outcome };
  const id = message.sourceId;
  const again = after.parked.find(
    (m) =>
      id !== null &&
      (m.sourceEventId === id || m.correlationId === id) &&
      Date.parse(m.parkedAt ?? '') >= after.sinceMs - 1000,
  );
  if (again)
    return { ...message, result: 'parked again', because: `${again.classification}: ${again.reason}` };
  const postings = after.journal.filter(
    (e) => id !== null && (e.sourceEventId === id || e.correlationId === id),
  );
  const fresh = postings.filter((e) => Date.parse(e.recordedAt) >= after.sinceMs - 1000);
  if (fresh.length)
    return { ...message, result: 'posted', because: fresh.map((e) => `${e.kind} ${e.entryId}`).join(', ') };
  if (postings.length)
    return {
      ...message,
      result: 'already posted',
      because: `nothing new: ${postings.map((e) => e.kind).join(', ')} already in the ledger`,
    };
  return { ...message, result: 'done, nothing posted', because: 'the flow ended without a journal entry' };
}

/** Waits for the local runtime's executions to settle, then reads where each replayed event ended. */
export async function followLocally(
  ops: {
    health(): Promise<{ executions: { inFlight: number } }>;
    journal(): Promise<{ entries: Posting[] }>;
    queues(): Promise<{ queues: QueueView[] }>;
  },
  messages: readonly ReplayedMessage[],
  sinceMs: number,
  onWait: (inFlight: number, waitedMs: number) => void = () => undefined,
  timeoutMs = 300_000,
): Promise<FollowedMessage[]> {
  const started = Date.now();
  let quiet = 0;
  // Two quiet polls in a row: a re-published event may still be on its way to its flow at the first.
  while (quiet < 2) {
    const { inFlight } = (await ops.health()).executions;
    quiet = inFlight === 0 ? quiet + 1 : 0;
    onWait(inFlight, Date.now() - started);
    if (Date.now() - started > timeoutMs)
      throw new Error(`replayed work still running after ${Math.round(timeoutMs / 1000)} s; see q2c status`);
    if (quiet < 2) await new Promise((r) => setTimeout(r, 250));
  }
  const [{ entries }, { queues }] = await Promise.all([ops.journal(), ops.queues()]);
  const parked = queues.flatMap((q) => q.messages);
  return messages.map((m) => replayOutcome(m, { journal: entries, parked, sinceMs }));
}
