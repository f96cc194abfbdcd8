/**
 * Conformance table for the local EventBridge pattern matcher. Each row names where its expected result
 * comes from:
 *  - [docs: …]      AWS EventBridge user guide: "Creating event patterns", "Arrays", "Matching null values
 *                   and empty strings", "Content filtering" and "Comparison operators" (examples reused as is);
 *  - [AWS-validated: x] LocalStack's tests/aws/services/events/event_pattern_templates/x.json5, recorded
 *                   against the real TestEventPattern API (error texts are AWS's own);
 *  - [event-ruler: …] aws/event-ruler (the engine behind EventBridge rules), README or tests;
 *  - [q2c] the rules this repo deploys (lib/topology.ts).
 */
import {
  InvalidEventPatternError,
  matchesPattern,
  validatePattern,
  type EventPattern,
} from '../../../local/bus/event-pattern';

/** The EC2 example event from "Creating event patterns", with `detail` and top-level fields replaced. */
function ev(detail: unknown, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2017-12-22T18:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
    detail,
    ...top,
  };
}

/** A Stripe event as the webhook ingest puts it on the bus. */
const stripe = (detailType: string, source = 'q2c.stripe') =>
  ev(
    { eventId: 'evt_1', eventType: detailType, data: { object: { id: 'in_1' } } },
    { source, 'detail-type': detailType },
  );

interface Row {
  name: string;
  pattern: EventPattern;
  event: unknown;
  matches: boolean;
}

const Q2C_INVOICE_RULE = { source: ['q2c.stripe'], 'detail-type': ['invoice.finalized', 'invoice.paid'] };
const EC2_TERMINATED = {
  source: ['aws.ec2'],
  'detail-type': ['EC2 Instance State-change Notification'],
  detail: { state: ['terminated'] },
};
const NUMERIC_EXAMPLE = {
  detail: {
    'c-count': [{ numeric: ['>', 0, '<=', 5] }],
    'd-count': [{ numeric: ['<', 10] }],
    'x-limit': [{ numeric: ['=', 3.018e2] }],
  },
};
const COMPLEX_EXAMPLE = {
  time: [{ prefix: '2022-07-13' }],
  detail: {
    state: [{ 'anything-but': 'initializing' }],
    'c-count': [{ numeric: ['>', 0, '<=', 5] }],
    'd-count': [{ numeric: ['<', 10] }],
    'x-limit': [{ 'anything-but': [100, 200, 300] }],
  },
};
const CLOUDWATCH_OR = {
  source: ['aws.cloudwatch'],
  $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
};
const DETAIL_OR = {
  detail: {
    $or: [
      { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
      { 'd-count': [{ numeric: ['<', 10] }] },
      { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
    ],
  },
};
const EMPLOYEES = {
  employees: [
    { firstName: 'John', lastName: 'Doe' },
    { firstName: 'Anna', lastName: 'Smith' },
    { firstName: 'Peter', lastName: 'Jones' },
  ],
};

const ROWS: Row[] = [
  // --- Exact matching, AND across fields, OR within a field --------------------------------------------------
  {
    name: '[docs: event patterns] EC2 termination example matches',
    pattern: EC2_TERMINATED,
    event: ev({ state: 'terminated' }),
    matches: true,
  },
  {
    name: '[docs: event patterns] every listed field must match (AND)',
    pattern: EC2_TERMINATED,
    event: ev({ state: 'running' }),
    matches: false,
  },
  {
    name: '[docs: event patterns] fields absent from the pattern are ignored',
    pattern: { detail: { state: ['terminated'] } },
    event: ev({ state: 'terminated', 'instance-id': 'i-1', extra: { a: 1 } }),
    matches: true,
  },
  {
    name: '[docs: multiple values] source is aws.ec2 OR aws.fargate',
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    event: ev({}, { source: 'aws.fargate' }),
    matches: true,
  },
  {
    name: '[docs: multiple values] no listed value matches',
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    event: ev({}, { source: 'aws.s3' }),
    matches: false,
  },
  {
    name: '[q2c] invoice rule matches invoice.paid from q2c.stripe',
    pattern: Q2C_INVOICE_RULE,
    event: stripe('invoice.paid'),
    matches: true,
  },
  {
    name: '[q2c] invoice rule matches invoice.finalized',
    pattern: Q2C_INVOICE_RULE,
    event: stripe('invoice.finalized'),
    matches: true,
  },
  {
    name: '[q2c] invoice rule ignores other detail-types (invoice.created)',
    pattern: Q2C_INVOICE_RULE,
    event: stripe('invoice.created'),
    matches: false,
  },
  {
    name: '[q2c] invoice rule ignores other sources (AND with detail-type)',
    pattern: Q2C_INVOICE_RULE,
    event: stripe('invoice.paid', 'q2c.salesforce'),
    matches: false,
  },
  {
    name: '[q2c] bus archive rule matches on account',
    pattern: { account: ['111122223333'] },
    event: ev({}),
    matches: true,
  },
  {
    name: '[docs: event patterns] exact match is case-sensitive',
    pattern: { source: ['AWS.EC2'] },
    event: ev({}),
    matches: false,
  },
  {
    name: '[AWS-validated: key_case_sensitive_NEG] field names are case-sensitive',
    pattern: { SOURCE: ['aws.ec2'] },
    event: ev({}),
    matches: false,
  },
  {
    name: '[AWS-validated: string] strings match byte for byte (emoji, trailing space)',
    pattern: { detail: { s: ['A CamelCase 🚀 '] } },
    event: ev({ s: 'A CamelCase 🚀 ' }),
    matches: true,
  },
  {
    name: '[docs: event patterns] a field the event lacks does not match',
    pattern: { detail: { 'instance-id': ['i-1'] } },
    event: ev({ state: 'running' }),
    matches: false,
  },
  {
    name: '[AWS-validated: number_comparison_float] number 300 matches 300.0',
    pattern: { detail: { n: [300] } },
    event: JSON.parse('{"detail":{"n":300.0}}'),
    matches: true,
  },
  {
    name: '[docs: JSON values] number pattern does not match the string "200"',
    pattern: { detail: { n: [200] } },
    event: ev({ n: '200' }),
    matches: false,
  },
  {
    name: '[docs: JSON values] string pattern "200" does not match the number 200',
    pattern: { detail: { n: ['200'] } },
    event: ev({ n: 200 }),
    matches: false,
  },
  {
    name: '[AWS-validated: boolean] false matches false',
    pattern: { detail: { b: [false] } },
    event: ev({ b: false }),
    matches: true,
  },
  {
    name: '[AWS-validated: boolean_NEG] false does not match true',
    pattern: { detail: { b: [false] } },
    event: ev({ b: true }),
    matches: false,
  },
  {
    name: '[docs: JSON values] true does not match the string "true"',
    pattern: { detail: { b: [true] } },
    event: ev({ b: 'true' }),
    matches: false,
  },
  {
    name: '[AWS-validated: escape characters] "*" in an exact match is a literal',
    pattern: { detail: { s: ['*'] } },
    event: ev({ s: '*' }),
    matches: true,
  },
  {
    name: '[AWS-validated: escape characters] exact "*" is not a wildcard',
    pattern: { detail: { s: ['*'] } },
    event: ev({ s: 'anything' }),
    matches: false,
  },

  // --- Null and empty string ---------------------------------------------------------------------------------
  {
    name: '[docs: null values] [null] matches an explicit null',
    pattern: { detail: { responseElements: [null] } },
    event: ev({ responseElements: null }),
    matches: true,
  },
  {
    name: '[docs: null values] [null] does not match a missing field',
    pattern: { detail: { responseElements: [null] } },
    event: ev({}),
    matches: false,
  },
  {
    name: '[AWS-validated: null_value_NEG] [null] does not match the string "null"',
    pattern: { detail: { responseElements: [null] } },
    event: ev({ responseElements: 'null' }),
    matches: false,
  },
  {
    name: '[docs: empty strings] [""] matches an empty string',
    pattern: { detail: { eventVersion: [''] } },
    event: ev({ eventVersion: '' }),
    matches: true,
  },
  {
    name: '[docs: null values] null and "" are not interchangeable ([""] vs null)',
    pattern: { detail: { eventVersion: [''] } },
    event: ev({ eventVersion: null }),
    matches: false,
  },
  {
    name: '[docs: null values] null and "" are not interchangeable ([null] vs "")',
    pattern: { detail: { eventVersion: [null] } },
    event: ev({ eventVersion: '' }),
    matches: false,
  },

  // --- Nesting and leaf-only matching ------------------------------------------------------------------------
  {
    name: '[docs: event patterns] nested fields follow the event structure',
    pattern: { detail: { order: { status: ['paid'] } } },
    event: ev({ order: { status: 'paid' } }),
    matches: true,
  },
  {
    name: '[docs: operators] leaf pattern does not match a field holding an object',
    pattern: { detail: { order: ['paid'] } },
    event: ev({ order: { status: 'paid' } }),
    matches: false,
  },
  {
    name: '[docs: event patterns] nested pattern does not match a leaf value',
    pattern: { detail: { order: { status: ['paid'] } } },
    event: ev({ order: 'paid' }),
    matches: false,
  },
  {
    name: '[AWS-validated: nested_json_NEG] a JSON string is not parsed into fields',
    pattern: { detail: { 'my-key': ['my-value'] } },
    event: ev('{"my-key": "my-value"}'),
    matches: false,
  },
  {
    name: '[AWS-validated: dot_joining_pattern] pattern key "state.status" is the nested path',
    pattern: { detail: { 'state.status': ['running'] } },
    event: ev({ state: { status: 'running' } }),
    matches: true,
  },
  {
    name: '[AWS-validated: dot_joining_event] event key "state.status" is the nested path',
    pattern: { detail: { state: { status: ['running'] } } },
    event: ev({ 'state.status': 'running' }),
    matches: true,
  },
  {
    name: '[AWS-validated: dot_joining_event_NEG] dotted event key holding an object is not a leaf',
    pattern: { detail: { state: { status: ['running'] } } },
    event: ev({ 'state.status': { status: 'running' } }),
    matches: false,
  },
  {
    name: '[AWS-validated: dot_joining_pattern_NEG] dotted pattern key one level too deep',
    pattern: { detail: { 'state.status': { status: ['running'] } } },
    event: ev({ state: { status: 'running' } }),
    matches: false,
  },
  {
    name: '[AWS-validated: minimal] a pattern on one envelope field (id)',
    pattern: { id: ['6a7e8feb-b491-4cf7-a9f1-bf3703467718'] },
    event: ev({}),
    matches: true,
  },

  // --- Arrays in the event -----------------------------------------------------------------------------------
  {
    name: '[docs: arrays] resources example: pattern and event arrays intersect',
    pattern: {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      ],
    },
    event: ev(
      {},
      {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
    ),
    matches: true,
  },
  {
    name: '[AWS-validated: arrays_NEG] no element of the event array matches',
    pattern: { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    event: ev({}, { resources: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x'] }),
    matches: false,
  },
  {
    name: '[docs: arrays] any element may satisfy an operator (prefix)',
    pattern: { detail: { tags: [{ prefix: 'ad' }] } },
    event: ev({ tags: ['user', 'admin'] }),
    matches: true,
  },
  {
    name: '[AWS-validated: arrays_empty_null_NEG] [null] does not match an empty array',
    pattern: { resources: [null] },
    event: ev({}, { resources: [] }),
    matches: false,
  },
  {
    name: '[event-ruler: JSON array matching] nested field inside an array of objects',
    pattern: { employees: { firstName: ['Anna'] } },
    event: EMPLOYEES,
    matches: true,
  },
  {
    name: '[event-ruler: JSON array matching] fields must come from the same array element',
    pattern: { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
    event: EMPLOYEES,
    matches: false,
  },
  {
    name: '[event-ruler: JSON array matching] both fields in one element match',
    pattern: { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
    event: EMPLOYEES,
    matches: true,
  },
  {
    name: '[event-ruler: JSON array matching] multi-level arrays are crushed out',
    pattern: { employees: { firstName: ['Peter'] } },
    event: { employees: [[{ firstName: 'John' }, { firstName: 'Anna' }], [{ firstName: 'Peter' }]] },
    matches: true,
  },
  {
    name: '[event-ruler: correctness cases] numeric on any element of a number array',
    pattern: { detail: { vals: [{ numeric: ['>', 0, '<', 10] }] } },
    event: ev({ vals: [100, 5, 200] }),
    matches: true,
  },

  // --- prefix ------------------------------------------------------------------------------------------------
  {
    name: '[docs: prefix] time starts with 2017-10-02',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    event: ev({}, { time: '2017-10-02T18:43:48Z' }),
    matches: true,
  },
  {
    name: '[docs: prefix] time with another date does not match',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    event: ev({}),
    matches: false,
  },
  {
    name: '[docs: prefix] Auto Scaling events from European regions',
    pattern: { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] },
    event: ev({}, { source: 'aws.autoscaling', region: 'eu-west-1' }),
    matches: true,
  },
  {
    name: '[docs: prefix] a US region is not eu-',
    pattern: { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] },
    event: ev({}, { source: 'aws.autoscaling', region: 'us-east-1' }),
    matches: false,
  },
  {
    name: '[docs: prefix] prefix is case-sensitive',
    pattern: { region: [{ prefix: 'EU-' }] },
    event: ev({}, { region: 'eu-west-1' }),
    matches: false,
  },
  {
    name: '[docs: prefix] prefix works on strings only, not numbers',
    pattern: { detail: { n: [{ prefix: '12' }] } },
    event: ev({ n: 123 }),
    matches: false,
  },
  {
    name: '[AWS-validated: content_prefix_empty] empty prefix matches any string',
    pattern: { source: [{ prefix: '' }] },
    event: ev({}),
    matches: true,
  },
  {
    name: '[docs: prefix ignoring case] EventB matches EvEnTbridge',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event: ev({ service: 'EvEnTbridge' }),
    matches: true,
  },
  {
    name: '[docs: prefix ignoring case] eventb does not match lambda',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] } },
    event: ev({ service: 'lambda' }),
    matches: false,
  },

  // --- suffix ------------------------------------------------------------------------------------------------
  {
    name: '[docs: suffix] FileName ends with .png',
    pattern: { FileName: [{ suffix: '.png' }] },
    event: ev({}, { FileName: 'image.png' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_suffix_NEG] suffix is case-sensitive',
    pattern: { FileName: [{ suffix: '.PNG' }] },
    event: ev({}, { FileName: 'image.png' }),
    matches: false,
  },
  {
    name: '[docs: suffix ignoring case] .png matches image.PNG',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    event: ev({ FileName: 'image.PNG' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_suffix_ignorecase_NEG] .png does not match image.jpg',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    event: ev({ FileName: 'image.jpg' }),
    matches: false,
  },
  {
    name: '[AWS-validated: content_suffix_empty] empty suffix matches any string',
    pattern: { source: [{ suffix: '' }] },
    event: ev({}),
    matches: true,
  },

  // --- equals-ignore-case ------------------------------------------------------------------------------------
  {
    name: '[docs: operators] equals-ignore-case alice matches Alice',
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    event: ev({}, { Name: 'Alice' }),
    matches: true,
  },
  {
    name: '[docs: operators] equals-ignore-case is whole-value, not prefix',
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    event: ev({}, { Name: 'Alicia' }),
    matches: false,
  },
  {
    name: '[AWS-validated: content_ignorecase] equals-ignore-case on an array value',
    pattern: { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
    event: ev({}, { 'detail-type': ['EC2 Instance State-change Notification'] }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_ignorecase_empty] equals-ignore-case "" matches ""',
    pattern: { detail: { value: [{ 'equals-ignore-case': '' }] } },
    event: ev({ value: '' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_ignorecase_empty_NEG] equals-ignore-case "" does not match text',
    pattern: { detail: { value: [{ 'equals-ignore-case': '' }] } },
    event: ev({ value: 'test-value' }),
    matches: false,
  },

  // --- anything-but ------------------------------------------------------------------------------------------
  {
    name: '[docs: anything-but] state is anything but initializing',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: ev({ state: 'pending' }),
    matches: true,
  },
  {
    name: '[docs: anything-but] the excluded string does not match',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: ev({ state: 'initializing' }),
    matches: false,
  },
  {
    name: '[docs: anything-but] single number: 789 is not 123',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: ev({ 'x-limit': 789 }),
    matches: true,
  },
  {
    name: '[docs: anything-but] single number: 123 is excluded',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: ev({ 'x-limit': 123 }),
    matches: false,
  },
  {
    name: '[docs: anything-but] list of strings excludes stopped',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: ev({ state: 'stopped' }),
    matches: false,
  },
  {
    name: '[docs: anything-but] list of strings lets pending through',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: ev({ state: 'pending' }),
    matches: true,
  },
  {
    name: '[docs: anything-but] list of numbers lets 999 through',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event: ev({ 'x-limit': 999 }),
    matches: true,
  },
  {
    name: '[docs: anything-but] list of numbers excludes 100',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event: ev({ 'x-limit': 100 }),
    matches: false,
  },
  {
    name: '[AWS-validated: content_anything_but_string_missing_NEG] anything-but needs the field present',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: ev({}),
    matches: false,
  },
  {
    name: '[AWS-validated: content_anything_but_string_null] anything-but matches an explicit null',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: ev({ state: null }),
    matches: true,
  },
  {
    name: '[event-ruler: ByteMachine] anything-but 123 lets the string "123" through (typed)',
    pattern: { detail: { n: [{ 'anything-but': 123 }] } },
    event: ev({ n: '123' }),
    matches: true,
  },
  {
    name: '[event-ruler: correctness cases] anything-but on an array: one other element suffices',
    pattern: { detail: { tags: [{ 'anything-but': 'banned' }] } },
    event: ev({ tags: ['banned', 'ok'] }),
    matches: true,
  },
  {
    name: '[docs: arrays] anything-but on an array whose only element is excluded',
    pattern: { detail: { tags: [{ 'anything-but': 'banned' }] } },
    event: ev({ tags: ['banned'] }),
    matches: false,
  },
  {
    name: '[docs: operators] anything-but (leaf operator) does not match an object value',
    pattern: { detail: { state: [{ 'anything-but': 'x' }] } },
    event: ev({ state: { name: 'y' } }),
    matches: false,
  },
  {
    name: '[docs: anything-but prefix] post-init does not start with init',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: ev({ state: 'post-init' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_anything_prefix_NEG] init-prefix starts with init',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: ev({ state: 'init-prefix' }),
    matches: false,
  },
  {
    name: '[docs: operators] Region is not in the US (anything-but prefix us-)',
    pattern: { region: [{ 'anything-but': { prefix: 'us-' } }] },
    event: ev({}, { region: 'eu-west-1' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_anything_prefix_missing_NEG] anything-but prefix on a missing field',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: ev({}),
    matches: false,
  },
  {
    name: '[AWS-validated: content_anything_prefix_int_value] anything-but prefix matches a number',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: ev({ state: 12 }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_anything_prefix_null] anything-but prefix matches null',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: ev({ state: null }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_anything_prefix_list_NEG] anything-but prefix list',
    pattern: { detail: { state: [{ 'anything-but': { prefix: ['init', 'post'] } }] } },
    event: ev({ state: 'post-init' }),
    matches: false,
  },
  {
    name: '[docs: anything-but suffix] file.txt does not end with .png',
    pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    event: ev({}, { FileName: 'file.txt' }),
    matches: true,
  },
  {
    name: '[docs: anything-but suffix] image.png is excluded',
    pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    event: ev({}, { FileName: 'image.png' }),
    matches: false,
  },
  {
    name: '[AWS-validated: content_anything_suffix_list_NEG] anything-but suffix list',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: ['.txt', '.jpg'] } }] } },
    event: ev({ FileName: 'file.jpg' }),
    matches: false,
  },
  {
    name: '[docs: anything-but ignore case] INITIALIZING is excluded',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    event: ev({ state: 'INITIALIZING' }),
    matches: false,
  },
  {
    name: '[docs: anything-but ignore case] pending passes',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    event: ev({ state: 'pending' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_anything_but_ignorecase_list_NEG] ignore-case list excludes Stopped',
    pattern: {
      detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
    },
    event: ev({ state: 'Stopped' }),
    matches: false,
  },
  {
    name: '[docs: anything-but wildcard] FilePath without /lib/ passes',
    pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    event: ev({}, { FilePath: '/usr/bin/node' }),
    matches: true,
  },
  {
    name: '[docs: anything-but wildcard] FilePath with /lib/ is excluded',
    pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    event: ev({}, { FilePath: '/usr/lib/node' }),
    matches: false,
  },
  {
    name: '[AWS-validated: content_anything_wildcard_int] anything-but wildcard matches a number',
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/dir/*' } }] } },
    event: ev({ FilePath: 123 }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_anything_wildcard_missing_NEG] anything-but wildcard on a missing field',
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/init/*' } }] } },
    event: ev({}),
    matches: false,
  },
  {
    name: '[AWS-validated: or-exists-parent] anything-but OR exists:false accepts a missing parent',
    pattern: { detail: { homemade: { S: [{ 'anything-but': ['roses'] }, { exists: false }] } } },
    event: ev({ purchased: { N: '789' } }),
    matches: true,
  },
  {
    name: '[AWS-validated: or-numeric-anything-but_NEG] "101" is neither numeric nor other than "101"',
    pattern: { detail: { N: [{ numeric: ['>', 100] }, { 'anything-but': '101' }] } },
    event: ev({ N: '101' }),
    matches: false,
  },

  // --- numeric -----------------------------------------------------------------------------------------------
  {
    name: '[docs: numeric] c-count, d-count and x-limit example matches',
    pattern: NUMERIC_EXAMPLE,
    event: ev({ 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_numeric_and_NEG] c-count 42 is outside (0, 5]',
    pattern: NUMERIC_EXAMPLE,
    event: ev({ 'c-count': 42, 'd-count': 9, 'x-limit': 301.8 }),
    matches: false,
  },
  {
    name: '[docs: numeric] ">" 0 excludes 0 (open bound)',
    pattern: { detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } },
    event: ev({ n: 0 }),
    matches: false,
  },
  {
    name: '[docs: numeric] "<=" 5 includes 5 (closed bound)',
    pattern: { detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } },
    event: ev({ n: 5 }),
    matches: true,
  },
  {
    name: '[docs: numeric] "<" 10 excludes 10',
    pattern: { detail: { n: [{ numeric: ['<', 10] }] } },
    event: ev({ n: 10 }),
    matches: false,
  },
  {
    name: '[AWS-validated: complex_many_rules] "<=" 200 includes 200',
    pattern: { detail: { n: [{ numeric: ['<=', 200] }] } },
    event: ev({ n: 200 }),
    matches: true,
  },
  {
    name: '[AWS-validated: complex_many_rules] ">=" 200 includes 200',
    pattern: { detail: { n: [{ numeric: ['>=', 200] }] } },
    event: ev({ n: 200 }),
    matches: true,
  },
  {
    name: '[AWS-validated: complex_many_rules] ">" 200 excludes 200',
    pattern: { detail: { n: [{ numeric: ['>', 200] }] } },
    event: ev({ n: 200 }),
    matches: false,
  },
  {
    name: '[AWS-validated: complex_many_rules] [">=", 200, "<", 500] excludes 500',
    pattern: { detail: { n: [{ numeric: ['>=', 200, '<', 500] }] } },
    event: ev({ n: 500 }),
    matches: false,
  },
  {
    name: '[docs: numeric] "=" 3.018e2 matches 301.8',
    pattern: { detail: { n: [{ numeric: ['=', 3.018e2] }] } },
    event: ev({ n: 301.8 }),
    matches: true,
  },
  {
    name: '[docs: numeric] negative and fractional values',
    pattern: { detail: { n: [{ numeric: ['<', 0] }] } },
    event: ev({ n: -1.5 }),
    matches: true,
  },
  {
    name: '[AWS-validated: numeric-int-float] 101.0 > 100',
    pattern: { detail: { n: [{ numeric: ['>', 100] }] } },
    event: JSON.parse('{"detail":{"n":101.0}}'),
    matches: true,
  },
  {
    name: '[AWS-validated: numeric-string_NEG] numeric never matches the string "300"',
    pattern: { detail: { n: [{ numeric: ['>', 100] }] } },
    event: ev({ n: '300' }),
    matches: false,
  },
  {
    name: '[AWS-validated: numeric-null_NEG] numeric does not match null',
    pattern: { detail: { n: [{ numeric: ['>', 100] }] } },
    event: ev({ n: null }),
    matches: false,
  },
  {
    name: '[docs: numeric] numeric on a missing field',
    pattern: { detail: { n: [{ numeric: ['>', 100] }] } },
    event: ev({}),
    matches: false,
  },

  // --- exists ------------------------------------------------------------------------------------------------
  {
    name: '[docs: exists] exists:true on a present field',
    pattern: { detail: { state: [{ exists: true }] } },
    event: ev({ state: 'pending' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_exists_NEG] exists:true on a missing field',
    pattern: { detail: { state: [{ exists: true }] } },
    event: ev({ 'c-count': { c1: 100 } }),
    matches: false,
  },
  {
    name: '[docs: exists] exists:false matches an event without detail.c-count',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: ev({ state: ['initializing', 'running'] }),
    matches: true,
  },
  {
    name: '[docs: exists] exists:false does not match a present field',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: ev({ 'c-count': 5 }),
    matches: false,
  },
  {
    name: '[docs: exists] exists:false matches because c-count (an object) is not a leaf',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: ev({ 'c-count': { c1: 100 } }),
    matches: true,
  },
  {
    name: '[AWS-validated: exists_dynamodb_NEG] exists:true is not satisfied by an object',
    pattern: { dynamodb: { presentKey: [{ exists: true }] } },
    event: { dynamodb: { presentKey: { S: 'test123' } } },
    matches: false,
  },
  {
    name: '[AWS-validated: exists_dynamodb] exists:true on the leaf under the object',
    pattern: { dynamodb: { presentKey: { S: [{ exists: true }] } } },
    event: { dynamodb: { presentKey: { S: 'test123' } } },
    matches: true,
  },
  {
    name: '[event-ruler: JSON text matching] exists:true is satisfied by an explicit null',
    pattern: { detail: { responseElements: [{ exists: true }] } },
    event: ev({ responseElements: null }),
    matches: true,
  },
  {
    name: '[AWS-validated: exists_list_empty_NEG] exists:true is not satisfied by an empty array',
    pattern: { resources: [{ exists: true }] },
    event: ev({}, { resources: [] }),
    matches: false,
  },
  {
    name: '[AWS-validated: exists_list_empty_NEG] exists:false is satisfied by an empty array',
    pattern: { resources: [{ exists: false }] },
    event: ev({}, { resources: [] }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_exists_false] exists:false when an ancestor is missing',
    pattern: { detail: { level1: { 'level2:': { level3: { level4: [{ exists: false }] } } } } },
    event: ev({ level1: { level2: 'l2 value' } }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_exists_false_NEG] exists:false on a deep present leaf',
    pattern: { detail: { level1: { level2: { level3: { level4: [{ exists: false }] } } } } },
    event: ev({ level1: { level2: { level3: { level4: 'l4 value' } } } }),
    matches: false,
  },
  {
    name: '[AWS-validated: list_within_dict] exists:true inside an array of objects',
    pattern: { detail: { automations: { id: [{ exists: true }] } } },
    event: ev({ automations: [{ key1: 'value1' }, { id: 'match-does-exist' }] }),
    matches: true,
  },
  {
    name: '[event-ruler: ACMachineTest exists:false] exists:false is judged per array element',
    pattern: { detail: { a: [{ exists: true }], b: [{ exists: false }] } },
    event: ev([{ a: 1 }, { a: 2, b: 3 }]),
    matches: true,
  },
  {
    name: '[AWS-validated: operator_multiple_list] exists OR other operators in one array',
    pattern: { my_key: [{ exists: true }, { prefix: 'IGNORED' }, { suffix: 'IGNORED' }] },
    event: ev({}, { my_key: 'my-value' }),
    matches: true,
  },

  // --- cidr --------------------------------------------------------------------------------------------------
  {
    name: '[docs: IP address] 10.0.0.255 is in 10.0.0.0/24',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: ev({ sourceIPAddress: '10.0.0.255' }),
    matches: true,
  },
  {
    name: '[docs: IP address] 10.0.1.1 is outside 10.0.0.0/24',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: ev({ sourceIPAddress: '10.0.1.1' }),
    matches: false,
  },
  {
    name: '[AWS-validated: content_ip_address_NEG] 10.0.0.256 is not an IP address',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: ev({ sourceIPAddress: '10.0.0.256' }),
    matches: false,
  },
  {
    name: '[AWS-validated: content_ip_address_bad_type_NEG] cidr does not match a number',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: ev({ sourceIPAddress: 123 }),
    matches: false,
  },
  {
    name: '[event-ruler: complex example] 10.0.0.33 is in 10.0.0.0/8',
    pattern: { detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } },
    event: ev({ 'source-ip': '10.200.3.33' }),
    matches: true,
  },
  {
    name: '[event-ruler: CIDR] host bits in the pattern are masked off',
    pattern: { detail: { ip: [{ cidr: '10.0.0.5/24' }] } },
    event: ev({ ip: '10.0.0.9' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_ip_address_v6] IPv6 address in 2001:db8:1234:1a00::/64',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } },
    event: ev({ sourceIPAddress: '2001:0db8:1234:1a00:0000:0000:0000:0000' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_ip_address_v6_NEG] IPv6 address outside the /64',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } },
    event: ev({ sourceIPAddress: '2001:0db8:123f:1a01:0000:0000:0000:0000' }),
    matches: false,
  },
  {
    name: '[docs: IP address] compressed IPv6 (::1) in ::/0',
    pattern: { detail: { ip: [{ cidr: '::/0' }] } },
    event: ev({ ip: '::1' }),
    matches: true,
  },
  {
    name: '[docs: IP address] an IPv6 address is not in an IPv4 range',
    pattern: { detail: { ip: [{ cidr: '0.0.0.0/0' }] } },
    event: ev({ ip: '2001:db8::1' }),
    matches: false,
  },
  {
    name: '[event-ruler: CIDR via java InetAddress] IPv4-mapped IPv6 compares as IPv4',
    pattern: { detail: { ip: [{ cidr: '10.0.0.0/8' }] } },
    event: ev({ ip: '::ffff:a00:1' }),
    matches: true,
  },

  // --- wildcard ----------------------------------------------------------------------------------------------
  {
    name: '[event-ruler: wildcard] Simple*Service matches SimpleQueueService',
    pattern: { source: [{ wildcard: 'Simple*Service' }] },
    event: ev({}, { source: 'SimpleQueueService' }),
    matches: true,
  },
  {
    name: '[docs: wildcard] * also matches zero characters',
    pattern: { source: [{ wildcard: 'Simple*Service' }] },
    event: ev({}, { source: 'SimpleService' }),
    matches: true,
  },
  {
    name: '[docs: wildcard] the literal after * must end the value',
    pattern: { source: [{ wildcard: 'Simple*Service' }] },
    event: ev({}, { source: 'SimpleQueue' }),
    matches: false,
  },
  {
    name: '[docs: wildcard] *.png matches values ending in .png',
    pattern: { FileName: [{ wildcard: '*.png' }] },
    event: ev({}, { FileName: 'dir/image.png' }),
    matches: true,
  },
  {
    name: '[docs: wildcard] *Title* matches Title in the middle',
    pattern: { detail: { t: [{ wildcard: '*Title*' }] } },
    event: ev({ t: 'The Title Page' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_wildcard_simplified] ARN with account and bus wildcards',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    event: ev({}, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/myEventBus' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_wildcard_nonrepeating] /Users/*/doc.txt spans directories',
    pattern: { FileName: [{ wildcard: '/Users/*/doc.txt' }] },
    event: ev({}, { FileName: '/Users/ls_user/dir/dir/doc.txt' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_wildcard_nonrepeating_NEG] notmatchingdoc.txt is not /doc.txt',
    pattern: { FileName: [{ wildcard: '/Users/*/doc.txt' }] },
    event: ev({}, { FileName: '/Users/ls_user/dir/notmatchingdoc.txt' }),
    matches: false,
  },
  {
    name: '[AWS-validated: content_wildcard_repeating] repeated literals after a wildcard',
    pattern: { FileName: [{ wildcard: '/Users/*/dir/dir/dir/doc.txt' }] },
    event: ev({}, { FileName: '/Users/u/dir/dir/dir/dir/dir/doc.txt' }),
    matches: true,
  },
  {
    name: '[AWS-validated: content_wildcard_repeating_NEG] repeated literals, wrong tail',
    pattern: { FileName: [{ wildcard: '/Users/*/dir/dir/dir/doc.txt' }] },
    event: ev({}, { FileName: '/Users/u/dir/dir/otherdir/doc.txt' }),
    matches: false,
  },
  {
    name: '[AWS-validated: content_wildcard_empty_NEG] empty wildcard matches only ""',
    pattern: { EventBusArn: [{ wildcard: '' }] },
    event: ev({}, { EventBusArn: 'arn:aws:events' }),
    matches: false,
  },
  {
    name: '[docs: wildcard] \\* is a literal asterisk',
    pattern: { detail: { s: [{ wildcard: 'a\\*b' }] } },
    event: ev({ s: 'a*b' }),
    matches: true,
  },
  {
    name: '[docs: wildcard] \\* does not act as a wildcard',
    pattern: { detail: { s: [{ wildcard: 'a\\*b' }] } },
    event: ev({ s: 'axb' }),
    matches: false,
  },
  {
    name: '[docs: wildcard] \\\\ is a literal backslash before a real wildcard',
    pattern: { detail: { s: [{ wildcard: 'C:\\\\*' }] } },
    event: ev({ s: 'C:\\dir' }),
    matches: true,
  },
  {
    name: '[docs: wildcard] wildcard works on strings only',
    pattern: { detail: { n: [{ wildcard: '*' }] } },
    event: ev({ n: 5 }),
    matches: false,
  },

  // --- $or ---------------------------------------------------------------------------------------------------
  {
    name: '[docs: $or] source AND (metricName OR namespace): namespace matches',
    pattern: CLOUDWATCH_OR,
    event: { source: 'aws.cloudwatch', namespace: 'AWS/ES' },
    matches: true,
  },
  {
    name: '[docs: $or] neither alternative matches',
    pattern: CLOUDWATCH_OR,
    event: { source: 'aws.cloudwatch', metricName: 'NetworkIn', namespace: 'AWS/S3' },
    matches: false,
  },
  {
    name: '[docs: $or] the field outside $or is still required',
    pattern: CLOUDWATCH_OR,
    event: { source: 'aws.ec2', metricName: 'CPUUtilization' },
    matches: false,
  },
  {
    name: '[AWS-validated: complex_or] $or nested under detail: d-count < 10',
    pattern: DETAIL_OR,
    event: ev({ 'c-count': 0, 'd-count': 0, 'x-limit': 9.018e2 }),
    matches: true,
  },
  {
    name: '[AWS-validated: complex_or_NEG] $or nested under detail: no alternative',
    pattern: DETAIL_OR,
    event: ev({ 'c-count': 0, 'd-count': 10, 'x-limit': 9.018e2 }),
    matches: false,
  },
  {
    name: '[event-ruler: "Or" has an "And" inside] an alternative needs all its fields',
    pattern: {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }],
    },
    event: { source: 'aws.cloudwatch', namespace: 'AWS/EC2' },
    matches: false,
  },
  {
    name: '[event-ruler: nested "Or" and "And"] $or inside an $or alternative',
    pattern: {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        { namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
      ],
    },
    event: { source: 'aws.cloudwatch', namespace: 'AWS/EC2', spaceId: 1000 },
    matches: true,
  },
  {
    name: '[event-ruler: $or expansion + array matching] expanded rules stay element-consistent',
    pattern: {
      detail: { items: { sku: ['A'] } },
      $or: [{ detail: { items: { qty: [1] } } }, { source: ['x'] }],
    },
    event: ev({
      items: [
        { sku: 'A', qty: 2 },
        { sku: 'B', qty: 1 },
      ],
    }),
    matches: false,
  },
  {
    name: '[event-ruler: $or expansion + array matching] both fields in one element',
    pattern: {
      detail: { items: { sku: ['A'] } },
      $or: [{ detail: { items: { qty: [1] } } }, { source: ['x'] }],
    },
    event: ev({ items: [{ sku: 'A', qty: 1 }] }),
    matches: true,
  },

  // --- Combined ----------------------------------------------------------------------------------------------
  {
    name: '[docs: complex example] prefix, anything-but and numeric together',
    pattern: COMPLEX_EXAMPLE,
    event: ev(
      { state: 'processing', 'c-count': 3, 'd-count': 9, 'x-limit': 999 },
      { time: '2022-07-13T13:48:01Z' },
    ),
    matches: true,
  },
  {
    name: '[AWS-validated: complex_multi_match_NEG] x-limit 300 is excluded',
    pattern: COMPLEX_EXAMPLE,
    event: ev(
      { state: 'processing', 'c-count': 3, 'd-count': 9, 'x-limit': 300 },
      { time: '2022-07-13T13:48:01Z' },
    ),
    matches: false,
  },
  {
    name: '[AWS-validated: complex_many_rules] every operator at once',
    pattern: {
      source: [{ exists: true }],
      'detail-type': [{ prefix: 'core.app' }],
      detail: {
        amount: [200],
        env: ['dev', 'prod'],
        admins: ['skyli', { prefix: 'hey' }, { prefix: 'ad' }],
        test1: [{ 'anything-but': 200 }],
        test4: [{ 'anything-but': { prefix: 'test4' } }],
        'num-test6': [{ numeric: ['>', 200, '<', 500] }],
      },
    },
    event: ev(
      { amount: 200, env: 'prod', admins: 'admin', test1: 300, test4: 'this test4', 'num-test6': 300 },
      { source: 'core.update-account-command', 'detail-type': 'core.app.backend' },
    ),
    matches: true,
  },
  {
    name: '[docs: TestEventPattern] an event that is not a JSON object never matches',
    pattern: { source: [{ exists: false }] },
    event: 'plain string',
    matches: false,
  },
];

describe('matchesPattern: EventBridge conformance table', () => {
  it.each(ROWS)('$name', ({ pattern, event, matches }) => {
    expect(matchesPattern(pattern, event)).toBe(matches);
  });

  it('has the intended number of rows', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(60);
  });
});

interface InvalidRow {
  name: string;
  pattern: unknown;
  reason: string;
}

const INVALID: InvalidRow[] = [
  {
    name: '[event-ruler: compiler] a pattern must be a JSON object (string)',
    pattern: 'source',
    reason: 'Filter is not an object',
  },
  {
    name: '[event-ruler: compiler] a pattern must be a JSON object (array)',
    pattern: ['a'],
    reason: 'Filter is not an object',
  },
  {
    name: '[event-ruler: compiler] a pattern must be a JSON object (null)',
    pattern: null,
    reason: 'Filter is not an object',
  },
  { name: '[event-ruler: compiler] empty pattern', pattern: {}, reason: 'Empty objects are not allowed' },
  {
    name: '[event-ruler: compiler] empty nested object',
    pattern: { detail: {} },
    reason: 'Empty objects are not allowed',
  },
  {
    name: '[AWS-validated: int_nolist_EXC] a leaf value must be an array',
    pattern: { int: 42 },
    reason: '"int" must be an object or an array',
  },
  {
    name: '[AWS-validated: string_nolist_EXC] a bare string leaf',
    pattern: { string: 'my-value' },
    reason: '"string" must be an object or an array',
  },
  {
    name: '[AWS-validated: arrays_empty_EXC] empty pattern array',
    pattern: { resources: [] },
    reason: 'Empty arrays are not allowed',
  },
  {
    name: '[event-ruler: compiler] nested array as a match value',
    pattern: { a: [['x']] },
    reason: 'Match value must be String, number, true, false, or null',
  },
  {
    name: '[event-ruler: compiler] empty operator object',
    pattern: { a: [{}] },
    reason: 'Match expression name not found',
  },
  {
    name: '[event-ruler: compiler] two operators in one object',
    pattern: { a: [{ prefix: 'x', suffix: 'y' }] },
    reason: 'Only one key allowed in match expression',
  },
  {
    name: '[AWS-validated: operator_case_sensitive_EXC] operators are case-sensitive',
    pattern: { my_key: [{ EXISTS: true }] },
    reason: 'Unrecognized match type EXISTS',
  },
  {
    name: '[AWS-validated: content_numeric_operatorcasing_EXC] NUMERIC is unknown',
    pattern: { detail: { equal: [{ NUMERIC: ['=', 5] }] } },
    reason: 'Unrecognized match type NUMERIC',
  },
  {
    name: '[docs: operators] contains is not an EventBridge operator',
    pattern: { a: [{ contains: 'x' }] },
    reason: 'Unrecognized match type contains',
  },
  {
    name: '[AWS-validated: content_prefix_int_EXC] prefix must be a string',
    pattern: { time: [{ prefix: 123 }] },
    reason: 'prefix match pattern must be a string',
  },
  {
    name: '[AWS-validated: content_prefix_list_EXC] prefix list is not allowed',
    pattern: { time: [{ prefix: ['2022-07-13'] }] },
    reason: 'prefix match pattern must be a string',
  },
  {
    name: '[event-ruler: compiler] prefix object supports only equals-ignore-case',
    pattern: { a: [{ prefix: { wildcard: 'x' } }] },
    reason: 'Unsupported prefix pattern: wildcard',
  },
  {
    name: '[event-ruler: compiler] prefix equals-ignore-case must be a string',
    pattern: { a: [{ prefix: { 'equals-ignore-case': 1 } }] },
    reason: 'equals-ignore-case match pattern must be a string',
  },
  {
    name: '[AWS-validated: content_suffix_int_EXC] suffix must be a string',
    pattern: { FileName: [{ suffix: 123 }] },
    reason: 'suffix match pattern must be a string',
  },
  {
    name: '[AWS-validated: content_suffix_list_EXC] suffix list is not allowed',
    pattern: { FileName: [{ suffix: ['.png'] }] },
    reason: 'suffix match pattern must be a string',
  },
  {
    name: '[AWS-validated: content_ignorecase_EXC] equals-ignore-case list is not allowed',
    pattern: { 'detail-type': [{ 'equals-ignore-case': ['ec2'] }] },
    reason: 'equals-ignore-case match pattern must be a string',
  },
  {
    name: '[AWS-validated: content_ignorecase_list_EXC] equals-ignore-case cannot nest prefix',
    pattern: { 'detail-type': [{ 'equals-ignore-case': { prefix: 'ec2' } }] },
    reason: 'equals-ignore-case match pattern must be a string',
  },
  {
    name: '[AWS-validated: content_wildcard_int_EXC] wildcard must be a string',
    pattern: { EventBusArn: [{ wildcard: 123 }] },
    reason: 'wildcard match pattern must be a string',
  },
  {
    name: '[AWS-validated: content_wildcard_list_EXC] wildcard list is not allowed',
    pattern: { EventBusArn: [{ wildcard: ['a*'] }] },
    reason: 'wildcard match pattern must be a string',
  },
  {
    name: '[AWS-validated: content_wildcard_repeating_star_EXC] consecutive ** (AWS position)',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:**:event-bus/*' }] },
    reason: 'Consecutive wildcard characters at pos 26',
  },
  {
    name: '[docs: wildcard] backslash may escape only * and \\',
    pattern: { a: [{ wildcard: 'a\\b' }] },
    reason: 'Invalid escape character at pos 2',
  },
  {
    name: '[docs: wildcard] a trailing backslash escapes nothing',
    pattern: { a: [{ wildcard: 'a\\' }] },
    reason: 'Invalid escape character',
  },
  {
    name: '[AWS-validated: content_anything_but_string_null_type_EXC] anything-but null',
    pattern: { detail: { state: [{ 'anything-but': null }] } },
    reason: 'Value of anything-but must be an array or single string/number value.',
  },
  {
    name: '[docs: anything-but] anything-but true',
    pattern: { detail: { state: [{ 'anything-but': true }] } },
    reason: 'Value of anything-but must be an array or single string/number value.',
  },
  {
    name: '[AWS-validated: content_anything_but_string_list_null_type_EXC] null inside an anything-but list',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', null] }] } },
    reason: 'Inside anything but list, start|null|boolean is not supported.',
  },
  {
    name: '[docs: anything-but] lists contain only strings or only numbers',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 1] }] } },
    reason: 'mixed type is not supported',
  },
  {
    name: '[event-ruler: compiler] empty anything-but list',
    pattern: { detail: { state: [{ 'anything-but': [] }] } },
    reason: 'mixed type is not supported',
  },
  {
    name: '[event-ruler: compiler] empty anything-but object',
    pattern: { a: [{ 'anything-but': {} }] },
    reason: 'Anything-But expression name not found',
  },
  {
    name: '[docs: operators] anything-but does not take numeric',
    pattern: { a: [{ 'anything-but': { numeric: ['>', 1] } }] },
    reason: 'Unsupported anything-but pattern: numeric',
  },
  {
    name: '[AWS-validated: content_anything_prefix_empty_EXC] anything-but prefix ""',
    pattern: { detail: { FileName: [{ 'anything-but': { prefix: '' } }] } },
    reason: 'Null prefix/suffix not allowed',
  },
  {
    name: '[AWS-validated: content_anything_suffix_empty_EXC] anything-but suffix ""',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: '' } }] } },
    reason: 'Null prefix/suffix not allowed',
  },
  {
    name: '[AWS-validated: content_anything_prefix_int_EXC] anything-but prefix 123',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 123 } }] } },
    reason: 'prefix/suffix match pattern must be a string',
  },
  {
    name: '[AWS-validated: content_anything_suffix_list_type_EXC] anything-but suffix [123, ".txt"]',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: [123, '.txt'] } }] } },
    reason: 'prefix/suffix match pattern must be a string',
  },
  {
    name: '[AWS-validated: content_anything_prefix_ignorecase_EXC] anything-but prefix cannot ignore case',
    pattern: { detail: { FileName: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'file' } } }] } },
    reason: 'Value of anything-but must be an array or single string/number value.',
  },
  {
    name: '[AWS-validated: content_anything_but_ignorecase_EXC] anything-but equals-ignore-case 123',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 123 } }] } },
    reason: 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  },
  {
    name: '[AWS-validated: content_anything_wildcard_type_EXC] anything-but wildcard 123',
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: 123 } }] } },
    reason: 'wildcard match pattern must be a string',
  },
  {
    name: '[docs: wildcard] anything-but wildcard is validated like wildcard',
    pattern: { a: [{ 'anything-but': { wildcard: 'a**' } }] },
    reason: 'Consecutive wildcard characters',
  },
  {
    name: '[AWS-validated: content_numeric_number_EXC] numeric must be an array',
    pattern: { detail: { 'c-count': [{ numeric: 10 }] } },
    reason: 'Value of numeric must be an array.',
  },
  {
    name: '[event-ruler: compiler] empty numeric array',
    pattern: { a: [{ numeric: [] }] },
    reason: 'Invalid member in numeric match',
  },
  {
    name: '[AWS-validated: content_numeric_EXC] two lower bounds',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '>', 0] }] } },
    reason: 'Bad numeric range operator: >',
  },
  {
    name: '[AWS-validated: content_numeric_syntax_EXC] range missing its upper value',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<'] }] } },
    reason: 'Value of < must be numeric',
  },
  {
    name: '[event-ruler: compiler] the upper bound must come last',
    pattern: { a: [{ numeric: ['<', 10, '>', 0] }] },
    reason: 'Too many elements in numeric expression',
  },
  {
    name: '[docs: numeric] bounds must be JSON numbers, not strings',
    pattern: { a: [{ numeric: ['>', '0'] }] },
    reason: 'Value of > must be numeric',
  },
  {
    name: '[docs: numeric] only =, <, <=, >, >= are operators',
    pattern: { a: [{ numeric: ['!=', 5] }] },
    reason: 'Unrecognized numeric range operator: !=',
  },
  {
    name: '[event-ruler: Range] an empty range',
    pattern: { a: [{ numeric: ['>', 5, '<', 5] }] },
    reason: 'Bottom must be less than top',
  },
  {
    name: '[event-ruler: compiler] too many terms in a range',
    pattern: { a: [{ numeric: ['>', 0, '<=', 5, '<', 6] }] },
    reason: 'Too many terms in numeric range expression',
  },
  {
    name: '[event-ruler: compiler] "=" takes one value',
    pattern: { a: [{ numeric: ['=', 5, 6] }] },
    reason: 'Too many elements in numeric expression',
  },
  {
    name: '[docs: exists] exists takes true or false',
    pattern: { a: [{ exists: 'true' }] },
    reason: 'exists match pattern must be either true or false.',
  },
  {
    name: '[AWS-validated: content_ip_address_EXC] cidr without a mask',
    pattern: { detail: { ip: [{ cidr: 'bad-filter' }] } },
    reason: "Malformed CIDR, one '/' required",
  },
  {
    name: '[AWS-validated: content_ip_address_bad_mask_EXC] non-integer mask',
    pattern: { detail: { ip: [{ cidr: 'bad-/64filter' }] } },
    reason: 'Malformed CIDR, mask bits must be an integer',
  },
  {
    name: '[AWS-validated: content_ip_address_bad_ip_EXC] not an IPv4 address',
    pattern: { detail: { ip: [{ cidr: 'xx.11.xx/8' }] } },
    reason: 'Nonstandard IP address: xx.11.xx',
  },
  {
    name: '[AWS-validated: content_ip_address_v6_bad_ip_EXC] not an IPv6 address',
    pattern: { detail: { ip: [{ cidr: 'xxxx:db8:1234:1a00::/64' }] } },
    reason: 'Nonstandard IP address: xxxx:db8:1234:1a00::',
  },
  {
    name: '[AWS-validated: content_ip_address_type_EXC] cidr must be a string (AWS says "prefix")',
    pattern: { detail: { ip: [{ cidr: ['bad-type'] }] } },
    reason: 'prefix match pattern must be a string',
  },
  {
    name: '[event-ruler: CIDR] octet out of range',
    pattern: { a: [{ cidr: '10.0.0.300/8' }] },
    reason: 'Invalid IP address: 10.0.0.300',
  },
  {
    name: '[event-ruler: CIDR] IPv4 mask above 31 (/32 included)',
    pattern: { a: [{ cidr: '10.0.0.1/32' }] },
    reason: 'IPv4 mask bits must be < 32',
  },
  {
    name: '[event-ruler: CIDR] IPv6 mask above 127',
    pattern: { a: [{ cidr: '::1/128' }] },
    reason: 'IPv6 mask bits must be < 128',
  },
  {
    name: '[event-ruler: CIDR] negative mask',
    pattern: { a: [{ cidr: '10.0.0.0/-1' }] },
    reason: 'Malformed CIDR, mask bits must not be negative',
  },
  {
    name: '[event-ruler: $or] $or must hold an array',
    pattern: { $or: { a: ['x'] } },
    reason: 'It must be an Array followed with $or.',
  },
  {
    name: '[event-ruler: $or] $or needs at least two alternatives',
    pattern: { $or: [{ a: ['x'] }] },
    reason: 'There must have at least 2 Objects in $or relationship.',
  },
  {
    name: '[event-ruler: $or] empty $or',
    pattern: { source: ['x'], $or: [] },
    reason: 'There must have at least 2 Objects in $or relationship.',
  },
  {
    name: '[event-ruler: $or] alternatives must be objects',
    pattern: { $or: [{ a: ['x'] }, ['b']] },
    reason: 'Only JSON object is allowed in array of $or relationship.',
  },
  {
    name: '[event-ruler: $or] operator names cannot be fields inside $or',
    pattern: { $or: [{ numeric: [123] }, { prefix: ['abc'] }] },
    reason: 'numeric is Ruler reserved fieldName which cannot be used inside $or.',
  },
  {
    name: '[event-ruler: $or] empty alternative',
    pattern: { $or: [{ a: ['x'] }, {}] },
    reason: 'Empty objects are not allowed',
  },
];

describe('validatePattern: invalid patterns', () => {
  it.each(INVALID)('$name', ({ pattern, reason }) => {
    expect(() => validatePattern(pattern)).toThrow(reason);
  });

  it('reports errors the way EventBridge does', () => {
    let error: unknown;
    try {
      validatePattern({ resources: [] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEventPatternError);
    expect(error).toMatchObject({
      name: 'InvalidEventPatternException',
      reason: 'Empty arrays are not allowed',
      message: 'Event pattern is not valid. Reason: Empty arrays are not allowed',
    });
  });

  it('matchesPattern refuses an invalid pattern instead of silently not matching', () => {
    expect(() => matchesPattern({ detail: { n: [{ numeric: ['>', '0'] }] } }, ev({ n: 1 }))).toThrow(
      InvalidEventPatternError,
    );
  });

  it('accepts every pattern of the conformance table', () => {
    for (const row of ROWS) expect(() => validatePattern(row.pattern)).not.toThrow();
  });

  it('does not let a JSON "__proto__" key reach Object.prototype', () => {
    const event = JSON.parse('{"detail":{"__proto__":{"polluted":"yes"}, "__proto__.x":"y"}}');
    expect(matchesPattern(JSON.parse('{"detail":{"__proto__":{"polluted":["yes"]}}}'), event)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
