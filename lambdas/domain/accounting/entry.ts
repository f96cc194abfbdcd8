/** Building blocks shared by every posting rule: a balanced entry from a header and its lines, and reversals. */
import type { JournalEntry, JournalKind, JournalLine } from '../model';
import { assertBalanced, nonZero, type LineContext } from './journal';

export interface EntryHeader {
  idempotencyKey: string;
  kind: JournalKind;
  documentRef: string;
  subsidiary: string;
  currency: string;
  /** ISO timestamp or date; the entry keeps the date part. */
  effectiveAt: string;
  memo: string;
  sourceEventId: string;
  correlationId: string;
}

export function balancedEntry(header: EntryHeader, lines: (ctx: LineContext) => JournalLine[]): JournalEntry {
  const ctx: LineContext = {
    currency: header.currency,
    sourceEventId: header.sourceEventId,
    correlationId: header.correlationId,
  };
  const entry: JournalEntry = {
    schemaVersion: 'v1',
    entryId: header.idempotencyKey,
    idempotencyKey: header.idempotencyKey,
    kind: header.kind,
    documentRef: header.documentRef,
    subsidiary: header.subsidiary,
    effectiveDate: header.effectiveAt.slice(0, 10),
    memo: header.memo,
    sourceEventId: header.sourceEventId,
    correlationId: header.correlationId,
    lines: nonZero(lines(ctx)),
  };
  assertBalanced(entry);
  return entry;
}

/**
 * The exact mirror of an entry (every debit becomes a credit), stamped with the reversing
 * event. Reversals never edit the original: both stay in the journal and net to zero.
 */
export function reversalOf(
  original: JournalEntry,
  header: Pick<EntryHeader, 'idempotencyKey' | 'kind' | 'effectiveAt' | 'memo' | 'sourceEventId'>,
): JournalEntry {
  const entry: JournalEntry = {
    ...original,
    entryId: header.idempotencyKey,
    idempotencyKey: header.idempotencyKey,
    kind: header.kind,
    effectiveDate: header.effectiveAt.slice(0, 10),
    memo: header.memo,
    sourceEventId: header.sourceEventId,
    lines: original.lines.map((l) => ({
      ...l,
      debit: l.credit,
      credit: l.debit,
      sourceEventId: header.sourceEventId,
      functional: l.functional && { ...l.functional, debit: l.functional.credit, credit: l.functional.debit },
    })),
  };
  assertBalanced(entry);
  return entry;
}
