import fc from 'fast-check';
import { exceptionCensus } from '../../../lambdas/domain/exception-census';
import { ERROR_CLASSIFICATIONS, type ErrorClassification } from '../../../lambdas/domain/errors';

const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('exception census', () => {
  it('counts per classification and ages the oldest in whole seconds; empty ones show zero', () => {
    const census = exceptionCensus(
      [
        { classification: 'business', sentAtMs: NOW - 90_500 },
        { classification: 'business', sentAtMs: NOW - 10_000 },
        { classification: 'rate-limited', sentAtMs: NOW - 1_000 },
      ],
      NOW,
    );
    expect(census).toEqual({
      business: { parked: 2, oldestSeconds: 90 },
      technical: { parked: 0, oldestSeconds: 0 },
      'dependency-outage': { parked: 0, oldestSeconds: 0 },
      'rate-limited': { parked: 1, oldestSeconds: 1 },
    });
  });

  it('a message stamped after now (clock skew) is parked but not negative', () => {
    expect(exceptionCensus([{ classification: 'technical', sentAtMs: NOW + 5_000 }], NOW).technical).toEqual({
      parked: 1,
      oldestSeconds: 0,
    });
  });

  it('counts every message once and the oldest age bounds every message of its classification', () => {
    const message = fc.record({
      classification: fc.constantFrom<ErrorClassification>(...ERROR_CLASSIFICATIONS),
      sentAtMs: fc.integer({ min: NOW - 30 * 86_400_000, max: NOW }),
    });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 200 }), (messages) => {
        const census = exceptionCensus(messages, NOW);
        expect(Object.values(census).reduce((n, c) => n + c.parked, 0)).toBe(messages.length);
        for (const m of messages) {
          const c = census[m.classification];
          expect(c.oldestSeconds).toBeGreaterThanOrEqual(Math.floor((NOW - m.sentAtMs) / 1000));
        }
      }),
    );
  });
});
