/**
 * What the simulated account holds, in an embedded SQLite database whose tables and columns are
 * named as SuiteQL names them (transaction, transactionline, customer, account, item, …), so the
 * adapter's SuiteQL runs against it unchanged. Seeded with the subsidiaries, GL accounts, items,
 * tax codes, dimensions and terms of config/mapping.json, and monthly accounting periods.
 */
import Database from 'better-sqlite3';
import type { MappingConfig } from '../../../lambdas/domain/config';
import type { AccountKey } from '../../../lambdas/domain/model';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS currency (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL UNIQUE COLLATE NOCASE, name TEXT);
CREATE TABLE IF NOT EXISTS subsidiary (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, currency INTEGER);
CREATE TABLE IF NOT EXISTS account (
  id INTEGER PRIMARY KEY, acctnumber TEXT NOT NULL UNIQUE, accountsearchdisplayname TEXT, accttype TEXT, subsidiary INTEGER);
CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, itemid TEXT NOT NULL UNIQUE, displayname TEXT, itemtype TEXT);
CREATE TABLE IF NOT EXISTS salestaxitem (id INTEGER PRIMARY KEY, itemid TEXT NOT NULL UNIQUE, description TEXT);
CREATE TABLE IF NOT EXISTS department (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS classification (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS location (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS term (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS accountingperiod (
  id INTEGER PRIMARY KEY, periodname TEXT NOT NULL, startdate TEXT NOT NULL, enddate TEXT NOT NULL,
  closed TEXT NOT NULL DEFAULT 'F', isposting TEXT NOT NULL DEFAULT 'T');
CREATE TABLE IF NOT EXISTS customer (
  id INTEGER PRIMARY KEY, entityid TEXT, externalid TEXT UNIQUE COLLATE NOCASE, companyname TEXT, email TEXT,
  subsidiary INTEGER, currency INTEGER, datecreated TEXT, lastmodifieddate TEXT);
CREATE TABLE IF NOT EXISTS "transaction" (
  id INTEGER PRIMARY KEY, tranid TEXT, externalid TEXT COLLATE NOCASE, recordtype TEXT NOT NULL, type TEXT NOT NULL,
  trandate TEXT NOT NULL, postingperiod INTEGER, entity INTEGER, subsidiary INTEGER, currency INTEGER, memo TEXT,
  otherrefnum TEXT, foreigntotal REAL, foreignamountremaining REAL, status TEXT, createddate TEXT, lastmodifieddate TEXT,
  taxtotal REAL, UNIQUE (recordtype, externalid));
CREATE TABLE IF NOT EXISTS transactionline (
  "transaction" INTEGER NOT NULL, id INTEGER NOT NULL, linesequencenumber INTEGER, item INTEGER, account INTEGER,
  entity INTEGER, memo TEXT, quantity REAL, foreignamount REAL, debitforeignamount REAL, creditforeignamount REAL,
  taxcode INTEGER, department INTEGER, class INTEGER, location INTEGER, PRIMARY KEY ("transaction", id));
CREATE TABLE IF NOT EXISTS nexttransactionlink (previousdoc INTEGER NOT NULL, nextdoc INTEGER NOT NULL, linktype TEXT, foreignamount REAL);
CREATE TABLE IF NOT EXISTS sim_record (type TEXT NOT NULL, id INTEGER NOT NULL, externalid TEXT, body TEXT NOT NULL, PRIMARY KEY (type, id));
CREATE TABLE IF NOT EXISTS sim_sequence (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** NetSuite account types of the chart keys (what a real chart of accounts would say). */
const ACCOUNT_TYPE: Record<AccountKey, string> = {
  accounts_receivable: 'AcctRec',
  stripe_clearing: 'OthCurrAsset',
  bank: 'Bank',
  deferred_revenue: 'DeferRevenue',
  revenue: 'Income',
  tax_payable: 'OthCurrLiab',
  merchant_fees: 'Expense',
  bad_debt: 'Expense',
  fx_gain_loss: 'OthExpense',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Accounting periods the simulated account has, monthly. */
const FIRST_YEAR = 2020;
const LAST_YEAR = 2035;

export type Row = Record<string, unknown>;

export class NetSuiteStore {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string | undefined, seed: MappingConfig) {
    this.db = new Database(file ?? ':memory:');
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    // A data dir from before the simulator kept tax totals: add the column (empty for what it holds).
    const columns = this.db.prepare('PRAGMA table_info("transaction")').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'taxtotal'))
      this.db.exec('ALTER TABLE "transaction" ADD COLUMN taxtotal REAL');
    // SuiteQL's Oracle date functions, for the ISO 'YYYY-MM-DD' format the adapter uses.
    this.db.function('TO_DATE', { deterministic: true, varargs: true }, (value: unknown) => isoDate(value));
    this.db.function('TO_CHAR', { deterministic: true, varargs: true }, (value: unknown) =>
      value === null ? null : String(value),
    );
    const seeded = this.sql('SELECT COUNT(*) AS n FROM subsidiary').get() as { n: number };
    if (seeded.n === 0) this.db.transaction(() => this.seed(seed))();
  }

  close(): void {
    this.db.close();
  }

  /** Prepared once per SQL text: compiling statements dominated the cost of a write. */
  sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      if (this.statements.size >= 500) this.statements.clear(); // ad-hoc SuiteQL must not grow it forever
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  nextId(sequence: 'entity' | 'transaction'): number {
    const start = sequence === 'entity' ? 100 : 1000;
    this.sql(
      'INSERT INTO sim_sequence (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + 1',
    ).run(sequence, start);
    return (this.sql('SELECT value FROM sim_sequence WHERE name = ?').get(sequence) as { value: number })
      .value;
  }

  get(table: string, id: unknown): Row | undefined {
    const n = Number(id);
    if (!Number.isSafeInteger(n)) return undefined;
    return this.sql(`SELECT * FROM "${table}" WHERE id = ?`).get(n) as Row | undefined;
  }

  /** The accounting period a date posts to (NetSuite derives postingperiod from trandate). */
  periodOf(isoDay: string): Row | undefined {
    return this.sql(
      'SELECT * FROM accountingperiod WHERE startdate <= ? AND enddate >= ? AND isposting = ?',
    ).get(isoDay, isoDay, 'T') as Row | undefined;
  }

  setPeriodClosed(period: string, closed: boolean): void {
    const start = `${period}-01`;
    const changed = this.sql('UPDATE accountingperiod SET closed = ? WHERE startdate = ?').run(
      closed ? 'T' : 'F',
      start,
    ).changes;
    if (changed === 0) throw new Error(`no accounting period ${period}`);
  }

  findTransaction(recordtype: string, externalId: string): Row | undefined {
    return this.sql('SELECT * FROM "transaction" WHERE recordtype = ? AND externalid = ?').get(
      recordtype,
      externalId,
    ) as Row | undefined;
  }

  findCustomerByExternalId(externalId: string): Row | undefined {
    return this.sql('SELECT * FROM customer WHERE externalid = ?').get(externalId) as Row | undefined;
  }

  saveRecord(type: string, id: number, externalId: string | null, body: unknown): void {
    this.sql(
      'INSERT INTO sim_record (type, id, externalid, body) VALUES (?, ?, ?, ?) ON CONFLICT(type, id) DO UPDATE SET externalid = excluded.externalid, body = excluded.body',
    ).run(type, id, externalId, JSON.stringify(body));
  }

  record(type: string, id: number): Record<string, unknown> | undefined {
    const row = this.sql('SELECT body FROM sim_record WHERE type = ? AND id = ?').get(type, id) as
      { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Record<string, unknown>) : undefined;
  }

  records(type: string): { id: string; externalId: string | null; body: Record<string, unknown> }[] {
    const rows = this.sql('SELECT id, externalid, body FROM sim_record WHERE type = ? ORDER BY id').all(
      type,
    ) as { id: number; externalid: string | null; body: string }[];
    return rows.map((r) => ({ id: String(r.id), externalId: r.externalid, body: JSON.parse(r.body) }));
  }

  private seed(config: MappingConfig): void {
    const insert = (table: string, columns: string[], values: unknown[]) =>
      this.sql(
        `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      ).run(...values);
    const currencies = new Set<string>(['usd', 'eur', 'gbp', 'jpy', 'cad']);
    for (const s of config.subsidiaries)
      [s.functionalCurrency, ...s.currencies].forEach((c) => currencies.add(c));
    for (const c of currencies) insert('currency', ['symbol', 'name'], [c.toUpperCase(), c.toUpperCase()]);
    const currencyId = (c: string) =>
      (this.sql('SELECT id FROM currency WHERE symbol = ?').get(c.toUpperCase()) as { id: number }).id;

    for (const s of config.subsidiaries) {
      insert('subsidiary', ['name', 'currency'], [s.name, currencyId(s.functionalCurrency)]);
      const subsidiaryId = (
        this.sql('SELECT id FROM subsidiary WHERE name = ?').get(s.name) as { id: number }
      ).id;
      for (const [key, number] of Object.entries(s.chartOfAccounts) as [AccountKey, string][]) {
        insert(
          'account',
          ['acctnumber', 'accountsearchdisplayname', 'accttype', 'subsidiary'],
          [number, `${number} ${key.replaceAll('_', ' ')} (${s.id})`, ACCOUNT_TYPE[key], subsidiaryId],
        );
      }
      insert('term', ['name'], [s.paymentTerms]);
    }
    for (const t of ['Due on receipt', 'Net 14', 'Net 30', 'Net 60']) insert('term', ['name'], [t]);
    for (const p of config.products) {
      insert('item', ['itemid', 'displayname', 'itemtype'], [p.item, p.name, 'Service']);
      if (p.department) insert('department', ['name'], [p.department]);
      if (p.class) insert('classification', ['name'], [p.class]);
      if (p.location) insert('location', ['name'], [p.location]);
    }
    for (const t of config.taxRates)
      insert('salestaxitem', ['itemid', 'description'], [t.taxCode, t.description ?? null]);
    for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) {
      for (let month = 1; month <= 12; month++) {
        const start = `${year}-${String(month).padStart(2, '0')}-01`;
        const end = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
        insert(
          'accountingperiod',
          ['periodname', 'startdate', 'enddate'],
          [`${MONTHS[month - 1]} ${year}`, start, end],
        );
      }
    }
  }
}

/** TO_DATE('2026-11-01', 'YYYY-MM-DD') → '2026-11-01' (dates are stored as ISO text). */
function isoDate(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) throw new Error(`TO_DATE: unsupported date ${text} (use YYYY-MM-DD)`);
  return text.slice(0, 10);
}
