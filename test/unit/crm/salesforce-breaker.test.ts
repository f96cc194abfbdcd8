/**
 * The salesforce circuit breaker as the deal handlers use it (`withSalesforce`): the real jsforce client
 * against the Salesforce sandbox's injected faults, the breaker's state in a dynalite table. Outages
 * (503 SERVER_UNAVAILABLE) open it after CIRCUIT_BREAKERS.salesforce.failureThreshold; rate limits
 * (REQUEST_LIMIT_EXCEEDED, on 403 or 429) never count, however many.
 */
import { circuitBreaker } from '../../../lambdas/adapters/circuit-breaker/dynamodb-breaker';
import { withSalesforce } from '../../../lambdas/adapters/crm/salesforce/connection';
import { loadDeal } from '../../../lambdas/adapters/crm/salesforce/deals';
import {
  classifySalesforceError,
  isSalesforceOutage,
  subrequestError,
} from '../../../lambdas/adapters/crm/salesforce/errors';
import { BusinessError, DependencyOutageError, TransientError } from '../../../lambdas/domain/errors';
import { CIRCUIT_BREAKERS } from '../../../lib/topology';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../local/sandboxes/salesforce';
import { seedDeal } from '../../statemachines/deal-harness';
import { startBreakerTable } from './breaker-table';

const OPEN_MS = 400;
const THRESHOLD = CIRCUIT_BREAKERS.salesforce.failureThreshold;
let breakers: { stop(): Promise<void> };
let sf: SalesforceSandbox;
let opportunityId: string;

beforeAll(async () => {
  sf = await startSalesforceSandbox({});
  opportunityId = seedDeal(sf, {
    account: { name: 'Breaker Labs', country: 'US' },
    opportunity: { name: 'Breaker Labs — New Business', type: 'New Business' },
    quote: { start: '2026-11-02', lines: [{ code: 'GROWTH-SEAT', quantity: 3, unitPrice: 49 }] },
  }).opportunityId;
  breakers = await startBreakerTable(OPEN_MS, {
    SALESFORCE_API_CREDENTIALS: JSON.stringify({
      loginUrl: sf.url,
      clientId: sf.clientId,
      clientSecret: sf.clientSecret,
    }),
  });
});

afterAll(async () => {
  await sf?.stop();
  await breakers?.stop();
});

const composite = (req: { path: string }) => req.path.endsWith('/composite');
const compositeCalls = () => sf.requests().filter(composite).length;
const load = () => withSalesforce((conn) => loadDeal(conn, opportunityId));
const breaker = () => circuitBreaker().state('salesforce');

/** The rejection of one guarded load (fails the test if it resolved). */
async function rejection(): Promise<Error> {
  try {
    await load();
  } catch (err) {
    return err as Error;
  }
  throw new Error('the load was expected to fail');
}

describe('salesforce circuit breaker (withSalesforce)', () => {
  it('REQUEST_LIMIT_EXCEEDED (403 and 429) is retried by the flow but never counts towards opening', async () => {
    expect((await load()).opportunity.id).toBe(opportunityId); // authorised, circuit closed
    const before = compositeCalls();
    sf.injectFault({ status: 403, times: THRESHOLD * 2, match: composite });
    sf.injectFault({ status: 429, times: THRESHOLD * 2, match: composite });
    for (let i = 0; i < THRESHOLD * 4; i++) {
      const err = await rejection();
      expect(err).toBeInstanceOf(TransientError);
      expect(err).not.toBeInstanceOf(DependencyOutageError);
      expect(err.message).toMatch(/REQUEST_LIMIT_EXCEEDED/);
    }
    // Every call reached Salesforce: the circuit never opened.
    expect(compositeCalls() - before).toBe(THRESHOLD * 4);
    expect(await breaker()).toMatchObject({ status: 'closed', consecutiveFailures: 0 });
    expect((await load()).opportunity.id).toBe(opportunityId);
  });

  it('rate limits between outage failures neither count nor reset; the threshold-th 503 opens it and calls stop', async () => {
    sf.injectFault({ status: 503, times: THRESHOLD - 1, match: composite });
    for (let i = 0; i < THRESHOLD - 1; i++) expect(await rejection()).toBeInstanceOf(TransientError);
    sf.injectFault({ status: 429, times: 3, match: composite });
    for (let i = 0; i < 3; i++) expect((await rejection()).message).toMatch(/REQUEST_LIMIT_EXCEEDED/);
    expect(await breaker()).toMatchObject({ status: 'closed', consecutiveFailures: THRESHOLD - 1 });

    sf.injectFault({ status: 503, times: 1, match: composite });
    expect((await rejection()).message).toMatch(/SERVER_UNAVAILABLE/);
    expect(await breaker()).toMatchObject({ status: 'open', consecutiveFailures: THRESHOLD });

    // Open: refused without a call to Salesforce (not even the OAuth grant).
    const before = sf.requests().length;
    const refused = await rejection();
    expect(refused).toBeInstanceOf(DependencyOutageError);
    expect(refused.message).toMatch(/^salesforce: circuit open/);
    expect(sf.requests().length).toBe(before);

    // After the open window one probe goes through; its success closes the circuit.
    await new Promise((r) => setTimeout(r, OPEN_MS + 50));
    expect((await load()).opportunity.id).toBe(opportunityId);
    expect(await breaker()).toMatchObject({ status: 'closed', consecutiveFailures: 0 });
  });

  it('classifies: 5xx, timeouts and refused connections are outages; limits, locks and business errors are not', () => {
    const apiError = (errorCode: string) => Object.assign(new Error('boom'), { name: errorCode, errorCode });
    const outage = (err: unknown) => isSalesforceOutage(classifySalesforceError(err, 'x'));
    expect(outage(apiError('SERVER_UNAVAILABLE'))).toBe(true);
    expect(outage(apiError('ERROR_HTTP_502'))).toBe(true);
    expect(outage(Object.assign(new Error('refused'), { name: 'FetchError', code: 'ECONNREFUSED' }))).toBe(
      true,
    );
    expect(outage(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(true);
    expect(outage(apiError('REQUEST_LIMIT_EXCEEDED'))).toBe(false);
    expect(outage(apiError('ERROR_HTTP_429'))).toBe(false);
    expect(outage(apiError('UNABLE_TO_LOCK_ROW'))).toBe(false);
    expect(outage(apiError('INVALID_FIELD'))).toBe(false);
    expect(classifySalesforceError(apiError('INVALID_FIELD'), 'x')).toBeInstanceOf(BusinessError);
    const sub = (httpStatusCode: number, errorCode: string) =>
      isSalesforceOutage(
        subrequestError({ httpStatusCode, body: [{ errorCode, message: 'm' }], referenceId: 'q' }, 'x'),
      );
    expect(sub(503, 'SERVER_UNAVAILABLE')).toBe(true);
    expect(sub(429, 'REQUEST_LIMIT_EXCEEDED')).toBe(false);
    expect(sub(403, 'REQUEST_LIMIT_EXCEEDED')).toBe(false);
  });
});
