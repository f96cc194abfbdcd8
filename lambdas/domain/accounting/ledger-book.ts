/**
 * The ledger's posting rule, pure: an entry is recorded once under its entry id; re-posting the
 * same entry is a no-op and returns the first recording; a different entry under a known id is a
 * conflict (a bug or a tampered replay — never silently overwritten). The DynamoDB adapter
 * implements exactly this with a conditional write.
 */
import type { JournalEntry } from '../model';
import { assertBalanced } from './journal';

export type PostingOutcome = 'posted' | 'already-posted';

export class PostingConflictError extends Error {
  override readonly name = 'PostingConflictError';
}

export function decidePosting(existing: JournalEntry | undefined, entry: JournalEntry): PostingOutcome {
  assertBalanced(entry);
  if (!existing) return 'posted';
  if (existing.documentRef !== entry.documentRef || existing.kind !== entry.kind) {
    throw new PostingConflictError(
      `entry ${entry.entryId} is already recorded for ${existing.kind} ${existing.documentRef}, not ${entry.kind} ${entry.documentRef}`,
    );
  }
  return 'already-posted';
}

/** Posts into an in-memory book (used by property tests and as the reference the adapter must match). */
export function postToBook(
  book: ReadonlyMap<string, JournalEntry>,
  entry: JournalEntry,
): Map<string, JournalEntry> {
  const next = new Map(book);
  if (decidePosting(book.get(entry.entryId), entry) === 'posted') next.set(entry.entryId, entry);
  return next;
}
