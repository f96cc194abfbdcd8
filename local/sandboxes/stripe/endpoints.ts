/**
 * The generic endpoints every resource definition gets: retrieve, list (and sub-lists), create, update,
 * delete, with Stripe's parameter rules. HTTP concerns (auth, versions, idempotency, faults) live in
 * server.ts; resource specifics in the definitions' hooks.
 */
import {
  invalidRequest,
  parameterInvalidEmpty,
  parameterMissing,
  parameterUnknown,
  resourceMissing,
} from './errors';
import { previousAttributes } from './events';
import { expand, parseExpand, publicCopy } from './expand';
import { coerceParams, isFormObject, type FormObject, type FormValue } from './form';
import { paginate, parseListQuery, type ListQuery } from './list';
import { newId } from './ids';
import type { ResourceContext, ResourceDefinition, SubListSpec } from './resource-types';
import type { StripeObject, StripeStore } from './store';

export interface ApiResult {
  status: number;
  body: object;
}

/** Fields the API owns: a request naming them gets `Received unknown parameter`. */
const READ_ONLY_FIELDS = new Set(['id', 'object', 'created', 'livemode']);

/** A form value as stored JSON: `''` unsets (null), as Stripe treats empty strings. */
function toStored(v: FormValue): unknown {
  if (v === '') return null;
  if (Array.isArray(v)) return v.map(toStored);
  if (isFormObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toStored(x)]));
  return v;
}

/** Nested hashes merge into existing ones (`address[city]` keeps the rest of the address); the rest replaces. */
function mergeValue(current: unknown, v: FormValue): unknown {
  if (!isFormObject(v) || typeof current !== 'object' || current === null || Array.isArray(current)) {
    return toStored(v);
  }
  const out: Record<string, unknown> = { ...(current as Record<string, unknown>) };
  for (const [k, x] of Object.entries(v)) out[k] = mergeValue(out[k], x);
  return out;
}

/** Stripe's metadata rules: keys merge; `metadata[k]=` deletes k; `metadata=` clears all. */
function mergeMetadata(current: unknown, update: FormValue): Record<string, string> {
  if (update === '') return {};
  if (!isFormObject(update)) throw invalidRequest('Invalid object', { param: 'metadata' });
  const out: Record<string, string> = { ...((current as Record<string, string> | null) ?? {}) };
  for (const [k, v] of Object.entries(update)) {
    if (typeof v !== 'string')
      throw invalidRequest('Invalid string: must be a string', { param: `metadata[${k}]` });
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

/** `id` and `object` first, then the rest alphabetically, at every level, as Stripe's JSON reads. */
function orderKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(orderKeys) as T;
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, orderKeys(obj[k])])) as T;
}

function rank(key: string): number {
  return key === 'id' ? 0 : key === 'object' ? 1 : 2;
}

export class Endpoints {
  readonly context: ResourceContext;

  constructor(
    private readonly store: StripeStore,
    now: () => number,
    emit: ResourceContext['emit'] = () => undefined,
  ) {
    this.context = {
      now,
      newId,
      get: (object, id) => store.peek(object, id),
      list: (object, filter) => store.list(object, filter),
      put: (obj) => void store.put(obj),
      emit,
    };
  }

  retrieve(def: ResourceDefinition, id: string, params: FormObject): ApiResult {
    const { expand: paths, ...rest } = params;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw parameterUnknown(unknown);
    return this.render(this.existing(def, id), parseExpand(paths));
  }

  list(def: ResourceDefinition, params: FormObject): ApiResult {
    const query = parseListQuery(params, def.list?.filters, def.list?.baseFilter);
    return this.page(this.store.peekList(def.object), query, def.object, `/v1/${def.path}`);
  }

  subList(
    def: ResourceDefinition,
    id: string,
    name: string,
    spec: SubListSpec,
    params: FormObject,
  ): ApiResult {
    const parent = this.existing(def, id);
    const query = parseListQuery(params);
    return this.page(spec.items(parent), query, spec.object, `/v1/${def.path}/${id}/${name}`);
  }

  create(def: ResourceDefinition, params: FormObject): ApiResult {
    const spec = def.create!;
    const paths = parseExpand(params.expand);
    coerceParams(params, def.params);
    for (const p of spec.required ?? []) {
      if (params[p] === undefined) throw parameterMissing(p);
      if (params[p] === '') throw parameterInvalidEmpty(p);
    }
    let id = newId(def.idPrefix);
    if (spec.acceptsId && params.id !== undefined) {
      if (typeof params.id !== 'string' || params.id === '') throw parameterInvalidEmpty('id');
      if (this.store.peek(def.object, params.id)) {
        throw invalidRequest(`${def.object === 'coupon' ? 'Coupon' : 'Object'} already exists.`, {
          code: 'resource_already_exists',
          param: 'id',
        });
      }
      id = params.id;
    }
    const { id: _ignored, ...rest } = params;
    void _ignored;
    spec.validate?.(rest, this.context);
    const base: StripeObject = {
      ...(spec.defaults?.(this.context) ?? {}),
      id,
      object: def.object,
      created: this.context.now(),
    };
    const applied = this.apply(def, base, spec.acceptsId ? rest : params);
    const obj = spec.build ? spec.build(applied, rest, this.context) : applied;
    this.store.put(orderKeys(obj));
    const stored = this.store.peek(def.object, obj.id)!;
    if (def.events) this.context.emit(`${def.object}.created`, stored);
    return this.render(spec.response ? spec.response(stored) : stored, paths);
  }

  update(def: ResourceDefinition, id: string, params: FormObject): ApiResult {
    const spec = def.update!;
    const existing = this.existing(def, id);
    const paths = parseExpand(params.expand);
    coerceParams(params, def.params);
    spec.validate?.(existing, params, this.context);
    const applied = this.apply(def, structuredClone(existing), params);
    const obj = spec.build ? spec.build(applied, params, this.context) : applied;
    this.store.put(orderKeys(obj));
    const stored = this.store.peek(def.object, id)!;
    if (def.events) {
      const previous = previousAttributes(existing, stored);
      if (previous) this.context.emit(`${def.object}.updated`, stored, previous);
    }
    return this.render(stored, paths);
  }

  /** `POST /v1/<path>/<id>/<action>`. */
  action(def: ResourceDefinition, id: string, name: string, params: FormObject): ApiResult {
    const existing = this.existing(def, id);
    const paths = parseExpand(params.expand);
    const { expand: _e, ...rest } = params;
    void _e;
    const obj = def.actions![name](structuredClone(existing), rest, this.context);
    return this.render(this.store.peek(obj.object, obj.id) ?? obj, paths);
  }

  /** `GET|POST /v1/<path>/<name>` without an id (e.g. credit note previews). */
  collectionAction(def: ResourceDefinition, name: string, params: FormObject): ApiResult {
    const paths = parseExpand(params.expand);
    const { expand: _e, ...rest } = params;
    void _e;
    return this.render(def.collectionActions![name].run(rest, this.context), paths);
  }

  remove(def: ResourceDefinition, id: string, params: FormObject): ApiResult {
    const existing = this.existing(def, id);
    const paths = parseExpand(params.expand);
    def.beforeDelete?.(existing, this.context);
    if (def.del === 'remove') {
      this.store.delete(def.object, id);
      if (def.events) this.context.emit(`${def.object}.deleted`, existing);
      return { status: 200, body: { id, object: def.object, deleted: true } };
    }
    const obj = def.del!(structuredClone(existing), params, this.context);
    this.store.put(obj);
    return this.render(this.store.peek(def.object, id)!, paths);
  }

  private existing(def: ResourceDefinition, id: string): StripeObject {
    const obj = this.store.peek(def.object, id);
    if (!obj) throw resourceMissing(def.object, id, 'id');
    return obj;
  }

  private apply(def: ResourceDefinition, target: StripeObject, params: FormObject): StripeObject {
    const writeOnly = new Set(def.writeOnly ?? []);
    for (const [k, v] of Object.entries(params)) {
      if (k === 'expand' || writeOnly.has(k)) continue;
      if (READ_ONLY_FIELDS.has(k)) throw parameterUnknown(k);
      target[k] = k === 'metadata' ? mergeMetadata(target.metadata, v) : mergeValue(target[k], v);
    }
    return target;
  }

  private render(obj: StripeObject, paths: readonly string[]): ApiResult {
    const body = publicCopy(obj);
    expand(body, paths, (id) => this.store.peekById(id));
    return { status: 200, body };
  }

  private page(
    ordered: readonly StripeObject[],
    query: ListQuery,
    itemObject: string,
    url: string,
  ): ApiResult {
    const paths = parseExpand(query.expand);
    const { data, has_more } = paginate(ordered, query, itemObject);
    const body = { object: 'list', data: data.map(publicCopy), has_more, url };
    expand(body, paths, (id) => this.store.peekById(id));
    return { status: 200, body };
  }
}
