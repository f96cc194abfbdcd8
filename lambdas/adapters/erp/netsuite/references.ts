/**
 * NetSuite record bodies reference other records by internal id; the mapping names them the way
 * finance does (GL account number 1200, item SUB-GROWTH, tax code US-NY-SALES, subsidiary name).
 * This resolves names to internal ids with one batched SuiteQL query per kind and caches them for
 * the life of the Lambda instance (master data changes rarely; a miss is looked up again next time).
 */
import { BusinessError } from '../../../domain/errors';
import { inList } from './suiteql';

export type RefKind =
  'subsidiary' | 'currency' | 'account' | 'item' | 'taxCode' | 'department' | 'class' | 'location' | 'term';

/** Where SuiteQL finds each kind, and by which column finance names it. */
const LOOKUP: Record<RefKind, { table: string; key: string; noun: string }> = {
  subsidiary: { table: 'subsidiary', key: 'name', noun: 'subsidiary' },
  currency: { table: 'currency', key: 'symbol', noun: 'currency' },
  account: { table: 'account', key: 'acctnumber', noun: 'GL account' },
  item: { table: 'item', key: 'itemid', noun: 'item' },
  taxCode: { table: 'salestaxitem', key: 'itemid', noun: 'tax code' },
  department: { table: 'department', key: 'name', noun: 'department' },
  class: { table: 'classification', key: 'name', noun: 'class' },
  location: { table: 'location', key: 'name', noun: 'location' },
  term: { table: 'term', key: 'name', noun: 'terms' },
};

/** Synchronous lookups for record builders; every name asked for must have been resolved. */
export interface RefIds {
  id(kind: RefKind, name: string): string;
}

/** What a record needs: kind → names. Filled by a dry run of the record builder. */
export class RefRequest implements RefIds {
  readonly wanted = new Map<RefKind, Set<string>>();

  id(kind: RefKind, name: string): string {
    const names = this.wanted.get(kind) ?? new Set<string>();
    names.add(name);
    this.wanted.set(kind, names);
    return '0';
  }
}

export class ReferenceResolver {
  private readonly cache = new Map<RefKind, Map<string, string>>();
  /** Lookups of a kind run one after another, so a burst of cold postings asks NetSuite once. */
  private readonly queues = new Map<RefKind, Promise<void>>();

  constructor(private readonly query: (q: string) => Promise<Record<string, string>[]>) {}

  /**
   * Builds a record in two passes: a dry run collects the names it references, they are resolved
   * (one query per kind with misses), then the real run gets internal ids. A name NetSuite does not
   * have is a BusinessError with NetSuite's code for it: fix the mapping or the account, then replay.
   */
  async build<T>(builder: (refs: RefIds) => T): Promise<T> {
    const request = new RefRequest();
    builder(request);
    await Promise.all([...request.wanted].map(([kind, names]) => this.resolve(kind, names)));
    return builder({ id: (kind, name) => this.lookup(kind, name) });
  }

  private lookup(kind: RefKind, name: string): string {
    const id = this.cache.get(kind)?.get(key(kind, name));
    if (id) return id;
    const { noun, table, key: column } = LOOKUP[kind];
    throw new BusinessError(
      'INVALID_KEY_OR_REF',
      `NetSuite has no ${noun} ${JSON.stringify(name)} (${table}.${column}); create it in NetSuite or fix config/mapping.json, then replay`,
    );
  }

  private resolve(kind: RefKind, names: Set<string>): Promise<void> {
    const next = (this.queues.get(kind) ?? Promise.resolve()).then(() => this.lookUp(kind, names));
    this.queues.set(
      kind,
      next.catch(() => undefined),
    );
    return next;
  }

  private async lookUp(kind: RefKind, names: Set<string>): Promise<void> {
    const known = this.cache.get(kind) ?? new Map<string, string>();
    this.cache.set(kind, known);
    const missing = [...names].filter((n) => !known.has(key(kind, n)));
    if (missing.length === 0) return;
    const { table, key: column } = LOOKUP[kind];
    const values = kind === 'currency' ? missing.map((c) => c.toUpperCase()) : missing;
    const rows = await this.query(
      `SELECT id, ${column} FROM ${table} WHERE ${column} IN (${inList(values)})`,
    );
    for (const row of rows) {
      const name = row[column];
      if (name !== undefined && row.id !== undefined) known.set(key(kind, String(name)), String(row.id));
    }
  }
}

/** Currency symbols are upper case in NetSuite and lower case in the domain. */
const key = (kind: RefKind, name: string): string => (kind === 'currency' ? name.toUpperCase() : name);
