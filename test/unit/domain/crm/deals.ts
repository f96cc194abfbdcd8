/** Deals of the shared demo scenario (Quillstack, November 2026), as the Salesforce adapter loads them. */
import rawConfig from '../../../../config/mapping.json';
import { parseMappingConfig } from '../../../../lambdas/domain/config';
import type { Deal, DealLine } from '../../../../lambdas/domain/crm/deal';
import type { CurrentSubscription } from '../../../../lambdas/domain/crm/amendment';

export const config = parseMappingConfig(rawConfig);

export const ids = {
  northwind: '001000000000001AAA',
  northwindNew: '006000000000001AAA',
  northwindUpsell: '006000000000005AAA',
  quote1: '0Q0000000000001AAA',
  quote5: '0Q0000000000005AAA',
};

let lineSeq = 0;
export function line(productCode: string | null, quantity: number, unitPrice: number): DealLine {
  lineSeq++;
  return {
    id: `0QL${String(lineSeq).padStart(12, '0')}AAA`,
    productCode,
    productName: productCode,
    quantity,
    unitPrice,
    listPrice: unitPrice,
  };
}

export function northwindNew(
  overrides: { lines?: DealLine[]; startDate?: string; version?: string } = {},
): Deal {
  return {
    opportunity: {
      id: ids.northwindNew,
      name: 'Northwind — New Business',
      type: 'New Business',
      stage: 'Closed Won',
      isWon: true,
      version: overrides.version ?? '2026-11-02T09:00:00.000Z',
      closeDate: '2026-11-02',
      currency: 'usd',
      originalOpportunityId: null,
    },
    account: {
      id: ids.northwind,
      name: 'Northwind Traders',
      stripeCustomerId: null,
      billingAddress: {
        line1: '1 Harbor Way',
        city: 'Seattle',
        postalCode: '98101',
        state: 'WA',
        country: 'US',
      },
    },
    billingContact: { name: 'Nancy Davolio', email: 'nancy@northwind.example' },
    quote: {
      id: ids.quote1,
      name: 'Q-00001',
      startDate: overrides.startDate ?? '2026-11-02',
      billingFrequency: 'Monthly',
      trialDays: 0,
      termMonths: 12,
      coupon: null,
      cancellation: null,
      lines: overrides.lines ?? [
        line('GROWTH-SEAT', 20, 4900),
        line('SUPPORT-PREMIUM', 1, 29900),
        line('IMPLEMENTATION', 1, 250000),
      ],
    },
  };
}

export function northwindUpsell(
  lines: DealLine[] = [line('GROWTH-SEAT', 30, 4900), line('SUPPORT-PREMIUM', 1, 29900)],
): Deal {
  const d = northwindNew({ lines, startDate: '2026-11-16', version: '2026-11-16T09:00:00.000Z' });
  return {
    ...d,
    opportunity: {
      ...d.opportunity,
      id: ids.northwindUpsell,
      name: 'Northwind — Upsell',
      type: 'Amendment',
      originalOpportunityId: ids.northwindNew,
    },
    quote: d.quote && { ...d.quote, id: ids.quote5 },
  };
}

/** 2026-11-02 … 2026-12-02, 20 Growth seats + premium support. */
export function northwindSubscription(): CurrentSubscription {
  return {
    id: 'sub_northwind',
    status: 'active',
    currency: 'usd',
    interval: 'month',
    items: [
      {
        itemId: 'si_growth',
        stripeProduct: 'prod_DemoawVgYYX81y',
        priceId: 'price_Q2cGrowthSeatMonthlyUsd',
        unitAmount: 4900,
        quantity: 20,
      },
      {
        itemId: 'si_support',
        stripeProduct: 'prod_DemovQoO5IB8dY',
        priceId: 'price_Q2cSupportPremiumMonthlyUsd',
        unitAmount: 29900,
        quantity: 1,
      },
    ],
    currentPeriodStart: Date.parse('2026-11-02T00:00:00Z') / 1000,
    currentPeriodEnd: Date.parse('2026-12-02T00:00:00Z') / 1000,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    metadata: { sf_opportunity_id: ids.northwindNew, term_months: '12', term_end: '2027-11-02' },
    latestInvoiceId: 'in_northwind_1',
  };
}

export const at = (iso: string): number => Date.parse(iso) / 1000;
