/**
 * SuiteQL has no bind parameters over REST, so values are written as literals: always through
 * `literal()`, which doubles quotes, never by string concatenation at the call site.
 */
import { SUITEQL_RECORD_TYPE, type TransactionRecordType } from './external-ids';

export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function inList(values: Iterable<string>): string {
  return [...values].map(literal).join(', ');
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function dateLiteral(isoDate: string): string {
  if (!ISO_DATE.test(isoDate)) throw new RangeError(`not an ISO date: ${isoDate}`);
  return `TO_DATE(${literal(isoDate)}, 'YYYY-MM-DD')`;
}

/** Transactions carrying one of these externalIds: `id`, `externalid`, `recordtype`, `entity`. */
export function transactionsByExternalId(
  externalIds: Iterable<string>,
  type?: TransactionRecordType,
): string {
  const byType = type ? ` AND recordtype = ${literal(SUITEQL_RECORD_TYPE[type])}` : '';
  return `SELECT id, externalid, recordtype, entity FROM transaction WHERE externalid IN (${inList(externalIds)})${byType}`;
}

export interface PostedQuery {
  type?: TransactionRecordType;
  /** Inclusive ISO dates on the transaction date. */
  since?: string;
  until?: string;
}

/** What reconciliation reads back: every transaction with an externalId, oldest internal id first. */
export function postedTransactions(query: PostedQuery): string {
  const where = ['t.externalid IS NOT NULL'];
  if (query.type) where.push(`t.recordtype = ${literal(SUITEQL_RECORD_TYPE[query.type])}`);
  if (query.since) where.push(`t.trandate >= ${dateLiteral(query.since)}`);
  if (query.until) where.push(`t.trandate <= ${dateLiteral(query.until)}`);
  return [
    "SELECT t.id, t.externalid, t.recordtype, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate,",
    '  t.foreigntotal, t.taxtotal, c.symbol AS currency, t.memo',
    'FROM transaction t JOIN currency c ON c.id = t.currency',
    `WHERE ${where.join(' AND ')}`,
    'ORDER BY t.id',
  ].join('\n');
}
