/**
 * Stripe list semantics: `limit` 1–100 (default 10), cursor pagination with `starting_after` /
 * `ending_before` (object ids, positioned in the unfiltered order, so a cursor that a filter excludes
 * still works), resource filters, and `Received unknown parameter` for anything else.
 */
import { invalidRequest, parameterUnknown, resourceMissing } from './errors';
import { isFormObject, toBoolean, toInteger, type FormObject, type FormValue } from './form';
import { idOf, type StripeObject } from './store';

export type ListFilter =
  /** The field equals the parameter (an expanded field matches by id). `field` defaults to the param name. */
  | { kind: 'eq'; field?: string }
  /** Same, for boolean fields (`active=true`). */
  | { kind: 'boolean'; field?: string }
  /** Unix-time ranges: `created=123` or `created[gte]=…&created[lt]=…`. */
  | { kind: 'range'; field?: string }
  /** Anything else: gets the raw parameter value and its name (for errors). */
  | { kind: 'custom'; match: (obj: StripeObject, value: FormValue, param: string) => boolean };

export const eq = (field?: string): ListFilter => ({ kind: 'eq', field });
export const bool = (field?: string): ListFilter => ({ kind: 'boolean', field });
export const range = (field?: string): ListFilter => ({ kind: 'range', field });
export const custom = (
  match: (obj: StripeObject, value: FormValue, param: string) => boolean,
): ListFilter => ({
  kind: 'custom',
  match,
});

export interface ListQuery {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
  expand: FormValue | undefined;
  matches: (obj: StripeObject) => boolean;
}

const PAGINATION_PARAMS = new Set(['limit', 'starting_after', 'ending_before', 'expand']);
const RANGE_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
};

function parseLimit(value: FormValue | undefined): number {
  if (value === undefined) return 10;
  const limit = toInteger(value, 'limit');
  if (limit < 1) {
    throw invalidRequest('This value must be greater than or equal to 1.', {
      code: 'parameter_invalid_integer',
      param: 'limit',
    });
  }
  if (limit > 100) {
    throw invalidRequest('This value must be less than or equal to 100.', {
      code: 'parameter_invalid_integer',
      param: 'limit',
    });
  }
  return limit;
}

function cursor(value: FormValue | undefined, param: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, { param });
  return value;
}

function predicate(param: string, filter: ListFilter, value: FormValue): (obj: StripeObject) => boolean {
  const field = filter.kind === 'custom' ? param : (filter.field ?? param);
  switch (filter.kind) {
    case 'eq':
      if (typeof value !== 'string')
        throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, { param });
      return (obj) => idOf(obj[field]) === value;
    case 'boolean': {
      const wanted = toBoolean(value, param);
      return (obj) => obj[field] === wanted;
    }
    case 'range': {
      if (!isFormObject(value)) {
        const exact = toInteger(value, param);
        return (obj) => obj[field] === exact;
      }
      const checks = Object.entries(value).map(([op, bound]) => {
        const cmp = RANGE_OPERATORS[op];
        if (!cmp) throw parameterUnknown(`${param}[${op}]`);
        const n = toInteger(bound, `${param}[${op}]`);
        return (v: number) => cmp(v, n);
      });
      return (obj) => typeof obj[field] === 'number' && checks.every((c) => c(obj[field] as number));
    }
    case 'custom':
      return (obj) => filter.match(obj, value, param);
  }
}

export function parseListQuery(
  params: FormObject,
  filters: Record<string, ListFilter> = {},
  baseFilter?: (obj: StripeObject, params: FormObject) => boolean,
): ListQuery {
  const predicates: Array<(obj: StripeObject) => boolean> = [];
  if (baseFilter) predicates.push((obj) => baseFilter(obj, params));
  for (const [param, value] of Object.entries(params)) {
    if (PAGINATION_PARAMS.has(param)) continue;
    const filter = filters[param];
    if (!filter) throw parameterUnknown(param);
    predicates.push(predicate(param, filter, value));
  }
  const startingAfter = cursor(params.starting_after, 'starting_after');
  const endingBefore = cursor(params.ending_before, 'ending_before');
  if (startingAfter && endingBefore) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
      param: 'ending_before',
    });
  }
  return {
    limit: parseLimit(params.limit),
    startingAfter,
    endingBefore,
    expand: params.expand,
    matches: (obj) => predicates.every((p) => p(obj)),
  };
}

export interface Page {
  data: StripeObject[];
  has_more: boolean;
}

/**
 * One page of `ordered` (the full, unfiltered list in API order). `itemObject` names the listed type
 * in the error for a cursor that does not exist.
 */
export function paginate(ordered: readonly StripeObject[], query: ListQuery, itemObject: string): Page {
  const indexOf = (id: string, param: string): number => {
    const i = ordered.findIndex((o) => o.id === id);
    if (i < 0) throw resourceMissing(itemObject, id, param, 400);
    return i;
  };
  if (query.endingBefore) {
    // The page just before the cursor (newer objects), still newest first.
    const before = ordered.slice(0, indexOf(query.endingBefore, 'ending_before')).filter(query.matches);
    return { data: before.slice(-query.limit), has_more: before.length > query.limit };
  }
  const start = query.startingAfter ? indexOf(query.startingAfter, 'starting_after') + 1 : 0;
  const after = ordered.slice(start).filter(query.matches);
  return { data: after.slice(0, query.limit), has_more: after.length > query.limit };
}
