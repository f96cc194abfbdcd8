/**
 * Validates a Deal against the mapping configuration and resolves what billing needs: the subsidiary,
 * each quote line's Stripe product and price (or inline price_data for a negotiated price), the billing
 * interval and the deal's intent. Every problem is reported at once, classified, in words an operator
 * can act on; the first problem's code classifies the BusinessError.
 */
import { BusinessError } from '../errors';
import type { MappingConfig, ProductConfig, SubsidiaryConfig } from '../config';
import { formatMoney } from '../money';
import { classifyOpportunity, type CrmOpportunityEventType } from './events';
import type { Deal, DealLine } from './deal';

export type DealIntent = 'new' | 'amend' | 'renew' | 'cancel';
export type RecurringInterval = 'month' | 'year';
export type CancellationMode = 'At period end' | 'Immediately with credit';

/** A Stripe price reference: the mapped price id, or inline price_data at the negotiated amount. */
export type PriceRef =
  | { kind: 'price'; id: string; unitAmount: number }
  | {
      kind: 'price_data';
      unitAmount: number;
      data: {
        currency: string;
        product: string;
        unit_amount: number;
        recurring?: { interval: RecurringInterval };
      };
    };

export interface ResolvedLine {
  lineId: string;
  productCode: string;
  stripeProduct: string;
  productName: string;
  quantity: number;
  /** Billed per unit, minor units. */
  unitAmount: number;
  recurring: boolean;
  price: PriceRef;
}

export interface ValidatedDeal {
  deal: Deal;
  intent: DealIntent;
  subsidiary: SubsidiaryConfig;
  currency: string;
  /** Interval of the recurring lines (the quote's billing frequency). */
  interval: RecurringInterval;
  lines: ResolvedLine[];
  /** Quote start date, else the close date, else null (→ now). */
  effectiveDate: string | null;
  cancellation: CancellationMode;
}

export interface DealProblem {
  code: string;
  message: string;
}

const INTENT: Record<CrmOpportunityEventType, DealIntent> = {
  'crm.opportunity.closed_won': 'new',
  'crm.opportunity.amended': 'amend',
  'crm.opportunity.renewed': 'renew',
  'crm.opportunity.cancelled': 'cancel',
};

/** The billing intent of a won deal; null when it is not (or no longer) won. */
export function dealIntent(deal: Deal): DealIntent | null {
  const type = classifyOpportunity({ isWon: deal.opportunity.isWon, type: deal.opportunity.type });
  return type === 'crm.opportunity.updated' ? null : INTENT[type];
}

const FREQUENCY_INTERVAL = { Monthly: 'month', Annual: 'year' } as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function productForCode(config: MappingConfig, code: string): ProductConfig | undefined {
  return config.products.find((p) => p.salesforceProductCode === code);
}

/** The subsidiary that bills the account: by billing country, else by currency. */
function subsidiaryOf(
  config: MappingConfig,
  deal: Deal,
): { subsidiary: SubsidiaryConfig | undefined; by: string } {
  const country = deal.account.billingAddress.country?.trim().toUpperCase() ?? '';
  const byCountry = config.subsidiaries.find((s) => s.countries.includes(country));
  if (byCountry) return { subsidiary: byCountry, by: `billing country ${country}` };
  const byCurrency = config.subsidiaries.find((s) => s.currencies.includes(deal.opportunity.currency));
  return { subsidiary: byCurrency, by: `currency ${deal.opportunity.currency.toUpperCase()}` };
}

/** Every problem with a deal, in order of how an operator would fix them; empty when billable. */
export function dealProblems(deal: Deal, config: MappingConfig): DealProblem[] {
  return resolve(deal, config).problems;
}

/** The validated, resolved deal, or a BusinessError naming every problem. */
export function validateDeal(deal: Deal, config: MappingConfig): ValidatedDeal {
  const { validated, problems } = resolve(deal, config);
  if (problems.length > 0 || !validated) {
    const first = problems[0] ?? { code: 'invalid_deal', message: 'the deal cannot be billed' };
    throw new BusinessError(first.code, problems.map((p) => p.message).join('; '));
  }
  return validated;
}

function resolve(deal: Deal, config: MappingConfig): { validated?: ValidatedDeal; problems: DealProblem[] } {
  const problems: DealProblem[] = [];
  const add = (code: string, message: string) => problems.push({ code, message });
  const opp = deal.opportunity;
  const intent = dealIntent(deal);
  if (!intent) {
    add('deal_not_won', `opportunity ${opp.name} (${opp.id}) is not closed won (stage ${opp.stage})`);
    return { problems };
  }
  const currency = opp.currency;
  const { subsidiary, by } = subsidiaryOf(config, deal);
  if (!subsidiary) {
    add(
      'currency_not_mapped',
      `no subsidiary bills ${deal.account.name} (${by}); add the country or currency to config/mapping.json subsidiaries`,
    );
  } else if (!subsidiary.currencies.includes(currency)) {
    add(
      'currency_not_mapped',
      `${deal.account.name} is billed by ${subsidiary.id} (${by}), which bills ${subsidiary.currencies
        .map((c) => c.toUpperCase())
        .join(', ')}, not ${currency.toUpperCase()}; quote it in a billed currency or map the currency`,
    );
  }
  if (intent !== 'new' && !opp.originalOpportunityId) {
    add(
      'missing_original_opportunity',
      `${opp.type ?? 'this'} opportunity ${opp.name} names no original opportunity (Q2C_Original_Opportunity__c); set it to the deal it changes`,
    );
  }
  if (intent === 'new') {
    const contact = deal.billingContact;
    if (!contact) add('missing_billing_contact', `the primary quote of ${opp.name} has no billing contact`);
    else if (!contact.email || !EMAIL.test(contact.email))
      add(
        'missing_billing_email',
        `billing contact ${contact.name ?? '(unnamed)'} of ${opp.name} has no valid email${contact.email ? ` (${contact.email})` : ''}`,
      );
  }
  const quote = deal.quote;
  const cancellation = quote?.cancellation ?? config.billing.defaultCancellation;
  const effectiveDate = quote?.startDate ?? opp.closeDate ?? null;
  if (!quote) {
    if (intent !== 'cancel')
      add('no_primary_quote', `opportunity ${opp.name} has no synced primary quote (SyncedQuoteId)`);
    return problems.length || !subsidiary
      ? { problems }
      : {
          problems,
          validated: {
            deal,
            intent,
            subsidiary,
            currency,
            interval: 'month',
            lines: [],
            effectiveDate,
            cancellation,
          },
        };
  }
  if (quote.lines.length === 0 && intent !== 'cancel')
    add('no_quote_lines', `quote ${quote.name ?? quote.id} of ${opp.name} has no line items`);

  const products = quote.lines.map((line) => ({ line, product: mappedProduct(line, config, add) }));
  const interval = billingInterval(quote.billingFrequency, products, currency, add, opp.name);
  const lines: ResolvedLine[] = [];
  for (const { line, product } of products) {
    if (!product || !interval) continue;
    const resolved = resolveLine(line, product, currency, interval, add);
    if (resolved) lines.push(resolved);
  }
  if (intent !== 'cancel' && quote.lines.length > 0 && !lines.some((l) => l.recurring) && !problems.length)
    add('no_recurring_lines', `quote ${quote.name ?? quote.id} has no recurring product to subscribe to`);
  if (problems.length || !subsidiary || !interval) return { problems };
  return {
    problems,
    validated: { deal, intent, subsidiary, currency, interval, lines, effectiveDate, cancellation },
  };
}

function mappedProduct(
  line: DealLine,
  config: MappingConfig,
  add: (code: string, message: string) => void,
): ProductConfig | undefined {
  const label = line.productName ? `${line.productName} (line ${line.id})` : `line ${line.id}`;
  if (!line.productCode) {
    add('unmapped_product', `${label} has no product code`);
    return undefined;
  }
  const product = productForCode(config, line.productCode);
  if (!product)
    add(
      'unmapped_product',
      `product ${line.productCode} — ${label} — is not mapped to a Stripe product; add salesforceProductCode "${line.productCode}" to a product in config/mapping.json and replay`,
    );
  return product;
}

function billingInterval(
  frequency: 'Monthly' | 'Annual' | null,
  products: { product?: ProductConfig }[],
  currency: string,
  add: (code: string, message: string) => void,
  oppName: string,
): RecurringInterval | undefined {
  if (frequency) return FREQUENCY_INTERVAL[frequency];
  // Not on the quote: the one recurring interval every mapped product is sold at in this currency.
  const intervals = new Set<RecurringInterval>();
  for (const { product } of products)
    for (const p of product?.prices ?? [])
      if (p.currency === currency && p.interval !== 'one_time') intervals.add(p.interval);
  if (intervals.size === 1) return [...intervals][0];
  if (intervals.size === 0) return 'month'; // nothing recurring: the interval is never used
  add(
    'missing_billing_frequency',
    `the quote of ${oppName} has no billing frequency (Q2C_Billing_Frequency__c) and its products are sold both monthly and annually`,
  );
  return undefined;
}

function resolveLine(
  line: DealLine,
  product: ProductConfig,
  currency: string,
  interval: RecurringInterval,
  add: (code: string, message: string) => void,
): ResolvedLine | undefined {
  const code = line.productCode ?? '';
  if (!Number.isInteger(line.quantity)) {
    add(
      'fractional_quantity',
      `${code} (line ${line.id}) has quantity ${line.quantity}; Stripe bills whole units`,
    );
    return undefined;
  }
  const oneTime = product.prices.find((p) => p.currency === currency && p.interval === 'one_time');
  const recurring = product.prices.find((p) => p.currency === currency && p.interval === interval);
  const price = recurring ?? oneTime;
  if (!price) {
    const offered =
      product.prices.map((p) => `${p.currency.toUpperCase()}/${p.interval}`).join(', ') || 'none';
    add(
      'no_price',
      `${code} has no Stripe price in ${currency.toUpperCase()} billed ${interval === 'month' ? 'monthly' : 'annually'} (configured: ${offered}); add one to config/mapping.json`,
    );
    return undefined;
  }
  const isRecurring = price.interval !== 'one_time';
  const ref: PriceRef =
    line.unitPrice === price.unitAmount
      ? { kind: 'price', id: price.stripePrice, unitAmount: price.unitAmount }
      : {
          kind: 'price_data',
          unitAmount: line.unitPrice,
          data: {
            currency,
            product: product.stripeProduct,
            unit_amount: line.unitPrice,
            ...(isRecurring ? { recurring: { interval } } : {}),
          },
        };
  return {
    lineId: line.id,
    productCode: code,
    stripeProduct: product.stripeProduct,
    productName: product.name,
    quantity: line.quantity,
    unitAmount: line.unitPrice,
    recurring: isRecurring,
    price: ref,
  };
}

/** For messages: "20 × GROWTH-SEAT at 49.00 USD". */
export function describeLine(l: ResolvedLine, currency: string): string {
  return `${l.quantity} × ${l.productCode} at ${formatMoney(l.unitAmount, currency)}`;
}
