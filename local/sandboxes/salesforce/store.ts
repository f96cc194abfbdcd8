/**
 * The org's records, in memory: validated writes (Salesforce's error codes for unknown, read-only,
 * required, mistyped and dangling fields), the fields Salesforce derives on read (IsWon/IsClosed from
 * the stage, Contact.Name, Quote.IsSyncing and totals, line prices), audit fields stamped from an
 * injectable clock, soft deletes (the recycle bin `queryAll` still sees) with master-detail cascade.
 */
import { SalesforceApiError, noSuchColumn, notFound, readOnlyFields, sfError } from './errors';
import { normalizeId, recordId } from './ids';
import {
  OBJECTS,
  fieldDef,
  objectByKeyPrefix,
  objectDef,
  stageOutcome,
  type FieldDef,
  type FieldValue,
  type ObjectDef,
} from './schema';

export interface RecordAttributes {
  type: string;
  url?: string;
}

/** A record as the REST API shows it: `attributes` plus fields by API name. */
export interface SObjectRecord {
  attributes: RecordAttributes;
  Id?: string;
  [field: string]: FieldValue | RecordAttributes | undefined;
}

/** Stored fields only (canonical names), no `attributes`. */
export type StoredFields = Record<string, FieldValue>;

type WriteMode = 'create' | 'update' | 'load';

/** Children deleted with their parent (master-detail, and Salesforce's account cascade). */
const CASCADE: Record<string, { child: string; field: string }[]> = {
  Account: [
    { child: 'Contact', field: 'AccountId' },
    { child: 'Opportunity', field: 'AccountId' },
  ],
  Opportunity: [{ child: 'Quote', field: 'OpportunityId' }],
  Quote: [{ child: 'QuoteLineItem', field: 'QuoteId' }],
};

/** `2026-11-02T09:30:00.000+0000`, Salesforce's datetime wire format. */
export function formatDateTime(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(v: string): boolean {
  const m = DATE_RE.exec(v);
  if (!m) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
}

/** Parses Salesforce and ISO datetimes (`…+0000`, `…Z`, `…+01:00`). */
export function parseDateTime(v: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/.test(v)) return undefined;
  const iso = v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

function jsonError(type: string, value: unknown): SalesforceApiError {
  return sfError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${type} from ${typeof value === 'string' ? 'VALUE_STRING' : 'VALUE_' + typeof value} value ${String(value)} or request may be missing a required field`,
  );
}

export class SalesforceStore {
  private readonly records = new Map<string, Map<string, StoredFields>>();
  private readonly counters = new Map<string, number>();
  private readonly listeners: (() => void)[] = [];
  private batchDepth = 0;
  private dirty = false;

  constructor(private readonly now: () => Date = () => new Date()) {
    for (const o of OBJECTS.values()) this.records.set(o.name, new Map());
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Runs `fn` with one change notification at the end (one write-through for a composite request). */
  batch<T>(fn: () => T): T {
    this.batchDepth += 1;
    try {
      return fn();
    } finally {
      this.batchDepth -= 1;
      if (this.batchDepth === 0 && this.dirty) this.changed();
    }
  }

  private changed(): void {
    if (this.batchDepth > 0) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    for (const l of this.listeners) l();
  }

  object(type: string): ObjectDef {
    const obj = objectDef(type);
    if (!obj) throw sfError(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`);
    return obj;
  }

  private table(obj: ObjectDef): Map<string, StoredFields> {
    return this.records.get(obj.name)!;
  }

  private nextId(obj: ObjectDef): string {
    const table = this.table(obj);
    let n = this.counters.get(obj.keyPrefix) ?? 0;
    let id: string;
    do {
      n += 1;
      id = recordId(obj.keyPrefix, n);
    } while (table.has(id));
    this.counters.set(obj.keyPrefix, n);
    return id;
  }

  /** The stored record (deleted ones included), or undefined. `id` may be 15 or 18 characters. */
  raw(type: string, id: string): StoredFields | undefined {
    const obj = objectDef(type);
    const id18 = normalizeId(id);
    return obj && id18 ? this.table(obj).get(id18) : undefined;
  }

  /** Any object's record by id (via its key prefix). */
  rawById(id: string): { obj: ObjectDef; fields: StoredFields } | undefined {
    const id18 = normalizeId(id);
    const obj = id18 ? objectByKeyPrefix(id18) : undefined;
    const fields = obj && id18 ? this.table(obj).get(id18) : undefined;
    return obj && fields ? { obj, fields } : undefined;
  }

  /** A live record or the REST API's 404s (NOT_FOUND, ENTITY_IS_DELETED). */
  live(obj: ObjectDef, id: string): StoredFields {
    const id18 = normalizeId(id);
    const rec = id18 ? this.table(obj).get(id18) : undefined;
    if (!rec) {
      throw id18
        ? notFound()
        : notFound(`Provided external ID field does not exist or is not accessible: ${id}`);
    }
    if (rec.IsDeleted === true) throw sfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    return rec;
  }

  /** Rows of a type as stored (deleted ones only if asked). */
  rows(type: string, includeDeleted = false): StoredFields[] {
    const obj = this.object(type);
    const rows = [...this.table(obj).values()];
    return includeDeleted ? rows : rows.filter((r) => r.IsDeleted !== true);
  }

  // ───────────────────────────── derived fields ─────────────────────────────

  /** A field's value as Salesforce answers it: stored, or derived from the record and its relations. */
  value(obj: ObjectDef, rec: StoredFields, field: FieldDef): FieldValue {
    switch (`${obj.name}.${field.name}`) {
      case 'Opportunity.IsWon':
        return stageOutcome(rec.StageName).isWon;
      case 'Opportunity.IsClosed':
        return stageOutcome(rec.StageName).isClosed;
      case 'Contact.Name':
        return [rec.FirstName, rec.LastName].filter((p) => typeof p === 'string' && p !== '').join(' ');
      case 'Quote.IsSyncing': {
        const opp = this.raw('Opportunity', String(rec.OpportunityId));
        return opp?.SyncedQuoteId === rec.Id;
      }
      case 'Quote.Subtotal':
      case 'Quote.TotalPrice': {
        const lineDef = objectDef('QuoteLineItem')!;
        const lines = this.quoteLines(String(rec.Id));
        return round2(
          lines.reduce((s, l) => s + Number(this.value(lineDef, l, fieldDef(lineDef, field.name)!)), 0),
        );
      }
      case 'Quote.LineItemCount':
        return this.quoteLines(String(rec.Id)).length;
      case 'QuoteLineItem.ListPrice': {
        const pbe = rec.PricebookEntryId
          ? this.raw('PricebookEntry', String(rec.PricebookEntryId))
          : undefined;
        return pbe ? (pbe.UnitPrice ?? null) : null;
      }
      case 'QuoteLineItem.Subtotal':
        return round2(Number(rec.Quantity ?? 0) * Number(rec.UnitPrice ?? 0));
      case 'QuoteLineItem.TotalPrice': {
        const subtotal = Number(rec.Quantity ?? 0) * Number(rec.UnitPrice ?? 0);
        return round2(subtotal * (1 - Number(rec.Discount ?? 0) / 100));
      }
      case 'PricebookEntry.Name':
      case 'PricebookEntry.ProductCode': {
        const product = this.raw('Product2', String(rec.Product2Id));
        return product?.[field.name] ?? null;
      }
      default:
        return rec[field.name] ?? null;
    }
  }

  private quoteLines(quoteId: string): StoredFields[] {
    return [...this.table(objectDef('QuoteLineItem')!).values()].filter(
      (l) => l.QuoteId === quoteId && l.IsDeleted !== true,
    );
  }

  /** The record as GET /sobjects/{type}/{id} returns it: every field (or `fields`), derived ones included. */
  view(obj: ObjectDef, rec: StoredFields, apiVersion: string, fields?: FieldDef[]): SObjectRecord {
    const out: SObjectRecord = { attributes: attributes(obj.name, String(rec.Id), apiVersion) };
    for (const f of fields ?? obj.fields.values()) out[f.name] = this.value(obj, rec, f);
    return out;
  }

  // ───────────────────────────── writes ─────────────────────────────

  insert(type: string, fields: Record<string, unknown>): string {
    const obj = this.object(type);
    const values = this.validate(obj, fields, 'create');
    const stamp = formatDateTime(this.now());
    const id = this.nextId(obj);
    const rec: StoredFields = {};
    for (const f of obj.fields.values()) {
      if (f.defaultValue !== undefined) rec[f.name] = f.defaultValue;
    }
    Object.assign(rec, values, {
      Id: id,
      IsDeleted: false,
      CreatedDate: stamp,
      LastModifiedDate: stamp,
      SystemModstamp: stamp,
    });
    this.beforeSave(obj, rec, undefined);
    this.table(obj).set(id, rec);
    this.changed();
    return id;
  }

  update(type: string, id: string, fields: Record<string, unknown>): void {
    const obj = this.object(type);
    const rec = this.live(obj, id);
    const values = this.validate(obj, fields, 'update');
    const next = { ...rec, ...values };
    this.beforeSave(obj, next, rec);
    const stamp = formatDateTime(this.now());
    Object.assign(rec, values, { LastModifiedDate: stamp, SystemModstamp: stamp });
    this.changed();
  }

  /** Soft delete (the recycle bin): gone from `query`, still in `queryAll` with IsDeleted = true. */
  delete(type: string, id: string): void {
    const obj = this.object(type);
    const rec = this.live(obj, id);
    this.softDelete(obj, rec, formatDateTime(this.now()));
    this.changed();
  }

  private softDelete(obj: ObjectDef, rec: StoredFields, stamp: string): void {
    rec.IsDeleted = true;
    rec.LastModifiedDate = stamp;
    rec.SystemModstamp = stamp;
    for (const { child, field } of CASCADE[obj.name] ?? []) {
      const childObj = objectDef(child)!;
      for (const c of this.table(childObj).values()) {
        if (c[field] === rec.Id && c.IsDeleted !== true) this.softDelete(childObj, c, stamp);
      }
    }
  }

  /** Records from a seed or a data file: trusted system fields kept, derived ones dropped. */
  load(records: readonly SObjectRecord[], { overwrite }: { overwrite: boolean }): void {
    const stamp = formatDateTime(this.now());
    for (const r of records) {
      const obj = this.object(r.attributes?.type ?? '');
      const id = normalizeId(String(r.Id ?? ''));
      if (!id || !id.startsWith(obj.keyPrefix)) {
        throw new Error(`${obj.name} record without a valid ${obj.keyPrefix}… Id: ${String(r.Id)}`);
      }
      if (!overwrite && this.table(obj).has(id)) continue;
      const { attributes: _a, ...fields } = r;
      const values = this.validate(obj, fields, 'load');
      const rec: StoredFields = {};
      for (const f of obj.fields.values()) {
        if (f.defaultValue !== undefined) rec[f.name] = f.defaultValue;
      }
      Object.assign(rec, { IsDeleted: false, CreatedDate: stamp }, values, { Id: id });
      rec.LastModifiedDate ??= rec.CreatedDate;
      rec.SystemModstamp ??= rec.LastModifiedDate;
      this.table(obj).set(id, rec);
    }
    this.changed();
  }

  /** Every stored record (deleted ones too), for the data file. */
  dump(): SObjectRecord[] {
    const out: SObjectRecord[] = [];
    for (const [type, table] of this.records) {
      for (const rec of table.values()) out.push({ attributes: { type }, ...rec });
    }
    return out;
  }

  snapshot(): Map<string, Map<string, StoredFields>> {
    const copy = new Map<string, Map<string, StoredFields>>();
    for (const [type, table] of this.records) {
      copy.set(type, new Map([...table].map(([id, rec]) => [id, { ...rec }])));
    }
    return copy;
  }

  restore(snapshot: Map<string, Map<string, StoredFields>>): void {
    for (const [type, table] of snapshot)
      this.records.set(type, new Map([...table].map(([id, r]) => [id, { ...r }])));
    this.changed();
  }

  // ───────────────────────────── validation ─────────────────────────────

  /** Field names resolved, values coerced and checked, in Salesforce's order of complaints. */
  private validate(obj: ObjectDef, input: Record<string, unknown>, mode: WriteMode): StoredFields {
    const out: StoredFields = {};
    const denied: string[] = [];
    const resolved: [FieldDef, unknown][] = [];
    for (const [name, value] of Object.entries(input)) {
      if (name === 'attributes') continue;
      const def = fieldDef(obj, name);
      if (!def) throw noSuchColumn(name, obj.name);
      if (mode === 'load') {
        if (DERIVED.has(`${obj.name}.${def.name}`)) continue;
      } else if (mode === 'create' ? !def.createable : !def.updateable) {
        denied.push(def.name);
        continue;
      }
      resolved.push([def, value]);
    }
    if (denied.length) throw readOnlyFields(denied);
    for (const [def, value] of resolved) out[def.name] = this.coerce(obj, def, value, mode !== 'load');
    const missing =
      mode === 'create'
        ? [...obj.fields.values()].filter((f) => f.required && (out[f.name] ?? null) === null)
        : resolved.filter(([def]) => def.required && out[def.name] === null).map(([def]) => def);
    if (missing.length && mode !== 'load') {
      const names = missing.map((f) => f.name);
      throw sfError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${names.join(', ')}]`,
        names,
      );
    }
    return out;
  }

  private coerce(obj: ObjectDef, def: FieldDef, value: unknown, checkRefs: boolean): FieldValue {
    if (value === null || value === undefined) return null;
    const bad = (code: string, message: string): SalesforceApiError =>
      sfError(400, code, `${def.label}: ${message}`, [def.name]);
    switch (def.type) {
      case 'boolean':
        if (typeof value !== 'boolean') throw jsonError('boolean', value);
        return value;
      case 'double':
      case 'currency':
      case 'percent': {
        const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isFinite(n)) throw jsonError('double', value);
        return n;
      }
      case 'date': {
        if (typeof value !== 'string') throw jsonError('date', value);
        const d = value.length > 10 ? value.slice(0, 10) : value;
        if (!validDate(d)) throw jsonError('date', value);
        return d;
      }
      case 'datetime': {
        const d = typeof value === 'string' ? parseDateTime(value) : undefined;
        if (!d) throw jsonError('datetime', value);
        return formatDateTime(d);
      }
      case 'id':
      case 'reference': {
        if (typeof value !== 'string') throw jsonError('id', value);
        if (value === '') return null;
        const id = normalizeId(value);
        const target = def.referenceTo ? objectDef(def.referenceTo) : obj;
        if (!id || !target || !id.startsWith(target.keyPrefix)) {
          throw bad('MALFORMED_ID', `id value of incorrect type: ${value}`);
        }
        if (checkRefs) {
          const rec = this.table(target).get(id);
          if (!rec || rec.IsDeleted === true) {
            throw sfError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [def.name]);
          }
        }
        return id;
      }
      default: {
        if (typeof value === 'object') throw jsonError('String', JSON.stringify(value));
        const s = String(value);
        if (s === '') return null;
        if (def.length !== undefined && s.length > def.length) {
          throw bad('STRING_TOO_LONG', `data value too large: ${s} (max length=${def.length})`);
        }
        if (def.type === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s)) {
          throw bad('INVALID_EMAIL_ADDRESS', `invalid email address: ${s}`);
        }
        if (def.type === 'picklist' && def.restricted && !def.picklistValues?.includes(s)) {
          throw bad(
            'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            `bad value for restricted picklist field: ${s}`,
          );
        }
        return s;
      }
    }
  }

  /** Cross-record rules checked before a create or update is stored. */
  private beforeSave(obj: ObjectDef, next: StoredFields, prev: StoredFields | undefined): void {
    if (obj.name === 'Opportunity' && next.SyncedQuoteId && next.SyncedQuoteId !== prev?.SyncedQuoteId) {
      const quote = this.raw('Quote', String(next.SyncedQuoteId));
      if (!quote || quote.OpportunityId !== next.Id) {
        throw sfError(
          400,
          'FIELD_INTEGRITY_EXCEPTION',
          'Synced Quote: The quote you selected to sync is not associated with this opportunity.',
          ['SyncedQuoteId'],
        );
      }
    }
    if (obj.name === 'Quote' && !prev) {
      const opp = this.raw('Opportunity', String(next.OpportunityId));
      next.CurrencyIsoCode = (next.CurrencyIsoCode as string | null) ?? opp?.CurrencyIsoCode ?? 'USD';
      next.Pricebook2Id ??= opp?.Pricebook2Id ?? null;
    }
    if (obj.name === 'QuoteLineItem' && !prev) {
      const pbe = next.PricebookEntryId
        ? this.raw('PricebookEntry', String(next.PricebookEntryId))
        : undefined;
      if (pbe) {
        if (next.Product2Id && next.Product2Id !== pbe.Product2Id) {
          throw sfError(400, 'FIELD_INTEGRITY_EXCEPTION', 'Product ID: does not match the price book entry', [
            'Product2Id',
          ]);
        }
        next.Product2Id = pbe.Product2Id;
      }
      if (!next.Product2Id) {
        throw sfError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [PricebookEntryId]', [
          'PricebookEntryId',
        ]);
      }
      const siblings = this.quoteLines(String(next.QuoteId)).length + 1;
      next.LineNumber = String(siblings).padStart(5, '0');
    }
  }
}

/** Fields computed on read; never stored. */
const DERIVED = new Set([
  'Opportunity.IsWon',
  'Opportunity.IsClosed',
  'Contact.Name',
  'Quote.IsSyncing',
  'Quote.Subtotal',
  'Quote.TotalPrice',
  'Quote.LineItemCount',
  'QuoteLineItem.ListPrice',
  'QuoteLineItem.Subtotal',
  'QuoteLineItem.TotalPrice',
  'PricebookEntry.Name',
  'PricebookEntry.ProductCode',
]);

export function attributes(type: string, id: string, apiVersion: string): RecordAttributes {
  return { type, url: `/services/data/v${apiVersion}/sobjects/${type}/${id}` };
}

export const isSalesforceApiError = (e: unknown): e is SalesforceApiError => e instanceof SalesforceApiError;
