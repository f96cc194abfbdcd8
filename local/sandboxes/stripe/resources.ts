/**
 * The resource registry: which Stripe resources the sandbox serves and how. Adding a resource is adding a
 * definition to STRIPE_RESOURCES (see resource-types.ts for what one declares).
 */
import { invalidRequest, resourceMissing } from './errors';
import { isFormObject } from './form';
import { bool, custom, eq, range, type ListFilter } from './list';
import type { ResourceDefinition } from './resource-types';
import { idOf, type StripeObject } from './store';
import { subscriptions } from './subscriptions';

export type { ResourceContext, ResourceDefinition } from './resource-types';

const created = { created: range() } satisfies Record<string, ListFilter>;

/** The invoice's subscription, wherever the API version puts it (`parent.subscription_details` since basil). */
function invoiceSubscription(invoice: StripeObject): unknown {
  const parent = invoice.parent as { subscription_details?: { subscription?: unknown } } | null | undefined;
  return idOf(invoice.subscription ?? parent?.subscription_details?.subscription);
}

function listData(obj: StripeObject, field: string): StripeObject[] {
  return (obj[field] as { data?: StripeObject[] } | null | undefined)?.data ?? [];
}

function randomPrefix(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from({ length: 8 }, () => chars[Math.floor(Math.random() * chars.length)]).join('');
}

// ---------------------------------------------------------------------------------------------
// Read-mostly resources: seeded by scenarios and tests, retrieved and listed by the pipeline.
// ---------------------------------------------------------------------------------------------

const balanceTransactions: ResourceDefinition = {
  object: 'balance_transaction',
  path: 'balance_transactions',
  idPrefix: 'txn',
  list: {
    filters: {
      ...created,
      currency: eq(),
      // The public object has no payout field; the association is queried with list({payout}).
      payout: custom((txn, value) => txn._payout === value),
      source: eq(),
      type: eq(),
    },
  },
  // Seeds may say `payout: 'po_…'`: kept as the internal `_payout`, so responses look like Stripe's.
  normalize: ({ payout, ...txn }) =>
    payout === undefined ? txn : { ...txn, _payout: txn._payout ?? payout },
};

const charges: ResourceDefinition = {
  object: 'charge',
  path: 'charges',
  idPrefix: 'ch',
  list: { filters: { ...created, customer: eq(), payment_intent: eq(), transfer_group: eq() } },
  update: {},
};

const refunds: ResourceDefinition = {
  object: 'refund',
  path: 'refunds',
  idPrefix: 're',
  list: { filters: { ...created, charge: eq(), payment_intent: eq() } },
  update: {},
};

const payouts: ResourceDefinition = {
  object: 'payout',
  path: 'payouts',
  idPrefix: 'po',
  list: { filters: { ...created, arrival_date: range(), destination: eq(), status: eq() } },
  update: {},
};

const invoices: ResourceDefinition = {
  object: 'invoice',
  path: 'invoices',
  idPrefix: 'in',
  list: {
    filters: {
      ...created,
      collection_method: eq(),
      customer: eq(),
      due_date: range(),
      status: eq(),
      subscription: custom((inv, value) => invoiceSubscription(inv) === value),
    },
  },
  update: {},
  subLists: { lines: { object: 'line_item', items: (inv) => listData(inv, 'lines') } },
};

const creditNotes: ResourceDefinition = {
  object: 'credit_note',
  path: 'credit_notes',
  idPrefix: 'cn',
  list: { filters: { ...created, customer: eq(), invoice: eq() } },
  update: {},
  subLists: { lines: { object: 'credit_note_line_item', items: (cn) => listData(cn, 'lines') } },
};

const disputes: ResourceDefinition = {
  object: 'dispute',
  path: 'disputes',
  idPrefix: 'dp',
  list: { filters: { ...created, charge: eq(), payment_intent: eq() } },
  update: {},
};

const paymentIntents: ResourceDefinition = {
  object: 'payment_intent',
  path: 'payment_intents',
  idPrefix: 'pi',
  list: { filters: { ...created, customer: eq() } },
  update: {},
};

// ---------------------------------------------------------------------------------------------
// Creatable resources (billing catalog and customers).
// ---------------------------------------------------------------------------------------------

const customers: ResourceDefinition = {
  object: 'customer',
  events: true,
  path: 'customers',
  idPrefix: 'cus',
  params: { balance: 'integer', next_invoice_sequence: 'integer' },
  writeOnly: ['payment_method', 'source', 'tax', 'tax_id_data', 'coupon', 'promotion_code', 'cash_balance'],
  list: { filters: { ...created, email: eq(), test_clock: eq() } },
  create: {
    defaults: () => ({
      address: null,
      balance: 0,
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      discount: null,
      email: null,
      invoice_prefix: randomPrefix(),
      invoice_settings: {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: {},
      name: null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    }),
  },
  update: {},
  del: 'remove',
};

const products: ResourceDefinition = {
  object: 'product',
  events: true,
  path: 'products',
  idPrefix: 'prod',
  params: { active: 'boolean', shippable: 'boolean' },
  writeOnly: ['default_price_data'],
  list: {
    filters: {
      ...created,
      active: bool(),
      shippable: bool(),
      url: eq(),
      ids: custom((p, value) => Array.isArray(value) && value.includes(p.id)),
    },
  },
  create: {
    required: ['name'],
    acceptsId: true,
    defaults: (ctx) => ({
      active: true,
      default_price: null,
      description: null,
      images: [],
      livemode: false,
      marketing_features: [],
      metadata: {},
      package_dimensions: null,
      shippable: null,
      statement_descriptor: null,
      tax_code: null,
      unit_label: null,
      updated: ctx.now(),
      url: null,
    }),
  },
  update: { build: (p, _params, ctx) => ({ ...p, updated: ctx.now() }) },
  del: 'remove',
  beforeDelete: (p, ctx) => {
    if (ctx.list('price', { product: p.id }).length > 0) {
      throw invalidRequest('This product cannot be deleted because it has one or more user-created prices.');
    }
  },
};

const RECURRING_INTERVALS = ['day', 'week', 'month', 'year'];

const prices: ResourceDefinition = {
  object: 'price',
  events: true,
  path: 'prices',
  idPrefix: 'price',
  params: {
    active: 'boolean',
    unit_amount: 'integer',
    'recurring.interval_count': 'integer',
    'recurring.trial_period_days': 'integer',
    'transform_quantity.divide_by': 'integer',
    'tiers[].up_to': 'integer',
    'tiers[].unit_amount': 'integer',
    'tiers[].flat_amount': 'integer',
  },
  writeOnly: ['product_data', 'transfer_lookup_key'],
  list: {
    filters: {
      ...created,
      active: bool(),
      currency: eq(),
      product: eq(),
      type: eq(),
      lookup_keys: custom((p, value) => Array.isArray(value) && value.includes(String(p.lookup_key))),
    },
  },
  create: {
    required: ['currency'],
    validate: (params, ctx) => {
      const { product, product_data, recurring } = params;
      if (product === undefined && product_data === undefined) {
        throw invalidRequest('You must specify either `product` or `product_data` when creating a price.', {
          param: 'product',
        });
      }
      if (typeof product === 'string' && !ctx.get('product', product)) {
        throw resourceMissing('product', product, 'product', 400);
      }
      if (isFormObject(product_data) && typeof product_data.name !== 'string') {
        throw invalidRequest('Missing required param: product_data[name].', {
          code: 'parameter_missing',
          param: 'product_data[name]',
        });
      }
      if (isFormObject(recurring) && !RECURRING_INTERVALS.includes(String(recurring.interval))) {
        throw invalidRequest(
          `Invalid recurring[interval]: must be one of ${RECURRING_INTERVALS.join(', ')}`,
          {
            param: 'recurring[interval]',
          },
        );
      }
      if (
        ['unit_amount', 'unit_amount_decimal', 'custom_unit_amount', 'tiers'].every(
          (k) => params[k] === undefined,
        ) &&
        params.billing_scheme !== 'tiered'
      ) {
        throw invalidRequest('Missing required param: unit_amount.', {
          code: 'parameter_missing',
          param: 'unit_amount',
        });
      }
    },
    defaults: () => ({
      active: true,
      billing_scheme: 'per_unit',
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: null,
      recurring: null,
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      unit_amount: null,
      unit_amount_decimal: null,
    }),
    build: (price, params, ctx) => {
      let product = price.product;
      if (isFormObject(params.product_data)) {
        const { metadata, ...data } = params.product_data;
        product = ctx.newId('prod');
        ctx.put({
          ...products.create!.defaults!(ctx),
          ...data,
          metadata: isFormObject(metadata) ? metadata : {},
          id: product as string,
          object: 'product',
          created: ctx.now(),
        });
      }
      const recurring = isFormObject(price.recurring)
        ? {
            interval_count: 1,
            meter: null,
            trial_period_days: null,
            usage_type: 'licensed',
            ...price.recurring,
          }
        : null;
      return {
        ...price,
        currency: String(price.currency).toLowerCase(),
        product,
        recurring,
        type: recurring ? 'recurring' : 'one_time',
        unit_amount_decimal:
          price.unit_amount_decimal ??
          (typeof price.unit_amount === 'number' ? String(price.unit_amount) : null),
      };
    },
  },
  update: {},
};

/** Every resource the sandbox serves. */
export const STRIPE_RESOURCES: readonly ResourceDefinition[] = [
  balanceTransactions,
  charges,
  creditNotes,
  customers,
  disputes,
  invoices,
  paymentIntents,
  payouts,
  prices,
  products,
  refunds,
  subscriptions,
];

export class ResourceRegistry {
  private readonly byPath = new Map<string, ResourceDefinition>();
  private readonly byObject = new Map<string, ResourceDefinition>();

  constructor(definitions: readonly ResourceDefinition[] = STRIPE_RESOURCES) {
    for (const def of definitions) this.register(def);
  }

  /** Adds a resource, or replaces the one with the same path. */
  register(def: ResourceDefinition): void {
    const previous = this.byPath.get(def.path);
    if (previous) this.byObject.delete(previous.object);
    this.byPath.set(def.path, def);
    this.byObject.set(def.object, def);
  }

  forPath(path: string): ResourceDefinition | undefined {
    return this.byPath.get(path);
  }

  forObject(object: string): ResourceDefinition | undefined {
    return this.byObject.get(object);
  }

  normalize(obj: StripeObject): StripeObject {
    return this.byObject.get(obj.object)?.normalize?.(obj) ?? obj;
  }

  all(): ResourceDefinition[] {
    return [...this.byPath.values()];
  }
}
