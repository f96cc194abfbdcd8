/**
 * The demo Salesforce org (Quillstack, Inc., 00D5g000004Q2CQEA0) the local runtime seeds its
 * Salesforce sandbox with: seven customer accounts with billing contacts, the price book, and the
 * November 2026 deals — each opportunity with one synced primary Quote and its QuoteLineItems
 * (prices as Salesforce returns them: decimals in the deal's currency), all at "Negotiation/Review"
 * until the demo closes them. Ids are generated per key prefix in a fixed order, so two builds are
 * deep-equal.
 */
import {
  OPPORTUNITY_FIELDS,
  QUOTE_FIELDS,
  type BILLING_FREQUENCIES,
  type CANCELLATION_MODES,
} from '../../lambdas/adapters/crm/salesforce/fields';
import { recordId } from '../sandboxes/salesforce/ids';
import type { SObjectRecord } from '../sandboxes/salesforce/store';

export const DEMO_ORG_ID = '00D5g000004Q2CQEA0';
/** When the org's records were created (before the demo month). */
const CREATED = '2026-10-15T09:00:00.000+0000';

type Currency = 'USD' | 'EUR';
type ProductCode =
  'GROWTH-SEAT' | 'STARTER-SEAT' | 'SUPPORT-PREMIUM' | 'SCALE-ANNUAL' | 'IMPLEMENTATION' | 'LEGACY-ONPREM';
type AccountKey = 'northwind' | 'lumen' | 'atelier' | 'kestrel' | 'borealis' | 'fjord' | 'oakridge';
export type DemoOpportunityKey =
  | 'northwindNew'
  | 'lumenNew'
  | 'atelierNew'
  | 'kestrelPilot'
  | 'northwindUpsell'
  | 'kestrelRenewal'
  | 'borealisNew'
  | 'borealisCancel'
  | 'oakridgeUnmapped'
  | 'fjordFuture';
type OpenOpportunityKey = 'lumenExpansion' | 'atelierSupport' | 'fjordSeats';

// ───────────────────────────── catalog ─────────────────────────────

/** Product2 and its list prices per currency (PricebookEntry.UnitPrice, major units). */
const PRODUCTS: Record<
  ProductCode,
  { name: string; family: string; prices: Partial<Record<Currency, number>> }
> = {
  'GROWTH-SEAT': { name: 'Growth (per seat)', family: 'Subscription', prices: { USD: 49, EUR: 45 } },
  'STARTER-SEAT': { name: 'Starter (per seat)', family: 'Subscription', prices: { USD: 19 } },
  'SUPPORT-PREMIUM': { name: 'Premium support', family: 'Support', prices: { USD: 299 } },
  'SCALE-ANNUAL': { name: 'Scale (annual)', family: 'Subscription', prices: { USD: 18000, EUR: 12000 } },
  IMPLEMENTATION: { name: 'Implementation', family: 'Services', prices: { USD: 2500 } },
  // Deliberately absent from config/mapping.json: the unmapped-product exception.
  'LEGACY-ONPREM': { name: 'Legacy on-premise license', family: 'License', prices: { USD: 12000 } },
};

const ACCOUNTS: Record<
  AccountKey,
  {
    name: string;
    currency: Currency;
    industry: string;
    street: string;
    city: string;
    state?: string;
    postalCode: string;
    country: string;
    contact: { first: string; last: string; email: string; title: string };
  }
> = {
  northwind: {
    name: 'Northwind Traders',
    currency: 'USD',
    industry: 'Transportation',
    street: '200 Pine Street',
    city: 'Seattle',
    state: 'WA',
    postalCode: '98101',
    country: 'US',
    contact: { first: 'Nancy', last: 'Davolio', email: 'ap@northwind.example', title: 'Controller' },
  },
  lumen: {
    name: 'Lumen Health',
    currency: 'USD',
    industry: 'Healthcare',
    street: '77 Massachusetts Ave',
    city: 'Boston',
    state: 'MA',
    postalCode: '02139',
    country: 'US',
    contact: { first: 'Priya', last: 'Raman', email: 'billing@lumenhealth.example', title: 'VP Finance' },
  },
  atelier: {
    name: 'Atelier Mode SAS',
    currency: 'EUR',
    industry: 'Apparel',
    street: '12 Rue du Faubourg Saint-Honoré',
    city: 'Paris',
    postalCode: '75008',
    country: 'FR',
    contact: {
      first: 'Camille',
      last: 'Laurent',
      email: 'compta@ateliermode.example',
      title: 'Responsable comptable',
    },
  },
  kestrel: {
    name: 'Kestrel Analytics',
    currency: 'USD',
    industry: 'Technology',
    street: '500 Congress Ave',
    city: 'Austin',
    state: 'TX',
    postalCode: '78701',
    country: 'US',
    contact: { first: 'Marcus', last: 'Webb', email: 'finance@kestrel.example', title: 'Head of Operations' },
  },
  borealis: {
    name: 'Borealis Logistics',
    currency: 'USD',
    industry: 'Transportation',
    street: '1 Harbor Way',
    city: 'Anchorage',
    state: 'AK',
    postalCode: '99501',
    country: 'US',
    contact: { first: 'Ingrid', last: 'Solberg', email: 'ap@borealis.example', title: 'Accounts Payable' },
  },
  fjord: {
    name: 'Fjord Media GmbH',
    currency: 'EUR',
    industry: 'Media',
    street: 'Torstraße 140',
    city: 'Berlin',
    postalCode: '10119',
    country: 'DE',
    contact: {
      first: 'Jonas',
      last: 'Becker',
      email: 'buchhaltung@fjordmedia.example',
      title: 'Finanzleiter',
    },
  },
  oakridge: {
    name: 'Oakridge Legacy Systems',
    currency: 'USD',
    industry: 'Technology',
    street: '900 Commerce Street',
    city: 'Oak Ridge',
    state: 'TN',
    postalCode: '37830',
    country: 'US',
    contact: { first: 'Walter', last: 'Hughes', email: 'payables@oakridge.example', title: 'IT Director' },
  },
};

interface DealSpec {
  account: AccountKey;
  name: string;
  type: 'New Business' | 'Amendment' | 'Renewal' | 'Cancellation';
  closeDate: string;
  start: string;
  termMonths: number;
  frequency: (typeof BILLING_FREQUENCIES)[number];
  trialDays?: number;
  coupon?: string;
  cancellation?: (typeof CANCELLATION_MODES)[number];
  original?: DemoOpportunityKey;
  lines: { code: ProductCode; quantity: number; discount?: number }[];
}

/** The ten deals the demo closes, in the order of /tmp/scenario.md. */
const DEALS: Record<DemoOpportunityKey, DealSpec> = {
  northwindNew: {
    account: 'northwind',
    name: 'Northwind Traders — Growth platform',
    type: 'New Business',
    closeDate: '2026-11-02',
    start: '2026-11-02',
    termMonths: 12,
    frequency: 'Monthly',
    lines: [
      { code: 'GROWTH-SEAT', quantity: 20 },
      { code: 'SUPPORT-PREMIUM', quantity: 1 },
      { code: 'IMPLEMENTATION', quantity: 1 },
    ],
  },
  lumenNew: {
    account: 'lumen',
    name: 'Lumen Health — Scale annual',
    type: 'New Business',
    closeDate: '2026-11-03',
    start: '2026-11-03',
    termMonths: 12,
    frequency: 'Annual',
    trialDays: 14,
    lines: [{ code: 'SCALE-ANNUAL', quantity: 1 }],
  },
  atelierNew: {
    account: 'atelier',
    name: 'Atelier Mode — Growth seats',
    type: 'New Business',
    closeDate: '2026-11-04',
    start: '2026-11-04',
    termMonths: 12,
    frequency: 'Monthly',
    coupon: 'LAUNCH10',
    lines: [{ code: 'GROWTH-SEAT', quantity: 10 }],
  },
  kestrelPilot: {
    account: 'kestrel',
    name: 'Kestrel Analytics — Starter pilot',
    type: 'New Business',
    closeDate: '2026-11-05',
    start: '2026-11-05',
    termMonths: 1,
    frequency: 'Monthly',
    lines: [{ code: 'STARTER-SEAT', quantity: 5 }],
  },
  northwindUpsell: {
    account: 'northwind',
    name: 'Northwind Traders — +10 Growth seats',
    type: 'Amendment',
    closeDate: '2026-11-16',
    start: '2026-11-16',
    termMonths: 12,
    frequency: 'Monthly',
    original: 'northwindNew',
    lines: [{ code: 'GROWTH-SEAT', quantity: 30 }],
  },
  kestrelRenewal: {
    account: 'kestrel',
    name: 'Kestrel Analytics — Renewal 12 months',
    type: 'Renewal',
    closeDate: '2026-11-25',
    start: '2026-12-05', // the end of the one-month pilot
    termMonths: 12,
    frequency: 'Monthly',
    original: 'kestrelPilot',
    lines: [{ code: 'STARTER-SEAT', quantity: 8 }],
  },
  borealisNew: {
    account: 'borealis',
    name: 'Borealis Logistics — Starter seats',
    type: 'New Business',
    closeDate: '2026-11-06',
    start: '2026-11-06',
    termMonths: 12,
    frequency: 'Monthly',
    lines: [{ code: 'STARTER-SEAT', quantity: 3 }],
  },
  borealisCancel: {
    account: 'borealis',
    name: 'Borealis Logistics — Cancellation',
    type: 'Cancellation',
    closeDate: '2026-11-20',
    start: '2026-11-20', // effective date of the cancellation
    termMonths: 12,
    frequency: 'Monthly',
    cancellation: 'Immediately with credit',
    original: 'borealisNew',
    lines: [{ code: 'STARTER-SEAT', quantity: 3 }], // what is being cancelled
  },
  oakridgeUnmapped: {
    account: 'oakridge',
    name: 'Oakridge Legacy Systems — On-premise license',
    type: 'New Business',
    closeDate: '2026-11-09',
    start: '2026-11-09',
    termMonths: 12,
    frequency: 'Annual',
    lines: [{ code: 'LEGACY-ONPREM', quantity: 1 }],
  },
  fjordFuture: {
    account: 'fjord',
    name: 'Fjord Media — Scale annual from January',
    type: 'New Business',
    closeDate: '2026-11-10',
    start: '2027-01-01',
    termMonths: 12,
    frequency: 'Annual',
    lines: [{ code: 'SCALE-ANNUAL', quantity: 2 }],
  },
};

/** Open pipeline (not won in the demo), for realism: no synced quote. */
const OPEN_DEALS: Record<
  OpenOpportunityKey,
  { account: AccountKey; name: string; stage: string; closeDate: string }
> = {
  lumenExpansion: {
    account: 'lumen',
    name: 'Lumen Health — Second region',
    stage: 'Prospecting',
    closeDate: '2027-02-15',
  },
  atelierSupport: {
    account: 'atelier',
    name: 'Atelier Mode — Support plan',
    stage: 'Proposal/Price Quote',
    closeDate: '2026-12-18',
  },
  fjordSeats: {
    account: 'fjord',
    name: 'Fjord Media — Growth seats',
    stage: 'Qualification',
    closeDate: '2027-01-20',
  },
};

// ───────────────────────────── builder ─────────────────────────────

export interface DemoOrg {
  orgId: string;
  records: SObjectRecord[];
  pricebookId: string;
  products: Record<ProductCode, string>;
  accounts: Record<AccountKey, string>;
  contacts: Record<AccountKey, string>;
  /** The deals the demo closes (18-character Opportunity ids). */
  opportunities: Record<DemoOpportunityKey, string>;
  /** Open pipeline the demo leaves alone. */
  openOpportunities: Record<OpenOpportunityKey, string>;
  /** The synced primary quote of each deal. */
  quotes: Record<DemoOpportunityKey, string>;
}

const addMonths = (date: string, months: number): string => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
};

export function buildDemoOrg(): DemoOrg {
  const counters = new Map<string, number>();
  const next = (prefix: string): string => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return recordId(prefix, n);
  };
  const records: SObjectRecord[] = [];
  const push = (type: string, fields: Record<string, string | number | boolean | null>): string => {
    const Id = fields.Id as string;
    records.push({ attributes: { type }, Id, CreatedDate: CREATED, ...fields });
    return Id;
  };

  const pricebookId = push('Pricebook2', {
    Id: next('01s'),
    Name: 'Standard Price Book',
    IsActive: true,
    IsStandard: true,
  });
  const products = {} as Record<ProductCode, string>;
  const entries = new Map<string, { id: string; price: number }>();
  for (const [code, p] of Object.entries(PRODUCTS) as [ProductCode, (typeof PRODUCTS)[ProductCode]][]) {
    products[code] = push('Product2', {
      Id: next('01t'),
      Name: p.name,
      ProductCode: code,
      Family: p.family,
      IsActive: true,
    });
    for (const [currency, price] of Object.entries(p.prices) as [Currency, number][]) {
      const id = push('PricebookEntry', {
        Id: next('01u'),
        Pricebook2Id: pricebookId,
        Product2Id: products[code],
        UnitPrice: price,
        IsActive: true,
        UseStandardPrice: false,
        CurrencyIsoCode: currency,
      });
      entries.set(`${code}/${currency}`, { id, price });
    }
  }

  const accounts = {} as Record<AccountKey, string>;
  const contacts = {} as Record<AccountKey, string>;
  for (const [key, a] of Object.entries(ACCOUNTS) as [AccountKey, (typeof ACCOUNTS)[AccountKey]][]) {
    accounts[key] = push('Account', {
      Id: next('001'),
      Name: a.name,
      Type: 'Customer - Direct',
      Industry: a.industry,
      BillingStreet: a.street,
      BillingCity: a.city,
      BillingState: a.state ?? null,
      BillingPostalCode: a.postalCode,
      BillingCountry: a.country,
      CurrencyIsoCode: a.currency,
    });
    contacts[key] = push('Contact', {
      Id: next('003'),
      AccountId: accounts[key],
      FirstName: a.contact.first,
      LastName: a.contact.last,
      Email: a.contact.email,
      Title: a.contact.title,
      CurrencyIsoCode: a.currency,
    });
  }

  // Ids first, so amendments can point at their original deal whatever the order.
  const opportunities = {} as Record<DemoOpportunityKey, string>;
  const quotes = {} as Record<DemoOpportunityKey, string>;
  const dealKeys = Object.keys(DEALS) as DemoOpportunityKey[];
  for (const key of dealKeys) opportunities[key] = next('006');
  for (const key of dealKeys) quotes[key] = next('0Q0');

  for (const key of dealKeys) {
    const d = DEALS[key];
    const a = ACCOUNTS[d.account];
    const lines = d.lines.map((l) => {
      const entry = entries.get(`${l.code}/${a.currency}`);
      if (!entry) throw new Error(`no ${a.currency} price for ${l.code}`);
      return { ...l, entry };
    });
    const amount = lines.reduce((s, l) => s + l.quantity * l.entry.price * (1 - (l.discount ?? 0) / 100), 0);
    push('Opportunity', {
      Id: opportunities[key],
      Name: d.name,
      AccountId: accounts[d.account],
      StageName: 'Negotiation/Review',
      Type: d.type,
      CloseDate: d.closeDate,
      Amount: Math.round(amount * 100) / 100,
      Probability: 90,
      CurrencyIsoCode: a.currency,
      Pricebook2Id: pricebookId,
      SyncedQuoteId: quotes[key],
      [OPPORTUNITY_FIELDS.originalOpportunity]: d.original ? opportunities[d.original] : null,
    });
    push('Quote', {
      Id: quotes[key],
      Name: `Q-${d.name}`,
      OpportunityId: opportunities[key],
      ContactId: contacts[d.account],
      Email: a.contact.email,
      BillingName: a.name,
      ExpirationDate: addMonths(d.closeDate, 1),
      Status: 'Accepted',
      CurrencyIsoCode: a.currency,
      Pricebook2Id: pricebookId,
      [QUOTE_FIELDS.subscriptionStart]: d.start,
      [QUOTE_FIELDS.billingFrequency]: d.frequency,
      [QUOTE_FIELDS.trialDays]: d.trialDays ?? 0,
      [QUOTE_FIELDS.termMonths]: d.termMonths,
      [QUOTE_FIELDS.coupon]: d.coupon ?? null,
      [QUOTE_FIELDS.cancellation]: d.cancellation ?? null,
    });
    lines.forEach((l, i) => {
      push('QuoteLineItem', {
        Id: next('0QL'),
        QuoteId: quotes[key],
        PricebookEntryId: l.entry.id,
        Product2Id: products[l.code],
        Quantity: l.quantity,
        UnitPrice: l.entry.price,
        Discount: l.discount ?? null,
        ServiceDate: d.start,
        LineNumber: String(i + 1).padStart(5, '0'),
      });
    });
  }

  const openOpportunities = {} as Record<OpenOpportunityKey, string>;
  for (const [key, o] of Object.entries(OPEN_DEALS) as [
    OpenOpportunityKey,
    (typeof OPEN_DEALS)[OpenOpportunityKey],
  ][]) {
    openOpportunities[key] = push('Opportunity', {
      Id: next('006'),
      Name: o.name,
      AccountId: accounts[o.account],
      StageName: o.stage,
      Type: 'New Business',
      CloseDate: o.closeDate,
      Probability: 20,
      CurrencyIsoCode: ACCOUNTS[o.account].currency,
      Pricebook2Id: pricebookId,
    });
  }

  return {
    orgId: DEMO_ORG_ID,
    records,
    pricebookId,
    products,
    accounts,
    contacts,
    opportunities,
    openOpportunities,
    quotes,
  };
}
