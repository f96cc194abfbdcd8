import Stripe from 'stripe';
import { classifyStripeError } from '../../../lambdas/adapters/billing/stripe-subscriptions';
import { classifySalesforceError, subrequestError } from '../../../lambdas/adapters/crm/salesforce/errors';
import {
  dealFromRecords,
  dealQueries,
  writeBackRecords,
} from '../../../lambdas/adapters/crm/salesforce/deals';
import { BusinessError, TransientError } from '../../../lambdas/domain/errors';

const opp = {
  attributes: { type: 'Opportunity' },
  Id: '0065g0000000001AAA',
  Name: 'Atelier Mode — Growth seats',
  Type: 'New Business',
  StageName: 'Closed Won',
  IsWon: true,
  CloseDate: '2026-11-04',
  CurrencyIsoCode: 'EUR',
  SystemModstamp: '2026-11-04T09:30:00.000+0000',
  Q2C_Original_Opportunity__c: null,
  AccountId: '0015g0000000003',
  Account: {
    Name: 'Atelier Mode SAS',
    BillingCountry: 'FR',
    BillingCity: 'Paris',
    Q2C_Stripe_Customer_Id__c: null,
  },
};
const quote = {
  Id: '0Q05g0000000003AAA',
  Name: 'Q-3',
  ContactId: '0035g0000000003AAA',
  Contact: { Name: 'Camille Roux', Email: 'camille@atelier.example' },
  Q2C_Subscription_Start__c: '2026-11-04',
  Q2C_Billing_Frequency__c: 'Monthly',
  Q2C_Trial_Days__c: 0,
  Q2C_Term_Months__c: 12,
  Q2C_Coupon__c: 'LAUNCH10',
  Q2C_Cancellation__c: null,
  QuoteLineItems: {
    totalSize: 1,
    done: true,
    records: [
      {
        Id: '0QL5g0000000009AAA',
        Quantity: 10,
        UnitPrice: 45.1,
        ListPrice: 45,
        Discount: 12.5,
        Product2: { ProductCode: 'GROWTH-SEAT', Name: 'Growth' },
      },
    ],
  },
};

describe('Salesforce deal adapter (pure parts)', () => {
  it('maps the REST records to the canonical deal: 18-char ids, ISO version, exact minor units net of discount', () => {
    const deal = dealFromRecords(opp, quote);
    expect(deal.opportunity).toMatchObject({ currency: 'eur', version: '2026-11-04T09:30:00.000Z' });
    expect(deal.account.id).toBe('0015g0000000003AAA'.slice(0, 15) + deal.account.id.slice(15));
    expect(deal.account.id).toHaveLength(18);
    expect(deal.billingContact).toEqual({ name: 'Camille Roux', email: 'camille@atelier.example' });
    // 45.10 EUR less 12.5 % = 39.4625 → 3946 cents; list 45 → 4500.
    expect(deal.quote?.lines[0]).toMatchObject({
      productCode: 'GROWTH-SEAT',
      quantity: 10,
      unitPrice: 3946,
      listPrice: 4500,
    });
    expect(deal.quote?.coupon).toBe('LAUNCH10');
  });

  it('a deal without a synced quote has no quote and no contact; a broken record is a business error', () => {
    expect(dealFromRecords(opp, null)).toMatchObject({ quote: null, billingContact: null });
    expect(() => dealFromRecords({ ...opp, SystemModstamp: 'yesterday' }, quote)).toThrow(BusinessError);
  });

  it('builds the two queries of the one composite call and refuses anything but an id (no SOQL injection)', () => {
    const q = dealQueries('0065g0000000001AAA');
    expect(q.opportunity).toMatch(
      /^SELECT Id, Name, .*Account\.Q2C_Stripe_Customer_Id__c FROM Opportunity WHERE Id = '0065g0000000001AAA'$/,
    );
    expect(q.quote).toContain(
      '(SELECT Id, Quantity, UnitPrice, ListPrice, Discount, Product2.ProductCode, Product2.Name FROM QuoteLineItems)',
    );
    expect(q.quote).toMatch(/WHERE OpportunityId = '0065g0000000001AAA' AND IsSyncing = true$/);
    expect(() => dealQueries("0065g0000000001' OR Name != '")).toThrow(BusinessError);
  });

  it('writes status, sync time and link back, clears the error on success, sets it on failure', () => {
    const base = {
      opportunityId: '0065g0000000001AAA',
      accountId: '0015g0000000003AAA',
      syncedAt: '2026-11-04T09:31:00.000Z',
    };
    expect(
      writeBackRecords({
        ...base,
        status: 'Active',
        subscriptionId: 'sub_1',
        link: 'https://x/sub_1',
        error: null,
        customerId: 'cus_1',
      }),
    ).toEqual({
      opportunity: {
        Q2C_Billing_Status__c: 'Active',
        Q2C_Last_Sync__c: base.syncedAt,
        Q2C_Sync_Error__c: null,
        Q2C_Subscription_Id__c: 'sub_1',
        Q2C_Billing_Link__c: 'https://x/sub_1',
      },
      account: { Q2C_Stripe_Customer_Id__c: 'cus_1' },
    });
    const failed = writeBackRecords({
      ...base,
      status: 'Failed',
      subscriptionId: null,
      link: null,
      error: 'x'.repeat(40_000),
      customerId: null,
    });
    expect(failed.account).toBeNull();
    expect(String(failed.opportunity.Q2C_Sync_Error__c)).toHaveLength(32_000);
  });

  it('classifies Salesforce failures: limits, locks, 5xx and network are transient; the rest business', () => {
    const apiError = (errorCode: string) => Object.assign(new Error('boom'), { name: errorCode, errorCode });
    expect(classifySalesforceError(apiError('REQUEST_LIMIT_EXCEEDED'), 'x')).toBeInstanceOf(TransientError);
    expect(classifySalesforceError(apiError('UNABLE_TO_LOCK_ROW'), 'x')).toBeInstanceOf(TransientError);
    expect(classifySalesforceError(apiError('ERROR_HTTP_503'), 'x')).toBeInstanceOf(TransientError);
    expect(
      classifySalesforceError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'x'),
    ).toBeInstanceOf(TransientError);
    const invalid = classifySalesforceError(apiError('INVALID_FIELD'), 'loading');
    expect(invalid).toBeInstanceOf(BusinessError);
    expect(invalid.message).toBe('salesforce_invalid_field: Salesforce loading: INVALID_FIELD: boom');
    expect(
      subrequestError(
        {
          httpStatusCode: 503,
          body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'down' }],
          referenceId: 'q',
        },
        'x',
      ),
    ).toBeInstanceOf(TransientError);
    expect(
      subrequestError(
        {
          httpStatusCode: 400,
          body: [{ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'bad' }],
          referenceId: 'o',
        },
        'x',
      ),
    ).toBeInstanceOf(BusinessError);
  });

  it('classifies Stripe failures: 429, 5xx, connection and idempotency conflicts are transient; invalid requests business', () => {
    const raw = (type: string, statusCode: number, code?: string) =>
      ({ type, message: 'm', statusCode, code }) as ConstructorParameters<
        typeof Stripe.errors.StripeError
      >[0];
    expect(
      classifyStripeError(new Stripe.errors.StripeRateLimitError(raw('rate_limit_error', 429)), 'x'),
    ).toBeInstanceOf(TransientError);
    expect(classifyStripeError(new Stripe.errors.StripeAPIError(raw('api_error', 500)), 'x')).toBeInstanceOf(
      TransientError,
    );
    expect(
      classifyStripeError(new Stripe.errors.StripeConnectionError(raw('connection_error', 0)), 'x'),
    ).toBeInstanceOf(TransientError);
    expect(
      classifyStripeError(new Stripe.errors.StripeIdempotencyError(raw('idempotency_error', 400)), 'x'),
    ).toBeInstanceOf(TransientError);
    const invalid = classifyStripeError(
      new Stripe.errors.StripeInvalidRequestError(raw('invalid_request_error', 400, 'resource_missing')),
      'creating',
    );
    expect(invalid).toBeInstanceOf(BusinessError);
    expect((invalid as Error).message).toBe('stripe_resource_missing: Stripe refused creating: m');
    expect(
      classifyStripeError(new Stripe.errors.StripeCardError(raw('card_error', 402, 'card_declined')), 'x'),
    ).toBeInstanceOf(BusinessError);
  });
});
