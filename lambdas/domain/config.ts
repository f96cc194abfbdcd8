/**
 * The mapping configuration (config/mapping.json): entities with their functional currency and
 * chart of accounts, currency → subsidiary, product → item and revenue rule, tax rate → tax code,
 * dimensions and a fixed FX rate table. Validated once so a bad file fails loudly at start and
 * at `cdk synth`; lookups that miss are BusinessErrors (parked, replayable after the fix).
 */
import { z } from 'zod';
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

const Product = z.object({
  stripeProduct: z.string().startsWith('prod_'),
  name: z.string().min(1),
  item: z.string().min(1),
  recognition: Recognition,
  department: z.string().optional(),
  class: z.string().optional(),
  location: z.string().optional(),
});

const TaxRate = z.object({
  stripeTaxRate: z.string().startsWith('txr_'),
  taxCode: z.string().min(1),
  description: z.string().optional(),
});

export const MappingConfig = z
  .object({
    $comment: z.string().optional(),
    subsidiaries: z.array(Subsidiary).min(1),
    products: z.array(Product).default([]),
    taxRates: z.array(TaxRate).default([]),
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

export function parseMappingConfig(raw: unknown): MappingConfig {
  const result = MappingConfig.safeParse(raw);
  if (!result.success) {
    throw new Error(`Invalid mapping configuration: ${z.prettifyError(result.error)}`);
  }
  return result.data;
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
