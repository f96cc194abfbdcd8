/**
 * The Salesforce sandbox through the real jsforce 3.10.16 client: OAuth client credentials, sessions,
 * SOQL (relationships, subqueries, filters, pagination), sObject REST, upsert, composite, collections,
 * Salesforce's error codes, faults, persistence.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Connection } from 'jsforce';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../../local/sandboxes/salesforce';
import { salesforceId18 } from '../../../../lambdas/domain/crm/events';

const NOV_2 = new Date('2026-11-02T10:00:00Z');

/** jsforce rejects with an HttpApiError whose errorCode is Salesforce's. */
async function errorOf(
  p: PromiseLike<unknown>,
): Promise<{ errorCode: string; message: string; name: string }> {
  try {
    await p;
  } catch (err) {
    return err as { errorCode: string; message: string; name: string };
  }
  throw new Error('expected a rejection');
}

describe('Salesforce sandbox via jsforce', () => {
  let sf: SalesforceSandbox;
  let conn: Connection;
  let clock = NOV_2;
  let accountId: string;
  let contactId: string;
  let productId: string;

  beforeAll(async () => {
    sf = await startSalesforceSandbox({ now: () => clock });
    accountId = sf.store.insert('Account', { Name: 'Northwind Traders', BillingCountry: 'US' });
    contactId = sf.store.insert('Contact', {
      AccountId: accountId,
      FirstName: 'Nancy',
      LastName: 'Davolio',
      Email: 'ap@northwind.example',
    });
    productId = sf.store.insert('Product2', {
      Name: 'Growth (per seat)',
      ProductCode: 'GROWTH-SEAT',
      IsActive: true,
    });
    conn = await sf.connect();
  });
  afterAll(async () => {
    await sf.stop();
  });
  afterEach(() => sf.clearFaults());

  describe('OAuth', () => {
    it('connect() runs the client credentials grant and establishes a session on the instance URL', async () => {
      expect(conn.instanceUrl).toBe(sf.url);
      expect(conn.accessToken).toMatch(/^00D5g000004Q2CQ!AQ/);
      expect(conn.userInfo?.organizationId).toBe('00D5g000004Q2CQEA0');
      const tokenCall = sf.requests().find((r) => r.path === '/services/oauth2/token');
      expect(tokenCall?.status).toBe(200);
    });

    it('answers the token endpoint with Salesforce fields, and signs id + issued_at with the client secret', async () => {
      const res = await fetch(`${sf.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: sf.clientId,
          client_secret: sf.clientSecret,
        }),
      });
      const body = (await res.json()) as Record<string, string>;
      expect(Object.keys(body).sort()).toEqual(
        ['access_token', 'id', 'instance_url', 'issued_at', 'scope', 'signature', 'token_type'].sort(),
      );
      expect(body.token_type).toBe('Bearer');
      expect(body.issued_at).toBe(String(NOV_2.getTime()));
      const { createHmac } = await import('node:crypto');
      expect(body.signature).toBe(
        createHmac('sha256', sf.clientSecret)
          .update(body.id + body.issued_at)
          .digest('base64'),
      );
    });

    it('rejects a wrong secret as invalid_client and an unknown client as invalid_client_id (jsforce error names)', async () => {
      const bad = new Connection({
        loginUrl: sf.url,
        oauth2: { loginUrl: sf.url, clientId: sf.clientId, clientSecret: 'nope' },
      });
      const err = await errorOf(bad.authorize({ grant_type: 'client_credentials' }));
      expect(err.name).toBe('invalid_client');
      expect(err.message).toBe('invalid client credentials');
      const unknown = new Connection({
        loginUrl: sf.url,
        oauth2: { loginUrl: sf.url, clientId: 'x', clientSecret: 'y' },
      });
      expect((await errorOf(unknown.authorize({ grant_type: 'client_credentials' }))).name).toBe(
        'invalid_client_id',
      );
    });

    it('supports the username-password grant (jsforce login with an OAuth client)', async () => {
      const c = new Connection({
        loginUrl: sf.url,
        version: '62.0',
        oauth2: { loginUrl: sf.url, clientId: sf.clientId, clientSecret: sf.clientSecret },
      });
      await c.login(sf.username, sf.password);
      expect((await c.query('SELECT COUNT() FROM Account')).totalSize).toBe(1);
      const wrong = new Connection({
        loginUrl: sf.url,
        oauth2: { loginUrl: sf.url, clientId: sf.clientId, clientSecret: sf.clientSecret },
      });
      expect((await errorOf(wrong.login(sf.username, 'guess'))).name).toBe('invalid_grant');
    });

    it('a bad token is a 401 that jsforce surfaces as INVALID_SESSION_ID', async () => {
      const c = new Connection({
        instanceUrl: sf.url,
        accessToken: '00D5g000004Q2CQ!forged',
        version: '62.0',
      });
      const err = await errorOf(c.query('SELECT Id FROM Account'));
      expect(err.errorCode).toBe('INVALID_SESSION_ID');
      expect(err.message).toBe('Session expired or invalid');
      const raw = await fetch(`${sf.url}/services/data/v62.0/query?q=SELECT+Id+FROM+Account`);
      expect(raw.status).toBe(401);
      expect(await raw.json()).toEqual([
        { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
      ]);
    });

    it('an expired session is renewed by re-running the client credentials grant', async () => {
      const c = await sf.connect();
      const before = c.accessToken;
      sf.expireSessions();
      const res = await c.query('SELECT Id FROM Account');
      expect(res.totalSize).toBe(1);
      expect(c.accessToken).not.toBe(before);
      conn = await sf.connect(); // the shared one's session was expired too
    });
  });

  describe('SOQL', () => {
    let oppId: string;
    let quoteId: string;

    beforeAll(() => {
      oppId = sf.store.insert('Opportunity', {
        Name: 'Northwind — Growth',
        AccountId: accountId,
        StageName: 'Negotiation/Review',
        CloseDate: '2026-11-02',
        Type: 'New Business',
      });
      quoteId = sf.store.insert('Quote', {
        Name: 'Q-1',
        OpportunityId: oppId,
        ContactId: contactId,
        Q2C_Term_Months__c: 12,
      });
      sf.store.insert('QuoteLineItem', {
        QuoteId: quoteId,
        Product2Id: productId,
        Quantity: 20,
        UnitPrice: 49,
      });
      sf.store.insert('QuoteLineItem', {
        QuoteId: quoteId,
        Product2Id: productId,
        Quantity: 2,
        UnitPrice: 49.5,
        Discount: 10,
      });
      sf.store.update('Opportunity', oppId, { SyncedQuoteId: quoteId });
    });

    it('returns parent relationship fields nested, and child subqueries with their records', async () => {
      const res = await conn.query(
        `SELECT Id, Name, Contact.Name, Contact.Email, Opportunity.Account.Name, Q2C_Term_Months__c, IsSyncing,
           (SELECT Quantity, UnitPrice, TotalPrice, Product2.ProductCode FROM QuoteLineItems ORDER BY Quantity DESC)
         FROM Quote WHERE OpportunityId = '${oppId.slice(0, 15)}' AND IsSyncing = true`,
      );
      const v = '/services/data/v62.0/sobjects';
      expect(res.totalSize).toBe(1);
      expect(res.done).toBe(true);
      const lines = (
        res.records[0] as unknown as { QuoteLineItems: { records: { attributes: { url: string } }[] } }
      ).QuoteLineItems.records;
      expect(res.records[0]).toEqual({
        attributes: { type: 'Quote', url: `${v}/Quote/${quoteId}` },
        Id: quoteId,
        Name: 'Q-1',
        Contact: {
          attributes: { type: 'Contact', url: `${v}/Contact/${contactId}` },
          Name: 'Nancy Davolio',
          Email: 'ap@northwind.example',
        },
        Opportunity: {
          attributes: { type: 'Opportunity', url: `${v}/Opportunity/${oppId}` },
          Account: {
            attributes: { type: 'Account', url: `${v}/Account/${accountId}` },
            Name: 'Northwind Traders',
          },
        },
        Q2C_Term_Months__c: 12,
        IsSyncing: true,
        QuoteLineItems: {
          totalSize: 2,
          done: true,
          records: [
            {
              attributes: { type: 'QuoteLineItem', url: lines[0].attributes.url },
              Quantity: 20,
              UnitPrice: 49,
              TotalPrice: 980,
              Product2: {
                attributes: { type: 'Product2', url: `${v}/Product2/${productId}` },
                ProductCode: 'GROWTH-SEAT',
              },
            },
            {
              attributes: { type: 'QuoteLineItem', url: lines[1].attributes.url },
              Quantity: 2,
              UnitPrice: 49.5,
              TotalPrice: 89.1,
              Product2: {
                attributes: { type: 'Product2', url: `${v}/Product2/${productId}` },
                ProductCode: 'GROWTH-SEAT',
              },
            },
          ],
        },
      });
    });

    it('answers an empty child relationship with null and an empty lookup with null', async () => {
      const solo = sf.store.insert('Opportunity', {
        Name: 'Solo',
        StageName: 'Prospecting',
        CloseDate: '2026-12-01',
      });
      const res = await conn.query(
        `SELECT Name, Account.Name, (SELECT Id FROM Quotes) FROM Opportunity WHERE Id = '${solo}'`,
      );
      expect(res.records[0]).toMatchObject({ Name: 'Solo', Account: null, Quotes: null });
      await conn.sobject('Opportunity').destroy(solo);
    });

    it('filters with =, !=, <, >, IN, NOT IN, LIKE, AND/OR/NOT, null, booleans, dates and datetimes', async () => {
      const ids: Record<string, string> = {};
      const rows: [string, string, string, number | null, string | null][] = [
        ['A1', 'Closed Won', '2026-11-01', 100, 'US'],
        ['A2', 'Closed Lost', '2026-11-15', 200, 'FR'],
        ['A3', 'Prospecting', '2026-12-01', null, null],
        ["O'Brien", 'Negotiation/Review', '2026-10-31', 50, 'DE'],
      ];
      for (const [name, stage, close, amount, country] of rows) {
        const acc = sf.store.insert('Account', { Name: `Acc ${name}`, BillingCountry: country });
        ids[name] = sf.store.insert('Opportunity', {
          Name: name,
          StageName: stage,
          CloseDate: close,
          Amount: amount,
          AccountId: acc,
        });
      }
      const names = async (where: string): Promise<string[]> =>
        (
          await conn.query<{ Name: string }>(`SELECT Name FROM Opportunity WHERE ${where} ORDER BY Name`)
        ).records.map((r) => r.Name);
      const ours = `Name IN ('A1', 'A2', 'A3', 'O\\'Brien')`;
      expect(await names(`${ours} AND IsWon = true`)).toEqual(['A1']);
      expect(await names(`${ours} AND IsClosed = false`)).toEqual(['A3', "O'Brien"]);
      expect(await names(`${ours} AND StageName != 'Closed Won'`)).toEqual(['A2', 'A3', "O'Brien"]);
      expect(await names(`${ours} AND Amount > 75`)).toEqual(['A1', 'A2']);
      expect(await names(`${ours} AND Amount <= 100`)).toEqual(['A1', "O'Brien"]);
      expect(await names(`${ours} AND Amount = null`)).toEqual(['A3']);
      expect(await names(`${ours} AND CloseDate < 2026-11-15`)).toEqual(['A1', "O'Brien"]);
      expect(await names(`${ours} AND CloseDate >= 2026-11-15 AND CloseDate <= 2026-12-01`)).toEqual([
        'A2',
        'A3',
      ]);
      expect(await names(`${ours} AND CreatedDate = TODAY`)).toEqual(['A1', 'A2', 'A3', "O'Brien"]);
      expect(await names(`${ours} AND CreatedDate > 2026-11-02T10:00:00Z`)).toEqual([]);
      expect(await names(`${ours} AND CreatedDate >= 2026-11-02T10:00:00.000+0000`)).toHaveLength(4);
      expect(await names(`${ours} AND Account.BillingCountry IN ('FR', 'DE')`)).toEqual(['A2', "O'Brien"]);
      expect(await names(`${ours} AND Account.BillingCountry NOT IN ('FR', 'DE')`)).toEqual(['A1', 'A3']);
      expect(await names(`${ours} AND Name LIKE 'a%'`)).toEqual(['A1', 'A2', 'A3']);
      expect(await names(`${ours} AND Name LIKE '_\\'Bri_n'`)).toEqual(["O'Brien"]);
      expect(
        await names(`${ours} AND (StageName = 'Closed Won' OR Amount = null) AND NOT Name = 'A1'`),
      ).toEqual(['A3']);
      expect(await names(`${ours} AND NOT (IsWon = true OR IsClosed = true)`)).toEqual(['A3', "O'Brien"]);
      expect(await names(`${ours} AND (IsWon = true OR Amount > 150 AND CloseDate > 2026-11-10)`)).toEqual([
        'A1',
        'A2',
      ]);
      expect(await names(`Id = '${ids.A2.slice(0, 15)}' OR Id = '${ids.A3.toLowerCase()}'`)).toEqual([
        'A2',
        'A3',
      ]);
      expect(
        await names(`${ours} AND AccountId IN (SELECT Id FROM Account WHERE BillingCountry = 'US')`),
      ).toEqual(['A1']);
    });

    it('orders (NULLS FIRST/LAST), limits, offsets and counts', async () => {
      const q = `SELECT Name, Amount FROM Opportunity WHERE Name IN ('A1', 'A2', 'A3', 'O\\'Brien')`;
      const order = async (clause: string): Promise<string[]> =>
        (await conn.query<{ Name: string }>(`${q} ${clause}`)).records.map((r) => r.Name);
      expect(await order('ORDER BY Amount')).toEqual(['A3', "O'Brien", 'A1', 'A2']);
      expect(await order('ORDER BY Amount DESC')).toEqual(['A2', 'A1', "O'Brien", 'A3']);
      expect(await order('ORDER BY Amount ASC NULLS LAST')).toEqual(["O'Brien", 'A1', 'A2', 'A3']);
      expect(await order('ORDER BY Amount DESC LIMIT 2 OFFSET 1')).toEqual(['A1', "O'Brien"]);
      expect(await order('ORDER BY Account.BillingCountry DESC NULLS LAST, Name')).toEqual([
        'A1',
        'A2',
        "O'Brien",
        'A3',
      ]);
      const count = await conn.query(`SELECT COUNT() FROM Opportunity WHERE Name IN ('A1', 'A2', 'A3')`);
      expect(count).toEqual({ totalSize: 3, done: true, records: [] });
      const agg = await conn.query(
        `SELECT COUNT(Id), SUM(Amount) total FROM Opportunity WHERE Name IN ('A1', 'A2', 'A3')`,
      );
      expect(agg.records).toEqual([{ attributes: { type: 'AggregateResult' }, expr0: 3, total: 300 }]);
    });

    it("rejects bad SOQL with Salesforce's MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE", async () => {
      const malformed = await errorOf(conn.query('SELEC Id FROM Account'));
      expect(malformed.errorCode).toBe('MALFORMED_QUERY');
      expect(malformed.message).toBe(
        '\nSELEC Id FROM Account\n^\nERROR at Row:1:Column:1\nunexpected token: SELEC',
      );
      expect((await errorOf(conn.query('SELECT Id FROM Account WHERE'))).message).toMatch(
        /unexpected token: <EOF>$/,
      );

      const field = await errorOf(conn.query('SELECT Id, Colour__c FROM Account'));
      expect(field.errorCode).toBe('INVALID_FIELD');
      expect(field.message).toBe(
        "\nSELECT Id, Colour__c FROM Account\n           ^\nERROR at Row:1:Column:12\nNo such column 'Colour__c' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
      );
      expect((await errorOf(conn.query('SELECT Owner.Name FROM Account'))).message).toMatch(
        /Didn't understand relationship 'Owner' in field path/,
      );
      expect((await errorOf(conn.query("SELECT Id FROM Quote WHERE Q2C_Coupon__x = 'A'"))).errorCode).toBe(
        'INVALID_FIELD',
      );

      const type = await errorOf(conn.query('SELECT Id FROM Invoice__c'));
      expect(type.errorCode).toBe('INVALID_TYPE');
      expect(type.message).toMatch(/sObject type 'Invoice__c' is not supported/);
      expect((await errorOf(conn.query('SELECT Id, (SELECT Id FROM Lines) FROM Quote'))).errorCode).toBe(
        'INVALID_TYPE',
      );

      const filter = await errorOf(conn.query("SELECT Id FROM Opportunity WHERE CloseDate = '2026-11-01'"));
      expect(filter.errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
      expect(filter.message).toMatch(/must be of type date and should not be enclosed in quotes$/);
    });

    it('pages with nextRecordsUrl and queryMore, honouring Sforce-Query-Options batchSize', async () => {
      for (let i = 0; i < 450; i++)
        sf.store.insert('Product2', { Name: `Bulk ${String(i).padStart(3, '0')}`, ProductCode: `BULK-${i}` });
      const soql = "SELECT Name FROM Product2 WHERE ProductCode LIKE 'BULK-%' ORDER BY Name";
      const first = await conn.query<{ Name: string }>(soql, {
        autoFetch: false,
        headers: { 'Sforce-Query-Options': 'batchSize=200' },
      });
      expect(first.totalSize).toBe(450);
      expect(first.done).toBe(false);
      expect(first.records).toHaveLength(200);
      const raw = (await (
        await fetch(`${sf.url}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`, {
          headers: { Authorization: `Bearer ${conn.accessToken}`, 'Sforce-Query-Options': 'batchSize=200' },
        })
      ).json()) as { nextRecordsUrl: string; done: boolean; totalSize: number };
      expect(raw).toMatchObject({ totalSize: 450, done: false });
      expect(raw.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w{15}-200$/);
      const second = await conn.queryMore<{ Name: string }>(first.nextRecordsUrl!);
      expect(second.records[0].Name).toBe('Bulk 200');
      expect(second.done).toBe(false);

      const all = await conn.query<{ Name: string }>(soql, {
        autoFetch: true,
        maxFetch: 1000,
        headers: { 'Sforce-Query-Options': 'batchSize=200' },
      });
      expect(all.records.map((r) => r.Name)).toEqual(
        Array.from({ length: 450 }, (_, i) => `Bulk ${String(i).padStart(3, '0')}`),
      );
      const pages = sf.requests().filter((r) => /\/query\/01g/.test(r.path));
      expect(pages.length).toBeGreaterThanOrEqual(3); // 1 manual + 2 autoFetch

      // Without the header, Salesforce's default batch of 2000 holds all 450.
      expect((await conn.query(soql, { autoFetch: false })).done).toBe(true);
      expect(
        (await errorOf(conn.queryMore('/services/data/v62.0/query/01g5g00000zzzzzAAA-200'))).errorCode,
      ).toBe('INVALID_QUERY_LOCATOR');
    });
  });

  describe('sObject REST', () => {
    it('creates, retrieves (18-char ids, derived fields, ?fields=), updates, upserts and deletes', async () => {
      const created = await conn.sobject('Opportunity').create({
        Name: 'Lumen — Scale',
        AccountId: accountId.slice(0, 15),
        StageName: 'Negotiation/Review',
        CloseDate: '2026-11-03',
      });
      expect(created).toEqual({ id: expect.stringMatching(/^0065g0000\w{9}$/), success: true, errors: [] });
      const id = created.id!;
      expect(salesforceId18(id.slice(0, 15))).toBe(id);

      const rec = await conn.sobject('Opportunity').retrieve(id.slice(0, 15));
      expect(rec).toMatchObject({
        Id: id,
        AccountId: accountId,
        IsWon: false,
        IsClosed: false,
        SystemModstamp: '2026-11-02T10:00:00.000+0000',
      });

      clock = new Date('2026-11-20T08:30:00Z');
      const upd = await conn
        .sobject('Opportunity')
        .update({ Id: id, StageName: 'Closed Won', Q2C_Billing_Status__c: 'Active' });
      expect(upd).toEqual({ id, success: true, errors: [] });
      const won = await conn
        .sobject('Opportunity')
        .retrieve(id, { fields: ['IsWon', 'IsClosed', 'SystemModstamp', 'LastModifiedDate', 'CreatedDate'] });
      expect(won).toEqual({
        attributes: { type: 'Opportunity', url: `/services/data/v62.0/sobjects/Opportunity/${id}` },
        IsWon: true,
        IsClosed: true,
        SystemModstamp: '2026-11-20T08:30:00.000+0000',
        LastModifiedDate: '2026-11-20T08:30:00.000+0000',
        CreatedDate: '2026-11-02T10:00:00.000+0000',
      });

      await conn.sobject('Opportunity').destroy(id);
      expect((await errorOf(conn.sobject('Opportunity').retrieve(id))).errorCode).toBe('ENTITY_IS_DELETED');
      expect((await conn.query(`SELECT Id FROM Opportunity WHERE Id = '${id}'`)).totalSize).toBe(0);
      const bin = await conn.query(`SELECT Id, IsDeleted FROM Opportunity WHERE Id = '${id}'`, {
        scanAll: true,
      });
      expect(bin.records).toMatchObject([{ Id: id, IsDeleted: true }]);
      expect((await errorOf(conn.sobject('Account').retrieve('001000000000000AAA'))).errorCode).toBe(
        'NOT_FOUND',
      );
    });

    it('upserts by external id: 201 created, then an update (API 46+: 200 created:false)', async () => {
      const first = await conn
        .sobject('Account')
        .upsert(
          { Name: 'Kestrel Analytics', Q2C_Stripe_Customer_Id__c: 'cus_K1' },
          'Q2C_Stripe_Customer_Id__c',
        );
      expect(first).toEqual({
        id: expect.stringMatching(/^0015g/),
        success: true,
        errors: [],
        created: true,
      });
      const again = await conn
        .sobject('Account')
        .upsert(
          { Name: 'Kestrel Analytics Inc', Q2C_Stripe_Customer_Id__c: 'cus_K1' },
          'Q2C_Stripe_Customer_Id__c',
        );
      expect(again).toEqual({ id: (first as { id: string }).id, success: true, errors: [], created: false });
      expect(sf.store.get('Account', (first as { id: string }).id)?.Name).toBe('Kestrel Analytics Inc');

      const old = new Connection({
        instanceUrl: conn.instanceUrl,
        accessToken: conn.accessToken!,
        version: '45.0',
      });
      const viaOld = await old
        .sobject('Account')
        .upsert({ Name: 'Kestrel', Q2C_Stripe_Customer_Id__c: 'cus_K1' }, 'Q2C_Stripe_Customer_Id__c');
      expect(viaOld).toEqual({ success: true, errors: [] }); // 204, as before API 46.0

      const notExternal = await errorOf(
        conn.sobject('Account').upsert({ Name: 'X', BillingCity: 'Paris' }, 'BillingCity'),
      );
      expect(notExternal.errorCode).toBe('NOT_FOUND');
      expect(notExternal.message).toBe(
        'Provided external ID field does not exist or is not accessible: BillingCity',
      );
    });

    it('rejects unknown, read-only, required, mistyped and dangling fields with Salesforce codes', async () => {
      const opp = conn.sobject('Opportunity');
      const unknown = await errorOf(
        opp.create({ Name: 'X', StageName: 'Prospecting', CloseDate: '2026-11-01', Colour__c: 'red' }),
      );
      expect(unknown.errorCode).toBe('INVALID_FIELD');
      expect(unknown.message).toBe("No such column 'Colour__c' on sobject of type Opportunity");

      const readOnly = await errorOf(
        opp.create({
          Name: 'X',
          StageName: 'Closed Won',
          CloseDate: '2026-11-01',
          IsWon: true,
          SystemModstamp: '2026-11-01T00:00:00Z',
        }),
      );
      expect(readOnly.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
      expect((readOnly as unknown as { data: { fields: string[] } }).data.fields).toEqual([
        'IsWon',
        'SystemModstamp',
      ]);

      const missing = await errorOf(opp.create({ Name: 'X' }));
      expect(missing.errorCode).toBe('REQUIRED_FIELD_MISSING');
      expect(missing.message).toBe('Required fields are missing: [StageName, CloseDate]');

      expect(
        (await errorOf(opp.create({ Name: 'X', StageName: 'Prospecting', CloseDate: 'soon' }))).errorCode,
      ).toBe('JSON_PARSER_ERROR');
      expect(
        (await errorOf(opp.create({ Name: 'X', StageName: 'Won-ish', CloseDate: '2026-11-01' }))).errorCode,
      ).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
      expect(
        (
          await errorOf(
            opp.create({
              Name: 'X',
              StageName: 'Prospecting',
              CloseDate: '2026-11-01',
              AccountId: contactId,
            }),
          )
        ).errorCode,
      ).toBe('MALFORMED_ID');
      expect(
        (
          await errorOf(
            opp.create({
              Name: 'X',
              StageName: 'Prospecting',
              CloseDate: '2026-11-01',
              AccountId: '0015g0000099999',
            }),
          )
        ).errorCode,
      ).toBe('INVALID_CROSS_REFERENCE_KEY');
    });
  });

  describe('composite and collections', () => {
    it('runs a composite request with @{ref} references and the compositeResponse shape', async () => {
      const res = await conn.requestPost<{
        compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string }[];
      }>('/services/data/v62.0/composite', {
        allOrNone: true,
        compositeRequest: [
          {
            method: 'POST',
            url: '/services/data/v62.0/sobjects/Account',
            referenceId: 'NewAccount',
            body: { Name: 'Borealis Logistics' },
          },
          {
            method: 'POST',
            url: '/services/data/v62.0/sobjects/Opportunity',
            referenceId: 'NewOpp',
            body: {
              Name: 'Borealis — Starter',
              AccountId: '@{NewAccount.id}',
              StageName: 'Prospecting',
              CloseDate: '2026-11-06',
            },
          },
          {
            method: 'GET',
            url: "/services/data/v62.0/query?q=SELECT+Id,Account.Name+FROM+Opportunity+WHERE+Id='@{NewOpp.id}'",
            referenceId: 'Check',
          },
          {
            method: 'PATCH',
            url: '/services/data/v62.0/sobjects/Opportunity/@{Check.records[0].Id}',
            referenceId: 'Won',
            body: { StageName: 'Closed Won' },
          },
        ],
      });
      const [acc, opp, check, won] = res.compositeResponse;
      expect(acc).toMatchObject({ httpStatusCode: 201, referenceId: 'NewAccount', body: { success: true } });
      expect(opp).toMatchObject({ httpStatusCode: 201, referenceId: 'NewOpp' });
      expect(check).toMatchObject({
        httpStatusCode: 200,
        body: { totalSize: 1, records: [{ Account: { Name: 'Borealis Logistics' } }] },
      });
      expect(won).toEqual({ body: null, httpHeaders: {}, httpStatusCode: 204, referenceId: 'Won' });
      const oppId = (opp.body as { id: string }).id;
      expect(sf.store.get('Opportunity', oppId)).toMatchObject({
        IsWon: true,
        AccountId: (acc.body as { id: string }).id,
      });
      expect(sf.requests().at(-1)?.subrequests).toEqual([
        'POST /services/data/v62.0/sobjects/Account',
        'POST /services/data/v62.0/sobjects/Opportunity',
        'GET /services/data/v62.0/query',
        `PATCH /services/data/v62.0/sobjects/Opportunity/${oppId}`,
      ]);
    });

    it('allOrNone rolls back every subrequest when one fails (PROCESSING_HALTED on the others)', async () => {
      const before = sf.store.all('Account').length;
      const res = await conn.requestPost<{
        compositeResponse: { body: { errorCode: string }[]; httpStatusCode: number }[];
      }>('/services/data/v62.0/composite', {
        allOrNone: true,
        compositeRequest: [
          {
            method: 'POST',
            url: '/services/data/v62.0/sobjects/Account',
            referenceId: 'a',
            body: { Name: 'Rolled back' },
          },
          {
            method: 'PATCH',
            url: `/services/data/v62.0/sobjects/Opportunity/0065g0000099999`,
            referenceId: 'b',
            body: { Name: 'x' },
          },
          {
            method: 'POST',
            url: '/services/data/v62.0/sobjects/Account',
            referenceId: 'c',
            body: { Name: 'Never' },
          },
        ],
      });
      expect(res.compositeResponse.map((r) => [r.httpStatusCode, r.body[0].errorCode])).toEqual([
        [400, 'PROCESSING_HALTED'],
        [404, 'NOT_FOUND'],
        [400, 'PROCESSING_HALTED'],
      ]);
      expect(sf.store.all('Account')).toHaveLength(before);
    });

    it('uses sObject Collections for multi-record create, update and destroy (allOrNone honoured)', async () => {
      const created = await conn.sobject('Account').create([{ Name: 'Coll 1' }, { Name: 'Coll 2' }]);
      expect(created.every((r) => r.success)).toBe(true);
      const ids = created.map((r) => r.id!);
      const updated = await conn.sobject('Account').update([
        { Id: ids[0], BillingCountry: 'NL' },
        { Id: ids[1], Nope__c: 1 },
      ]);
      expect(updated[0]).toEqual({ id: ids[0], success: true, errors: [] });
      expect(updated[1]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_FIELD' }] });
      expect(sf.store.get('Account', ids[0])?.BillingCountry).toBe('NL');

      const rolled = await conn.sobject('Account').update(
        [
          { Id: ids[0], BillingCountry: 'BE' },
          { Id: ids[1], Nope__c: 1 },
        ],
        { allOrNone: true },
      );
      expect(rolled[0]).toMatchObject({
        success: false,
        errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' }],
      });
      expect(sf.store.get('Account', ids[0])?.BillingCountry).toBe('NL');

      const fetched = await conn.sobject('Account').retrieve(ids, { fields: ['Name'] });
      expect(fetched.map((r) => r?.Name)).toEqual(['Coll 1', 'Coll 2']);
      const destroyed = await conn.sobject('Account').destroy(ids);
      expect(destroyed.map((r) => r.success)).toEqual([true, true]);
      expect(sf.store.get('Account', ids[0])).toBeUndefined();
    });
  });

  describe('faults and limits', () => {
    it('injects 503 SERVER_UNAVAILABLE (jsforce retries GETs, not writes) and 403/429 REQUEST_LIMIT_EXCEEDED', async () => {
      // jsforce 3 retries GET/DELETE on 420/429/5xx with backoff (500 ms, 1 s, …): two 503s are absorbed.
      const handle = sf.injectFault({
        status: 503,
        times: 2,
        match: (r) => r.soql?.includes('FROM Account') ?? false,
      });
      const seqBefore = sf.requests().at(-1)!.seq;
      expect((await conn.query('SELECT Id FROM Account LIMIT 1')).totalSize).toBe(1);
      expect(handle.remaining).toBe(0);
      const attempts = sf.requests().filter((r) => r.seq > seqBefore && r.soql?.includes('FROM Account'));
      expect(attempts.map((r) => [r.status, r.errorCode])).toEqual([
        [503, 'SERVER_UNAVAILABLE'],
        [503, 'SERVER_UNAVAILABLE'],
        [200, undefined],
      ]);

      // A PATCH is not retried by jsforce: the 503 reaches the caller.
      sf.injectFault({ status: 503, match: (r) => r.method === 'PATCH' });
      const down = await errorOf(conn.sobject('Account').update({ Id: accountId, Phone: '555-0100' }));
      expect(down.errorCode).toBe('SERVER_UNAVAILABLE');
      expect(sf.store.get('Account', accountId)?.Phone).toBeNull();

      sf.injectFault({ status: 403 });
      const limit = await errorOf(conn.sobject('Account').retrieve(accountId));
      expect(limit.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
      expect(limit.message).toBe('TotalRequests Limit exceeded.');
      sf.injectFault({ status: 429, match: (r) => r.method === 'POST' });
      const throttled = await errorOf(conn.sobject('Account').create({ Name: 'Throttled' }));
      expect(throttled.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
      expect(
        sf
          .requests()
          .filter((r) => r.seq > seqBefore && r.fault)
          .map((r) => r.status),
      ).toEqual([503, 503, 503, 403, 429]);
    });

    it('adds latency without failing', async () => {
      sf.injectFault({ latencyMs: 150 });
      const t0 = Date.now();
      await conn.query('SELECT Id FROM Account LIMIT 1');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    });

    it('enforces a daily API request allowance', async () => {
      const small = await startSalesforceSandbox({ rateLimit: { perDay: 2 } });
      try {
        const c = await small.connect();
        await c.query('SELECT Id FROM Account');
        await c.query('SELECT Id FROM Account');
        expect((await errorOf(c.query('SELECT Id FROM Account'))).errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
      } finally {
        await small.stop();
      }
    });
  });
});

describe('Salesforce sandbox persistence', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sf-sandbox-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes through to the data file and loads it on restart (records and sessions)', async () => {
    const dataFile = path.join(dir, 'org.json');
    const first = await startSalesforceSandbox({ dataFile });
    const conn = await first.connect();
    const { id } = await conn.sobject('Account').create({ Name: 'Fjord Media GmbH', BillingCountry: 'DE' });
    await conn.sobject('Account').update({ Id: id!, Q2C_Stripe_Customer_Id__c: 'cus_F1' });
    await first.stop();

    const second = await startSalesforceSandbox({
      dataFile,
      seed: [{ attributes: { type: 'Account' }, Id: id!, Name: 'Seed must not overwrite' }],
    });
    try {
      // The old session is still valid, as on Salesforce.
      const again = new Connection({
        instanceUrl: second.url,
        accessToken: conn.accessToken!,
        version: '62.0',
      });
      const rec = await again.sobject('Account').retrieve(id!);
      expect(rec).toMatchObject({ Name: 'Fjord Media GmbH', Q2C_Stripe_Customer_Id__c: 'cus_F1' });
      // New ids do not collide with persisted ones.
      const { id: next } = await again.sobject('Account').create({ Name: 'Next' });
      expect(next).not.toBe(id);
    } finally {
      await second.stop();
    }
  });
});
