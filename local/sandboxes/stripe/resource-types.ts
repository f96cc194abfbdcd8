/**
 * What a resource definition declares. The server derives the routes from it:
 *
 *   GET    /v1/<path>              list        (when `list` is set)
 *   GET    /v1/<path>/<id>         retrieve    (unless `retrieve: false`)
 *   GET    /v1/<path>/<id>/<sub>   sub-list    (`subLists`, e.g. invoice lines)
 *   POST   /v1/<path>              create      (when `create` is set)
 *   POST   /v1/<path>/<id>         update      (when `update` is set)
 *   DELETE /v1/<path>/<id>         delete      (when `del` is set)
 *
 * Create and update apply the parameters generically (Stripe's rules: `metadata` merges key by key and
 * `''` deletes a key or unsets a field); hooks add what is specific to a resource.
 */
import type { FormObject, ParamTypes } from './form';
import type { ListFilter } from './list';
import type { StoreFilter, StripeObject } from './store';

/** What hooks may use: the clock, ids, and the store (reads are not copies: do not mutate them). */
export interface ResourceContext {
  /** Unix seconds. */
  now(): number;
  newId(prefix: string): string;
  get(object: string, id: string): StripeObject | undefined;
  list(object: string, filter?: StoreFilter): StripeObject[];
  /** Stores a side object (e.g. the product a price creates from `product_data`). */
  put(obj: StripeObject): void;
  /** Raises an event (recorded when the request succeeds, then delivered to webhook endpoints). */
  emit(type: string, object: StripeObject, previous?: Record<string, unknown>): void;
}

/** A custom action: `POST /v1/<path>/<id>/<name>` (e.g. `invoices/:id/pay`); returns the object to render. */
export type ObjectAction = (obj: StripeObject, params: FormObject, ctx: ResourceContext) => StripeObject;

/** A custom collection endpoint without an id (e.g. `GET /v1/credit_notes/preview`). */
export interface CollectionAction {
  method: 'GET' | 'POST';
  run: (params: FormObject, ctx: ResourceContext) => StripeObject;
}

export interface CreateSpec {
  /** Checked before anything else: `Missing required param: x.` (`parameter_missing`). */
  required?: readonly string[];
  /** The caller may choose the id (`id` parameter), as for products and coupons. */
  acceptsId?: boolean;
  /** What the create answers instead of the stored object (a webhook endpoint shows its secret once). */
  response?: (obj: StripeObject) => StripeObject;
  /** Fields every new object starts with (before the request's parameters are applied). */
  defaults?: (ctx: ResourceContext) => Record<string, unknown>;
  /** Further validation of the (coerced) parameters; throw a StripeApiError. */
  validate?: (params: FormObject, ctx: ResourceContext) => void;
  /** Derives fields from the parameters once they are applied; returns the object to store. */
  build?: (obj: StripeObject, params: FormObject, ctx: ResourceContext) => StripeObject;
}

export interface UpdateSpec {
  validate?: (existing: StripeObject, params: FormObject, ctx: ResourceContext) => void;
  build?: (obj: StripeObject, params: FormObject, ctx: ResourceContext) => StripeObject;
}

export interface ListSpec {
  /** Filter parameters this list accepts; any other parameter is `Received unknown parameter`. */
  filters?: Record<string, ListFilter>;
  /** Always applied, e.g. subscriptions hide canceled ones unless `status` is given. */
  baseFilter?: (obj: StripeObject, params: FormObject) => boolean;
}

export interface SubListSpec {
  /** The listed items' `object` (named in the error for an unknown cursor). */
  object: string;
  /** The items in the order the API lists them. */
  items: (parent: StripeObject) => StripeObject[];
}

export interface ResourceDefinition {
  /** The `object` value, e.g. `payout`. */
  object: string;
  /** The URL segment after `/v1/`, e.g. `payouts`. */
  path: string;
  /** Prefix of generated ids, e.g. `po`. */
  idPrefix: string;
  retrieve?: boolean;
  list?: ListSpec;
  create?: CreateSpec;
  update?: UpdateSpec;
  /**
   * `'remove'`: the object is deleted and the answer is `{id, object, deleted: true}`. A function returns
   * the object's new state instead (subscriptions are canceled, not removed).
   */
  del?: 'remove' | ((obj: StripeObject, params: FormObject, ctx: ResourceContext) => StripeObject);
  /** Refuses a DELETE Stripe refuses (throw a StripeApiError). */
  beforeDelete?: (obj: StripeObject, ctx: ResourceContext) => void;
  /** Typed request parameters (the wire carries strings): `amount`, `items[].quantity`, … */
  params?: ParamTypes;
  /** Parameters accepted by create/update but not stored as fields (hooks read them). */
  writeOnly?: readonly string[];
  subLists?: Record<string, SubListSpec>;
  /** Raise `<object>.created` / `.updated` (with previous_attributes) / `.deleted` events on the generic writes. */
  events?: boolean;
  actions?: Record<string, ObjectAction>;
  collectionActions?: Record<string, CollectionAction>;
  /** Reshapes every object stored (seeded or created), e.g. to move an association to an `_internal` field. */
  normalize?: (obj: StripeObject) => StripeObject;
}
