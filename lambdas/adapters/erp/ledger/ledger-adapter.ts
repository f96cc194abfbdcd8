/**
 * The built-in double-entry ledger: one immutable DynamoDB item per journal entry, keyed by the
 * entry id (= the posting's idempotency key). The conditional put is the permanent guard against
 * double posting: it holds after the Powertools idempotency record has expired, and needs no
 * transaction (dynalite has none), because one entry is one item.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  type DynamoDBDocumentClient,
  paginateScan,
} from '@aws-sdk/lib-dynamodb';
import { decidePosting } from '../../../domain/accounting/ledger-book';
import { TransientError } from '../../../domain/errors';
import { JournalEntry, type Customer, type Invoice, type Payment } from '../../../domain/model';
import { retryable } from '../../store/aws-errors';
import type { ErpAdapter, ErpDocument, ErpDocumentRef } from '../port';

const ENTRY_PREFIX = 'ENTRY#';
const CUSTOMER_PREFIX = 'CUSTOMER#';
/** DynamoDB's BatchGetItem limit. */
const BATCH_GET_LIMIT = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RecordedEntry extends JournalEntry {
  recordedAt: string;
}

export class LedgerAdapter implements ErpAdapter {
  readonly name = 'ledger';

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  postInvoice(_invoice: Invoice, entry: JournalEntry): Promise<ErpDocumentRef> {
    return this.postJournal(entry);
  }

  applyPayment(_payment: Payment, entry: JournalEntry): Promise<ErpDocumentRef> {
    return this.postJournal(entry);
  }

  postDocument(_document: ErpDocument, entry: JournalEntry): Promise<ErpDocumentRef> {
    return this.postJournal(entry);
  }

  async hasPosting(idempotencyKey: string): Promise<boolean> {
    return (await this.getEntry(idempotencyKey)) !== undefined;
  }

  /** The ledger's customer master: latest version wins; an older update never overwrites a newer one. */
  async upsertCustomer(customer: Customer): Promise<ErpDocumentRef> {
    try {
      await retryable(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: CUSTOMER_PREFIX + customer.customerRef, sk: 'v1', ...customer },
            ConditionExpression: 'attribute_not_exists(pk) OR updatedAt <= :v',
            ExpressionAttributeValues: { ':v': customer.updatedAt },
          }),
        ),
      );
      return { erpId: customer.externalId, outcome: 'posted' };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException)
        return { erpId: customer.externalId, outcome: 'already-posted' };
      throw err;
    }
  }

  async postJournal(entry: JournalEntry): Promise<ErpDocumentRef> {
    decidePosting(undefined, entry); // validates balance before anything is written
    try {
      await retryable(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: ENTRY_PREFIX + entry.entryId,
              sk: 'v1',
              ...entry,
              recordedAt: this.now().toISOString(),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return { erpId: entry.entryId, outcome: 'posted' };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const existing = await this.getEntry(entry.entryId);
      return { erpId: entry.entryId, outcome: decidePosting(existing, entry) };
    }
  }

  async getEntry(entryId: string): Promise<RecordedEntry | undefined> {
    const { Item } = await retryable(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: ENTRY_PREFIX + entryId, sk: 'v1' },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? toRecorded(Item) : undefined;
  }

  /**
   * The entries recorded under these ids (absent ids are skipped), 100 keys a BatchGetItem, eventually
   * consistent (half the read units: reconciliation reads what was posted hours ago). Unprocessed keys
   * (throttling) are asked again with backoff.
   */
  async getEntries(entryIds: readonly string[]): Promise<RecordedEntry[]> {
    const found: RecordedEntry[] = [];
    for (let i = 0; i < entryIds.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] = [...new Set(entryIds.slice(i, i + BATCH_GET_LIMIT))].map(
        (id) => ({ pk: ENTRY_PREFIX + id, sk: 'v1' }),
      );
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(50 * 2 ** attempt, 2_000) * Math.random());
        const { Responses, UnprocessedKeys } = await retryable(() =>
          this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } })),
        );
        for (const item of Responses?.[this.tableName] ?? []) found.push(toRecorded(item));
        keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (attempt >= 10 && keys.length > 0)
          throw new TransientError(`ledger: ${keys.length} keys still unprocessed after ${attempt} attempts`);
      }
    }
    return found;
  }

  /** Every recorded entry, oldest first. Scans: fine for the local runtime and ops reads, not hot paths. */
  async listEntries(): Promise<RecordedEntry[]> {
    const entries: RecordedEntry[] = [];
    const pages = paginateScan({ client: this.db }, { TableName: this.tableName, ConsistentRead: true });
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (String(item.pk).startsWith(ENTRY_PREFIX)) entries.push(toRecorded(item));
      }
    }
    return entries.sort(
      (a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.entryId.localeCompare(b.entryId),
    );
  }
}

function toRecorded(item: Record<string, unknown>): RecordedEntry {
  const { pk: _pk, sk: _sk, recordedAt, ...rest } = item;
  return { ...JournalEntry.parse(rest), recordedAt: String(recordedAt) };
}
