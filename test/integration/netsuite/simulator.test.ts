/**
 * The simulator's wire contract, request by request: what NetSuite answers, in its shapes, for
 * writes, upserts, duplicates, authentication failures, SuiteQL and governance.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ClientCredentialsAuth, TokenBasedAuth } from '../../../lambdas/adapters/erp/netsuite/auth';
import { TransientError } from '../../../lambdas/domain/errors';
import type { NetSuiteSimulator } from '../../../local/sandboxes/netsuite';
import { ACCOUNT_ID, monthOf, TBA } from '../../unit/netsuite/fixtures';
import { adapterFor, startSimulator } from './harness';

let ns: NetSuiteSimulator;
beforeAll(async () => {
  ns = await startSimulator({ concurrencyLimit: 3 });
});
afterAll(() => ns.stop());

interface SignOptions {
  credentials?: Partial<typeof TBA>;
  accountId?: string;
  nonce?: string;
  timestamp?: number;
  headers?: Record<string, string>;
}

async function call(method: string, path: string, body?: unknown, o: SignOptions = {}) {
  const url = ns.url + path;
  const auth = new TokenBasedAuth({
    accountId: o.accountId ?? ACCOUNT_ID,
    credentials: async () => ({ ...TBA, ...o.credentials }),
    ...(o.nonce ? { nonce: () => o.nonce! } : {}),
    ...(o.timestamp ? { timestamp: () => o.timestamp! } : {}),
  });
  const res = await fetch(url, {
    method,
    headers: {
      Authorization: await auth.authorization({ method, url }),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...o.headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const customer = (externalId: string, companyName = 'Globex LLC') => ({
  externalId,
  companyName,
  subsidiary: { id: '1' },
});
const suiteql = (q: string, query = '') =>
  call('POST', `/services/rest/query/v1/suiteql${query}`, { q }, { headers: { Prefer: 'transient' } });

describe('record writes', () => {
  it('answers 204 No Content with the new internal id in Location', async () => {
    const res = await call('POST', '/services/rest/record/v1/customer', customer('sim-cust-1'));
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    const location = res.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${ns.url}/services/rest/record/v1/customer/\\d+$`));
    const got = await call('GET', new URL(location).pathname);
    expect(got.body).toMatchObject({ id: location.split('/').pop(), companyName: 'Globex LLC' });
  });

  it('refuses a second POST with the same externalId (case-insensitively) with the duplicate error', async () => {
    await call('POST', '/services/rest/record/v1/customer', customer('sim-dup-1'));
    const res = await call('POST', '/services/rest/record/v1/customer', customer('SIM-DUP-1'));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      type: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1',
      title: 'Bad Request',
      status: 400,
      'o:errorDetails': [
        {
          detail: expect.stringContaining('This record already exists'),
          'o:errorCode': 'DUP_RCRD',
          'o:errorPath': 'externalId',
        },
      ],
    });
    expect(ns.sql('SELECT COUNT(*) AS n FROM customer WHERE externalid = ?', 'sim-dup-1')).toEqual([
      { n: 1 },
    ]);
  });

  it('PUT …/eid:<externalId> creates the record, then updates that same record', async () => {
    const path = '/services/rest/record/v1/customer/eid:sim-upsert-1';
    const created = await call('PUT', path, { companyName: 'Initech', subsidiary: { id: '1' } });
    const updated = await call('PUT', path, { companyName: 'Initech, Inc.', email: 'ap@initech.example' });
    expect([created.status, updated.status]).toEqual([204, 204]);
    expect(updated.headers.get('location')).toBe(created.headers.get('location'));
    expect(ns.sql('SELECT companyname, email FROM customer WHERE externalid = ?', 'sim-upsert-1')).toEqual([
      { companyname: 'Initech, Inc.', email: 'ap@initech.example' },
    ]);
  });

  it('validates references and business rules with NetSuite’s codes and paths', async () => {
    const unknownCustomer = await call('POST', '/services/rest/record/v1/invoice', {
      entity: { id: '99999' },
      item: { items: [{ item: { id: '1' }, amount: 10 }] },
    });
    expect(unknownCustomer.status).toBe(400);
    expect(unknownCustomer.body['o:errorDetails'][0]).toMatchObject({
      'o:errorCode': 'INVALID_KEY_OR_REF',
      'o:errorPath': 'entity',
    });
    const unbalanced = await call('POST', '/services/rest/record/v1/journalEntry', {
      subsidiary: { id: '1' },
      tranDate: '2026-11-02',
      line: {
        items: [
          { account: { id: '2' }, debit: 10 },
          { account: { id: '3' }, credit: 9.99 },
        ],
      },
    });
    expect(unbalanced.body['o:errorDetails'][0]).toMatchObject({
      'o:errorCode': 'USER_ERROR',
      detail: expect.stringContaining('The total debits must equal the total credits'),
    });
    const float = await call('POST', '/services/rest/record/v1/journalEntry', {
      subsidiary: { id: '1' },
      line: {
        items: [
          { account: { id: '2' }, debit: 0.1 + 0.2 },
          { account: { id: '3' }, credit: 0.3 },
        ],
      },
    });
    expect(float.body['o:errorDetails'][0]['o:errorCode']).toBe('INVALID_CONTENT');
    const [receivables] = ns.sql("SELECT id FROM account WHERE accttype = 'AcctRec' ORDER BY id");
    const nameless = await call('POST', '/services/rest/record/v1/journalEntry', {
      subsidiary: { id: '1' },
      line: {
        items: [
          { account: { id: String(receivables.id) }, debit: 1 },
          { account: { id: '3' }, credit: 1 },
        ],
      },
    });
    expect(nameless.body['o:errorDetails'][0]).toMatchObject({
      'o:errorCode': 'USER_ERROR',
      'o:errorPath': 'line.items[0].entity',
    });
  });
});

describe('authentication (Token-Based Authentication)', () => {
  const path = '/services/rest/query/v1/suiteql';
  const q = { q: 'SELECT id FROM subsidiary' };
  const headers = { Prefer: 'transient' };

  it.each([
    ['a wrong consumer secret', { credentials: { consumerSecret: 'wrong' } }, 'signature mismatch'],
    ['a wrong token secret', { credentials: { tokenSecret: 'wrong' } }, 'signature mismatch'],
    ['an unknown token', { credentials: { tokenId: 'someone-else' } }, 'unknown token'],
    ['another account’s realm', { accountId: '7654321' }, 'realm 7654321 is not TSTDRV1234567'],
    ['a timestamp ten minutes old', { timestamp: Math.floor(Date.now() / 1000) - 600 }, 'timestamp'],
  ])('refuses %s with 401 INVALID_LOGIN', async (_what, options, reason) => {
    const res = await call('POST', path, q, { ...options, headers } as SignOptions);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      title: 'Unauthorized',
      status: 401,
      'o:errorDetails': [
        { 'o:errorCode': 'INVALID_LOGIN', detail: expect.stringContaining('Invalid login attempt') },
      ],
    });
    expect(Object.keys(ns.stats().authFailures).some((r) => r.startsWith(reason))).toBe(true);
  });

  it('refuses a replayed nonce', async () => {
    const fixed = { nonce: 'replayMe0123456789', timestamp: Math.floor(Date.now() / 1000), headers };
    expect((await call('POST', path, q, fixed)).status).toBe(200);
    expect((await call('POST', path, q, fixed)).status).toBe(401);
    expect(ns.stats().authFailures['nonce replayed']).toBe(1);
  });

  it('refuses an unsigned request', async () => {
    const res = await fetch(ns.url + '/services/rest/record/v1/customer/1');
    expect(res.status).toBe(401);
  });
});

describe('SuiteQL', () => {
  it('answers NetSuite’s way: lower-case columns, string values, paged with links', async () => {
    const page = await suiteql('SELECT id, AcctNumber FROM account ORDER BY id', '?limit=5&offset=5');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ count: 5, offset: 5, hasMore: true, totalResults: 18 });
    const [sixth] = ns.sql('SELECT acctnumber FROM account WHERE id = 6');
    expect(page.body.items[0]).toEqual({ links: [], id: '6', acctnumber: sixth.acctnumber });
    expect(page.body.links.map((l: { rel: string }) => l.rel)).toEqual([
      'previous',
      'next',
      'self',
      'first',
      'last',
    ]);
  });

  it.each([
    ["DELETE FROM customer WHERE externalid = 'x'"],
    ["UPDATE customer SET companyname = 'x'"],
    ['PRAGMA table_info(customer)'],
    ['SELECT 1; DELETE FROM customer'],
    ["SELECT id FROM customer WHERE companyname = 'x'; DROP TABLE customer"],
  ])('rejects anything but a SELECT: %s', async (q) => {
    const res = await suiteql(q);
    expect(res.status).toBe(400);
    expect(res.body['o:errorDetails'][0]['o:errorCode']).toBe('INVALID_PARAMETER');
  });

  it('requires Prefer: transient', async () => {
    const res = await call('POST', '/services/rest/query/v1/suiteql', { q: 'SELECT id FROM item' });
    expect(res.status).toBe(400);
  });
});

describe('governance and faults', () => {
  it('answers 429 CONCURRENCY_LIMIT_EXCEEDED to requests beyond the account limit', async () => {
    // Long enough that all six arrive (new connections, on a loaded machine) while three are held.
    ns.setLatency(500);
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => suiteql('SELECT id FROM term')));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
      const throttled = results.find((r) => r.status === 429)!;
      expect(throttled.body['o:errorDetails'][0]['o:errorCode']).toBe('CONCURRENCY_LIMIT_EXCEEDED');
      expect(ns.stats().maxInFlight).toBeLessThanOrEqual(3);
    } finally {
      ns.setLatency(0);
    }
  });

  it('injects 5xx with NetSuite’s body and 429 bursts with Retry-After', async () => {
    ns.injectFault({ kind: 'status', status: 502, times: 1 });
    ns.injectFault({ kind: 'throttle', times: 1, retryAfterSeconds: 2 });
    const first = await suiteql('SELECT id FROM term');
    const second = await suiteql('SELECT id FROM term');
    const third = await suiteql('SELECT id FROM term');
    expect([first.status, second.status, third.status]).toEqual([502, 429, 200]);
    expect(second.headers.get('retry-after')).toBe('2');
  });
});

describe('OAuth 2.0 client credentials', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const credentials = {
    clientId: 'client-0123',
    certificateId: 'cert-abc',
    privateKey: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };

  it('trades a signed JWT assertion for a bearer token, cached across postings', async () => {
    const oauthNs = await startSimulator({
      oauth2: {
        clientId: credentials.clientId,
        certificateId: credentials.certificateId,
        publicKey: keys.publicKey,
      },
    });
    try {
      const auth = new ClientCredentialsAuth({
        accountId: ACCOUNT_ID,
        baseUrl: oauthNs.url,
        credentials: async () => credentials,
      });
      const adapter = adapterFor(oauthNs, { auth });
      const month = monthOf('OA1');
      await adapter.upsertCustomer(month.customer);
      await adapter.postDocument(month.postings.invoice.document, month.postings.invoice.entry);
      expect(oauthNs.stats().tokensIssued).toBe(1);
      expect(oauthNs.records('invoice')).toHaveLength(1);

      const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const forged = new ClientCredentialsAuth({
        accountId: ACCOUNT_ID,
        baseUrl: oauthNs.url,
        credentials: async () => ({
          ...credentials,
          privateKey: other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        }),
      });
      const error = await adapterFor(oauthNs, { auth: forged })
        .upsertCustomer(month.customer)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toContain('invalid_client');
    } finally {
      await oauthNs.stop();
    }
  });
});
