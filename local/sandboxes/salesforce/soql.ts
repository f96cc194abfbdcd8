/**
 * SOQL over the in-memory org: parsed by `soql-parser-js`, checked against the schema (Salesforce's
 * MALFORMED_QUERY / INVALID_TYPE / INVALID_FIELD / INVALID_QUERY_FILTER_OPERATOR messages, with the
 * `ERROR at Row:1:Column:n` pointer), then evaluated: field lists with parent relationship paths,
 * child-relationship subqueries, WHERE (comparisons, IN / NOT IN incl. semi-joins, LIKE, AND / OR /
 * NOT with parentheses, null, booleans, date / datetime literals and date literals such as TODAY or
 * LAST_N_DAYS:n), ORDER BY (NULLS FIRST/LAST), LIMIT, OFFSET, COUNT() and aggregates without GROUP BY.
 */
import {
  parseQuery,
  type FieldType as SoqlField,
  type OrderByClause,
  type Query,
  type Subquery,
  type WhereClause,
} from 'soql-parser-js';
import { SalesforceApiError, sfError } from './errors';
import { normalizeId } from './ids';
import {
  childRelationship,
  fieldDef,
  objectDef,
  relationshipField,
  type FieldDef,
  type FieldValue,
  type ObjectDef,
} from './schema';
import { attributes, parseDateTime, type SalesforceStore, type StoredFields } from './store';

export type QueryRecord = { attributes: { type: string; url?: string } } & Record<string, unknown>;

export interface QueryResult {
  totalSize: number;
  done: boolean;
  records: QueryRecord[];
}

export interface QueryOptions {
  apiVersion: string;
  /** queryAll: include soft-deleted records. */
  includeDeleted: boolean;
  /** "Now" for date literals (TODAY, LAST_N_DAYS:n…). */
  now: Date;
}

const MAX_OFFSET = 2000;

// ───────────────────────────── errors with Salesforce's pointer ─────────────────────────────

function pointer(soql: string, token: string | undefined): string {
  let col = soql.length + 1;
  if (token) {
    const esc = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`(^|[^\\w.])(${esc})(?![\\w])`, 'i').exec(soql);
    if (m) col = m.index + m[1].length + 1;
  }
  return `\n${soql}\n${' '.repeat(col - 1)}^\nERROR at Row:1:Column:${col}\n`;
}

const malformed = (soql: string, token: string | undefined, message: string): SalesforceApiError =>
  sfError(400, 'MALFORMED_QUERY', pointer(soql, token) + message);

const unsupported = (soql: string, what: string): SalesforceApiError =>
  sfError(400, 'MALFORMED_QUERY', `${what} is not supported by the Salesforce sandbox (query: ${soql})`);

function parse(soql: string): Query {
  try {
    return parseQuery(soql);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const found = /found:? (?:--> )?'([^']*)'/.exec(message)?.[1] ?? /->(.)<-/.exec(message)?.[1];
    const token = found === undefined || found === '' ? undefined : found;
    throw malformed(soql, token, `unexpected token: ${token ?? '<EOF>'}`);
  }
}

// ───────────────────────────── compiled query ─────────────────────────────

/** A field reached through zero or more parent relationships: `Account.Owner.Name`. */
interface Path {
  hops: FieldDef[]; // the lookup fields walked
  objects: ObjectDef[]; // objects along the way: [root, parent1, …]
  field: FieldDef;
}

type Literal = FieldValue | { range: [number, number] };

interface Compiled {
  obj: ObjectDef;
  select: SelectItem[];
  where?: (rec: StoredFields) => boolean;
  orderBy: { path: Path; desc: boolean; nullsLast: boolean }[];
  limit?: number;
  offset: number;
  countOnly: boolean;
  aggregates: { fn: string; path?: Path; alias: string }[];
}

type SelectItem =
  { kind: 'field'; path: Path } | { kind: 'subquery'; name: string; field: string; sub: Compiled };

type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | { cond: (rec: StoredFields) => boolean };

export class SoqlEngine {
  constructor(private readonly store: SalesforceStore) {}

  run(soql: string, options: QueryOptions): QueryResult {
    if (soql.trim() === '') throw malformed(soql, undefined, 'unexpected token: <EOF>');
    const q = parse(soql);
    const compiled = this.compile(soql, q, options);
    const rows = this.rows(compiled, options, this.store.rows(compiled.obj.name, options.includeDeleted));
    if (compiled.countOnly) return { totalSize: rows.length, done: true, records: [] };
    if (compiled.aggregates.length) {
      const rec: QueryRecord = { attributes: { type: 'AggregateResult' } };
      for (const a of compiled.aggregates) rec[a.alias] = this.aggregate(a.fn, a.path, rows);
      return { totalSize: 1, done: true, records: [rec] };
    }
    const records = rows.map((r) => this.project(compiled, r, options));
    return { totalSize: records.length, done: true, records };
  }

  private compile(soql: string, q: Query | Subquery, options: QueryOptions, childObj?: ObjectDef): Compiled {
    let obj: ObjectDef;
    if (childObj) obj = childObj;
    else {
      const name = (q as Query).sObject ?? '';
      const found = objectDef(name);
      if (!found) {
        throw sfError(
          400,
          'INVALID_TYPE',
          pointer(soql, name) +
            `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      obj = found;
    }
    if (q.groupBy) throw unsupported(soql, 'GROUP BY');
    if (q.having) throw unsupported(soql, 'HAVING');
    if (q.usingScope) throw unsupported(soql, 'USING SCOPE');
    if (q.withDataCategory) throw unsupported(soql, 'WITH DATA CATEGORY');
    const alias = q.sObjectAlias;
    const resolve = (raw: string): Path => this.path(soql, obj, raw, alias);

    const select: SelectItem[] = [];
    const aggregates: Compiled['aggregates'] = [];
    let countOnly = false;
    const seen = new Set<string>();
    for (const f of q.fields ?? []) {
      const item = f as SoqlField;
      switch (item.type) {
        case 'Field':
        case 'FieldRelationship': {
          const raw = item.type === 'Field' ? item.field : [...item.relationships, item.field].join('.');
          const path = resolve(raw);
          const key = [...path.hops.map((h) => h.relationshipName), path.field.name].join('.').toLowerCase();
          if (seen.has(key)) throw malformed(soql, raw, `duplicate field selected: ${raw}`);
          seen.add(key);
          select.push({ kind: 'field', path });
          break;
        }
        case 'FieldSubquery': {
          if (childObj)
            throw malformed(
              soql,
              item.subquery.relationshipName,
              'nesting of semi join sub-selects is not supported',
            );
          const rel = childRelationship(obj, item.subquery.relationshipName);
          if (!rel) {
            throw sfError(
              400,
              'INVALID_TYPE',
              pointer(soql, item.subquery.relationshipName) +
                `Didn't understand relationship '${item.subquery.relationshipName}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
            );
          }
          const child = this.store.object(rel.childSObject);
          select.push({
            kind: 'subquery',
            name: rel.relationshipName,
            field: rel.field,
            sub: this.compile(soql, item.subquery, options, child),
          });
          break;
        }
        case 'FieldFunctionExpression': {
          const fn = item.functionName.toUpperCase();
          if (!['COUNT', 'COUNT_DISTINCT', 'SUM', 'MIN', 'MAX', 'AVG'].includes(fn)) {
            throw unsupported(soql, `${item.functionName}()`);
          }
          const params = item.parameters ?? [];
          if (fn === 'COUNT' && params.length === 0) {
            countOnly = true;
            break;
          }
          if (params.length !== 1 || typeof params[0] !== 'string')
            throw unsupported(soql, item.rawValue ?? fn);
          aggregates.push({ fn, path: resolve(params[0]), alias: item.alias ?? `expr${aggregates.length}` });
          break;
        }
        default:
          throw unsupported(soql, 'TYPEOF');
      }
    }
    if (countOnly && (select.length || aggregates.length)) {
      throw malformed(soql, 'COUNT', 'COUNT() and COUNT(fieldName) cannot be used with other fields');
    }
    if (aggregates.length && select.length) {
      const first = select[0];
      const name = first.kind === 'field' ? first.path.field.name : first.name;
      throw malformed(soql, name, `Field must be grouped or aggregated: ${name}`);
    }
    if (q.offset !== undefined && q.offset > MAX_OFFSET) {
      throw sfError(400, 'NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
    }
    const orderBy = (q.orderBy ? ([] as OrderByClause[]).concat(q.orderBy) : []).map((o) => {
      if (!('field' in o) || !o.field) throw unsupported(soql, 'ORDER BY a function');
      const desc = o.order === 'DESC';
      return { path: resolve(o.field), desc, nullsLast: o.nulls ? o.nulls === 'LAST' : desc };
    });
    return {
      obj,
      select,
      ...(q.where ? { where: this.where(soql, q.where, resolve, options) } : {}),
      orderBy,
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      offset: q.offset ?? 0,
      countOnly,
      aggregates,
    };
  }

  /** `Account.Name` from Contact → hops [AccountId], field Account.Name; Salesforce's errors otherwise. */
  private path(soql: string, root: ObjectDef, raw: string, alias?: string): Path {
    let parts = raw.split('.');
    if (alias && parts.length > 1 && parts[0].toLowerCase() === alias.toLowerCase()) parts = parts.slice(1);
    else if (
      parts.length > 1 &&
      parts[0].toLowerCase() === root.name.toLowerCase() &&
      !relationshipField(root, parts[0])
    ) {
      parts = parts.slice(1);
    }
    const hops: FieldDef[] = [];
    const objects: ObjectDef[] = [root];
    let obj = root;
    for (const hop of parts.slice(0, -1)) {
      const lookup = relationshipField(obj, hop);
      if (!lookup?.referenceTo) {
        throw sfError(
          400,
          'INVALID_FIELD',
          pointer(soql, raw) +
            `Didn't understand relationship '${hop}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      hops.push(lookup);
      obj = this.store.object(lookup.referenceTo);
      objects.push(obj);
    }
    const last = parts[parts.length - 1];
    const field = fieldDef(obj, last);
    if (!field) {
      throw sfError(
        400,
        'INVALID_FIELD',
        pointer(soql, raw) +
          `No such column '${last}' on entity '${obj.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return { hops, objects, field };
  }

  /** The value at the end of a path, or null where a lookup is empty. */
  private valueAt(path: Path, rec: StoredFields): FieldValue {
    let cur: StoredFields | undefined = rec;
    for (let i = 0; i < path.hops.length && cur; i++) {
      const id: FieldValue = cur[path.hops[i].name];
      cur = typeof id === 'string' ? this.store.raw(path.objects[i + 1].name, id) : undefined;
    }
    return cur ? this.store.value(path.objects[path.objects.length - 1], cur, path.field) : null;
  }

  // ───────────────────────────── WHERE ─────────────────────────────

  private where(
    soql: string,
    clause: WhereClause,
    resolve: (raw: string) => Path,
    options: QueryOptions,
  ): (rec: StoredFields) => boolean {
    // soql-parser-js gives a right-leaning chain with parenthesis counts: rebuild tokens, then parse
    // with SOQL precedence (NOT > AND > OR).
    const tokens: Token[] = [];
    let node: WhereClause | undefined = clause;
    while (node) {
      const left = node.left as
        (Record<string, unknown> & { openParen?: number; closeParen?: number }) | null;
      const op = 'operator' in node ? node.operator : undefined;
      if (left && !('field' in left) && !('fn' in left)) {
        for (let i = 0; i < (left.openParen ?? 0); i++) tokens.push('(');
      } else if (left) {
        for (let i = 0; i < (left.openParen ?? 0); i++) tokens.push('(');
        tokens.push({ cond: this.condition(soql, left, resolve, options) });
        for (let i = 0; i < (left.closeParen ?? 0); i++) tokens.push(')');
      }
      if (op) tokens.push(op);
      node = 'right' in node ? node.right : undefined;
    }
    let i = 0;
    const fail = (): never => malformed(soql, undefined, 'unexpected token in WHERE clause') as never;
    const expr = (): ((r: StoredFields) => boolean) => {
      const terms = [conj()];
      while (tokens[i] === 'OR') {
        i++;
        terms.push(conj());
      }
      return terms.length === 1 ? terms[0] : (r) => terms.some((t) => t(r));
    };
    const conj = (): ((r: StoredFields) => boolean) => {
      const terms = [unary()];
      while (tokens[i] === 'AND') {
        i++;
        terms.push(unary());
      }
      return terms.length === 1 ? terms[0] : (r) => terms.every((t) => t(r));
    };
    const unary = (): ((r: StoredFields) => boolean) => {
      const t = tokens[i++];
      if (t === 'NOT') {
        const inner = unary();
        return (r) => !inner(r);
      }
      if (t === '(') {
        const inner = expr();
        if (tokens[i++] !== ')') fail();
        return inner;
      }
      if (t && typeof t === 'object') return t.cond;
      return fail();
    };
    const predicate = expr();
    if (i !== tokens.length) fail();
    return predicate;
  }

  private condition(
    soql: string,
    c: Record<string, unknown>,
    resolve: (raw: string) => Path,
    options: QueryOptions,
  ): (rec: StoredFields) => boolean {
    if ('fn' in c) throw unsupported(soql, 'A function in WHERE');
    const raw = String(c.field);
    const path = resolve(raw);
    const def = path.field;
    const op = String(c.operator).toUpperCase();
    if (op === 'INCLUDES' || op === 'EXCLUDES') throw unsupported(soql, op);

    let values: Literal[];
    if ('valueQuery' in c && c.valueQuery) {
      // Semi-join: `Id IN (SELECT AccountId FROM Opportunity WHERE …)`.
      const sub = this.compile(soql, c.valueQuery as Query, options);
      const item = sub.select[0];
      if (sub.select.length !== 1 || item.kind !== 'field' || item.path.hops.length) {
        throw malformed(soql, raw, 'The inner select field must be a single id field');
      }
      const rows = this.rows(sub, options, this.store.rows(sub.obj.name, false));
      values = rows.map((r) => this.valueAt(item.path, r));
    } else {
      const rawValues = ([] as unknown[]).concat(c.value as unknown);
      const types = ([] as unknown[]).concat(c.literalType as unknown);
      const nLiterals = ([] as unknown[]).concat(c.dateLiteralVariable as unknown);
      values = rawValues.map((v, k) =>
        this.literal(
          soql,
          def,
          raw,
          String(v),
          String(types[k] ?? types[0]),
          Number(nLiterals[k] ?? nLiterals[0]),
          options.now,
        ),
      );
    }
    if (op === 'LIKE' && !isText(def)) {
      throw sfError(
        400,
        'INVALID_QUERY_FILTER_OPERATOR',
        pointer(soql, raw) + `invalid operator on ${def.type} field`,
      );
    }
    const cmp = (v: FieldValue, lit: Literal): number | undefined => compare(def, v, lit);
    switch (op) {
      case '=':
        return (r) => {
          const v = this.valueAt(path, r);
          return values.some((lit) => (lit === null ? v === null : cmp(v, lit) === 0));
        };
      case '!=':
        return (r) => {
          const v = this.valueAt(path, r);
          const lit = values[0];
          return lit === null ? v !== null : v === null || cmp(v, lit) !== 0;
        };
      case 'IN':
        return (r) => {
          const v = this.valueAt(path, r);
          return values.some((lit) => (lit === null ? v === null : cmp(v, lit) === 0));
        };
      case 'NOT IN':
        return (r) => {
          const v = this.valueAt(path, r);
          return !values.some((lit) => (lit === null ? v === null : cmp(v, lit) === 0));
        };
      case 'LIKE': {
        const lit = values[0];
        const re = likeRegExp(typeof lit === 'string' ? lit : '');
        return (r) => {
          const v = this.valueAt(path, r);
          return typeof v === 'string' && re.test(v);
        };
      }
      case '<':
      case '<=':
      case '>':
      case '>=':
        return (r) => {
          const d = cmp(this.valueAt(path, r), values[0]);
          if (d === undefined) return false;
          return op === '<' ? d < 0 : op === '<=' ? d <= 0 : op === '>' ? d > 0 : d >= 0;
        };
      default:
        throw malformed(soql, op, `unexpected token: ${op}`);
    }
  }

  /** A WHERE literal checked against the field's type (Salesforce rejects quoted dates, numbers…). */
  private literal(
    soql: string,
    def: FieldDef,
    raw: string,
    value: string,
    literalType: string,
    n: number,
    now: Date,
  ): Literal {
    const wrongType = (): SalesforceApiError => {
      const expected = soapType(def);
      const quoted = expected === 'string' || expected === 'id' || expected === 'reference';
      return sfError(
        400,
        'INVALID_QUERY_FILTER_OPERATOR',
        pointer(soql, raw) +
          `value of filter criterion for field '${def.name}' must be of type ${expected} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
      );
    };
    switch (literalType) {
      case 'NULL':
        return null;
      case 'STRING': {
        if (!isText(def) && def.type !== 'id' && def.type !== 'reference') throw wrongType();
        const s = unquote(value);
        if (def.type === 'id' || def.type === 'reference') return normalizeId(s) ?? s;
        return s;
      }
      case 'BOOLEAN':
        if (def.type !== 'boolean') throw wrongType();
        return value.toUpperCase() === 'TRUE';
      case 'INTEGER':
      case 'DECIMAL':
        if (!isNumeric(def)) throw wrongType();
        return Number(value);
      case 'DATE':
        if (def.type !== 'date') throw wrongType();
        return value;
      case 'DATETIME': {
        if (def.type !== 'datetime') throw wrongType();
        const d = parseDateTime(value);
        if (!d) throw malformed(soql, value, `line 1:0 no viable alternative at character '${value}'`);
        return d.getTime();
      }
      case 'DATE_LITERAL':
      case 'DATE_N_LITERAL': {
        if (def.type !== 'date' && def.type !== 'datetime') throw wrongType();
        const range = dateLiteralRange(value.toUpperCase(), n, now);
        if (!range) throw unsupported(soql, `Date literal ${value}`);
        return { range };
      }
      default:
        throw unsupported(soql, `${literalType} literal`);
    }
  }

  // ───────────────────────────── evaluation ─────────────────────────────

  private rows(c: Compiled, _options: QueryOptions, all: StoredFields[]): StoredFields[] {
    let rows = c.where ? all.filter(c.where) : all.slice();
    if (c.orderBy.length) {
      const keyed = rows.map((r) => ({ r, keys: c.orderBy.map((o) => this.valueAt(o.path, r)) }));
      keyed.sort((a, b) => {
        for (let k = 0; k < c.orderBy.length; k++) {
          const o = c.orderBy[k];
          const va = a.keys[k];
          const vb = b.keys[k];
          if (va === null || vb === null) {
            if (va === vb) continue;
            return (va === null) === o.nullsLast ? 1 : -1;
          }
          const d = compare(o.path.field, va, vb) ?? 0;
          if (d !== 0) return o.desc ? -d : d;
        }
        return 0;
      });
      rows = keyed.map((k) => k.r);
    }
    const start = c.offset;
    return rows.slice(start, c.limit === undefined ? undefined : start + c.limit);
  }

  private project(c: Compiled, rec: StoredFields, options: QueryOptions): QueryRecord {
    const out: QueryRecord = { attributes: attributes(c.obj.name, String(rec.Id), options.apiVersion) };
    for (const item of c.select) {
      if (item.kind === 'subquery') {
        const children = this.store
          .rows(item.sub.obj.name, options.includeDeleted)
          .filter((child) => child[item.field] === rec.Id);
        const rows = this.rows(item.sub, options, children);
        out[item.name] = rows.length
          ? {
              totalSize: rows.length,
              done: true,
              records: rows.map((r) => this.project(item.sub, r, options)),
            }
          : null;
        continue;
      }
      // Parent paths nest: { Account: { attributes, Name, Owner: { attributes, … } } }, null where empty.
      let target: Record<string, unknown> = out;
      let cur: StoredFields | undefined = rec;
      const { path } = item;
      let i = 0;
      for (; i < path.hops.length; i++) {
        const hop = path.hops[i];
        const rel = hop.relationshipName!;
        const id: FieldValue = cur[hop.name];
        const parent: StoredFields | undefined =
          typeof id === 'string' ? this.store.raw(path.objects[i + 1].name, id) : undefined;
        if (!parent) {
          if (!(rel in target)) target[rel] = null;
          break;
        }
        const existing = target[rel];
        if (existing && typeof existing === 'object') target = existing as Record<string, unknown>;
        else {
          const next: Record<string, unknown> = {
            attributes: attributes(path.objects[i + 1].name, String(parent.Id), options.apiVersion),
          };
          target[rel] = next;
          target = next;
        }
        cur = parent;
      }
      if (i === path.hops.length && cur) {
        target[path.field.name] = this.store.value(path.objects[path.objects.length - 1], cur, path.field);
      }
    }
    return out;
  }

  private aggregate(fn: string, path: Path | undefined, rows: StoredFields[]): FieldValue {
    const values = path
      ? rows.map((r) => this.valueAt(path, r)).filter((v) => v !== null)
      : rows.map(() => 1);
    switch (fn) {
      case 'COUNT':
        return values.length;
      case 'COUNT_DISTINCT':
        return new Set(values.map((v) => (typeof v === 'string' ? v.toLowerCase() : v))).size;
      case 'SUM':
        return values.length ? values.reduce((s: number, v) => s + Number(v), 0) : null;
      case 'AVG':
        return values.length ? values.reduce((s: number, v) => s + Number(v), 0) / values.length : null;
      default: {
        if (!values.length) return null;
        const sorted = values.slice().sort((a, b) => compare(path!.field, a, b) ?? 0);
        return fn === 'MIN' ? sorted[0] : sorted[sorted.length - 1];
      }
    }
  }
}

// ───────────────────────────── helpers ─────────────────────────────

const isText = (def: FieldDef): boolean =>
  ['string', 'textarea', 'email', 'url', 'phone', 'picklist'].includes(def.type);
const isNumeric = (def: FieldDef): boolean => ['double', 'currency', 'percent'].includes(def.type);

function soapType(def: FieldDef): string {
  if (def.type === 'datetime') return 'dateTime';
  if (isText(def)) return 'string';
  return def.type;
}

/** `'O\'Brien'` → `O'Brien` (SOQL escapes: \' \" \\ \n \r \t \b \f \_ \%). */
function unquote(v: string): string {
  const inner = v.startsWith("'") && v.endsWith("'") ? v.slice(1, -1) : v;
  return inner.replace(/\\(.)/g, (_m, c: string) => {
    const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
    if (c === '_' || c === '%') return `\\${c}`; // kept escaped for LIKE
    return map[c] ?? c;
  });
}

function likeRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      re += pattern[++i];
    } else if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

/** Orders two non-null values of a field's type: text case-insensitively, datetimes as instants. */
function compare(def: FieldDef, v: FieldValue, lit: Literal): number | undefined {
  if (v === null || lit === null) return undefined;
  if (typeof lit === 'object') {
    // A date literal's [start, end) range, in ms (date fields compare by their UTC midnight).
    const t =
      def.type === 'date'
        ? Date.parse(`${String(v)}T00:00:00Z`)
        : (parseDateTime(String(v))?.getTime() ?? NaN);
    if (Number.isNaN(t)) return undefined;
    return t < lit.range[0] ? -1 : t >= lit.range[1] ? 1 : 0;
  }
  if (def.type === 'datetime') {
    const a = parseDateTime(String(v))?.getTime();
    const b = typeof lit === 'number' ? lit : parseDateTime(String(lit))?.getTime();
    if (a === undefined || b === undefined) return undefined;
    return Math.sign(a - b);
  }
  if (typeof v === 'number' && typeof lit === 'number') return Math.sign(v - lit);
  if (typeof v === 'boolean' || typeof lit === 'boolean') return v === lit ? 0 : v ? 1 : -1;
  const a = String(v).toLowerCase();
  const b = String(lit).toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

const DAY = 86_400_000;

/** [start, end) in ms for SOQL date literals, in UTC (the sandbox org's time zone). */
function dateLiteralRange(name: string, n: number, now: Date): [number, number] | undefined {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const month = (offset: number): [number, number] => [
    Date.UTC(y, m + offset, 1),
    Date.UTC(y, m + offset + 1, 1),
  ];
  const week = today - now.getUTCDay() * DAY; // weeks start on Sunday (en_US locale)
  switch (name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'THIS_WEEK':
      return [week, week + 7 * DAY];
    case 'LAST_WEEK':
      return [week - 7 * DAY, week];
    case 'NEXT_WEEK':
      return [week + 7 * DAY, week + 14 * DAY];
    case 'THIS_MONTH':
      return month(0);
    case 'LAST_MONTH':
      return month(-1);
    case 'NEXT_MONTH':
      return month(1);
    case 'THIS_YEAR':
      return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)];
    case 'LAST_N_DAYS':
      return [today - n * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (n + 1) * DAY];
    case 'N_DAYS_AGO':
      return [today - n * DAY, today - (n - 1) * DAY];
    default:
      return undefined;
  }
}
