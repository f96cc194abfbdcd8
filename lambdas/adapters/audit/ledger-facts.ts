/**
 * Reads the facts `verifyLedger` audits straight from the tables (the ledger table's entries,
 * schedules, DUE index and closed periods; the crosswalk's ERP links), with the real DynamoDB
 * client — in a Lambda, from the CLI against a deployed stack, or against dynalite locally. Whole
 * parallel scans: the audit is a daily job over the book, not a hot path (≈ 1 read unit per 4 KB).
 */
import { paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CrosswalkFact, LedgerFacts, RecordedEntryFact } from '../../domain/audit/ledger-invariants';
import { JournalEntry } from '../../domain/model';
import type { RevenueSchedule } from '../../domain/revenue/schedule';

export interface AuditTables {
  ledger: string;
  crosswalk: string;
}

/** Parallel scan segments: enough to keep a Lambda's network busy, few enough for a small table. */
const SEGMENTS = 4;

async function scanAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  visit: (item: Record<string, unknown>) => void,
): Promise<void> {
  await Promise.all(
    Array.from({ length: SEGMENTS }, async (_, segment) => {
      const pages = paginateScan(
        { client: db },
        { TableName: tableName, Segment: segment, TotalSegments: SEGMENTS, ConsistentRead: true },
      );
      for await (const page of pages) for (const item of page.Items ?? []) visit(item);
    }),
  );
}

export async function readLedgerFacts(db: DynamoDBDocumentClient, tables: AuditTables): Promise<LedgerFacts> {
  const entries: RecordedEntryFact[] = [];
  const schedules: RevenueSchedule[] = [];
  const due: { period: string; lineRef: string }[] = [];
  const closedSet = new Set<string>();
  const closedAt = new Map<string, string>();
  const crosswalk: CrosswalkFact[] = [];
  const unreadable: { key: string; reason: string }[] = [];

  await scanAll(db, tables.ledger, (item) => {
    const pk = String(item.pk);
    const key = `${pk}/${String(item.sk)}`;
    if (pk.startsWith('ENTRY#')) {
      const { pk: _pk, sk: _sk, recordedAt, ...rest } = item;
      const parsed = JournalEntry.safeParse(rest);
      if (!parsed.success) {
        unreadable.push({ key, reason: `not a journal entry: ${parsed.error.issues[0]?.message ?? ''}` });
        return;
      }
      entries.push({ ...parsed.data, recordedAt: typeof recordedAt === 'string' ? recordedAt : undefined });
    } else if (pk.startsWith('SCHEDULE#')) {
      const schedule = item.schedule as RevenueSchedule | undefined;
      if (!schedule || !Array.isArray(schedule.periods) || typeof schedule.lineRef !== 'string') {
        unreadable.push({ key, reason: 'not a revenue schedule' });
        return;
      }
      schedules.push(schedule);
    } else if (pk.startsWith('DUE#')) {
      due.push({ period: pk.slice('DUE#'.length), lineRef: String(item.lineRef) });
    } else if (pk === 'PERIODS') {
      for (const p of (item.periods as Set<string> | undefined) ?? []) closedSet.add(p);
    } else if (pk.startsWith('PERIOD#') && typeof item.closedAt === 'string') {
      closedAt.set(pk.slice('PERIOD#'.length), item.closedAt);
    }
  });
  await scanAll(db, tables.crosswalk, (item) => {
    if (typeof item.target !== 'string' || !item.target.startsWith('erp:')) return;
    crosswalk.push({
      sourceRef: String(item.sourceRef),
      target: item.target,
      erpId: String(item.erpId),
      erpSystem: String(item.erpSystem),
    });
  });

  // Scan order is arbitrary; sorted facts give a stable report.
  entries.sort((a, b) => a.entryId.localeCompare(b.entryId));
  schedules.sort((a, b) => a.lineRef.localeCompare(b.lineRef));
  return {
    entries,
    schedules,
    due,
    closedPeriods: [...closedSet].sort().map((period) => ({ period, closedAt: closedAt.get(period) })),
    crosswalk,
    unreadable,
  };
}
