/**
 * The sandbox's object store: plain Stripe JSON objects keyed by their `object` type and `id`.
 *
 * Objects are copied in and out, so neither tests nor responses can mutate stored state by accident.
 * Fields whose name starts with `_` are internal associations the public object lacks (e.g. a balance
 * transaction's `_payout`): stored and filterable, stripped from every response.
 */
export interface StripeObject {
  id: string;
  object: string;
  created?: number;
  [field: string]: unknown;
}

/** Shallow equality on fields (an expanded object matches its id), or a predicate. */
export type StoreFilter = Record<string, unknown> | ((obj: StripeObject) => boolean);

export function isStripeObject(v: unknown): v is StripeObject {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as StripeObject).id === 'string' &&
    typeof (v as StripeObject).object === 'string'
  );
}

/** The id of an expandable field, expanded or not. */
export function idOf(v: unknown): unknown {
  return isStripeObject(v) ? v.id : v;
}

/**
 * Stripe's list order: newest first, ties broken by id (ids here are time-ordered, see ids.ts).
 * A seeded object without `created` sorts as the oldest.
 */
export function apiOrder(a: StripeObject, b: StripeObject): number {
  const byCreated = (b.created ?? 0) - (a.created ?? 0);
  if (byCreated !== 0) return byCreated;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function matches(obj: StripeObject, filter: StoreFilter | undefined): boolean {
  if (!filter) return true;
  if (typeof filter === 'function') return filter(obj);
  return Object.entries(filter).every(([k, v]) => obj[k] === v || idOf(obj[k]) === v);
}

export class StripeStore {
  private readonly byType = new Map<string, Map<string, StripeObject>>();
  private readonly byId = new Map<string, StripeObject>();
  private readonly listeners: Array<() => void> = [];

  /** `normalize` lets a resource definition reshape seeded objects (see resources.ts). */
  constructor(private readonly normalize: (obj: StripeObject) => StripeObject = (o) => o) {}

  /** Inserts or replaces an object; returns a copy of what is stored. */
  put(obj: StripeObject): StripeObject {
    this.write(obj);
    this.changed();
    return structuredClone(this.byType.get(obj.object)!.get(obj.id)!);
  }

  /** Inserts many objects with one change notification (one write of the data file). */
  putAll(objects: readonly StripeObject[]): void {
    for (const obj of objects) this.write(obj);
    if (objects.length > 0) this.changed();
  }

  get(object: string, id: string): StripeObject | undefined {
    const found = this.peek(object, id);
    return found && structuredClone(found);
  }

  /** Objects of one type in API list order (newest first). */
  list(object: string, filter?: StoreFilter): StripeObject[] {
    return this.peekList(object)
      .filter((o) => matches(o, filter))
      .map((o) => structuredClone(o));
  }

  all(): StripeObject[] {
    return [...this.byType.values()].flatMap((m) => [...m.values()]).map((o) => structuredClone(o));
  }

  delete(object: string, id: string): boolean {
    const existed = this.byType.get(object)?.delete(id) ?? false;
    if (existed && this.byId.get(id)?.object === object) this.byId.delete(id);
    if (existed) this.changed();
    return existed;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  // -- no-copy reads for the server; callers must not mutate what they get -------------------

  /** @internal */
  peek(object: string, id: string): StripeObject | undefined {
    return this.byType.get(object)?.get(id);
  }

  /** @internal Any type: expansion resolves ids without knowing what they point to. */
  peekById(id: string): StripeObject | undefined {
    return this.byId.get(id);
  }

  /** @internal */
  peekList(object: string): StripeObject[] {
    return [...(this.byType.get(object)?.values() ?? [])].sort(apiOrder);
  }

  /** @internal */
  peekAll(): StripeObject[] {
    return [...this.byType.values()].flatMap((m) => [...m.values()]);
  }

  private write(input: StripeObject): void {
    if (!isStripeObject(input)) {
      throw new TypeError(`A Stripe object needs a string 'id' and 'object': ${JSON.stringify(input)}`);
    }
    const obj = this.normalize(structuredClone(input));
    let objects = this.byType.get(obj.object);
    if (!objects) this.byType.set(obj.object, (objects = new Map()));
    objects.set(obj.id, obj);
    this.byId.set(obj.id, obj);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
