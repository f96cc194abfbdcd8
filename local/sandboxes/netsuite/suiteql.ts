/**
 * SuiteQL over what the simulator holds, run by SQLite (a real SQL engine, not a query matcher).
 * Only SELECT is accepted, as NetSuite accepts only queries; results come back NetSuite's way:
 * lower-case column names, values as strings, nulls omitted, paged with limit/offset and links.
 */
import { NetSuiteHttpError } from './errors';
import type { NetSuiteStore } from './store';

const MAX_LIMIT = 1000;

const invalidQuery = (why: string) =>
  new NetSuiteHttpError(400, [
    {
      code: 'INVALID_PARAMETER',
      detail: `Invalid search query. Detailed unprocessed description follows. ${why}`,
    },
  ]);

/**
 * SuiteQL → SQLite: `transaction` is a reserved word in SQLite, so outside string literals it is
 * quoted (the table and the transactionline column alike). Everything else is standard SQL.
 */
export function toSqlite(q: string): string {
  return q
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\btransaction\b/gi, '"transaction"')))
    .join('');
}

export interface SuiteQlResponse {
  links: { rel: string; href: string }[];
  count: number;
  hasMore: boolean;
  items: Record<string, unknown>[];
  offset: number;
  totalResults: number;
}

export function runSuiteQl(
  store: NetSuiteStore,
  q: unknown,
  params: URLSearchParams,
  selfUrl: (limit: number, offset: number) => string,
): SuiteQlResponse {
  if (typeof q !== 'string' || q.trim() === '')
    throw invalidQuery('The request body must be { "q": "SELECT …" }.');
  if (!/^\s*select\b/i.test(q)) throw invalidQuery('Only SELECT statements are supported.');
  if (/\bsim_\w+/i.test(q)) throw invalidQuery('Unknown table.');
  const limit = intParam(params, 'limit', MAX_LIMIT);
  const offset = intParam(params, 'offset', 0);
  if (limit < 1 || limit > MAX_LIMIT) throw invalidQuery(`limit must be between 1 and ${MAX_LIMIT}.`);
  if (offset < 0) throw invalidQuery('offset must not be negative.');

  const sql = toSqlite(q.trim().replace(/;\s*$/, ''));
  let total: number;
  let rows: Record<string, unknown>[];
  try {
    const statement = store.sql(sql);
    // A second guard beyond the leading SELECT: SQLite itself says whether the statement only reads.
    if (!statement.reader || !statement.readonly) throw invalidQuery('Only SELECT statements are supported.');
    total = (store.sql(`SELECT COUNT(*) AS n FROM (${sql})`).get() as { n: number }).n;
    rows = store.sql(`${sql} LIMIT ? OFFSET ?`).all(limit, offset) as Record<string, unknown>[];
  } catch (err) {
    if (err instanceof NetSuiteHttpError) throw err;
    throw invalidQuery((err as Error).message);
  }

  const hasMore = offset + rows.length < total;
  const links = [{ rel: 'self', href: selfUrl(limit, offset) }];
  if (hasMore) links.unshift({ rel: 'next', href: selfUrl(limit, offset + limit) });
  if (offset > 0) links.unshift({ rel: 'previous', href: selfUrl(limit, Math.max(0, offset - limit)) });
  links.push({ rel: 'first', href: selfUrl(limit, 0) });
  links.push({
    rel: 'last',
    href: selfUrl(limit, total === 0 ? 0 : Math.floor((total - 1) / limit) * limit),
  });
  return {
    links,
    count: rows.length,
    hasMore,
    items: rows.map((row) => {
      const item: Record<string, unknown> = { links: [] };
      for (const [k, v] of Object.entries(row))
        if (v !== null && v !== undefined) item[k.toLowerCase()] = String(v);
      return item;
    }),
    offset,
    totalResults: total,
  };
}

function intParam(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) throw invalidQuery(`${name} must be a whole number.`);
  return Number(raw);
}
