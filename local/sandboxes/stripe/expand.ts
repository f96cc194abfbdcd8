/**
 * `expand[]`: replace id strings along dotted paths with the stored objects they name.
 *
 * Paths are relative to the response (`source` on a retrieve, `data.source` on a list) and expand
 * every id on the way (`data.source.invoice` expands the source, then its invoice). Arrays are walked
 * element by element. An id the store does not hold stays an id. Stripe caps paths at 4 levels, `data`
 * included. Unlike Stripe, any field holding a known id can be expanded: the sandbox has no schema of
 * which fields are expandable.
 */
import { invalidRequest } from './errors';
import type { FormValue } from './form';
import type { StripeObject } from './store';

export const MAX_EXPAND_DEPTH = 4;

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A response copy: internal `_fields` removed, at every level. */
export function publicCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(publicCopy) as T;
  if (!isNode(value)) return value;
  const out: Node = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('_')) out[k] = publicCopy(v);
  return out as T;
}

/** Reads the `expand` parameter (an array, as the SDK sends `expand[0]=…`) and checks the depth limit. */
export function parseExpand(value: FormValue | undefined): string[] {
  if (value === undefined || value === '') return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw invalidRequest('Invalid array', { param: 'expand' });
  }
  for (const path of value) {
    if (path.split('.').length > MAX_EXPAND_DEPTH) {
      throw invalidRequest(
        `You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${path}`,
        {
          code: 'property_expansion_max_depth',
        },
      );
    }
  }
  return value;
}

/** Expands `paths` in `root` (a response copy, mutated in place). */
export function expand(
  root: Node,
  paths: readonly string[],
  resolve: (id: string) => StripeObject | undefined,
): void {
  const expandValue = (value: unknown, rest: string[]): unknown => {
    if (Array.isArray(value)) return value.map((v) => expandValue(v, rest));
    let v = value;
    if (typeof v === 'string') {
      const found = resolve(v);
      if (found) v = publicCopy(found);
    }
    if (rest.length > 0 && isNode(v)) expandField(v, rest);
    return v;
  };
  const expandField = (node: Node, [head, ...rest]: string[]): void => {
    if (head in node) node[head] = expandValue(node[head], rest);
  };
  for (const path of paths) expandField(root, path.split('.'));
}
