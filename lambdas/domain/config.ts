/**
 * The mapping configuration (config/mapping.json): entities with their functional currency and
 * chart of accounts, currency → subsidiary, product → item and revenue rule, tax rate → tax code,
 * dimensions and a fixed FX rate table. Validated once so a bad file fails loudly at start and
 * at `cdk synth`; lookups that miss are BusinessErrors (parked, replayable after the fix).
 */
import * as z from 'zod';
import { BusinessError } from './errors';
import { AccountKey, Recognition } from './model';
import { ZERO_DECIMAL_CURRENCIES } from './money';

const currency = z.string().regex(/^[a-z]{3}$/, 'lowercase ISO 4217 code');
const decimalRate = z.string().regex(/^\d+(\.\d{1,8})?$/, 'decimal string, e.g. "1.0850"');

const Subsidiary = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  functionalCurrency: currency,
  currencies: z.array(currency).min(1),
  countries: z.array(z.string().regex(/^[A-Z]{2}$/)).default([]),
  paymentTerms: z.string().min(1).default('Due on receipt'),
  region: z.string().min(1).optional(),
  /** GL account numbers of the chart's account keys (ERP adapters post to these). */
  chartOfAccounts: z.partialRecord(AccountKey, z.string().min(1)).default({}),
});

/** A Stripe price the integration sells a product at: one per currency and billing interval. */
const ProductPrice = z.object({
  // Opaque Stripe ids: a legacy plan's custom id works as a price, a product may carry a custom id.
  stripePrice: z.string().min(1),
  currency,
  /** `month`/`year` recurring, or `one_time` (billed once on the first invoice). */
  interval: z.enum(['month', 'year', 'one_time']),
  /** List price in minor units; a quote line at another unit price is billed with inline price_data. */
  unitAmount: z.number().int().nonnegative(),
});

const Product = z.object({
  stripeProduct: z.string().min(1),
  name: z.string().min(1),
  item: z.string().min(1),
  recognition: Recognition,
  department: z.string().optional(),
  class: z.string().optional(),
  location: z.string().optional(),
  /** Salesforce Product2.ProductCode sold as this product (deal-to-subscription). */
  salesforceProductCode: z.string().min(1).optional(),
  prices: z.array(ProductPrice).default([]),
});

const ProrationBehavior = z.enum(['create_prorations', 'always_invoice', 'none']);

/** How deals become subscriptions (lambdas/domain/crm/plan.ts). */
const BillingSettings = z.object({
  /** When the quote does not say (Q2C_Cancellation__c empty). */
  defaultCancellation: z.enum(['At period end', 'Immediately with credit']).default('At period end'),
  /** Amendments that raise the recurring amount bill the difference now; those that lower it credit it. */
  amendmentProration: z
    .object({ upgrade: ProrationBehavior, downgrade: ProrationBehavior })
    .default({ upgrade: 'always_invoice', downgrade: 'create_prorations' }),
  /**
   * `changes` (default): an amendment quote lists what changes (quantity 0 = removed, absent = unchanged),
   * so nothing is ever removed by omission. `complete`: it lists every recurring product the subscription
   * should keep (absent = removed), as CPQ amendment quotes do.
   */
  amendmentQuoteLines: z.enum(['complete', 'changes']).default('changes'),
  /** Base of the link written back to Salesforce: `<base>/subscriptions/sub_…`. */
  dashboardUrl: z.string().url().default('https://dashboard.stripe.com/test'),
});
export type BillingSettings = z.infer<typeof BillingSettings>;

const TaxRate = z.object({
  stripeTaxRate: z.string().min(1),
  taxCode: z.string().min(1),
  description: z.string().optional(),
});

export const MappingConfig = z
  .object({
    $comment: z.string().optional(),
    subsidiaries: z.array(Subsidiary).min(1),
    products: z.array(Product).default([]),
    taxRates: z.array(TaxRate).default([]),
    billing: BillingSettings.default(BillingSettings.parse({})),
    exchangeRates: z
      .record(z.string(), z.union([z.string(), z.record(currency, decimalRate)]))
      .default({})
      .transform(
        (rates) =>
          Object.fromEntries(Object.entries(rates).filter(([k]) => k !== '$comment')) as Record<
            string,
            Record<string, string>
          >,
      ),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, string>();
    for (const s of cfg.subsidiaries) {
      for (const c of s.currencies) {
        const other = seen.get(c);
        if (other)
          ctx.addIssue({ code: 'custom', message: `currency ${c} is booked by both ${other} and ${s.id}` });
        seen.set(c, s.id);
      }
    }
    const products = new Set<string>();
    for (const p of cfg.products) {
      if (products.has(p.stripeProduct))
        ctx.addIssue({ code: 'custom', message: `product ${p.stripeProduct} is mapped twice` });
      products.add(p.stripeProduct);
    }
    const codes = new Set<string>();
    const prices = new Set<string>();
    for (const p of cfg.products) {
      const code = p.salesforceProductCode;
      if (code !== undefined && codes.has(code))
        ctx.addIssue({ code: 'custom', message: `Salesforce product code ${code} is mapped twice` });
      if (code !== undefined) codes.add(code);
      const offers = new Set<string>();
      for (const price of p.prices) {
        if (prices.has(price.stripePrice))
          ctx.addIssue({ code: 'custom', message: `price ${price.stripePrice} is mapped twice` });
        prices.add(price.stripePrice);
        const offer = `${price.currency}/${price.interval}`;
        if (offers.has(offer))
          ctx.addIssue({ code: 'custom', message: `${p.stripeProduct} has two ${offer} prices` });
        offers.add(offer);
      }
    }
    const rates = new Set<string>();
    for (const t of cfg.taxRates) {
      if (rates.has(t.stripeTaxRate))
        ctx.addIssue({ code: 'custom', message: `tax rate ${t.stripeTaxRate} is mapped twice` });
      rates.add(t.stripeTaxRate);
    }
  });
export type MappingConfig = z.infer<typeof MappingConfig>;
export type SubsidiaryConfig = MappingConfig['subsidiaries'][number];
export type ProductConfig = MappingConfig['products'][number];

/**
 * Validates a mapping configuration. A mistake is told as a person fixes it: the file, each JSON path,
 * what is wrong there and the value found, e.g.
 *   config/mapping.json is not a valid mapping configuration:
 *     subsidiaries[0].functionalCurrency: lowercase ISO 4217 code (found "dollars")
 */
export function parseMappingConfig(raw: unknown, source = 'config/mapping.json'): MappingConfig {
  const result = MappingConfig.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const at = jsonPath(issue.path);
      const found = valueAt(raw, issue.path);
      return `  ${at || '(the whole file)'}: ${issue.message}${found === undefined ? '' : ` (found ${JSON.stringify(found)})`}`;
    });
    throw new InvalidConfigError(
      `${source} is not a valid mapping configuration:\n${problems.join('\n')}\n` +
        `Fix ${problems.length === 1 ? 'it' : 'them'} in ${source} (the README's Configuration section describes each field) and start again.`,
    );
  }
  return result.data;
}

/** A configuration file a person must fix: its message says where and how; no stack trace helps. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
}

const jsonPath = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return typeof v === 'object' ? undefined : v;
}

/** The subsidiary that books a currency; unmapped currencies are a business error (fix config, replay). */
export function subsidiaryFor(config: MappingConfig, currencyCode: string): SubsidiaryConfig {
  const found = config.subsidiaries.find((s) => s.currencies.includes(currencyCode.toLowerCase()));
  if (!found) {
    const known = config.subsidiaries.flatMap((s) => s.currencies).join(', ');
    throw new BusinessError(
      'unmapped_currency',
      `no subsidiary books ${currencyCode.toUpperCase()} invoices (configured: ${known}); add it to config/mapping.json and replay`,
    );
  }
  return found;
}

export function productFor(
  config: MappingConfig,
  stripeProduct: string | null,
  lineRef: string,
): ProductConfig {
  const found = stripeProduct ? config.products.find((p) => p.stripeProduct === stripeProduct) : undefined;
  if (!found) {
    throw new BusinessError(
      'unmapped_product',
      `${stripeProduct ?? 'a line without a product'} (${lineRef}) has no item mapping; add it to config/mapping.json products and replay`,
    );
  }
  return found;
}

export function taxCodeFor(config: MappingConfig, stripeTaxRate: string, lineRef: string): string {
  const found = config.taxRates.find((t) => t.stripeTaxRate === stripeTaxRate);
  if (!found) {
    throw new BusinessError(
      'missing_tax_code',
      `tax rate ${stripeTaxRate} (${lineRef}) has no tax code; add it to config/mapping.json taxRates and replay`,
    );
  }
  return found.taxCode;
}

/**
 * Converts minor units of `from` into the functional currency with the configured fixed rate,
 * in integer arithmetic (rate scaled to 1e8; half away from zero), so amounts never pass through floats.
 */
export function toFunctional(
  config: MappingConfig,
  amount: number,
  from: string,
  functional: string,
): number {
  if (from === functional) return amount;
  const rate = config.exchangeRates[from]?.[functional];
  if (!rate) {
    throw new BusinessError(
      'missing_exchange_rate',
      `no ${from.toUpperCase()}→${functional.toUpperCase()} rate in config/mapping.json exchangeRates; add it and replay`,
    );
  }
  const [whole, fraction = ''] = rate.split('.');
  const scaled = BigInt(whole + fraction.padEnd(8, '0'));
  // Minor units differ by currency (JPY has none): shift by the difference in decimals.
  const decimals = (c: string) => (ZERO_DECIMAL_CURRENCIES.has(c) ? 0 : 2);
  const shift = decimals(functional) - decimals(from);
  const product = BigInt(amount) * scaled * 10n ** BigInt(Math.max(shift, 0));
  const divisor = 100_000_000n * 10n ** BigInt(Math.max(-shift, 0));
  const half = product >= 0n ? divisor / 2n : -(divisor / 2n);
  return Number((product + half) / divisor);
}
