/**
 * The Stripe products and prices config/mapping.json sells deals at, as Stripe API objects: the deal
 * flow refers to these price ids, so the local Stripe sandbox is seeded with them (tests and the demo).
 * In a real account the operator creates them (or maps existing ids into config/mapping.json).
 */
import type { MappingConfig } from '../../lambdas/domain/config';

type StripeObject = Record<string, unknown> & { id: string; object: string };

/** A fixed creation time (2026-10-01) so seeded catalogs are identical run to run. */
const CREATED = 1790812800;

export function stripeCatalog(config: MappingConfig): StripeObject[] {
  const objects: StripeObject[] = [];
  for (const p of config.products) {
    if (p.prices.length === 0) continue;
    objects.push({
      id: p.stripeProduct,
      object: 'product',
      active: true,
      created: CREATED,
      updated: CREATED,
      default_price: null,
      description: null,
      images: [],
      livemode: false,
      marketing_features: [],
      metadata: {
        item: p.item,
        ...(p.salesforceProductCode ? { sf_product_code: p.salesforceProductCode } : {}),
      },
      name: p.name,
      package_dimensions: null,
      shippable: null,
      statement_descriptor: null,
      tax_code: null,
      type: 'service',
      unit_label: null,
      url: null,
    });
    for (const price of p.prices) {
      objects.push({
        id: price.stripePrice,
        object: 'price',
        active: true,
        billing_scheme: 'per_unit',
        created: CREATED,
        currency: price.currency,
        custom_unit_amount: null,
        livemode: false,
        lookup_key: null,
        metadata: {},
        nickname: null,
        product: p.stripeProduct,
        recurring:
          price.interval === 'one_time'
            ? null
            : {
                interval: price.interval,
                interval_count: 1,
                meter: null,
                trial_period_days: null,
                usage_type: 'licensed',
              },
        tax_behavior: 'exclusive',
        tiers_mode: null,
        transform_quantity: null,
        type: price.interval === 'one_time' ? 'one_time' : 'recurring',
        unit_amount: price.unitAmount,
        unit_amount_decimal: String(price.unitAmount),
      });
    }
  }
  return objects;
}
