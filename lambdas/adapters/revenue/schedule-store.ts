/**
 * Revenue schedules and closed periods, in the ledger table (no transactions needed: each write
 * is one item, each change is applied at most once per schedule via a version check).
 *
 *   SCHEDULE#<lineRef> / v1           the schedule, its version and the changes applied to it
 *   DUE#<period>       / <shard>#<lineRef>  index of schedules with an amount due in a period,
 *                                      sharded so month-end can release in parallel without a scan
 *   PERIODS            / closed        the set of closed periods
 *   PERIOD#<period>    / closed        when that period first closed (closedAt)
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  paginateQuery,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { TransientError } from '../../domain/errors';
import { buildSchedule, type RevenueSchedule, type ScheduleInput } from '../../domain/revenue/schedule';
import { retryable } from '../store/aws-errors';
import { CLOSE_SHARDS } from '../../../lib/topology';

export const shardOf = (lineRef: string): number =>
  createHash('sha256').update(lineRef).digest().readUInt16BE(0) % CLOSE_SHARDS;

interface StoredSchedule {
  schedule: RevenueSchedule;
  version: number;
  applied: string[];
}

export class ScheduleStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Creates the schedule unless it exists (a retried invoice posting must not reset it), then indexes
   * it — on every attempt: the schedule and its DUE items are separate writes, so a crash between them
   * leaves a schedule nothing would release. A retry indexes the stored schedule (idempotent puts).
   */
  async create(
    input: ScheduleInput,
    transform: (s: RevenueSchedule) => RevenueSchedule = (s) => s,
  ): Promise<RevenueSchedule> {
    let schedule = transform(buildSchedule(input));
    try {
      await retryable(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: `SCHEDULE#${input.lineRef}`, sk: 'v1', schedule, version: 1, applied: [] },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const existing = await this.get(input.lineRef);
      if (existing) schedule = existing.schedule;
    }
    await this.indexDue(schedule);
    return schedule;
  }

  async get(lineRef: string): Promise<StoredSchedule | undefined> {
    const { Item } = await retryable(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: `SCHEDULE#${lineRef}`, sk: 'v1' },
          ConsistentRead: true,
        }),
      ),
    );
    return Item
      ? {
          schedule: Item.schedule as RevenueSchedule,
          version: Number(Item.version),
          applied: (Item.applied as string[]) ?? [],
        }
      : undefined;
  }

  /**
   * Applies a change once: skipped if `changeKey` was applied before; a concurrent writer makes the
   * version check fail, which is transient (the flow retries and re-reads).
   */
  async change(
    lineRef: string,
    changeKey: string,
    apply: (s: RevenueSchedule) => RevenueSchedule,
  ): Promise<'applied' | 'already-applied' | 'no-schedule'> {
    const stored = await this.get(lineRef);
    if (!stored) return 'no-schedule';
    if (stored.applied.includes(changeKey)) {
      // A crash after the update and before the index writes: complete them (idempotent puts).
      await this.indexDue(stored.schedule);
      return 'already-applied';
    }
    const schedule = apply(stored.schedule);
    try {
      await retryable(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: `SCHEDULE#${lineRef}`, sk: 'v1' },
            UpdateExpression: 'SET schedule = :s, version = :next, applied = list_append(applied, :k)',
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: {
              ':s': schedule,
              ':next': stored.version + 1,
              ':v': stored.version,
              ':k': [changeKey],
            },
          }),
        ),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException)
        throw new TransientError(`schedule ${lineRef} changed concurrently`);
      throw err;
    }
    await this.indexDue(schedule);
    return 'applied';
  }

  /** Line refs with something due in `period` on one shard, page by page. */
  async *due(period: string, shard: number): AsyncGenerator<string> {
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': `DUE#${period}`, ':s': `${String(shard).padStart(2, '0')}#` },
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) yield String(item.lineRef);
  }

  async closedPeriods(): Promise<Set<string>> {
    const { Item } = await retryable(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: 'PERIODS', sk: 'closed' },
          ConsistentRead: true,
        }),
      ),
    );
    return new Set((Item?.periods as Set<string> | undefined) ?? []);
  }

  /**
   * ADD to a string set: concurrent closes of different periods cannot lose each other. Then when the
   * period first closed (`PERIOD#<period>`; a re-run keeps the first time), so `q2c verify` can tell a
   * posting recorded into closed books from one recorded before the close.
   */
  async closePeriod(period: string, closedAt: Date = new Date()): Promise<void> {
    await retryable(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: 'PERIODS', sk: 'closed' },
          UpdateExpression: 'ADD periods :p',
          ExpressionAttributeValues: { ':p': new Set([period]) },
        }),
      ),
    );
    await retryable(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `PERIOD#${period}`, sk: 'closed' },
          UpdateExpression: 'SET closedAt = if_not_exists(closedAt, :t)',
          ExpressionAttributeValues: { ':t': closedAt.toISOString() },
        }),
      ),
    );
  }

  /** Index entries are idempotent puts; a period whose amount became 0 is released as nothing. */
  private async indexDue(schedule: RevenueSchedule): Promise<void> {
    const shard = String(shardOf(schedule.lineRef)).padStart(2, '0');
    const items = schedule.periods.map((p) => ({
      PutRequest: {
        Item: { pk: `DUE#${p.period}`, sk: `${shard}#${schedule.lineRef}`, lineRef: schedule.lineRef },
      },
    }));
    for (let i = 0; i < items.length; i += 25) {
      let request: Record<string, (typeof items)[number][]> | undefined = {
        [this.tableName]: items.slice(i, i + 25),
      };
      for (let attempt = 0; request && Object.keys(request).length && attempt < 5; attempt++) {
        const out = await retryable(() => this.db.send(new BatchWriteCommand({ RequestItems: request })));
        request = out.UnprocessedItems as typeof request;
      }
      if (request && Object.keys(request).length && Object.values(request).some((r) => r.length)) {
        throw new TransientError(`could not index schedule ${schedule.lineRef}: unprocessed items`);
      }
    }
  }
}
