/**
 * PutEvents entry sizing and the claim-check reference. Oracle: AWS EventBridge User Guide,
 * "Calculating Amazon EventBridge PutEvents event entry size": Time (if specified) is 14 bytes; Source
 * and DetailType are the bytes of their UTF-8 encoded forms; Detail (if specified) the bytes of its
 * UTF-8 form; each Resources entry the bytes of its UTF-8 form. EventBusName is not counted.
 */
import fc from 'fast-check';
import {
  CLAIM_CHECK_ABOVE_BYTES,
  claimCheckDetail,
  claimCheckOf,
  EVENTBRIDGE_MAX_ENTRY_BYTES,
  putEventsEntrySize,
} from '../../../lambdas/domain/claim-check';
import { EventEnvelope } from '../../../lambdas/domain/envelope';

describe('putEventsEntrySize (the AWS-documented rule)', () => {
  it('counts UTF-8 bytes of Source, DetailType, Detail and Resources, plus 14 for Time', () => {
    // 'é' is 2 bytes in UTF-8, '€' 3, '😀' 4 (and 2 UTF-16 code units: length is not the size).
    expect(
      putEventsEntrySize({ Source: 'q2c.stripe', DetailType: 'invoice.finalized', Detail: '{"a":"é€😀"}' }),
    ).toBe(10 + 17 + (6 + 2 + 3 + 4 + 2)); // {"a":" é € 😀 "}
    expect(putEventsEntrySize({ Source: 's', DetailType: 't', Detail: '{}', Time: new Date() })).toBe(
      1 + 1 + 2 + 14,
    );
    expect(putEventsEntrySize({ Source: 's', DetailType: 't', Resources: ['arn:a', 'ü'] })).toBe(
      1 + 1 + 5 + 2,
    );
    expect(EVENTBRIDGE_MAX_ENTRY_BYTES).toBe(262_144);
  });

  it('measures the Detail text as sent, not the request’s JSON (escapes in Detail are not counted twice)', () => {
    const detail = JSON.stringify({ note: '"\\'.repeat(50_000) }); // 4 bytes per pair once serialised
    const entry = { Source: 'q2c.stripe', DetailType: 'invoice.finalized', Detail: detail, Time: new Date() };
    expect(putEventsEntrySize(entry)).toBe(10 + 17 + detail.length + 14);
    // The old local measure (the whole entry re-serialised) doubled every escape and refused this entry.
    expect(Buffer.byteLength(JSON.stringify(entry))).toBeGreaterThan(EVENTBRIDGE_MAX_ENTRY_BYTES);
    expect(putEventsEntrySize(entry)).toBeLessThan(EVENTBRIDGE_MAX_ENTRY_BYTES);
  });

  it('property: equals the sum of the fields’ UTF-8 lengths', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.string({ unit: 'grapheme' }),
        fc.array(fc.string()),
        fc.boolean(),
        (s, t, d, r, time) => {
          const size = putEventsEntrySize({
            Source: s,
            DetailType: t,
            Detail: d,
            Resources: r,
            ...(time ? { Time: 0 } : {}),
          });
          const bytes = (x: string) => new TextEncoder().encode(x).length;
          expect(size).toBe(
            bytes(s) + bytes(t) + bytes(d) + r.reduce((n, x) => n + bytes(x), 0) + (time ? 14 : 0),
          );
        },
      ),
    );
  });

  it('claim-checks well inside the entry limit, leaving the flows’ Step Functions state room', () => {
    expect(CLAIM_CHECK_ABOVE_BYTES).toBeLessThanOrEqual(EVENTBRIDGE_MAX_ENTRY_BYTES / 2);
  });
});

describe('claim-check reference', () => {
  const envelope = {
    schemaVersion: 'v1',
    source: 'stripe',
    eventId: 'evt_1',
    eventType: 'invoice.finalized',
    created: '2026-11-01T00:00:00.000Z',
    livemode: false,
    apiVersion: '2026-10-28.endive',
    account: null,
    correlationId: 'opp_1',
    receivedAt: '2026-11-01T00:00:01.000Z',
    object: { id: 'in_1', metadata: { note: 'x'.repeat(1000) } },
    previousAttributes: null,
  };
  const ref = { key: `payloads/${'a'.repeat(64)}.json`, bytes: 1234, sha256: 'a'.repeat(64) };

  it('keeps the envelope’s ids and types, drops the payload, and is never mistaken for an envelope', () => {
    const detail = claimCheckDetail(envelope, ref);
    expect(detail).toEqual({
      schemaVersion: 'v1',
      source: 'stripe',
      eventId: 'evt_1',
      eventType: 'invoice.finalized',
      created: '2026-11-01T00:00:00.000Z',
      livemode: false,
      apiVersion: '2026-10-28.endive',
      account: null,
      correlationId: 'opp_1',
      receivedAt: '2026-11-01T00:00:01.000Z',
      previousAttributes: null,
      claimCheck: ref,
    });
    expect(EventEnvelope.safeParse(detail).success).toBe(false);
    expect(claimCheckOf(detail)).toEqual(ref);
    expect(claimCheckOf(envelope)).toBeUndefined();
    expect(claimCheckOf({ claimCheck: { key: '../etc/passwd', bytes: 1, sha256: 'x' } })).toBeUndefined();
  });
});
