import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import {
  flowSignatureHeader,
  normaliseFlowCallout,
  parseFlowCallout,
  verifyFlowSignature,
} from '../../../../lambdas/domain/crm/flow-callout';
import { CrmInputError } from '../../../../lambdas/domain/crm/inbound';

const SECRET = 'sfflow_unit_secret';
const NOW = 1_795_000_000;
const body = Buffer.from(
  JSON.stringify({
    eventId: 'evt-1',
    orgId: '00D5g000004Q2CQEA0',
    opportunity: {
      Id: '0065g00000NWIND1AA',
      AccountId: '0015g00000NWINDAAA',
      StageName: 'Closed Won',
      IsWon: true,
      Type: 'New Business',
      SystemModstamp: '2026-11-02T10:15:00.000+0000'.replace('+0000', 'Z'),
    },
  }),
);

describe('verifyFlowSignature', () => {
  it('accepts HMAC-SHA256 over "<t>.<raw body>" (computed independently here)', () => {
    const v1 = createHmac('sha256', SECRET)
      .update(`${NOW}.${body.toString('utf8')}`)
      .digest('hex');
    expect(verifyFlowSignature(`t=${NOW},v1=${v1}`, body, SECRET, NOW)).toEqual({ ok: true, timestamp: NOW });
    expect(flowSignatureHeader(SECRET, body, NOW)).toBe(`t=${NOW},v1=${v1}`);
  });

  it('accepts any of several v1 values (secret roll-over)', () => {
    const good = flowSignatureHeader(SECRET, body, NOW).split(',')[1];
    const old = flowSignatureHeader('old-secret', body, NOW).split(',')[1];
    expect(verifyFlowSignature(`t=${NOW},${old},${good}`, body, SECRET, NOW).ok).toBe(true);
  });

  it('enforces the replay window in both directions (300 s)', () => {
    const at = (t: number) => verifyFlowSignature(flowSignatureHeader(SECRET, body, t), body, SECRET, NOW);
    expect(at(NOW - 300).ok).toBe(true);
    expect(at(NOW + 300).ok).toBe(true);
    expect(at(NOW - 301)).toMatchObject({ ok: false, code: 'timestamp_outside_tolerance' });
    expect(at(NOW + 301)).toMatchObject({ ok: false, code: 'timestamp_outside_tolerance' });
  });

  it.each([
    [undefined, 'missing_signature'],
    ['', 'missing_signature'],
    ['v1=abc', 'malformed_signature'],
    [`t=${NOW}`, 'malformed_signature'],
    [`t=${NOW},v1=${'g'.repeat(64)}`, 'malformed_signature'],
    [`t=${NOW},v1=${'0'.repeat(64)}`, 'invalid_signature'],
  ])('refuses %j with %s', (header, code) => {
    expect(verifyFlowSignature(header, body, SECRET, NOW)).toMatchObject({ ok: false, code });
  });

  it('refuses any tampering with the body, the timestamp or the secret (property)', () => {
    const header = flowSignatureHeader(SECRET, body, NOW);
    fc.assert(
      fc.property(fc.nat(body.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const tampered = Buffer.from(body);
        tampered[at] ^= flip;
        expect(verifyFlowSignature(header, tampered, SECRET, NOW).ok).toBe(false);
      }),
    );
    expect(verifyFlowSignature(header.replace(`t=${NOW}`, `t=${NOW - 1}`), body, SECRET, NOW).ok).toBe(false);
    expect(verifyFlowSignature(header, body, `${SECRET}x`, NOW).ok).toBe(false);
  });
});

describe('Flow callout body', () => {
  it('normalises to the canonical envelope (15-char ids widened to 18, version = SystemModstamp)', () => {
    const parsed = parseFlowCallout(
      JSON.stringify({
        eventId: 'evt-2',
        orgId: '00D5g000004Q2CQ',
        opportunity: {
          Id: '0065g00000NWIND',
          AccountId: null,
          StageName: 'Closed Won',
          IsWon: 'true',
          Type: 'Renewal',
          SystemModstamp: '2026-11-02T10:15:00.000+01:00',
        },
      }),
    );
    const envelope = normaliseFlowCallout(parsed, new Date('2026-11-02T12:00:00Z'));
    expect(envelope).toMatchObject({
      eventId: 'sf:flow:evt-2',
      eventType: 'crm.opportunity.renewed',
      channel: 'flow',
      orgId: '00D5g000004Q2CQEA0',
      correlationId: 'sf:0065g00000NWINDAA5',
      created: '2026-11-02T09:15:00.000Z',
      record: { id: '0065g00000NWINDAA5', accountId: null, version: '2026-11-02T09:15:00.000Z', isWon: true },
    });
  });

  it.each([
    ['not JSON', '{', 'malformed_json'],
    ['no opportunity', '{"eventId":"e","orgId":"00D5g000004Q2CQEA0"}', 'malformed_callout'],
    [
      'IsWon of another type',
      JSON.stringify({ eventId: 'e', orgId: 'x', opportunity: { Id: 'x', IsWon: 1, SystemModstamp: 'x' } }),
      'malformed_callout',
    ],
  ])('refuses %s', (_label, text, code) => {
    expect(() => parseFlowCallout(text)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a bad id or version with a CrmInputError, never anything else (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          Id: fc.oneof(fc.string(), fc.constant('0065g00000NWIND1AA')),
          AccountId: fc.option(fc.string(), { nil: null }),
          SystemModstamp: fc.oneof(
            fc.string(),
            fc.double(),
            fc.integer(),
            fc.constant('2026-11-02T10:15:00Z'),
          ),
        }),
        (opportunity) => {
          try {
            normaliseFlowCallout(
              { eventId: 'e', orgId: '00D5g000004Q2CQEA0', opportunity: { ...opportunity, StageName: null } },
              new Date(),
            );
          } catch (err) {
            expect(err).toBeInstanceOf(CrmInputError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
