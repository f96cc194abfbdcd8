/** NetSuite's answers → the domain's classification, as a table (what the state machine then does). */
import {
  classifyNetSuiteError,
  isClosedPeriod,
  isDuplicateRecord,
  NetSuiteBusinessError,
  NetSuiteTransientError,
  parseRetryAfter,
} from '../../../lambdas/adapters/erp/netsuite/errors';
import { BusinessError, TransientError } from '../../../lambdas/domain/errors';

const body = (status: number, code: string, detail: string, path?: string) =>
  JSON.stringify({
    type: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html',
    title: 'x',
    status,
    'o:errorDetails': [{ detail, 'o:errorCode': code, ...(path ? { 'o:errorPath': path } : {}) }],
  });

describe('classifyNetSuiteError', () => {
  it.each([
    // status, code, detail, classification, code kept
    [
      429,
      'CONCURRENCY_LIMIT_EXCEEDED',
      'Concurrent request limit exceeded. Request blocked.',
      'transient',
      'CONCURRENCY_LIMIT_EXCEEDED',
    ],
    [400, 'SSS_REQUEST_LIMIT_EXCEEDED', 'Request limit exceeded', 'transient', 'SSS_REQUEST_LIMIT_EXCEEDED'],
    [500, 'UNEXPECTED_ERROR', 'An unexpected error occurred.', 'transient', 'UNEXPECTED_ERROR'],
    [502, 'UNKNOWN', 'Bad gateway', 'transient', 'UNKNOWN'],
    [503, 'UNKNOWN', 'Service unavailable', 'transient', 'UNKNOWN'],
    [504, 'UNKNOWN', 'Gateway timeout', 'transient', 'UNKNOWN'],
    [401, 'INVALID_LOGIN', 'Invalid login attempt.', 'transient', 'INVALID_LOGIN'],
    [403, 'INSUFFICIENT_PERMISSION', 'Permission Violation', 'transient', 'INSUFFICIENT_PERMISSION'],
    [400, 'USER_ERROR', 'Please enter value(s) for: Customer.', 'business', 'USER_ERROR'],
    [400, 'INVALID_KEY_OR_REF', 'Invalid item reference key 9999.', 'business', 'INVALID_KEY_OR_REF'],
    [400, 'INVALID_FLD_VALUE', 'The accounting period Oct 2026 is closed.', 'business', 'INVALID_FLD_VALUE'],
    [
      400,
      'INVALID_CONTENT',
      'Invalid Field Value 9999 for the following field: item',
      'business',
      'INVALID_CONTENT',
    ],
    [404, 'NONEXISTENT_ID', 'Record not found.', 'business', 'NONEXISTENT_ID'],
    [400, 'DUP_RCRD', 'This record already exists.', 'business', 'DUP_RCRD'],
  ])('%i %s → %s', (status, code, detail, expected, expectedCode) => {
    const err = classifyNetSuiteError({
      status,
      body: body(status, code, detail),
      operation: 'POST invoice',
    });
    if (expected === 'transient') {
      expect(err).toBeInstanceOf(TransientError);
      expect(err).not.toBeInstanceOf(BusinessError);
      expect((err as NetSuiteTransientError).errorCode).toBe(expectedCode);
      expect(err.name).toBe('TransientError'); // what Step Functions' Retry matches
    } else {
      expect(err).toBeInstanceOf(BusinessError);
      expect((err as NetSuiteBusinessError).code).toBe(expectedCode);
      expect(err.name).toBe('BusinessError'); // what Step Functions' Catch parks
      expect(err.message).toContain(detail); // NetSuite's own words reach the exception queue
    }
  });

  it('puts Retry-After in the error so the caller can wait', () => {
    const err = classifyNetSuiteError({
      status: 429,
      body: body(429, 'CONCURRENCY_LIMIT_EXCEEDED', 'Concurrent request limit exceeded.'),
      retryAfter: '3',
      operation: 'POST invoice',
    }) as NetSuiteTransientError;
    expect(err.retryAfterMs).toBe(3000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2026 07:28:05 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT')),
    ).toBe(5000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('survives a body that is not NetSuite JSON (a proxy’s HTML page)', () => {
    const err = classifyNetSuiteError({
      status: 503,
      body: '<html>Service Unavailable</html>',
      operation: 'SuiteQL',
    });
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('Service Unavailable');
  });

  it('keeps the error path, and recognises duplicates and closed periods', () => {
    const dup = classifyNetSuiteError({
      status: 400,
      body: body(400, 'USER_ERROR', 'Error while accessing a resource. This record already exists.'),
      operation: 'POST invoice',
    });
    expect(isDuplicateRecord(dup)).toBe(true);
    const closed = classifyNetSuiteError({
      status: 400,
      body: body(400, 'INVALID_FLD_VALUE', 'The accounting period Oct 2026 is closed.', 'postingPeriod'),
      operation: 'POST invoice',
    });
    expect(isClosedPeriod(closed)).toBe(true);
    expect(isDuplicateRecord(closed)).toBe(false);
    expect(closed.message).toContain('[postingPeriod]');
  });
});
