/**
 * EventBridge event-pattern matching for the local bus (PutEvents → rules).
 *
 * Semantics follow, in order of authority:
 *  - the AWS EventBridge user guide ("Creating event patterns", "Content filtering", "Comparison operators",
 *    "Arrays", "Matching null values and empty strings");
 *  - AWS-validated cases: LocalStack's snapshot suite tests/aws/services/events/event_pattern_templates,
 *    recorded against the real TestEventPattern API (the source of the exact error texts below);
 *  - aws/event-ruler, the open-source engine behind EventBridge rules (JsonRuleCompiler, ByteMachine, CIDR,
 *    WildcardParser), where the docs are silent.
 *
 * A pattern is compiled once (validated, `$or` expanded, dotted keys split) and cached per pattern object,
 * so patterns must not be mutated after first use.
 */

/** An EventBridge event pattern (the JSON a rule is created with). */
export type EventPattern = Record<string, unknown>;

/** What EventBridge's PutRule/TestEventPattern report as InvalidEventPatternException. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
  constructor(readonly reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
  }
}

/** Does `event` (the full event: version, id, detail-type, source, …, detail) match `pattern`? */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  const rules = compiled(pattern);
  return isObject(event) && rules.some((rule) => matchFields(rule, event));
}

/** Throws InvalidEventPatternError if EventBridge would reject `pattern`. */
export function validatePattern(pattern: unknown): void {
  compile(pattern);
}

// ---------------------------------------------------------------------------------------------------------
// Compiled form: `$or` is expanded into alternative rules (as Ruler does), each a tree of fields that must all
// match; a field holds leaf conditions (any may match) and/or nested fields.

type Leaf = string | number | boolean | null;
type Condition = { readonly exists: boolean } | { readonly test: (value: Leaf) => boolean };
interface RuleNode {
  leaf?: readonly Condition[];
  readonly children: Map<string, RuleNode>;
}
/** One `$or`-free alternative: dotted path → leaf conditions. */
type FlatRule = Map<string, readonly Condition[]>;

const cache = new WeakMap<object, readonly RuleNode[]>();

function compiled(pattern: EventPattern): readonly RuleNode[] {
  if (!isObject(pattern)) return compile(pattern);
  let rules = cache.get(pattern);
  if (!rules) cache.set(pattern, (rules = compile(pattern)));
  return rules;
}

function compile(pattern: unknown): RuleNode[] {
  if (!isObject(pattern)) throw invalid('Filter is not an object');
  return expandObject(pattern, [], false).map(toTree);
}

const invalid = (reason: string) => new InvalidEventPatternError(reason);

// Field names Ruler refuses inside `$or` (Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP).
const RESERVED_IN_OR = new Set(
  (
    'exactly equals-ignore-case prefix suffix anything-but exists wildcard numeric cidr = < <= > >= regex ' +
    'not-wildcard not-equals-ignore-case date-after date-on-or-after date-before date-on-or-before ' +
    'in-date-range ip-address-in-range ip-address-not-in-range'
  ).split(' '),
);

/** All `$or`-free alternatives of an object pattern (disjunctive normal form, like Ruler's compiler). */
function expandObject(obj: Record<string, unknown>, path: readonly string[], insideOr: boolean): FlatRule[] {
  const entries = Object.entries(obj);
  if (entries.length === 0) throw invalid('Empty objects are not allowed');
  let rules: FlatRule[] = [new Map()];
  for (const [key, value] of entries) {
    rules = cross(rules, key === '$or' ? expandOr(value, path) : expandField(key, value, path, insideOr));
  }
  return rules;
}

function expandField(key: string, value: unknown, path: readonly string[], insideOr: boolean): FlatRule[] {
  if (insideOr && RESERVED_IN_OR.has(key)) {
    throw invalid(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
  }
  const fieldPath = [...path, key];
  if (Array.isArray(value)) return [new Map([[fieldPath.join('.'), compileConditions(value)]])];
  if (isObject(value)) return expandObject(value, fieldPath, insideOr);
  throw invalid(`"${key}" must be an object or an array`);
}

function expandOr(value: unknown, path: readonly string[]): FlatRule[] {
  if (!Array.isArray(value)) throw invalid('It must be an Array followed with $or.');
  const alternatives = value.flatMap((alt: unknown) => {
    if (!isObject(alt)) throw invalid('Only JSON object is allowed in array of $or relationship.');
    return expandObject(alt, path, true);
  });
  if (value.length < 2) throw invalid('There must have at least 2 Objects in $or relationship.');
  return alternatives;
}

/** Every combination of one rule from each side; a repeated path keeps the later one (Ruler's default). */
function cross(left: readonly FlatRule[], right: readonly FlatRule[]): FlatRule[] {
  return left.flatMap((l) => right.map((r) => new Map([...l, ...r])));
}

/**
 * Ruler joins nested keys with '.', so `{"a.b": [..]}` and `{"a": {"b": [..]}}` are the same field
 * (AWS-validated: dot_joining_pattern). Splitting the joined path gives the tree both spellings share.
 */
function toTree(rule: FlatRule): RuleNode {
  const root: RuleNode = { children: new Map() };
  for (const [path, conditions] of rule) {
    let node = root;
    for (const segment of path.split('.')) {
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = { children: new Map() }));
      node = child;
    }
    node.leaf = conditions;
  }
  return root;
}

// ---------------------------------------------------------------------------------------------------------
// Leaf conditions: the values of a pattern array, any of which may match.

function compileConditions(values: readonly unknown[]): Condition[] {
  if (values.length === 0) throw invalid('Empty arrays are not allowed');
  return values.map(compileCondition);
}

function compileCondition(value: unknown): Condition {
  // Exact match is typed: "5" never matches 5, "null" never matches null, true never matches "true".
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return { test: (v) => v === value };
  }
  if (!isObject(value)) throw invalid('Match value must be String, number, true, false, or null');
  const names = Object.keys(value);
  if (names.length === 0) throw invalid('Match expression name not found');
  if (names.length > 1) throw invalid('Only one key allowed in match expression');
  const name = names[0]!;
  const arg = value[name];
  switch (name) {
    case 'exists':
      if (typeof arg !== 'boolean') throw invalid('exists match pattern must be either true or false.');
      return { exists: arg };
    case 'prefix':
      return { test: affixTest(arg, 'prefix') };
    case 'suffix':
      return { test: affixTest(arg, 'suffix') };
    case 'equals-ignore-case':
      return { test: stringTest(ignoreCaseRegex(requireString(arg, 'equals-ignore-case'), 'equals')) };
    case 'wildcard':
      return { test: wildcardTest(requireString(arg, 'wildcard')) };
    case 'anything-but':
      return { test: anythingButTest(arg) };
    case 'numeric':
      return { test: numericTest(arg) };
    case 'cidr':
      // AWS reports a non-string cidr with the prefix message (AWS-validated: content_ip_address_type_EXC).
      return { test: cidrTest(requireString(arg, 'prefix')) };
    default:
      // Operators are case-sensitive: "EXISTS" is rejected (AWS-validated: operator_case_sensitive_EXC).
      throw invalid(`Unrecognized match type ${name}`);
  }
}

function requireString(arg: unknown, operator: string): string {
  if (typeof arg !== 'string') throw invalid(`${operator} match pattern must be a string`);
  return arg;
}

/** String-only operators (prefix, suffix, equals-ignore-case, wildcard) never match numbers, booleans or null. */
function stringTest(accept: RegExp | ((s: string) => boolean)): (v: Leaf) => boolean {
  const fn = accept instanceof RegExp ? (s: string) => accept.test(s) : accept;
  return (v) => typeof v === 'string' && fn(v);
}

/** `{"prefix": "x"}` or `{"prefix": {"equals-ignore-case": "x"}}`, and the same for suffix. */
function affixTest(arg: unknown, kind: 'prefix' | 'suffix'): (v: Leaf) => boolean {
  if (typeof arg === 'string')
    return stringTest((s) => (kind === 'prefix' ? s.startsWith(arg) : s.endsWith(arg)));
  if (!isObject(arg)) throw invalid(`${kind} match pattern must be a string`);
  const names = Object.keys(arg);
  const Kind = kind === 'prefix' ? 'Prefix' : 'Suffix';
  if (names.length === 0) throw invalid(`${Kind} expression name not found`);
  if (names[0] !== 'equals-ignore-case') throw invalid(`Unsupported ${kind} pattern: ${names[0]}`);
  if (names.length > 1) throw invalid('Only one key allowed in match expression');
  return stringTest(ignoreCaseRegex(requireString(arg[names[0]], 'equals-ignore-case'), kind));
}

/**
 * Ruler's EqualsIgnoreCaseParser: each UTF-16 unit of the pattern matches its Locale.ROOT lower- or
 * upper-case form; the event value is not case-folded. Built from escaped literals only, so no backtracking.
 */
function ignoreCaseRegex(text: string, anchor: 'equals' | 'prefix' | 'suffix'): RegExp {
  let body = '';
  for (const unit of text.split('')) {
    const forms = [...new Set([unit, unit.toLowerCase(), unit.toUpperCase()])].map(escapeRegExp);
    body += forms.length === 1 ? forms[0] : `(?:${forms.join('|')})`;
  }
  return new RegExp(`${anchor === 'suffix' ? '' : '^'}${body}${anchor === 'prefix' ? '' : '$'}`);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

// ---------------------------------------------------------------------------------------------------------
// wildcard: '*' matches any run of characters, including none. '\*' is a literal '*', '\\' a literal '\';
// any other escape, and two unescaped '*' in a row, are invalid (docs; Ruler WildcardParser).

function wildcardTest(text: string): (v: Leaf) => boolean {
  const literals = parseWildcard(text);
  return stringTest((s) => globMatches(literals, s));
}

/** The literal runs between wildcards: "a*b*" → ["a", "b", ""]. */
function parseWildcard(text: string): string[] {
  const literals = [''];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '*') {
      if (text[i + 1] === '*') throw invalid(`Consecutive wildcard characters at pos ${rulerPos(text, i)}`);
      literals.push('');
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\')
        throw invalid(`Invalid escape character at pos ${rulerPos(text, i)}`);
      literals[literals.length - 1] += next;
      i++;
    } else {
      literals[literals.length - 1] += c;
    }
  }
  return literals;
}

/** Ruler reports UTF-8 byte offsets into the value with its opening quote (AWS shows "pos 26" for index 25). */
const rulerPos = (text: string, index: number) => new TextEncoder().encode(text.slice(0, index)).length + 1;

/** Greedy glob match: first literal anchors the start, last the end, middle ones are found leftmost in order. */
function globMatches(literals: readonly string[], s: string): boolean {
  const first = literals[0]!;
  if (literals.length === 1) return s === first;
  const last = literals[literals.length - 1]!;
  const end = s.length - last.length;
  if (end < first.length || !s.startsWith(first) || !s.endsWith(last)) return false;
  let pos = first.length;
  for (const literal of literals.slice(1, -1)) {
    const at = s.indexOf(literal, pos);
    if (at === -1 || at + literal.length > end) return false;
    pos = at + literal.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// anything-but: matches any present leaf value not excluded, including null, booleans and values of the other
// type (AWS-validated: content_anything_but_*_null, content_anything_prefix_int_value). A missing field never
// matches (content_anything_but_*_missing_NEG); combine with {"exists": false} to accept absence.

const ANYTHING_BUT_VALUE = 'Value of anything-but must be an array or single string/number value.';
const ANYTHING_BUT_OPERATORS = ['equals-ignore-case', 'prefix', 'suffix', 'wildcard'] as const;
type AnythingButOperator = (typeof ANYTHING_BUT_OPERATORS)[number];

function anythingButTest(arg: unknown): (v: Leaf) => boolean {
  if (isObject(arg)) return anythingButOperatorTest(arg);
  const excluded = Array.isArray(arg) ? anythingButList(arg) : [anythingButSingle(arg)];
  // Typed like exact match: anything-but [123] still matches the string "123" (Ruler ByteMachine).
  return (v) => !excluded.includes(v as string | number);
}

function anythingButSingle(arg: unknown): string | number {
  if (typeof arg === 'string' || typeof arg === 'number') return arg;
  throw invalid(ANYTHING_BUT_VALUE);
}

function anythingButList(list: readonly unknown[]): (string | number)[] {
  if (list.some((v) => typeof v !== 'string' && typeof v !== 'number')) {
    throw invalid('Inside anything but list, start|null|boolean is not supported.');
  }
  const types = new Set(list.map((v) => typeof v));
  if (types.size !== 1) {
    throw invalid(
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    );
  }
  return list as (string | number)[];
}

function anythingButOperatorTest(arg: Record<string, unknown>): (v: Leaf) => boolean {
  const names = Object.keys(arg);
  if (names.length === 0) throw invalid('Anything-But expression name not found');
  const name = names[0]!;
  if (!(ANYTHING_BUT_OPERATORS as readonly string[]).includes(name)) {
    throw invalid(`Unsupported anything-but pattern: ${name}`);
  }
  const value = arg[name];
  // {"prefix": {"equals-ignore-case": ..}} is not allowed here (AWS-validated: content_anything_prefix_ignorecase_EXC).
  if (!Array.isArray(value) && typeof value !== 'string' && typeof value !== 'number') {
    throw invalid(ANYTHING_BUT_VALUE);
  }
  if (names.length > 1) throw invalid('Only one key allowed in match expression');
  const excluded = (Array.isArray(value) ? value : [value]).map((v) =>
    excludedValueTest(name as AnythingButOperator, v),
  );
  return (v) => !excluded.some((test) => test(v));
}

function excludedValueTest(operator: AnythingButOperator, value: unknown): (v: Leaf) => boolean {
  if (typeof value !== 'string') {
    if (operator === 'equals-ignore-case') {
      throw invalid(
        'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
      );
    }
    throw invalid(
      operator === 'wildcard'
        ? 'wildcard match pattern must be a string'
        : 'prefix/suffix match pattern must be a string',
    );
  }
  if ((operator === 'prefix' || operator === 'suffix') && value === '')
    throw invalid('Null prefix/suffix not allowed');
  if (operator === 'wildcard') return wildcardTest(value);
  if (operator === 'equals-ignore-case') return stringTest(ignoreCaseRegex(value, 'equals'));
  return affixTest(value, operator);
}

// ---------------------------------------------------------------------------------------------------------
// numeric: ["=", n] | [">" or ">=", n] | ["<" or "<=", n] | [">" or ">=", low, "<" or "<=", high], on JSON
// numbers only (docs: "Numeric matching works with values that are JSON numbers"; strings such as "5" never match).

const LOWER = new Set(['>', '>=']);
const UPPER = new Set(['<', '<=']);

function numericTest(arg: unknown): (v: Leaf) => boolean {
  if (!Array.isArray(arg)) throw invalid('Value of numeric must be an array.');
  const [op, bound] = arg as unknown[];
  if (typeof op !== 'string') throw invalid(`Invalid member in numeric match: ${describe(op)}`);
  if (op !== '=' && !LOWER.has(op) && !UPPER.has(op))
    throw invalid(`Unrecognized numeric range operator: ${op}`);
  if (!isNumber(bound)) throw invalid(`Value of ${op === '=' ? 'equals' : op} must be numeric`);
  if (!LOWER.has(op) || arg.length === 2) {
    if (arg.length !== 2) throw invalid('Too many elements in numeric expression');
    return numberTest((n) => compareWith(op, n, bound));
  }
  const [, , upperOp, upper] = arg as unknown[];
  if (typeof upperOp !== 'string') throw invalid(`Bad value in numeric range: ${describe(upperOp)}`);
  if (!UPPER.has(upperOp)) throw invalid(`Bad numeric range operator: ${upperOp}`);
  if (!isNumber(upper)) throw invalid(`Value of ${upperOp} must be numeric`);
  if (arg.length !== 4) throw invalid('Too many terms in numeric range expression');
  if (bound >= upper) throw invalid('Bottom must be less than top');
  return numberTest((n) => compareWith(op, n, bound) && compareWith(upperOp, n, upper));
}

function compareWith(op: string, n: number, bound: number): boolean {
  if (op === '>') return n > bound;
  if (op === '>=') return n >= bound;
  if (op === '<') return n < bound;
  if (op === '<=') return n <= bound;
  return n === bound;
}

const numberTest = (accept: (n: number) => boolean) => (v: Leaf) => typeof v === 'number' && accept(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const describe = (v: unknown) => (v === undefined ? '(nothing)' : JSON.stringify(v));

// ---------------------------------------------------------------------------------------------------------
// cidr: IPv4 and IPv6 (docs). Validation and parsing follow Ruler's CIDR.java, including its refusal of /32
// and /128 ("mask bits must be < 32"): a single address is written as a plain exact-match string instead.

interface IpAddress {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

function cidrTest(text: string): (v: Leaf) => boolean {
  const parts = text.split('/');
  if (parts.length !== 2) throw invalid("Malformed CIDR, one '/' required");
  const [address, mask] = parts as [string, string];
  if (!/^[+-]?\d+$/.test(mask)) throw invalid('Malformed CIDR, mask bits must be an integer');
  const maskBits = Number(mask);
  if (maskBits < 0) throw invalid('Malformed CIDR, mask bits must not be negative');
  const network = parseIp(address);
  if (network === 'invalid') throw invalid(`Invalid IP address: ${address}`);
  if (!network) throw invalid(`Nonstandard IP address: ${address}`);
  if (maskBits >= network.bits)
    throw invalid(`IPv${network.bits === 32 ? 4 : 6} mask bits must be < ${network.bits}`);
  const shift = BigInt(network.bits - maskBits);
  const prefix = network.value >> shift;
  return (v) => {
    const ip = typeof v === 'string' ? parseIp(v) : undefined;
    return typeof ip === 'object' && ip.bits === network.bits && ip.value >> shift === prefix;
  };
}

/** Ruler only treats strings shaped like IPv4/IPv6 literals as addresses (Constants.IPv4_REGEX/IPv6_REGEX). */
function parseIp(text: string): IpAddress | 'invalid' | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) return parseIpv4(text) ?? 'invalid';
  if (/^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/.test(text)) return parseIpv6(text) ?? 'invalid';
  return undefined;
}

function parseIpv4(text: string): IpAddress | undefined {
  const octets = text.split('.').map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return { bits: 32, value: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n) };
}

function parseIpv6(text: string): IpAddress | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const given = groups.flat();
  if (given.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  if (halves.length === 1 ? given.length !== 8 : given.length > 7) return undefined;
  const zeros: string[] = Array(8 - given.length).fill('0');
  const all = halves.length === 1 ? given : [...groups[0]!, ...zeros, ...groups[1]!];
  const value = all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  // Java's InetAddress turns IPv4-mapped addresses (::ffff:a.b.c.d) into IPv4, so Ruler compares them as IPv4.
  if (value >> 32n === 0xffffn) return { bits: 32, value: value & 0xffffffffn };
  return { bits: 128, value };
}

// ---------------------------------------------------------------------------------------------------------
// Matching. Each rule is matched against the event tree; arrays in the event mean "any element", but all
// fields under one pattern object must come from the same array element (Ruler's rulesForJSONEvent,
// "JSON Array Matching"). Only leaf values (string, number, boolean, null) are matched: an object or empty
// array holds no leaf, so for leaf conditions the field is absent.

function matchFields(node: RuleNode, value: unknown): boolean {
  for (const [key, child] of node.children) {
    if (!matchField(child, isObject(value) ? fieldValues(value, key) : [])) return false;
  }
  return true;
}

function matchField(node: RuleNode, values: readonly unknown[]): boolean {
  if (node.leaf && !matchLeaf(node.leaf, leavesOf(values, []))) return false;
  if (node.children.size === 0) return true;
  const objects = objectsOf(values, []);
  // No object here at all: nested fields are absent, which only `exists: false` accepts.
  return objects.length === 0 ? matchFields(node, undefined) : objects.some((o) => matchFields(node, o));
}

function matchLeaf(conditions: readonly Condition[], leaves: readonly Leaf[]): boolean {
  return conditions.some((c) => ('exists' in c ? c.exists === leaves.length > 0 : leaves.some(c.test)));
}

/**
 * The values of `key` in an event object. Ruler flattens event keys with '.', so a key "a.b" is also field
 * b of a (AWS-validated: dot_joining_event); such keys are offered as an extra object candidate.
 */
function fieldValues(obj: Record<string, unknown>, key: string): unknown[] {
  const values = Object.hasOwn(obj, key) ? [obj[key]] : [];
  const dotted = `${key}.`;
  let rest: Record<string, unknown> | undefined;
  for (const k of Object.keys(obj)) {
    if (k.startsWith(dotted))
      (rest ??= Object.create(null) as Record<string, unknown>)[k.slice(dotted.length)] = obj[k];
  }
  if (rest) values.push(rest);
  return values;
}

function leavesOf(values: readonly unknown[], out: Leaf[]): Leaf[] {
  for (const v of values) {
    if (Array.isArray(v)) leavesOf(v, out);
    else if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      out.push(v);
  }
  return out;
}

function objectsOf(values: readonly unknown[], out: Record<string, unknown>[]): Record<string, unknown>[] {
  for (const v of values) {
    if (Array.isArray(v)) objectsOf(v, out);
    else if (isObject(v)) out.push(v);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
