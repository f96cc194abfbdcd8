/**
 * Exceptions resolved without a replay (`q2c exceptions discard`): each leaves the exception queue for
 * an audited archive — when, why, who (if given), the classified reason it was parked with and the
 * original message (body and attributes) — one JSON line per discard in <data-dir>/exceptions-archive.jsonl,
 * which survives restarts and is never rewritten.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describeParked, type ParkedException } from '../lambdas/domain/exceptions';

export interface DiscardedException {
  discardedAt: string;
  reason: string;
  by: string | null;
  messageId: string;
  parkedAt: string | null;
  parked: ParkedException;
  /** The message as it was parked: the original event (or the state machine's park record). */
  body: string;
  attributes: Record<string, string>;
}

export const exceptionArchiveFile = (dataDir: string) => path.join(dataDir, 'exceptions-archive.jsonl');

export function discardRecord(
  message: Message,
  why: { reason: string; by?: string },
  now: Date,
): DiscardedException {
  const attributes = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, String(v.StringValue ?? '')]),
  );
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    discardedAt: now.toISOString(),
    reason: why.reason,
    by: why.by ?? null,
    messageId: message.MessageId ?? '',
    parkedAt: Number.isFinite(sent) ? new Date(sent).toISOString() : null,
    parked: describeParked(message.Body ?? '', attributes),
    body: message.Body ?? '',
    attributes,
  };
}

export function appendDiscarded(dataDir: string, record: DiscardedException): void {
  appendFileSync(exceptionArchiveFile(dataDir), JSON.stringify(record) + '\n', { mode: 0o600 });
}

export function readDiscarded(dataDir: string): DiscardedException[] {
  const file = exceptionArchiveFile(dataDir);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DiscardedException);
}
