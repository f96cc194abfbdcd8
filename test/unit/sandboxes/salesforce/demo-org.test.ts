/**
 * The demo org (local/scenarios/salesforce-org.ts) loaded into the Salesforce sandbox and read back
 * through jsforce with the fields the integration reads (lambdas/adapters/crm/salesforce/fields.ts).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ACCOUNT_FIELDS,
  OPPORTUNITY_FIELDS,
  QUOTE_FIELDS,
  STANDARD_FIELDS,
} from '../../../../lambdas/adapters/crm/salesforce/fields';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../../local/sandboxes/salesforce';
import { buildDemoOrg, type DemoOpportunityKey } from '../../../../local/scenarios/salesforce-org';
import { salesforceId18 } from '../../../../lambdas/domain/crm/events';

interface Line {
  Quantity: number;
  UnitPrice: number;
  ListPrice: number;
  Product2: { ProductCode: string };
}
interface QuoteRow {
  Id: string;
  Opportunity: {
    Name: string;
    Type: string;
    CurrencyIsoCode: string;
    Account: { Name: string; BillingCountry: string };
  };
  Contact: { Name: string; Email: string };
  Q2C_Subscription_Start__c: string;
  Q2C_Billing_Frequency__c: string;
  Q2C_Trial_Days__c: number;
  Q2C_Term_Months__c: number;
  Q2C_Coupon__c: string | null;
  Q2C_Cancellation__c: string | null;
  QuoteLineItems: { records: Line[] } | null;
}

describe('demo Salesforce org', () => {
  const org = buildDemoOrg();
  let sf: SalesforceSandbox;

  beforeAll(async () => {
    sf = await startSalesforceSandbox({ seed: org.records, now: () => new Date('2026-11-01T08:00:00Z') });
  });
  afterAll(async () => {
    await sf.stop();
  });

  it('is deterministic: two builds are deep-equal, ids are 18-character with the right key prefixes', () => {
    expect(buildDemoOrg()).toEqual(org);
    expect(org.orgId).toBe('00D5g000004Q2CQEA0');
    const prefixes: Record<string, string> = {
      Account: '001',
      Contact: '003',
      Opportunity: '006',
      Quote: '0Q0',
      QuoteLineItem: '0QL',
      Product2: '01t',
      Pricebook2: '01s',
      PricebookEntry: '01u',
    };
    for (const r of org.records) {
      expect(r.Id).toBe(salesforceId18(String(r.Id).slice(0, 15)));
      expect(String(r.Id).slice(0, 3)).toBe(prefixes[r.attributes.type]);
    }
    expect(new Set(org.records.map((r) => r.Id)).size).toBe(org.records.length);
  });

  it('maps every product code but LEGACY-ONPREM in config/mapping.json', () => {
    const mapping = JSON.parse(
      readFileSync(path.join(__dirname, '../../../../config/mapping.json'), 'utf8'),
    ) as {
      products: { salesforceProductCode?: string }[];
    };
    const mapped = new Set(mapping.products.map((p) => p.salesforceProductCode));
    const codes = org.records
      .filter((r) => r.attributes.type === 'Product2')
      .map((r) => String(r.ProductCode));
    expect(codes.filter((c) => !mapped.has(c))).toEqual(['LEGACY-ONPREM']);
  });

  it('serves every standard and custom field the integration reads', async () => {
    const conn = await sf.connect();
    const opp = await conn.query(
      `SELECT Id, ${[...STANDARD_FIELDS.Opportunity, ...Object.values(OPPORTUNITY_FIELDS)].join(', ')}, ` +
        `${[...STANDARD_FIELDS.Account, ...Object.values(ACCOUNT_FIELDS)].map((f) => `Account.${f}`).join(', ')} ` +
        `FROM Opportunity WHERE Id = '${org.opportunities.northwindUpsell}'`,
    );
    expect(opp.records[0]).toMatchObject({
      Name: 'Northwind Traders — +10 Growth seats',
      StageName: 'Negotiation/Review',
      IsWon: false,
      IsClosed: false,
      Type: 'Amendment',
      CurrencyIsoCode: 'USD',
      SyncedQuoteId: org.quotes.northwindUpsell,
      Q2C_Original_Opportunity__c: org.opportunities.northwindNew,
      Q2C_Subscription_Id__c: null,
      Account: {
        Name: 'Northwind Traders',
        BillingCountry: 'US',
        BillingPostalCode: '98101',
        Q2C_Stripe_Customer_Id__c: null,
      },
    });
    const quote = await conn.query(
      `SELECT Id, ${STANDARD_FIELDS.Quote.join(', ')}, ${Object.values(QUOTE_FIELDS).join(', ')}, ` +
        `${STANDARD_FIELDS.Contact.map((f) => `Contact.${f}`).join(', ')}, ` +
        `(SELECT Id, ${STANDARD_FIELDS.QuoteLineItem.join(', ')}, ${STANDARD_FIELDS.Product2.map((f) => `Product2.${f}`).join(', ')} FROM QuoteLineItems) ` +
        `FROM Quote WHERE Id = '${org.quotes.lumenNew}'`,
    );
    expect(quote.records[0]).toMatchObject({
      IsSyncing: true,
      ContactId: org.contacts.lumen,
      Email: 'billing@lumenhealth.example',
      BillingName: 'Lumen Health',
      ExpirationDate: '2026-12-03',
      Contact: { Name: 'Priya Raman', Email: 'billing@lumenhealth.example' },
      Q2C_Trial_Days__c: 14,
      Q2C_Billing_Frequency__c: 'Annual',
      QuoteLineItems: {
        totalSize: 1,
        records: [
          {
            Quantity: 1,
            UnitPrice: 18000,
            ListPrice: 18000,
            Discount: null,
            ServiceDate: '2026-11-03',
            Product2Id: org.products['SCALE-ANNUAL'],
            Product2: { ProductCode: 'SCALE-ANNUAL', Name: 'Scale (annual)' },
          },
        ],
      },
    });
  });

  it('closes the ten demo deals and reads them back with their synced quotes and lines', async () => {
    const conn = await sf.connect();
    const keys = Object.keys(org.opportunities) as DemoOpportunityKey[];
    const closed = await conn
      .sobject('Opportunity')
      .update(keys.map((k) => ({ Id: org.opportunities[k], StageName: 'Closed Won' })));
    expect(closed.every((r) => r.success)).toBe(true);

    const won = await conn.query<{ Id: string }>(
      'SELECT Id FROM Opportunity WHERE IsWon = true AND CloseDate = THIS_MONTH ORDER BY CloseDate, Name',
    );
    // The Kestrel renewal closes on 2026-11-25, inside November like the rest.
    expect(new Set(won.records.map((r) => r.Id))).toEqual(new Set(Object.values(org.opportunities)));
    expect((await conn.query('SELECT COUNT() FROM Opportunity WHERE IsClosed = false')).totalSize).toBe(3);

    const res = await conn.query<QuoteRow>(
      `SELECT Id, Opportunity.Name, Opportunity.Type, Opportunity.CurrencyIsoCode, Opportunity.Account.Name,
              Opportunity.Account.BillingCountry, Contact.Name, Contact.Email,
              ${Object.values(QUOTE_FIELDS).join(', ')},
              (SELECT Quantity, UnitPrice, ListPrice, Product2.ProductCode FROM QuoteLineItems ORDER BY LineNumber)
       FROM Quote WHERE IsSyncing = true AND Opportunity.IsWon = true`,
    );
    const byQuote = new Map(res.records.map((q) => [q.Id, q]));
    const summary = (k: DemoOpportunityKey): string => {
      const q = byQuote.get(org.quotes[k])!;
      const lines = (q.QuoteLineItems?.records ?? [])
        .map((l) => `${l.Quantity}×${l.Product2.ProductCode}@${l.UnitPrice}`)
        .join(' + ');
      const o = q.Opportunity;
      return [
        `${o.Account.Name} (${o.Account.BillingCountry})`,
        o.Type,
        o.CurrencyIsoCode,
        lines,
        `start ${q.Q2C_Subscription_Start__c}`,
        q.Q2C_Billing_Frequency__c,
        `term ${q.Q2C_Term_Months__c}`,
        ...(q.Q2C_Trial_Days__c ? [`trial ${q.Q2C_Trial_Days__c}`] : []),
        ...(q.Q2C_Coupon__c ? [`coupon ${q.Q2C_Coupon__c}`] : []),
        ...(q.Q2C_Cancellation__c ? [q.Q2C_Cancellation__c] : []),
        q.Contact.Email,
      ].join(' | ');
    };
    expect(Object.fromEntries(keys.map((k) => [k, summary(k)]))).toEqual({
      northwindNew:
        'Northwind Traders (US) | New Business | USD | 20×GROWTH-SEAT@49 + 1×SUPPORT-PREMIUM@299 + 1×IMPLEMENTATION@2500 | start 2026-11-02 | Monthly | term 12 | ap@northwind.example',
      lumenNew:
        'Lumen Health (US) | New Business | USD | 1×SCALE-ANNUAL@18000 | start 2026-11-03 | Annual | term 12 | trial 14 | billing@lumenhealth.example',
      atelierNew:
        'Atelier Mode SAS (FR) | New Business | EUR | 10×GROWTH-SEAT@45 | start 2026-11-04 | Monthly | term 12 | coupon LAUNCH10 | compta@ateliermode.example',
      kestrelPilot:
        'Kestrel Analytics (US) | New Business | USD | 5×STARTER-SEAT@19 | start 2026-11-05 | Monthly | term 1 | finance@kestrel.example',
      northwindUpsell:
        'Northwind Traders (US) | Amendment | USD | 30×GROWTH-SEAT@49 | start 2026-11-16 | Monthly | term 12 | ap@northwind.example',
      kestrelRenewal:
        'Kestrel Analytics (US) | Renewal | USD | 8×STARTER-SEAT@19 | start 2026-12-05 | Monthly | term 12 | finance@kestrel.example',
      borealisNew:
        'Borealis Logistics (US) | New Business | USD | 3×STARTER-SEAT@19 | start 2026-11-06 | Monthly | term 12 | ap@borealis.example',
      borealisCancel:
        'Borealis Logistics (US) | Cancellation | USD | 3×STARTER-SEAT@19 | start 2026-11-20 | Monthly | term 12 | Immediately with credit | ap@borealis.example',
      oakridgeUnmapped:
        'Oakridge Legacy Systems (US) | New Business | USD | 1×LEGACY-ONPREM@12000 | start 2026-11-09 | Annual | term 12 | payables@oakridge.example',
      fjordFuture:
        'Fjord Media GmbH (DE) | New Business | EUR | 2×SCALE-ANNUAL@12000 | start 2027-01-01 | Annual | term 12 | buchhaltung@fjordmedia.example',
    });

    // The originals the amendment, renewal and cancellation change.
    const changes = await conn.query<{ Id: string; Q2C_Original_Opportunity__r: { Name: string } }>(
      `SELECT Id, Q2C_Original_Opportunity__r.Name FROM Opportunity WHERE Q2C_Original_Opportunity__c != null ORDER BY Name`,
    );
    expect(changes.records.map((r) => r.Q2C_Original_Opportunity__r.Name)).toEqual([
      'Borealis Logistics — Starter seats',
      'Kestrel Analytics — Starter pilot',
      'Northwind Traders — Growth platform',
    ]);
  });

  it('writes the billing outcome back and stamps SystemModstamp from the clock', async () => {
    const conn = await sf.connect();
    const id = org.opportunities.oakridgeUnmapped;
    await conn.sobject('Opportunity').update({
      Id: id,
      Q2C_Billing_Status__c: 'Failed',
      Q2C_Sync_Error__c: 'Product LEGACY-ONPREM is not mapped to a Stripe price',
      Q2C_Last_Sync__c: '2026-11-09T12:00:00Z',
    });
    expect(sf.store.get('Opportunity', id)).toMatchObject({
      Q2C_Billing_Status__c: 'Failed',
      Q2C_Last_Sync__c: '2026-11-09T12:00:00.000+0000',
      SystemModstamp: '2026-11-01T08:00:00.000+0000',
      CreatedDate: '2026-10-15T09:00:00.000+0000',
    });
  });
});
