/**
 * The CRM port's Salesforce adapter for deals: loads an opportunity with its account, primary quote,
 * billing contact and lines in ONE round trip (a composite request carrying two SOQL queries), maps the
 * records to the canonical Deal, and writes the billing outcome back (Opportunity status fields and the
 * Account's Stripe customer id) in one more.
 */
import type { Connection } from 'jsforce';
import { Deal, decimalToMinor, discountedUnitPrice, salesforceId18 } from '../../../domain/crm/deal';
import { BusinessError } from '../../../domain/errors';
import { classifySalesforceError, subrequestError } from './errors';
import {
  ACCOUNT_FIELDS,
  OPPORTUNITY_FIELDS,
  QUOTE_FIELDS,
  SALESFORCE_API_VERSION,
  type BillingStatus,
} from './fields';

type SObject = Record<string, unknown>;
interface CompositeResult {
  body: unknown;
  httpStatusCode: number;
  referenceId: string;
}

const ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

export const OPPORTUNITY_SOQL_FIELDS = [
  'Id',
  'Name',
  'Type',
  'StageName',
  'IsWon',
  'CloseDate',
  'CurrencyIsoCode',
  'SyncedQuoteId',
  'SystemModstamp',
  OPPORTUNITY_FIELDS.originalOpportunity,
  'AccountId',
  'Account.Name',
  'Account.BillingStreet',
  'Account.BillingCity',
  'Account.BillingPostalCode',
  'Account.BillingState',
  'Account.BillingCountry',
  `Account.${ACCOUNT_FIELDS.stripeCustomerId}`,
];

export const QUOTE_SOQL_FIELDS = [
  'Id',
  'Name',
  'ContactId',
  'Contact.Name',
  'Contact.Email',
  'Email',
  'BillingName',
  ...Object.values(QUOTE_FIELDS),
];

export const LINE_SOQL_FIELDS = [
  'Id',
  'Quantity',
  'UnitPrice',
  'ListPrice',
  'Discount',
  'Product2.ProductCode',
  'Product2.Name',
];

/** The two queries of loadDeal: the opportunity with its account, and its syncing quote with contact and lines. */
export function dealQueries(opportunityId: string): { opportunity: string; quote: string } {
  if (!ID.test(opportunityId))
    throw new BusinessError('invalid_opportunity_id', `not a Salesforce id: ${opportunityId}`);
  return {
    opportunity: `SELECT ${OPPORTUNITY_SOQL_FIELDS.join(', ')} FROM Opportunity WHERE Id = '${opportunityId}'`,
    quote:
      `SELECT ${QUOTE_SOQL_FIELDS.join(', ')}, (SELECT ${LINE_SOQL_FIELDS.join(', ')} FROM QuoteLineItems) ` +
      `FROM Quote WHERE OpportunityId = '${opportunityId}' AND IsSyncing = true`,
  };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const num = (v: unknown): number | null =>
  typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : null;
const rel = (r: SObject, name: string): SObject =>
  r[name] && typeof r[name] === 'object' ? (r[name] as SObject) : {};
const id18 = (v: unknown): string | null => (typeof v === 'string' && ID.test(v) ? salesforceId18(v) : null);

/** Salesforce's `2026-11-04T09:30:00.000+0000` as ISO UTC; anything unparseable is left for validation to refuse. */
function isoInstant(v: unknown): string {
  const t = Date.parse(String(v));
  return Number.isNaN(t) ? String(v) : new Date(t).toISOString();
}

/** Salesforce records (as the REST API returns them) → the canonical Deal. Pure. */
export function dealFromRecords(opp: SObject, quote: SObject | null, orgCurrency = 'USD'): Deal {
  const account = rel(opp, 'Account');
  const currency = (str(opp.CurrencyIsoCode) ?? orgCurrency).toLowerCase();
  const contact = quote ? rel(quote, 'Contact') : {};
  const lines = quote
    ? (((rel(quote, 'QuoteLineItems').records as SObject[] | undefined) ?? []) as SObject[])
    : [];
  const money = (v: unknown): number | null =>
    v === null || v === undefined ? null : decimalToMinor(v as number, currency);
  const candidate = {
    opportunity: {
      id: id18(opp.Id),
      name: str(opp.Name) ?? '',
      type: str(opp.Type),
      stage: str(opp.StageName) ?? '',
      isWon: opp.IsWon === true,
      version: isoInstant(opp.SystemModstamp),
      closeDate: str(opp.CloseDate),
      currency,
      originalOpportunityId: id18(opp[OPPORTUNITY_FIELDS.originalOpportunity]),
    },
    account: {
      id: id18(opp.AccountId),
      name: str(account.Name) ?? '',
      stripeCustomerId: str(account[ACCOUNT_FIELDS.stripeCustomerId]),
      billingAddress: {
        line1: str(account.BillingStreet),
        city: str(account.BillingCity),
        postalCode: str(account.BillingPostalCode),
        state: str(account.BillingState),
        country: str(account.BillingCountry),
      },
    },
    billingContact: quote
      ? quote.ContactId || quote.Email
        ? { name: str(contact.Name) ?? str(quote.BillingName), email: str(contact.Email) ?? str(quote.Email) }
        : null
      : null,
    quote: quote
      ? {
          id: id18(quote.Id),
          name: str(quote.Name),
          startDate: str(quote[QUOTE_FIELDS.subscriptionStart]),
          billingFrequency: str(quote[QUOTE_FIELDS.billingFrequency]),
          trialDays: num(quote[QUOTE_FIELDS.trialDays]) ?? 0,
          termMonths: num(quote[QUOTE_FIELDS.termMonths]),
          coupon: str(quote[QUOTE_FIELDS.coupon]),
          cancellation: str(quote[QUOTE_FIELDS.cancellation]),
          lines: lines.map((l) => {
            const product = rel(l, 'Product2');
            return {
              id: id18(l.Id),
              productCode: str(product.ProductCode),
              productName: str(product.Name),
              quantity: num(l.Quantity) ?? 0,
              unitPrice: discountedUnitPrice(money(l.UnitPrice) ?? 0, (l.Discount as number | null) ?? null),
              listPrice: money(l.ListPrice),
            };
          }),
        }
      : null,
  };
  const parsed = Deal.safeParse(candidate);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new BusinessError(
      'invalid_deal_record',
      `opportunity ${String(opp.Id)} cannot be read as a deal (${where})`,
    );
  }
  return parsed.data;
}

function apiPath(path: string): string {
  return `/services/data/v${SALESFORCE_API_VERSION}${path}`;
}

async function composite(
  conn: Connection,
  body: {
    allOrNone: boolean;
    compositeRequest: { method: string; url: string; referenceId: string; body?: unknown }[];
  },
  doing: string,
): Promise<CompositeResult[]> {
  try {
    const res = await conn.request<{ compositeResponse: CompositeResult[] }>({
      method: 'POST',
      url: apiPath('/composite'),
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    return res.compositeResponse;
  } catch (err) {
    throw classifySalesforceError(err, doing);
  }
}

/** Loads the deal of an opportunity in one round trip. Never trusts the webhook body for amounts. */
export async function loadDeal(conn: Connection, opportunityId: string, orgCurrency = 'USD'): Promise<Deal> {
  const q = dealQueries(opportunityId);
  const doing = `loading opportunity ${opportunityId}`;
  const results = await composite(
    conn,
    {
      allOrNone: false,
      compositeRequest: [
        {
          method: 'GET',
          url: apiPath(`/query?q=${encodeURIComponent(q.opportunity)}`),
          referenceId: 'opportunity',
        },
        { method: 'GET', url: apiPath(`/query?q=${encodeURIComponent(q.quote)}`), referenceId: 'quote' },
      ],
    },
    doing,
  );
  const failed = results.find((r) => r.httpStatusCode >= 400);
  if (failed) throw subrequestError(failed, doing);
  const [opp] = ((results[0].body as { records?: SObject[] }).records ?? []) as SObject[];
  if (!opp)
    throw new BusinessError(
      'opportunity_not_found',
      `opportunity ${opportunityId} does not exist or is not visible to the integration user`,
    );
  const [quote] = ((results[1].body as { records?: SObject[] }).records ?? []) as SObject[];
  return dealFromRecords(opp, quote ?? null, orgCurrency);
}

export interface DealStatusWriteBack {
  opportunityId: string;
  /** Needed only when a customer id is written to the Account. */
  accountId: string | null;
  status: BillingStatus;
  subscriptionId: string | null;
  link: string | null;
  /** Empty on success (clears a previous error). */
  error: string | null;
  /** Written to the Account when set. */
  customerId: string | null;
  syncedAt: string;
}

const MAX_ERROR_TEXT = 32_000;

/** The Opportunity (and Account) fields of a write-back, as PATCH bodies. Pure. */
export function writeBackRecords(w: DealStatusWriteBack): { opportunity: SObject; account: SObject | null } {
  return {
    opportunity: {
      [OPPORTUNITY_FIELDS.billingStatus]: w.status,
      [OPPORTUNITY_FIELDS.lastSync]: w.syncedAt,
      [OPPORTUNITY_FIELDS.syncError]: w.error ? w.error.slice(0, MAX_ERROR_TEXT) : null,
      ...(w.subscriptionId ? { [OPPORTUNITY_FIELDS.subscriptionId]: w.subscriptionId } : {}),
      ...(w.link ? { [OPPORTUNITY_FIELDS.billingLink]: w.link } : {}),
    },
    account: w.customerId && w.accountId ? { [ACCOUNT_FIELDS.stripeCustomerId]: w.customerId } : null,
  };
}

/** Writes the billing outcome back in one round trip (all or none). */
export async function writeBackDealStatus(
  conn: Connection,
  w: DealStatusWriteBack,
): Promise<{ requests: number }> {
  if (!ID.test(w.opportunityId) || (w.customerId && !ID.test(w.accountId ?? '')))
    throw new BusinessError(
      'invalid_opportunity_id',
      `not Salesforce ids: ${w.opportunityId}, ${w.accountId}`,
    );
  const records = writeBackRecords(w);
  const doing = `writing the billing status of ${w.opportunityId}`;
  const results = await composite(
    conn,
    {
      allOrNone: true,
      compositeRequest: [
        {
          method: 'PATCH',
          url: apiPath(`/sobjects/Opportunity/${w.opportunityId}`),
          referenceId: 'opportunity',
          body: records.opportunity,
        },
        ...(records.account
          ? [
              {
                method: 'PATCH',
                url: apiPath(`/sobjects/Account/${w.accountId ?? ''}`),
                referenceId: 'account',
                body: records.account,
              },
            ]
          : []),
      ],
    },
    doing,
  );
  // allOrNone: the first real failure explains the rolled-back others.
  const failed =
    results.find((r) => r.httpStatusCode >= 400 && !JSON.stringify(r.body).includes('PROCESSING_HALTED')) ??
    results.find((r) => r.httpStatusCode >= 400);
  if (failed) throw subrequestError(failed, doing);
  return { requests: 1 };
}
