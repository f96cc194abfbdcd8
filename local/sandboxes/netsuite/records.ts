/**
 * The simulated account's business rules for the records the adapter writes, the ones NetSuite
 * enforces and an integration must survive: references must exist (INVALID_KEY_OR_REF with the
 * JSON path), required fields (USER_ERROR), balanced journals, applications within what is open,
 * no postings into closed periods, one record per externalId and record type (case-insensitive).
 */
import { fromDecimalString, toDecimalString } from '../../../lambdas/adapters/erp/netsuite/amounts';
import {
  closedPeriod,
  duplicateRecord,
  invalidContent,
  invalidReference,
  missingValue,
  notFound,
  userError,
} from './errors';
import type { NetSuiteStore, Row } from './store';

type Body = Record<string, unknown>;

export const RECORD_TYPES = [
  'customer',
  'invoice',
  'customerPayment',
  'creditMemo',
  'customerRefund',
  'journalEntry',
  'deposit',
] as const;
export type SimRecordType = (typeof RECORD_TYPES)[number];

export const isRecordType = (type: string): type is SimRecordType =>
  (RECORD_TYPES as readonly string[]).includes(type);

/** How SuiteQL names each transaction type (`recordtype`, `type`) and the document number prefix. */
const TRANSACTION: Record<
  Exclude<SimRecordType, 'customer'>,
  { recordtype: string; type: string; prefix: string }
> = {
  invoice: { recordtype: 'invoice', type: 'CustInvc', prefix: 'INV' },
  customerPayment: { recordtype: 'customerpayment', type: 'CustPymt', prefix: 'PYMT' },
  creditMemo: { recordtype: 'creditmemo', type: 'CustCred', prefix: 'CM' },
  customerRefund: { recordtype: 'customerrefund', type: 'CustRfnd', prefix: 'RFND' },
  journalEntry: { recordtype: 'journalentry', type: 'Journal', prefix: 'JE' },
  deposit: { recordtype: 'deposit', type: 'Deposit', prefix: 'DEP' },
};

export interface WriteResult {
  id: number;
  created: boolean;
}

export class RecordBook {
  constructor(
    private readonly store: NetSuiteStore,
    private readonly today: () => string,
  ) {}

  /** POST /record/v1/{type}: creates; a duplicate externalId is refused. */
  create(type: SimRecordType, body: Body): WriteResult {
    const externalId = optionalString(body.externalId, 'externalId');
    if (externalId && this.findByExternalId(type, externalId)) throw duplicateRecord(externalId);
    return this.store.db.transaction(() => ({
      id: this.write(type, body, externalId, undefined),
      created: true,
    }))();
  }

  /** PUT /record/v1/{type}/eid:{externalId}: creates, or updates the record holding that externalId. */
  upsert(type: SimRecordType, externalId: string, body: Body): WriteResult {
    const existing = this.findByExternalId(type, externalId);
    return this.store.db.transaction(() => {
      if (!existing) return { id: this.write(type, body, externalId, undefined), created: true };
      const merged = { ...(this.store.record(type, Number(existing.id)) ?? {}), ...body };
      return { id: this.write(type, merged, externalId, existing), created: false };
    })();
  }

  /** GET /record/v1/{type}/{id | eid:…} */
  get(type: SimRecordType, key: string): Body {
    const id = key.startsWith('eid:') ? this.findByExternalId(type, key.slice(4))?.id : Number(key);
    const body = id !== undefined ? this.store.record(type, Number(id)) : undefined;
    if (!body) throw notFound(`Record type '${type}' with id ${key} was not found.`);
    return { id: String(id), ...body };
  }

  private findByExternalId(type: SimRecordType, externalId: string): Row | undefined {
    return type === 'customer'
      ? this.store.findCustomerByExternalId(externalId)
      : this.store.findTransaction(TRANSACTION[type].recordtype, externalId);
  }

  private write(
    type: SimRecordType,
    body: Body,
    externalId: string | undefined,
    existing: Row | undefined,
  ): number {
    if (type === 'customer') return this.writeCustomer(body, externalId, existing);
    if (existing) this.undoTransaction(Number(existing.id));
    const id = existing ? Number(existing.id) : this.store.nextId('transaction');
    const t = this.transactionWriters[type](body, id);
    const spec = TRANSACTION[type];
    const period = this.openPeriod(t.tranDate);
    if (existing) this.openPeriod(String(existing.trandate));
    const now = new Date().toISOString();
    this.store
      .sql(
        `INSERT OR REPLACE INTO "transaction" (id, tranid, externalid, recordtype, type, trandate, postingperiod, entity,
          subsidiary, currency, memo, otherrefnum, foreigntotal, foreignamountremaining, status, createddate, lastmodifieddate,
          taxtotal)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, ?), ?, ?)`,
      )
      .run(
        id,
        `${spec.prefix}${id}`,
        externalId ?? null,
        spec.recordtype,
        spec.type,
        t.tranDate,
        period.id,
        t.entity ?? null,
        t.subsidiary,
        t.currency,
        optionalString(body.memo, 'memo') ?? null,
        optionalString(body.otherRefNum, 'otherRefNum') ?? null,
        major(t.total, t.currencyCode),
        t.open === undefined ? null : major(t.open, t.currencyCode),
        t.open === 0 ? 'paidInFull' : 'open',
        existing ? String(existing.createddate) : null,
        now,
        now,
        t.tax === undefined ? null : major(t.tax, t.currencyCode),
      );
    const insertLine = this.store.sql(
      `INSERT INTO transactionline ("transaction", id, linesequencenumber, item, account, entity, memo, quantity,
         foreignamount, debitforeignamount, creditforeignamount, taxcode, department, class, location)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    t.lines.forEach((l, i) =>
      insertLine.run(
        id,
        i + 1,
        i + 1,
        l.item ?? null,
        l.account ?? null,
        l.entity ?? null,
        l.memo ?? null,
        l.quantity ?? null,
        l.amount === undefined ? null : major(l.amount, t.currencyCode),
        l.debit === undefined ? null : major(l.debit, t.currencyCode),
        l.credit === undefined ? null : major(l.credit, t.currencyCode),
        l.taxcode ?? null,
        l.department ?? null,
        l.class ?? null,
        l.location ?? null,
      ),
    );
    for (const a of t.applies) this.apply(a, id, t.currencyCode);
    this.store.saveRecord(type, id, externalId ?? null, { ...body, ...(externalId ? { externalId } : {}) });
    return id;
  }

  // -------------------------------------------------------------------------------------------
  // Customers
  // -------------------------------------------------------------------------------------------

  private writeCustomer(body: Body, externalId: string | undefined, existing: Row | undefined): number {
    const isPerson = body.isPerson === true;
    const companyName = optionalString(body.companyName, 'companyName');
    if (!isPerson && !companyName) throw missingValue('Company Name', 'companyName');
    if (
      isPerson &&
      !(optionalString(body.firstName, 'firstName') && optionalString(body.lastName, 'lastName'))
    ) {
      throw missingValue('First Name, Last Name', 'firstName');
    }
    const subsidiary = this.ref(body, 'subsidiary', 'subsidiary', 'subsidiary', true)!;
    const currency = this.ref(body, 'currency', 'currency', 'currency', false);
    if (existing && Number(existing.subsidiary) !== subsidiary && this.hasTransactions(Number(existing.id))) {
      throw userError(
        'You cannot change the primary subsidiary of a customer with transactions.',
        'subsidiary',
      );
    }
    const id = existing ? Number(existing.id) : this.store.nextId('entity');
    const now = new Date().toISOString();
    const name = companyName ?? `${String(body.firstName)} ${String(body.lastName)}`;
    this.store
      .sql(
        `INSERT OR REPLACE INTO customer (id, entityid, externalid, companyname, email, subsidiary, currency, datecreated, lastmodifieddate)
         VALUES (?, ?, ?, ?, ?, ?, ?, COALESCE(?, ?), ?)`,
      )
      .run(
        id,
        `CUST${id}`,
        externalId ?? null,
        name,
        optionalString(body.email, 'email') ?? null,
        subsidiary,
        currency ?? this.subsidiaryCurrency(subsidiary),
        existing ? String(existing.datecreated) : null,
        now,
        now,
      );
    this.store.saveRecord('customer', id, externalId ?? null, {
      ...body,
      ...(externalId ? { externalId } : {}),
    });
    return id;
  }

  private hasTransactions(customerId: number): boolean {
    return (
      this.store.sql('SELECT 1 FROM "transaction" WHERE entity = ? LIMIT 1').get(customerId) !== undefined
    );
  }

  // -------------------------------------------------------------------------------------------
  // Transactions
  // -------------------------------------------------------------------------------------------

  private readonly transactionWriters: Record<
    Exclude<SimRecordType, 'customer'>,
    (body: Body, id: number) => TransactionWrite
  > = {
    invoice: (body) => this.salesDocument(body, 'invoice'),
    creditMemo: (body) => this.salesDocument(body, 'creditMemo'),
    customerPayment: (body) => this.customerPayment(body),
    customerRefund: (body) => this.customerRefund(body),
    journalEntry: (body) => this.journalEntry(body),
    deposit: (body) => this.deposit(body),
  };

  /** Invoices and credit memos: a customer, item lines, tax; credit memos may apply to invoices. */
  private salesDocument(body: Body, type: 'invoice' | 'creditMemo'): TransactionWrite {
    const h = this.customerHeader(body, 'entity', 'Customer');
    const items = sublist(body, 'item');
    if (items.length === 0)
      throw userError('You must enter at least one line item for this transaction.', 'item');
    const lines: LineWrite[] = items.map((line, i) => {
      const path = `item.items[${i}]`;
      const start = optionalDate(line.revRecStartDate, `${path}.revRecStartDate`);
      const end = optionalDate(line.revRecEndDate, `${path}.revRecEndDate`);
      if (start && end && end < start)
        throw userError('Rev. rec. end date precedes its start date.', `${path}.revRecEndDate`);
      const quantity = line.quantity === undefined ? undefined : Number(line.quantity);
      if (quantity !== undefined && !(quantity > 0))
        throw invalidContent(`Invalid quantity ${String(line.quantity)}.`, `${path}.quantity`);
      return {
        item: this.ref(line, 'item', 'item', 'item', true, `${path}.item`),
        taxcode: this.ref(line, 'taxCode', 'salestaxitem', 'taxCode', false, `${path}.taxCode`),
        ...this.dimensions(line, path),
        memo: optionalString(line.description, `${path}.description`),
        quantity,
        amount: amount(line.amount, h.currencyCode, `${path}.amount`, true),
        tax: amount(line.tax1Amt, h.currencyCode, `${path}.tax1Amt`, false) ?? 0,
      };
    });
    const total = lines.reduce((s, l) => s + (l.amount ?? 0) + (l.tax ?? 0), 0);
    // Tax Total (taxtotal): the lines' tax amounts (tax1Amt), part of the total.
    const tax = lines.reduce((s, l) => s + (l.tax ?? 0), 0);
    if (type === 'creditMemo') {
      if (body.createdFrom !== undefined) this.ref(body, 'createdFrom', 'transaction', 'createdFrom', false);
      const applies = this.applications(body, h, ['invoice'], total, 'Credit Memo');
      return { ...h, lines, total, tax, open: total - sumOf(applies), applies };
    }
    if (total < 0) throw userError('The total of an invoice cannot be negative.', 'item');
    return { ...h, lines, total, tax, open: total, applies: [] };
  }

  private customerPayment(body: Body): TransactionWrite {
    const h = this.customerHeader(body, 'customer', 'Customer');
    const payment = amount(body.payment, h.currencyCode, 'payment', true)!;
    if (payment <= 0) throw userError('The payment amount must be greater than zero.', 'payment');
    const account = this.ref(body, 'account', 'account', 'account', false);
    if (account !== undefined) this.accountInSubsidiary(account, h.subsidiary, 'account');
    const applies = this.applications(body, h, ['invoice'], payment, 'Payment');
    return {
      ...h,
      lines: [{ account, amount: payment }],
      total: payment,
      open: payment - sumOf(applies),
      applies,
    };
  }

  private customerRefund(body: Body): TransactionWrite {
    const h = this.customerHeader(body, 'customer', 'Customer');
    const account = this.ref(body, 'account', 'account', 'account', true)!;
    this.accountInSubsidiary(account, h.subsidiary, 'account');
    const applies = this.applications(body, h, ['creditmemo', 'customerpayment'], Infinity, 'Refund');
    if (applies.length === 0)
      throw userError('You must enter at least one line item for this transaction.', 'apply');
    const total = sumOf(applies);
    return { ...h, lines: [{ account, amount: total }], total, applies };
  }

  private journalEntry(body: Body): TransactionWrite {
    const h = this.header(body);
    const items = sublist(body, 'line');
    if (items.length < 2)
      throw userError('You must enter at least two line items for a journal entry.', 'line');
    const lines: LineWrite[] = items.map((line, i) => {
      const path = `line.items[${i}]`;
      const account = this.ref(line, 'account', 'account', 'account', true, `${path}.account`)!;
      this.accountInSubsidiary(account, h.subsidiary, `${path}.account`);
      const entity = this.ref(line, 'entity', 'customer', 'entity', false, `${path}.entity`);
      if (this.store.get('account', account)!.accttype === 'AcctRec' && entity === undefined) {
        throw missingValue('Name', `${path}.entity`);
      }
      const debit = amount(line.debit, h.currencyCode, `${path}.debit`, false);
      const credit = amount(line.credit, h.currencyCode, `${path}.credit`, false);
      if ((debit ?? 0) < 0 || (credit ?? 0) < 0 || (debit === undefined) === (credit === undefined)) {
        throw userError('Each journal line needs either a debit or a credit amount.', path);
      }
      return {
        account,
        debit,
        credit,
        entity,
        memo: optionalString(line.memo, `${path}.memo`),
        ...this.dimensions(line, path),
      };
    });
    const debits = lines.reduce((s, l) => s + (l.debit ?? 0), 0);
    const credits = lines.reduce((s, l) => s + (l.credit ?? 0), 0);
    if (debits !== credits) throw userError('The total debits must equal the total credits.', 'line');
    return { ...h, lines, total: debits, applies: [] };
  }

  private deposit(body: Body): TransactionWrite {
    const account = this.ref(body, 'account', 'account', 'account', true)!;
    const bank = this.store.get('account', account)!;
    if (bank.accttype !== 'Bank') throw userError('The deposit account must be a bank account.', 'account');
    const h = this.header({ subsidiary: { id: bank.subsidiary }, ...body });
    this.accountInSubsidiary(account, h.subsidiary, 'account');
    const side = (name: 'other' | 'cashBack') =>
      sublist(body, name).map((line, i): LineWrite => {
        const path = `${name}.items[${i}]`;
        const lineAccount = this.ref(line, 'account', 'account', 'account', true, `${path}.account`)!;
        this.accountInSubsidiary(lineAccount, h.subsidiary, `${path}.account`);
        const value = amount(line.amount, h.currencyCode, `${path}.amount`, true)!;
        if (value <= 0) throw userError('Deposit line amounts must be greater than zero.', `${path}.amount`);
        return {
          account: lineAccount,
          amount: name === 'other' ? value : -value,
          memo: optionalString(line.memo, path),
        };
      });
    const lines = [...side('other'), ...side('cashBack')];
    const total = lines.reduce((s, l) => s + (l.amount ?? 0), 0);
    if (total <= 0) throw userError('The deposit total must be greater than zero.', 'other');
    return { ...h, lines, total, applies: [] };
  }

  // -------------------------------------------------------------------------------------------
  // Shared checks
  // -------------------------------------------------------------------------------------------

  private header(body: Body): Header {
    const subsidiary = this.ref(body, 'subsidiary', 'subsidiary', 'subsidiary', true)!;
    const currency =
      this.ref(body, 'currency', 'currency', 'currency', false) ?? this.subsidiaryCurrency(subsidiary);
    const tranDate = optionalDate(body.tranDate, 'tranDate') ?? this.today();
    return { subsidiary, currency, currencyCode: this.currencyCode(currency), tranDate };
  }

  private customerHeader(body: Body, field: string, label: string): Header & { entity: number } {
    if (body[field] === undefined) throw missingValue(label, field);
    const entity = this.ref(body, field, 'customer', field, true)!;
    const customer = this.store.get('customer', entity)!;
    const subsidiary =
      body.subsidiary === undefined
        ? Number(customer.subsidiary)
        : this.ref(body, 'subsidiary', 'subsidiary', 'subsidiary', true)!;
    if (subsidiary !== Number(customer.subsidiary)) {
      throw userError(`The subsidiary is not valid for customer ${String(customer.entityid)}.`, 'subsidiary');
    }
    return { ...this.header({ ...body, subsidiary: { id: subsidiary } }), entity };
  }

  /** Applications (`apply.items`: doc, apply, amount) to open documents of the same customer. */
  private applications(
    body: Body,
    h: Header & { entity: number },
    recordtypes: string[],
    available: number,
    what: string,
  ): Apply[] {
    const applies = sublist(body, 'apply')
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => line.apply !== false)
      .map(({ line, i }): Apply => {
        const path = `apply.items[${i}]`;
        const doc = this.ref(line, 'doc', 'transaction', 'doc', true, `${path}.doc`)!;
        const target = this.store.get('transaction', doc)!;
        if (!recordtypes.includes(String(target.recordtype)) || Number(target.entity) !== h.entity) {
          throw invalidReference('doc', String(doc), `${path}.doc`);
        }
        const value = amount(line.amount, h.currencyCode, `${path}.amount`, true)!;
        const open = fromDecimalString(String(target.foreignamountremaining ?? 0), h.currencyCode);
        if (value <= 0 || value > open) {
          throw userError(
            `You cannot apply ${toDecimalString(value, h.currencyCode)}: ${String(target.tranid)} has ${toDecimalString(open, h.currencyCode)} open.`,
            `${path}.amount`,
          );
        }
        return { doc, amount: value, linktype: what };
      });
    if (sumOf(applies) > available)
      throw userError(`The ${what.toLowerCase()} cannot apply more than its total.`, 'apply');
    return applies;
  }

  private apply(a: Apply, nextdoc: number, currency: string): void {
    const target = this.store.get('transaction', a.doc)!;
    const open = fromDecimalString(String(target.foreignamountremaining ?? 0), currency) - a.amount;
    this.store
      .sql('UPDATE "transaction" SET foreignamountremaining = ?, status = ? WHERE id = ?')
      .run(major(open, currency), open === 0 ? 'paidInFull' : 'open', a.doc);
    this.store
      .sql(
        'INSERT INTO nexttransactionlink (previousdoc, nextdoc, linktype, foreignamount) VALUES (?, ?, ?, ?)',
      )
      .run(a.doc, nextdoc, a.linktype, major(a.amount, currency));
  }

  /** Before an update rewrites a transaction: give back what it applied, drop its lines. */
  private undoTransaction(id: number): void {
    const links = this.store.sql('SELECT * FROM nexttransactionlink WHERE nextdoc = ?').all(id) as Row[];
    for (const link of links) {
      this.store
        .sql(
          'UPDATE "transaction" SET foreignamountremaining = foreignamountremaining + ?, status = \'open\' WHERE id = ?',
        )
        .run(link.foreignamount, link.previousdoc);
    }
    this.store.sql('DELETE FROM nexttransactionlink WHERE nextdoc = ?').run(id);
    this.store.sql('DELETE FROM transactionline WHERE "transaction" = ?').run(id);
  }

  private openPeriod(tranDate: string): Row {
    const period = this.store.periodOf(tranDate);
    if (!period) throw userError(`No accounting period is set up for ${tranDate}.`, 'tranDate');
    if (period.closed === 'T') throw closedPeriod(String(period.periodname));
    return period;
  }

  private accountInSubsidiary(account: number, subsidiary: number, path: string): void {
    const row = this.store.get('account', account)!;
    if (row.subsidiary !== null && Number(row.subsidiary) !== subsidiary) {
      throw userError(`Account ${String(row.acctnumber)} is not available to this subsidiary.`, path);
    }
  }

  private dimensions(line: Body, path: string) {
    return {
      department: this.ref(line, 'department', 'department', 'department', false, `${path}.department`),
      class: this.ref(line, 'class', 'classification', 'class', false, `${path}.class`),
      location: this.ref(line, 'location', 'location', 'location', false, `${path}.location`),
    };
  }

  /** A `{ "id": "…" }` reference that must name an existing record of `table`. */
  private ref(
    body: Body,
    field: string,
    table: string,
    label: string,
    required: boolean,
    path = field,
  ): number | undefined {
    const value = body[field];
    if (value === undefined || value === null) {
      if (required) throw missingValue(label, path);
      return undefined;
    }
    const id = typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
    if (id === undefined || id === null || !this.store.get(table, id)) {
      throw invalidReference(
        label,
        typeof id === 'string' || typeof id === 'number' ? String(id) : JSON.stringify(value),
        path,
      );
    }
    return Number(id);
  }

  private subsidiaryCurrency(subsidiary: number): number {
    return Number(this.store.get('subsidiary', subsidiary)!.currency);
  }

  private currencyCode(currency: number): string {
    return String(this.store.get('currency', currency)!.symbol).toLowerCase();
  }
}

interface Header {
  subsidiary: number;
  currency: number;
  currencyCode: string;
  tranDate: string;
  entity?: number;
}

interface LineWrite {
  item?: number;
  account?: number;
  entity?: number;
  memo?: string;
  quantity?: number;
  amount?: number;
  tax?: number;
  debit?: number;
  credit?: number;
  taxcode?: number;
  department?: number;
  class?: number;
  location?: number;
}

interface Apply {
  doc: number;
  amount: number;
  linktype: string;
}

interface TransactionWrite extends Header {
  lines: LineWrite[];
  /** Minor units. */
  total: number;
  /** Minor units of tax, on the documents that carry tax lines (invoices, credit memos). */
  tax?: number;
  /** Amount still open (invoices: due; credits and payments: unapplied). */
  open?: number;
  applies: Apply[];
}

const sumOf = (applies: Apply[]) => applies.reduce((s, a) => s + a.amount, 0);

/** NetSuite stores currency amounts as decimals; SuiteQL hands them back as numbers. */
const major = (minor: number, currency: string): number => Number(toDecimalString(minor, currency));

function sublist(body: Body, name: string): Body[] {
  const list = body[name];
  if (list === undefined || list === null) return [];
  const items = (list as { items?: unknown }).items;
  if (!Array.isArray(items))
    throw invalidContent(`Invalid sublist ${name}: expected { "items": [...] }.`, name);
  return items as Body[];
}

/** A JSON number (or numeric string) → exact minor units; more decimals than the currency has is invalid. */
function amount(value: unknown, currency: string, path: string, required: boolean): number | undefined {
  if (value === undefined || value === null) {
    if (required) throw missingValue(path, path);
    return undefined;
  }
  if (typeof value !== 'number' && typeof value !== 'string')
    throw invalidContent(`Invalid amount at ${path}.`, path);
  try {
    return fromDecimalString(String(value), currency);
  } catch {
    throw invalidContent(`Invalid Field Value ${String(value)} for the following field: ${path}`, path);
  }
}

function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw invalidContent(
      `Invalid Field Value ${JSON.stringify(value)} for the following field: ${path}`,
      path,
    );
  return value;
}

function optionalDate(value: unknown, path: string): string | undefined {
  const text = optionalString(value, path);
  if (text === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw invalidContent(`Invalid Field Value ${text} for the following field: ${path}`, path);
  }
  return text;
}
