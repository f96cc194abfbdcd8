/**
 * Fuzzing the two Salesforce endpoints of the local runtime (child process, fresh data dir) with
 * fast-check — the companion of fuzz-webhooks.test.ts (Stripe):
 *  - POST /webhooks/salesforce/flow: valid callouts, mutated/truncated JSON, wrong shapes and types,
 *    other orgs, oversized bodies; signatures valid, stale, future, wrong secret, tampered, malformed;
 *  - POST /webhooks/salesforce/outbound-message: valid messages (1–20 notifications, Opportunity and
 *    other sObjects, odd field values), mutated/truncated XML, DTDs, deep nesting, other orgs, oversized.
 * Invariants: never a 5xx; Flow answers are 4xx {error:{code,message}} or 200 {received:true}; nothing
 * unsigned is accepted; Outbound Message answers are SOAP (Ack or Fault) as text/xml; over 200 KiB is 413;
 * every acknowledged notification we generated, and every accepted callout, is on the bus.
 * FUZZ_RUNS (per endpoint) and FUZZ_SEED as in the Stripe fuzzer.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { flowSignatureHeader } from '../../lambdas/domain/crm/flow-callout';
import { DEPLOYMENT, MAX_WEBHOOK_BODY_BYTES } from '../../lib/topology';
import type { ArchivedEvent } from '../../local/bus/local-event-bus';
import {
  FLOW_CALLOUT_PATH,
  type Notification,
  OUTBOUND_MESSAGE_PATH,
  outboundMessageXml,
} from '../../local/scenarios/salesforce-deliveries';
import { type RunningRuntime, startRuntimeProcess } from './harness';

const RUNS = Number(process.env.FUZZ_RUNS ?? 3_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 16;
const ORG = DEPLOYMENT.salesforce.orgId;
const SECRET = 'sfflow_fuzz_secret';
const utf8 = (s: string) => new TextEncoder().encode(s);

interface Req {
  path: string;
  label: string;
  body: Uint8Array;
  contentType: string | null;
  /** Flow only: how to sign at send time. */
  signing?:
    | { kind: 'valid'; offset: number }
    | { kind: 'wrong-secret' }
    | { kind: 'tampered' }
    | { kind: 'raw'; header: string | null };
  /** OM only: the notification ids a valid message carries (must be on the bus if acknowledged). */
  notificationIds?: string[];
}

const idChars = fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
const sfId = (prefix: string) =>
  fc.string({ unit: idChars, minLength: 15, maxLength: 15 }).map((s) => prefix + s);
const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
});
const nasty = fc.oneof(
  fc.constantFrom(
    null,
    '',
    'true',
    'false',
    '2026-11-02T10:15:00Z',
    '2026-13-45T99:99:99Z',
    'x'.repeat(300),
    '\u0000',
    '\ud800',
    '𝕊 ✓ 日本語 \u202e',
    '<![CDATA[x]]>',
    '&amp;',
    '&#0;',
  ),
  printable,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.boolean(),
);
/** Mostly well-formed field values (so messages reach the bus), sometimes hostile ones. */
const sometimes = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 15, arbitrary: good }, { weight: 1, arbitrary: nasty as fc.Arbitrary<unknown> });
const opportunity = fc.record({
  Id: sometimes(sfId('006')),
  AccountId: sometimes(fc.oneof(sfId('001'), fc.constant(null))),
  StageName: sometimes(fc.constantFrom('Closed Won', 'Negotiation/Review', 'Closed Lost')),
  IsWon: sometimes(fc.boolean()),
  Type: sometimes(fc.constantFrom('New Business', 'Amendment', 'Renewal', 'Cancellation', null)),
  SystemModstamp: sometimes(
    fc
      .date({ min: new Date('2026-01-01'), max: new Date('2027-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  ),
});

const mutate = (text: string) =>
  fc
    .array(
      fc.tuple(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom('del', 'ins', 'rep'),
        fc.string({ unit: 'binary', maxLength: 12 }),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((edits) => {
      let s = text;
      for (const [at, op, chunk] of edits) {
        const i = Math.floor(at * s.length);
        if (op === 'del') s = s.slice(0, i) + s.slice(i + 1 + chunk.length);
        else if (op === 'ins') s = s.slice(0, i) + chunk + s.slice(i);
        else s = s.slice(0, i) + chunk + s.slice(i + chunk.length);
      }
      return s;
    });

// ───────────── Flow ─────────────

let serial = 0;
const validCallout = fc
  .tuple(
    opportunity,
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(ORG) },
      { weight: 1, arbitrary: fc.oneof(sfId('00D'), printable) },
    ),
  )
  .map(([o, orgId]) => JSON.stringify({ eventId: `fuzz-${(serial++).toString(36)}`, orgId, opportunity: o }));
const flowBody: fc.Arbitrary<{ label: string; text: string }> = fc.oneof(
  { weight: 6, arbitrary: validCallout.map((text) => ({ label: 'callout', text })) },
  { weight: 2, arbitrary: validCallout.chain(mutate).map((text) => ({ label: 'mutated', text })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validCallout, fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([t, at]) => ({ label: 'truncated', text: t.slice(0, Math.floor(at * t.length)) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .jsonValue({ maxDepth: 4 })
      .map((v) => ({ label: 'json', text: JSON.stringify(v) ?? 'null' })),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }).map((text) => ({ label: 'text', text })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 100, max: 5_000 }).map((d) => ({
      label: 'deep',
      text: `{"eventId":"d","orgId":"${ORG}","opportunity":${'['.repeat(d)}${']'.repeat(d)}}`,
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: MAX_WEBHOOK_BODY_BYTES - 10, max: MAX_WEBHOOK_BODY_BYTES + 5_000 })
      .map((n) => ({ label: 'large', text: `{"eventId":"${'x'.repeat(n)}"}` })),
  },
);
const flowSigning: fc.Arbitrary<NonNullable<Req['signing']>> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'valid' as const, offset: 0 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: -2_000, max: 2_000 }).map((offset) => ({ kind: 'valid' as const, offset })),
  },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'wrong-secret' as const }, { kind: 'tampered' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.constant(null),
        printable,
        fc.constantFrom('t=,v1=', `t=1,v1=${'0'.repeat(64)}`, `t=${'9'.repeat(40)},v1=ab`),
      )
      .map((header) => ({ kind: 'raw' as const, header })),
  },
);
const flowRequest: fc.Arbitrary<Req> = fc
  .tuple(
    flowBody,
    flowSigning,
    fc.constantFrom('application/json', 'text/plain', null, 'application/octet-stream'),
  )
  .map(([b, signing, contentType]) => ({
    path: FLOW_CALLOUT_PATH,
    label: `flow/${b.label}/${signing.kind}`,
    body: utf8(b.text),
    contentType,
    signing,
  }));

function flowHeader(r: Req, now: number): string | null {
  const s = r.signing!;
  const text = Buffer.from(r.body);
  switch (s.kind) {
    case 'valid':
      return flowSignatureHeader(SECRET, text, now + s.offset);
    case 'wrong-secret':
      return flowSignatureHeader('not-the-secret', text, now);
    case 'tampered':
      return flowSignatureHeader(SECRET, text.subarray(0, Math.max(0, text.length - 1)), now);
    case 'raw':
      return s.header;
  }
}
/** Only a valid signature within the 300 s window (+2 s for the time between signing and checking). */
const maySucceed = (r: Req) =>
  r.signing?.kind === 'valid' && Math.abs(r.signing.offset) <= 302 && r.body.length <= MAX_WEBHOOK_BODY_BYTES;

// ───────────── Outbound Message ─────────────

const notification: fc.Arbitrary<Notification> = fc
  .tuple(
    sfId('04l'),
    fc.oneof(
      { weight: 6, arbitrary: fc.constant('Opportunity') },
      { weight: 1, arbitrary: fc.constantFrom('Account', 'Contact', 'Invoice__c', 'Opportunity2') },
    ),
    opportunity,
  )
  .map(([id, sobject, fields]) => ({ id, sobject, fields: fields as Notification['fields'] }));
const validMessage = fc.tuple(
  fc.array(notification, { minLength: 1, maxLength: 20 }),
  fc.oneof({ weight: 8, arbitrary: fc.constant(ORG) }, { weight: 1, arbitrary: sfId('00D') }),
);
const omRequest: fc.Arbitrary<Req> = fc
  .oneof(
    {
      weight: 6,
      arbitrary: validMessage.map(([ns, org]) => ({
        label: 'message',
        text: outboundMessageXml(org, ns),
        ids: ns.map((n) => n.id),
      })),
    },
    {
      weight: 3,
      arbitrary: validMessage
        .chain(([ns, org]) => mutate(outboundMessageXml(org, ns)))
        .map((text) => ({ label: 'mutated', text, ids: undefined })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(validMessage, fc.double({ min: 0, max: 1, noNaN: true })).map(([[ns, org], at]) => {
        const t = outboundMessageXml(org, ns);
        return { label: 'truncated', text: t.slice(0, Math.floor(at * t.length)), ids: undefined };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.string({ unit: 'binary' }).map((text) => ({ label: 'text', text, ids: undefined })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
          `${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}`,
          '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>',
        )
        .map((text) => ({ label: 'hostile', text, ids: undefined })),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: MAX_WEBHOOK_BODY_BYTES - 1_000, max: MAX_WEBHOOK_BODY_BYTES + 5_000 })
        .map((n) => ({
          label: 'large',
          text: outboundMessageXml(ORG, [
            { id: '04l5g00000LARGEAAA', sobject: 'Account', fields: { Name: 'x'.repeat(n) } },
          ]),
          ids: undefined,
        })),
    },
  )
  .map((b) => ({
    path: OUTBOUND_MESSAGE_PATH,
    label: `om/${b.label}`,
    body: utf8(b.text),
    contentType: 'text/xml; charset=utf-8',
    notificationIds: b.ids,
  }));

// ───────────── run ─────────────

interface Outcome {
  r: Req;
  status: number;
  contentType: string;
  text: string;
}

async function send(url: string, r: Req): Promise<Outcome> {
  const headers: Record<string, string> = {};
  if (r.contentType) headers['content-type'] = r.contentType;
  if (r.signing) {
    const h = flowHeader(r, Math.floor(Date.now() / 1000));
    if (h !== null) headers['x-q2c-signature'] = h;
  }
  const res = await fetch(`${url}${r.path}`, { method: 'POST', headers, body: r.body });
  return {
    r,
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    text: await res.text(),
  };
}

async function pool<T, R>(items: T[], worker: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await worker(items[i]);
      }
    }),
  );
  return out;
}

let runtime: RunningRuntime;
let dir: string;
let flow: Outcome[] = [];
let om: Outcome[] = [];
let onBus: Set<string | null>;

beforeAll(async () => {
  process.env.SALESFORCE_FLOW_SIGNING_SECRET = SECRET;
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-sf-fuzz-'));
  runtime = await startRuntimeProcess(dir, ['--log-level', 'ERROR']);
  console.log(`salesforce fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
  const t0 = Date.now();
  flow = await pool(fc.sample(flowRequest, { numRuns: RUNS, seed: SEED }), (r) => send(runtime.url, r));
  om = await pool(fc.sample(omRequest, { numRuns: RUNS, seed: SEED + 1 }), (r) => send(runtime.url, r));
  const events = ((await (await fetch(`${runtime.url}/ops/events`)).json()) as { events: ArchivedEvent[] })
    .events;
  onBus = new Set(events.map((e) => e.sourceEventId));
  const count = (o: Outcome[]) =>
    [...new Set(o.map((x) => x.status))]
      .sort()
      .map((s) => `${s}×${o.filter((x) => x.status === s).length}`)
      .join(' ');
  console.log(
    `salesforce fuzz: ${flow.length + om.length} requests in ${((Date.now() - t0) / 1000).toFixed(1)} s; flow ${count(flow)}; outbound-message ${count(om)}`,
  );
}, 600_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const fail = (what: string, bad: Outcome[]) => {
  if (bad.length === 0) return;
  throw new Error(
    `${bad.length} request(s) ${what} (FUZZ_SEED=${SEED}); first: ${bad
      .slice(0, 3)
      .map((o) =>
        JSON.stringify({
          label: o.r.label,
          status: o.status,
          response: o.text.slice(0, 200),
          body: new TextDecoder().decode(o.r.body).slice(0, 300),
        }),
      )
      .join('\n')}`,
  );
};

describe('fuzzing POST /webhooks/salesforce/flow', () => {
  it('never answers 5xx; every answer is a 4xx {error:{code,message}} or a 200 {received:true}', () => {
    fail(
      'got a 5xx',
      flow.filter((o) => o.status >= 500),
    );
    fail(
      'answered outside the contract',
      flow.filter((o) => {
        let j: { received?: unknown; error?: { code?: unknown; message?: unknown } };
        try {
          j = JSON.parse(o.text) as typeof j;
        } catch {
          return true;
        }
        return o.status === 200
          ? j.received !== true
          : !(o.status >= 400 && typeof j.error?.code === 'string' && typeof j.error?.message === 'string');
      }),
    );
    for (const s of [200, 400, 401, 403, 413]) expect(flow.map((o) => o.status)).toContain(s);
  });

  it('accepts nothing unsigned, stale or oversized, and every acceptance is on the bus', () => {
    fail(
      'were accepted without a valid, fresh signature',
      flow.filter((o) => o.status === 200 && !maySucceed(o.r)),
    );
    fail(
      'over the limit were not 413',
      flow.filter((o) => o.r.body.length > MAX_WEBHOOK_BODY_BYTES && o.status !== 413),
    );
    fail(
      'were accepted but are not on the bus',
      flow.filter((o) => o.status === 200 && !onBus.has(String(JSON.parse(o.text).eventId))),
    );
  });
});

describe('fuzzing POST /webhooks/salesforce/outbound-message', () => {
  it('never answers 5xx; every answer is a SOAP Ack or Fault as text/xml', () => {
    fail(
      'got a 5xx',
      om.filter((o) => o.status >= 500),
    );
    fail(
      'answered outside the contract',
      om.filter(
        (o) =>
          !o.contentType.startsWith('text/xml') ||
          !(o.status === 200 ? o.text.includes('<Ack>true</Ack>') : o.text.includes('<soapenv:Fault>')),
      ),
    );
    for (const s of [200, 400, 403, 413]) expect(om.map((o) => o.status)).toContain(s);
  });

  it('refuses oversized messages, and every notification of an acknowledged message is on the bus', () => {
    fail(
      'over the limit were not 413',
      om.filter((o) => o.r.body.length > MAX_WEBHOOK_BODY_BYTES && o.status !== 413),
    );
    fail(
      'were acknowledged with a notification missing from the bus',
      om.filter(
        (o) => o.status === 200 && (o.r.notificationIds ?? []).some((id) => !onBus.has(`sf:om:${id}`)),
      ),
    );
    expect(om.filter((o) => o.status === 200 && o.r.notificationIds).length).toBeGreaterThan(0);
  });

  it('left the runtime up', async () => {
    // Up and answering: 'degraded' only says work is parked (the fuzzing parks bad input on purpose).
    expect(['ok', 'degraded']).toContain((await runtime.ops.health()).status);
  });
});
