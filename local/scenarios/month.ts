/**
 * A realistic month of Stripe money movement for Quillstack, Inc. (November 2026, test mode, API
 * version 2026-10-28.endive): 22 customers billed in USD (Quillstack, Inc.) and EUR (Quillstack
 * Europe B.V.), monthly and annual plans, card and SEPA Direct Debit payments with their fees, a
 * mid-period upgrade with prorations, a post-payment credit note refunded to the card, a partial
 * refund, a refund that fails a week later, a dispute lost with its $15.00 fee, an invoice written
 * off, an invoice voided and reissued, and one payout per currency that sweeps an exact set of
 * balance transactions.
 *
 * `buildMonthScenario()` returns the webhook deliveries (shuffled the way Stripe delivers them), every
 * object as the Stripe API would return it at month end (for the local Stripe sandbox), a
 * human-readable description, and `MONTH_EXPECTATIONS`: per-currency totals worked out BY HAND.
 *
 * Everything is derived from the tables below plus a seeded PRNG, so two builds are deep-equal.
 */
import type Stripe from 'stripe';
import { DEMO_CUSTOMERS, DEMO_DISCOUNTS, DEMO_TAX_RATES } from './demo';
import { type Delivery, type ScheduledEvent, deliverySchedule, seededRandom } from './delivery';
import {
  type CustomerSpec,
  type EventOptions,
  HOUR,
  type InvoiceOptions,
  type LineSpec,
  customerObject,
  invoiceObject,
  seededBase62,
  stripeEvent,
  stripeId,
  unix,
} from './stripe-events';
import {
  type BuiltDispute,
  type CardSpec,
  type PaymentMethodSpec,
  type PaymentOptions,
  type SandboxBalanceTransaction,
  type SepaDebitSpec,
  AVAILABILITY_DAYS,
  chargeBalanceTransaction,
  chargeObject,
  creditNoteObject,
  disputeObject,
  feeScheduleOf,
  invoicePaymentObject,
  midnightAfter,
  paymentIds,
  paymentIntentObject,
  payoutIds,
  payoutObject,
  refundBalanceTransactions,
  refundIds,
  refundObject,
  seededDigits,
} from './stripe-money';

export const MONTH_START = '2026-11-01';
export const MONTH_END = '2026-12-01';
const SCENARIO_SEED = 'quillstack-month-2026-11';
/** The sandbox's "now": the objects are rendered as they stand when the month closes. */
const AS_OF = unix('2026-12-01T00:00:00Z');

const t = unix;

// ───────────────────────────── catalog ─────────────────────────────

// Same seeds as the demo, so products and prices carry the ids config/mapping.json knows.
const product = (name: string) => stripeId('prod', name);
const price = (name: string) => stripeId('price', name);

const CATALOG = {
  starterUsd: { product: product('starter'), price: price('starter-seat-monthly-usd'), unitAmount: 1900 },
  growthUsd: { product: product('growth'), price: price('growth-seat-monthly-usd'), unitAmount: 4900 },
  supportUsd: {
    product: product('premium-support'),
    price: price('premium-support-monthly-usd'),
    unitAmount: 29900,
  },
  scaleAnnualUsd: { product: product('scale'), price: price('scale-annual-usd'), unitAmount: 1_800_000 },
  implementationUsd: {
    product: product('implementation'),
    price: price('implementation-usd'),
    unitAmount: 250_000,
  },
  migrationUsd: {
    product: product('data-migration'),
    price: price('data-migration-usd'),
    unitAmount: 400_000,
  },
  starterEur: { product: product('starter'), price: price('starter-seat-monthly-eur'), unitAmount: 1700 },
  growthEur: { product: product('growth'), price: price('growth-seat-monthly-eur'), unitAmount: 4500 },
  scaleAnnualEur: { product: product('scale'), price: price('scale-annual-eur'), unitAmount: 1_200_000 },
} as const;
type Plan = (typeof CATALOG)[keyof typeof CATALOG];

const NY_TAX = DEMO_TAX_RATES.nySalesTax;
const FR_VAT = DEMO_TAX_RATES.frVat;

// ───────────────────────────── customers ─────────────────────────────

/** One customer of the month: who they are, since when, and how they pay. */
export interface MonthCustomer {
  key: string;
  spec: CustomerSpec;
  currency: 'usd' | 'eur';
  /** When the customer object was created; customers created in November fire customer.created. */
  since: number;
  method?: PaymentMethodSpec;
}

function card(key: string, brand: CardSpec['brand'], country: string, expYear = 2028): CardSpec {
  return {
    kind: 'card',
    id: stripeId('pm', `${key}:card`),
    brand,
    last4: seededDigits(`last4:${key}`, 4),
    country,
    expMonth: 1 + (Number(seededDigits(`exp:${key}`, 2)) % 12),
    expYear,
    funding: 'credit',
    // EEA-issued cards get European pricing on the EUR balance; everything else is a US card.
    fees: country === 'US' ? 'us_card' : 'eu_card',
  };
}

function sepa(key: string, bankCode: string, country: string): SepaDebitSpec {
  return {
    kind: 'sepa_debit',
    id: stripeId('pm', `${key}:sepa`),
    bankCode,
    country,
    last4: seededDigits(`iban:${key}`, 4),
    mandate: stripeId('mandate', key),
  };
}

const address = (
  line1: string,
  city: string,
  state: string | null,
  postal_code: string,
  country: string,
) => ({
  line1,
  line2: null,
  city,
  state,
  postal_code,
  country,
});

/** Stripe invoice prefixes are 8 random upper-case alphanumerics (e.g. `XAT8ODML`). */
function newCustomer(key: string, spec: Omit<CustomerSpec, 'id' | 'invoicePrefix'>): CustomerSpec {
  return { id: stripeId('cus', key), invoicePrefix: seededBase62(`prefix:${key}`, 8).toUpperCase(), ...spec };
}

const usd = (key: string, spec: CustomerSpec, since: string, method?: PaymentMethodSpec): MonthCustomer => ({
  key,
  spec,
  currency: 'usd',
  since: t(since),
  method,
});
const eur = (key: string, spec: CustomerSpec, since: string, method?: PaymentMethodSpec): MonthCustomer => ({
  key,
  spec,
  currency: 'eur',
  since: t(since),
  method,
});

/** The 22 customers (13 billed in USD by Quillstack, Inc., 9 in EUR by Quillstack Europe B.V.). */
export const MONTH_CUSTOMERS = {
  acme: usd('acme', DEMO_CUSTOMERS.acme, '2025-10-01T14:03:11Z', card('acme', 'visa', 'US')),
  brightline: usd(
    'brightline',
    DEMO_CUSTOMERS.brightline,
    '2026-11-01T00:12:40Z',
    card('brightline', 'amex', 'US'),
  ),
  cobalt: usd('cobalt', DEMO_CUSTOMERS.cobalt, '2026-05-01T09:30:00Z'),
  driftwood: usd(
    'driftwood',
    DEMO_CUSTOMERS.driftwood,
    '2026-07-14T18:22:05Z',
    card('driftwood', 'mastercard', 'US'),
  ),
  ferncliff: usd(
    'ferncliff',
    newCustomer('ferncliff-analytics', {
      name: 'Ferncliff Analytics, Inc.',
      email: 'billing@ferncliff-analytics.example',
      address: address('1801 Wewatta Street', 'Denver', 'CO', '80202', 'US'),
    }),
    '2026-02-01T10:00:00Z',
    card('ferncliff', 'visa', 'US'),
  ),
  granite: usd(
    'granite',
    newCustomer('granite-peak', {
      name: 'Granite Peak Outfitters LLC',
      email: 'ap@granite-peak.example',
      address: address('222 South Main Street', 'Salt Lake City', 'UT', '84101', 'US'),
    }),
    '2025-11-01T16:45:00Z',
    card('granite', 'visa', 'US'),
  ),
  harbor: usd(
    'harbor',
    newCustomer('harbor-and-pine', {
      name: 'Harbor & Pine Co.',
      email: 'ops@harbor-and-pine.example',
      address: address('88 Pier Avenue', 'Seattle', 'WA', '98101', 'US'),
    }),
    '2026-09-05T00:00:00Z',
    card('harbor', 'visa', 'US'),
  ),
  ironwood: usd(
    'ironwood',
    newCustomer('ironwood-legal', {
      name: 'Ironwood Legal LLP',
      email: 'accounts@ironwood-legal.example',
      address: address('71 South Wacker Drive', 'Chicago', 'IL', '60606', 'US'),
    }),
    '2026-03-08T00:00:00Z',
    card('ironwood', 'mastercard', 'US'),
  ),
  juniper: usd(
    'juniper',
    newCustomer('juniper-dental', {
      name: 'Juniper Dental Group, P.A.',
      email: 'office@juniper-dental.example',
      address: address('200 South Orange Avenue', 'Orlando', 'FL', '32801', 'US'),
    }),
    '2026-06-10T00:00:00Z',
    card('juniper', 'visa', 'US'),
  ),
  northgate: usd(
    'northgate',
    newCustomer('northgate-ventures', {
      name: 'Northgate Ventures LLC',
      email: 'finance@northgate-ventures.example',
      address: address('3960 Howard Hughes Parkway', 'Las Vegas', 'NV', '89169', 'US'),
    }),
    '2026-04-01T00:00:00Z',
  ),
  orchid: usd(
    'orchid',
    newCustomer('orchid-labs', {
      name: 'Orchid Labs, Inc.',
      email: 'ap@orchid-labs.example',
      address: address('500 Terry A Francois Boulevard', 'San Francisco', 'CA', '94158', 'US'),
    }),
    '2026-11-03T15:00:00Z',
    card('orchid', 'amex', 'US'),
  ),
  pinecrest: usd(
    'pinecrest',
    newCustomer('pinecrest-property', {
      name: 'Pinecrest Property Management Co.',
      email: 'payables@pinecrest-pm.example',
      address: address('3344 Peachtree Road NE', 'Atlanta', 'GA', '30326', 'US'),
    }),
    '2024-11-20T00:00:00Z',
    card('pinecrest', 'visa', 'US'),
  ),
  quarry: usd(
    'quarry',
    newCustomer('quarry-architects', {
      name: 'Quarry & Co. Architects PLLC',
      email: 'studio@quarry-architects.example',
      address: address('55 Water Street', 'Brooklyn', 'NY', '11201', 'US'),
    }),
    '2026-08-26T00:00:00Z',
    card('quarry', 'mastercard', 'US'),
  ),
  maisonLumiere: eur(
    'maison-lumiere',
    DEMO_CUSTOMERS.maisonLumiere,
    '2026-11-16T09:20:00Z',
    sepa('maison-lumiere', '30004', 'FR'),
  ),
  brouwerVisser: eur(
    'brouwer-visser',
    DEMO_CUSTOMERS.brouwerVisser,
    '2025-03-01T08:00:00Z',
    sepa('brouwer-visser', 'INGB', 'NL'),
  ),
  kaiser: eur(
    'kaiser',
    newCustomer('kaiser-maschinenbau', {
      name: 'Kaiser Maschinenbau GmbH',
      email: 'buchhaltung@kaiser-maschinenbau.example',
      address: address('Königsallee 60', 'Düsseldorf', null, '40212', 'DE'),
      taxExempt: 'reverse',
      taxIds: [{ type: 'eu_vat', value: 'DE812345679' }],
      preferredLocales: ['de-DE'],
    }),
    '2026-01-01T00:00:00Z',
    card('kaiser', 'mastercard', 'DE'),
  ),
  vanDamme: eur(
    'van-damme',
    newCustomer('atelier-van-damme', {
      name: 'Atelier Van Damme BV',
      email: 'boekhouding@atelier-vandamme.example',
      address: address('Meir 24', 'Antwerpen', null, '2000', 'BE'),
      taxExempt: 'reverse',
      taxIds: [{ type: 'eu_vat', value: 'BE0812345678' }],
      preferredLocales: ['nl-BE'],
    }),
    '2026-05-07T00:00:00Z',
    card('van-damme', 'visa', 'BE'),
  ),
  hernandez: eur(
    'hernandez',
    newCustomer('hernandez-ruiz', {
      name: 'Hernández y Ruiz Consultores S.L.',
      email: 'facturas@hernandez-ruiz.example',
      address: address('Paseo de la Castellana 95', 'Madrid', null, '28046', 'ES'),
      taxExempt: 'reverse',
      taxIds: [{ type: 'eu_vat', value: 'ESB12345674' }],
      preferredLocales: ['es-ES'],
    }),
    '2026-02-03T00:00:00Z',
    card('hernandez', 'visa', 'ES', 2026),
  ),
  bellavista: eur(
    'bellavista',
    newCustomer('studio-bellavista', {
      name: 'Studio Bellavista S.r.l.',
      email: 'amministrazione@studio-bellavista.example',
      address: address('Via Montenapoleone 8', 'Milano', null, '20121', 'IT'),
      taxExempt: 'reverse',
      taxIds: [{ type: 'eu_vat', value: 'IT12345678901' }],
      preferredLocales: ['it-IT'],
    }),
    '2026-08-15T00:00:00Z',
    card('bellavista', 'mastercard', 'IT'),
  ),
  corrib: eur(
    'corrib',
    newCustomer('corrib-software', {
      name: 'Corrib Software Ltd',
      email: 'accounts@corrib-software.example',
      address: address('Eyre Square 12', 'Galway', null, 'H91 F2TE', 'IE'),
      taxExempt: 'reverse',
      taxIds: [{ type: 'eu_vat', value: 'IE1234567T' }],
    }),
    '2025-11-09T00:00:00Z',
    sepa('corrib', 'AIBK', 'IE'),
  ),
  riveGauche: eur(
    'rive-gauche',
    newCustomer('rive-gauche-editions', {
      name: 'Rive Gauche Éditions SARL',
      email: 'compta@rive-gauche-editions.example',
      address: address('27 Rue Jacob', 'Paris', null, '75006', 'FR'),
      taxIds: [{ type: 'eu_vat', value: 'FR56912345678' }],
      preferredLocales: ['fr-FR'],
    }),
    '2026-06-20T00:00:00Z',
    card('rive-gauche', 'visa', 'FR'),
  ),
  vandermeer: eur(
    'vandermeer',
    newCustomer('vandermeer-logistiek', {
      name: 'Vandermeer Logistiek B.V.',
      email: 'crediteuren@vandermeer-logistiek.example',
      address: address('Wilhelminakade 91', 'Rotterdam', null, '3072 AP', 'NL'),
      taxExempt: 'reverse',
      taxIds: [{ type: 'eu_vat', value: 'NL823456789B01' }],
      preferredLocales: ['nl-NL'],
    }),
    '2026-11-24T09:45:00Z',
    card('vandermeer', 'mastercard', 'NL'),
  ),
} satisfies Record<string, MonthCustomer>;
type CustomerKey = keyof typeof MONTH_CUSTOMERS;
const C = MONTH_CUSTOMERS;

/** Profile changes during the month → customer.updated with the fields' previous values. */
interface CustomerUpdate {
  customer: CustomerKey;
  at: number;
  spec: CustomerSpec;
  previous: Partial<Stripe.Customer>;
}

const CUSTOMER_UPDATES: readonly CustomerUpdate[] = [
  {
    customer: 'ferncliff',
    at: t('2026-11-16T14:05:37Z'),
    spec: { ...C.ferncliff.spec, email: 'finance@ferncliff-analytics.example' },
    previous: { email: C.ferncliff.spec.email },
  },
  {
    customer: 'acme',
    at: t('2026-11-18T11:26:52Z'),
    spec: {
      ...C.acme.spec,
      address: address('1 Vanderbilt Avenue, Floor 52', 'New York', 'NY', '10017', 'US'),
    },
    previous: { address: C.acme.spec.address ?? null },
  },
  {
    customer: 'hernandez',
    at: t('2026-11-19T09:12:03Z'),
    spec: { ...C.hernandez.spec, phone: '+34 910 000 417' },
    previous: { phone: null },
  },
];

// ───────────────────────────── invoices ─────────────────────────────

/** Salesforce opportunity ids (18-char, key prefix 006) carried as the correlation id. */
const opportunity = (name: string) => `opp_006Demo${seededBase62(`opp:${name}`, 11)}`;
const subscription = (name: string) => ({
  id: stripeId('sub', name),
  metadata: { correlation_id: opportunity(name) },
});

function addMonths(at: number, months: number): number {
  const d = new Date(at * 1000);
  return (
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    ) / 1000
  );
}
const monthFrom = (start: number) => ({ start, end: addMonths(start, 1) });
const yearFrom = (start: number) => ({ start, end: addMonths(start, 12) });

/** `quantity × plan` over `period`, e.g. "12 × Growth (at $49.00 / month)". */
function seats(
  key: string,
  plan: Plan,
  quantity: number,
  label: string,
  period: { start: number; end: number },
  extra: Partial<LineSpec> = {},
): LineSpec {
  return {
    key,
    kind: 'subscription',
    description: `${quantity} × ${label}`,
    ...plan,
    quantity,
    period,
    ...extra,
  };
}

/** One invoice of the month and what happened to it. */
interface MonthInvoice {
  key: string;
  customer: MonthCustomer;
  summary: string;
  opts: InvoiceOptions;
  /** Stripe-initiated (renewals, scheduled changes) or by the team through the API / Dashboard. */
  finalizedBy: NonNullable<EventOptions['origin']>;
  /** Paid: when; SEPA debits are initiated at finalization and confirm days later. */
  paidAt?: number;
  voidedAt?: number;
  markedUncollectibleAt?: number;
}

/** A subscription renewal, created at the period start and finalized an hour later (Stripe's draft window). */
function renewal(
  key: string,
  customer: MonthCustomer,
  args: {
    created: string;
    sequence: number;
    sub: string;
    lines: (period: { start: number; end: number }) => LineSpec[];
    summary: string;
    paidAt?: number | 'auto';
    annual?: boolean;
  } & Pick<InvoiceOptions, 'collectionMethod' | 'daysUntilDue'>,
): MonthInvoice {
  const created = t(args.created);
  const period = args.annual ? yearFrom(created) : monthFrom(created);
  // Card renewals are charged a few seconds after the hour-long draft window closes.
  const paidAt =
    args.paidAt === 'auto' ? created + HOUR + 2 + (Number(seededDigits(key, 1)) % 8) : args.paidAt;
  return {
    key,
    customer,
    summary: args.summary,
    finalizedBy: 'automatic',
    paidAt,
    opts: {
      seed: `month:${key}`,
      customer: customer.spec,
      currency: customer.currency,
      created,
      sequence: args.sequence,
      subscription: subscription(args.sub),
      billingReason: 'subscription_cycle',
      collectionMethod: args.collectionMethod,
      daysUntilDue: args.daysUntilDue,
      periodStart: args.annual ? addMonths(created, -12) : addMonths(created, -1),
      periodEnd: created,
      lines: args.lines(period),
    },
  };
}

const FERNCLIFF_SUB = 'ferncliff-analytics-starter';
const UPGRADE_AT = t('2026-11-16T00:00:00Z');

function ferncliffRenewal(): MonthInvoice {
  return renewal('ferncliff:2026-11-renewal', C.ferncliff, {
    created: '2026-11-01T00:00:00Z',
    sequence: 10,
    sub: FERNCLIFF_SUB,
    paidAt: 'auto',
    summary: 'monthly renewal: Starter 10 seats, card',
    lines: (p) => [seats('seats', CATALOG.starterUsd, 10, 'Starter (at $19.00 / month)', p)],
  });
}

/**
 * The subscription schedule moves Ferncliff from Starter to Growth on 16 Nov 00:00 UTC, halfway
 * through its 1 Nov → 1 Dec period (15 of 30 days left, so every proration is exactly half a month):
 * a credit for the unused Starter time and a charge for the remaining Growth time, invoiced at once.
 */
function ferncliffUpgrade(): MonthInvoice {
  const original = invoiceObject(ferncliffRenewal().opts);
  const [originalSeats] = original.lines.data;
  const item = originalSeats.parent?.subscription_item_details?.subscription_item ?? undefined;
  const period = { start: UPGRADE_AT, end: t('2026-12-01T00:00:00Z') };
  return {
    key: 'ferncliff:2026-11-upgrade',
    customer: C.ferncliff,
    summary: 'mid-period upgrade Starter → Growth (10 seats) on 16 Nov: prorations −$95.00 / +$245.00, card',
    finalizedBy: 'automatic',
    paidAt: UPGRADE_AT + 5,
    opts: {
      seed: 'month:ferncliff:2026-11-upgrade',
      customer: C.ferncliff.spec,
      currency: 'usd',
      created: UPGRADE_AT,
      finalizedAt: UPGRADE_AT,
      sequence: 11,
      subscription: subscription(FERNCLIFF_SUB),
      billingReason: 'subscription_update',
      lines: [
        seats('unused-starter', CATALOG.starterUsd, 10, 'Starter after 16 Nov 2026', period, {
          description: 'Unused time on 10 × Starter after 16 Nov 2026',
          unitAmount: -950,
          subscriptionItem: item,
          proration: { creditedItems: { invoice: original.id, invoiceLineItems: [originalSeats.id] } },
        }),
        seats('remaining-growth', CATALOG.growthUsd, 10, 'Growth after 16 Nov 2026', period, {
          description: 'Remaining time on 10 × Growth after 16 Nov 2026',
          unitAmount: 2450,
          subscriptionItem: item,
          proration: {},
        }),
      ],
    },
  };
}

function orchidInvoice(key: string, plan: Plan, created: string, description: string): InvoiceOptions {
  return {
    seed: `month:orchid:${key}`,
    customer: C.orchid.spec,
    currency: 'usd',
    created: t(created),
    finalizedAt: t(created) + 5 * 60,
    // No subscription parent: the correlation id travels on the invoice's own metadata.
    metadata: { correlation_id: opportunity('orchid-labs-onboarding') },
    billingReason: 'manual',
    collectionMethod: 'send_invoice',
    daysUntilDue: 15,
    sequence: key === 'reissued' ? 2 : 1,
    lines: [{ key: 'services', kind: 'one_time', description, ...plan }],
  };
}

function usdInvoices(): MonthInvoice[] {
  return [
    renewal('acme:2026-11-renewal', C.acme, {
      created: '2026-11-01T00:00:00Z',
      sequence: 11,
      sub: 'acme-robotics-growth',
      paidAt: 'auto',
      summary: 'monthly renewal: Growth 12 seats + Premium support, ACME10 coupon, NY sales tax 8.875%',
      lines: (p) => [
        seats('seats', CATALOG.growthUsd, 12, 'Growth (at $49.00 / month)', p, {
          discount: DEMO_DISCOUNTS.acme10,
          taxRate: NY_TAX,
        }),
        seats('support', CATALOG.supportUsd, 1, 'Premium support (at $299.00 / month)', p, {
          discount: DEMO_DISCOUNTS.acme10,
          taxRate: NY_TAX,
        }),
      ],
    }),
    {
      key: 'brightline:2026-11-create',
      customer: C.brightline,
      summary: 'new annual Scale + one-time implementation, net 30, paid by card on the hosted page',
      finalizedBy: 'api',
      paidAt: t('2026-11-12T14:30:00Z'),
      opts: {
        seed: 'month:brightline:2026-11-create',
        customer: C.brightline.spec,
        currency: 'usd',
        created: t('2026-11-01T00:20:00Z'),
        finalizedAt: t('2026-11-01T01:20:00Z'),
        sequence: 1,
        subscription: subscription('brightline-logistics-scale'),
        billingReason: 'subscription_create',
        collectionMethod: 'send_invoice',
        daysUntilDue: 30,
        lines: [
          seats(
            'scale',
            CATALOG.scaleAnnualUsd,
            1,
            'Scale (at $18,000.00 / year)',
            yearFrom(t('2026-11-01T00:20:00Z')),
          ),
          {
            key: 'implementation',
            kind: 'one_time',
            description: 'Implementation services (one-time)',
            ...CATALOG.implementationUsd,
          },
        ],
      },
    },
    renewal('cobalt:2026-11-renewal', C.cobalt, {
      created: '2026-11-01T00:00:00Z',
      sequence: 6,
      sub: 'cobalt-health-growth',
      collectionMethod: 'send_invoice',
      daysUntilDue: 30,
      summary: 'monthly renewal: Growth 25 seats, net 30 — open at month end',
      lines: (p) => [seats('seats', CATALOG.growthUsd, 25, 'Growth (at $49.00 / month)', p)],
    }),
    renewal('driftwood:2026-11-renewal', C.driftwood, {
      created: '2026-11-14T18:22:05Z',
      sequence: 4,
      sub: 'driftwood-studio-starter',
      paidAt: 'auto',
      summary: 'monthly renewal (anchor on the 14th): Starter 3 seats, card',
      lines: (p) => [seats('seats', CATALOG.starterUsd, 3, 'Starter (at $19.00 / month)', p)],
    }),
    ferncliffRenewal(),
    ferncliffUpgrade(),
    renewal('granite:2026-11-renewal', C.granite, {
      created: '2026-11-01T00:00:00Z',
      sequence: 13,
      sub: 'granite-peak-growth',
      paidAt: 'auto',
      summary: 'monthly renewal: Growth 30 seats, card — 10% refunded on 9 Nov as goodwill',
      lines: (p) => [seats('seats', CATALOG.growthUsd, 30, 'Growth (at $49.00 / month)', p)],
    }),
    renewal('harbor:2026-11-renewal', C.harbor, {
      created: '2026-11-05T00:00:00Z',
      sequence: 3,
      sub: 'harbor-and-pine-starter',
      paidAt: 'auto',
      summary: 'monthly renewal: Starter 8 seats, card — disputed as fraudulent on 12 Nov, lost',
      lines: (p) => [seats('seats', CATALOG.starterUsd, 8, 'Starter (at $19.00 / month)', p)],
    }),
    renewal('ironwood:2026-11-renewal', C.ironwood, {
      created: '2026-11-08T00:00:00Z',
      sequence: 9,
      sub: 'ironwood-legal-growth',
      paidAt: 'auto',
      summary: 'monthly renewal: Growth 6 seats + Premium support, card',
      lines: (p) => [
        seats('seats', CATALOG.growthUsd, 6, 'Growth (at $49.00 / month)', p),
        seats('support', CATALOG.supportUsd, 1, 'Premium support (at $299.00 / month)', p),
      ],
    }),
    renewal('juniper:2026-11-renewal', C.juniper, {
      created: '2026-11-10T00:00:00Z',
      sequence: 6,
      sub: 'juniper-dental-starter',
      paidAt: 'auto',
      summary: 'monthly renewal: Starter 12 seats, card',
      lines: (p) => [seats('seats', CATALOG.starterUsd, 12, 'Starter (at $19.00 / month)', p)],
    }),
    {
      ...renewal('northgate:2026-11-renewal', C.northgate, {
        created: '2026-11-01T00:00:00Z',
        sequence: 8,
        sub: 'northgate-ventures-growth',
        collectionMethod: 'send_invoice',
        daysUntilDue: 15,
        summary: 'monthly renewal: Growth 4 seats, net 15 — never paid, written off on 30 Nov',
        lines: (p) => [seats('seats', CATALOG.growthUsd, 4, 'Growth (at $49.00 / month)', p)],
      }),
      markedUncollectibleAt: t('2026-11-30T17:00:00Z'),
    },
    {
      key: 'orchid:first',
      customer: C.orchid,
      summary: 'one-off onboarding invoice billed as data migration by mistake — voided the same day',
      finalizedBy: 'api',
      voidedAt: t('2026-11-03T16:05:00Z'),
      opts: orchidInvoice(
        'first',
        CATALOG.migrationUsd,
        '2026-11-03T15:10:00Z',
        'Custom data migration (one-time)',
      ),
    },
    {
      key: 'orchid:reissued',
      customer: C.orchid,
      summary: 'the reissued onboarding invoice: implementation services, net 15, paid by card',
      finalizedBy: 'api',
      paidAt: t('2026-11-10T11:48:31Z'),
      opts: orchidInvoice(
        'reissued',
        CATALOG.implementationUsd,
        '2026-11-03T16:20:00Z',
        'Implementation services (one-time)',
      ),
    },
    renewal('pinecrest:2026-11-renewal', C.pinecrest, {
      created: '2026-11-20T00:00:00Z',
      sequence: 3,
      sub: 'pinecrest-property-scale',
      annual: true,
      paidAt: 'auto',
      summary: 'annual renewal: Scale (2026-11-20 → 2027-11-20), card',
      lines: (p) => [seats('scale', CATALOG.scaleAnnualUsd, 1, 'Scale (at $18,000.00 / year)', p)],
    }),
    renewal('quarry:2026-11-renewal', C.quarry, {
      created: '2026-11-26T00:00:00Z',
      sequence: 4,
      sub: 'quarry-architects-starter',
      paidAt: 'auto',
      summary: 'monthly renewal: Starter 5 seats, NY sales tax 8.875%, card — not yet paid out',
      lines: (p) => [
        seats('seats', CATALOG.starterUsd, 5, 'Starter (at $19.00 / month)', p, { taxRate: NY_TAX }),
      ],
    }),
  ];
}

function eurInvoices(): MonthInvoice[] {
  return [
    renewal('brouwer-visser:2026-11-renewal', C.brouwerVisser, {
      created: '2026-11-01T00:00:00Z',
      sequence: 9,
      sub: 'brouwer-visser-growth',
      // SEPA Direct Debit confirms about five business days after it was submitted.
      paidAt: t('2026-11-06T05:58:02Z'),
      summary: 'monthly renewal: Growth 8 seats, EU reverse charge, SEPA Direct Debit',
      lines: (p) => [seats('seats', CATALOG.growthEur, 8, 'Growth (at €45.00 / month)', p)],
    }),
    {
      key: 'maison-lumiere:2026-11-create',
      customer: C.maisonLumiere,
      summary:
        'new annual Scale (2026-11-16 → 2027-11-16), French VAT 20%, SEPA Direct Debit — not yet paid out',
      finalizedBy: 'api',
      paidAt: t('2026-11-23T06:41:17Z'),
      opts: {
        seed: 'month:maison-lumiere:2026-11-create',
        customer: C.maisonLumiere.spec,
        currency: 'eur',
        created: t('2026-11-16T09:30:00Z'),
        sequence: 1,
        subscription: subscription('maison-lumiere-scale'),
        billingReason: 'subscription_create',
        lines: [
          seats(
            'scale',
            CATALOG.scaleAnnualEur,
            1,
            'Scale (at €12,000.00 / year)',
            yearFrom(t('2026-11-16T09:30:00Z')),
            {
              taxRate: FR_VAT,
            },
          ),
        ],
      },
    },
    renewal('kaiser:2026-11-renewal', C.kaiser, {
      created: '2026-11-01T00:00:00Z',
      sequence: 11,
      sub: 'kaiser-maschinenbau-growth',
      paidAt: 'auto',
      summary: 'monthly renewal: Growth 15 seats, EU reverse charge, card',
      lines: (p) => [seats('seats', CATALOG.growthEur, 15, 'Growth (at €45.00 / month)', p)],
    }),
    renewal('van-damme:2026-11-renewal', C.vanDamme, {
      created: '2026-11-07T00:00:00Z',
      sequence: 7,
      sub: 'atelier-van-damme-starter',
      paidAt: 'auto',
      summary: 'monthly renewal: Starter 6 seats, EU reverse charge, card',
      lines: (p) => [seats('seats', CATALOG.starterEur, 6, 'Starter (at €17.00 / month)', p)],
    }),
    renewal('hernandez:2026-11-renewal', C.hernandez, {
      created: '2026-11-03T00:00:00Z',
      sequence: 10,
      sub: 'hernandez-ruiz-growth',
      paidAt: 'auto',
      summary:
        'monthly renewal: Growth 10 seats, EU reverse charge, card — €90.00 refund failed (card closed)',
      lines: (p) => [seats('seats', CATALOG.growthEur, 10, 'Growth (at €45.00 / month)', p)],
    }),
    renewal('bellavista:2026-11-renewal', C.bellavista, {
      created: '2026-11-15T00:00:00Z',
      sequence: 4,
      sub: 'studio-bellavista-starter',
      paidAt: 'auto',
      summary: 'monthly renewal: Starter 4 seats, EU reverse charge, card',
      lines: (p) => [seats('seats', CATALOG.starterEur, 4, 'Starter (at €17.00 / month)', p)],
    }),
    renewal('corrib:2026-11-renewal', C.corrib, {
      created: '2026-11-09T00:00:00Z',
      sequence: 2,
      sub: 'corrib-software-scale',
      annual: true,
      paidAt: t('2026-11-16T06:10:44Z'),
      summary: 'annual renewal: Scale (2026-11-09 → 2027-11-09), EU reverse charge, SEPA Direct Debit',
      lines: (p) => [seats('scale', CATALOG.scaleAnnualEur, 1, 'Scale (at €12,000.00 / year)', p)],
    }),
    renewal('rive-gauche:2026-11-renewal', C.riveGauche, {
      created: '2026-11-20T00:00:00Z',
      sequence: 6,
      sub: 'rive-gauche-growth',
      paidAt: 'auto',
      summary: 'monthly renewal: Growth 5 seats, French VAT 20%, card',
      lines: (p) => [
        seats('seats', CATALOG.growthEur, 5, 'Growth (at €45.00 / month)', p, { taxRate: FR_VAT }),
      ],
    }),
    {
      key: 'vandermeer:2026-11-create',
      customer: C.vandermeer,
      summary:
        'new annual Scale, EU reverse charge, net 14, paid by card on the hosted page — not yet paid out',
      finalizedBy: 'api',
      paidAt: t('2026-11-27T15:33:20Z'),
      opts: {
        seed: 'month:vandermeer:2026-11-create',
        customer: C.vandermeer.spec,
        currency: 'eur',
        created: t('2026-11-24T10:00:00Z'),
        finalizedAt: t('2026-11-24T10:04:10Z'),
        sequence: 1,
        subscription: subscription('vandermeer-logistiek-scale'),
        billingReason: 'subscription_create',
        collectionMethod: 'send_invoice',
        daysUntilDue: 14,
        lines: [
          seats(
            'scale',
            CATALOG.scaleAnnualEur,
            1,
            'Scale (at €12,000.00 / year)',
            yearFrom(t('2026-11-24T10:00:00Z')),
          ),
        ],
      },
    },
  ];
}

// ───────────────────────────── payouts ─────────────────────────────

/**
 * One automatic payout per currency, created on Friday 27 Nov and arriving Monday 30 Nov: it sweeps
 * every balance transaction of the month that is available by the time it is created.
 */
const PAYOUT_PLAN = {
  usd: { seed: 'month:payout:usd:2026-11-27', bank: stripeId('ba', 'quillstack-us-operating') },
  eur: { seed: 'month:payout:eur:2026-11-27', bank: stripeId('ba', 'quillstack-eu-operating') },
} as const;
const PAYOUT_CREATED = t('2026-11-27T05:02:11Z');
const PAYOUT_ARRIVAL = t('2026-11-30T00:00:00Z');
const PAYOUT_PAID_EVENT = t('2026-11-30T06:14:52Z');

/** The payout that swept a transaction available on `availableOn`, or null (still in the balance at month end). */
function sweptBy(currency: string, availableOn: number): string | null {
  const plan = currency === 'usd' ? PAYOUT_PLAN.usd : PAYOUT_PLAN.eur;
  return availableOn <= PAYOUT_CREATED ? payoutIds(plan.seed).payout : null;
}

// ───────────────────────────── building the month ─────────────────────────────

/** Everything the month produced, keyed for the scenario's own wiring. */
interface Ledger {
  events: ScheduledEvent[];
  customers: Stripe.Customer[];
  invoices: Stripe.Invoice[];
  invoicePayments: Stripe.InvoicePayment[];
  paymentIntents: Stripe.PaymentIntent[];
  charges: Map<string, Stripe.Charge>;
  refunds: Stripe.Refund[];
  creditNotes: Stripe.CreditNote[];
  disputes: Stripe.Dispute[];
  balanceTransactions: SandboxBalanceTransaction[];
  payouts: Stripe.Payout[];
}

function schedule<E extends Stripe.Event>(
  ledger: Ledger,
  subject: string,
  created: number,
  build: () => E,
): void {
  const probe = build();
  // The delivery schedule and the payload must agree on when the event happened.
  if (probe.created !== created)
    throw new Error(`${probe.type} for ${subject}: created ${probe.created} ≠ ${created}`);
  ledger.events.push({ type: probe.type, subject, created, build });
}

/** A paid invoice's payment: who paid, how, and when (SEPA debits start at finalization). */
function paymentOf(inv: MonthInvoice, invoice: Stripe.Invoice): PaymentOptions {
  const method = inv.customer.method;
  if (!method) throw new Error(`${inv.key} is paid but its customer has no payment method`);
  const finalizedAt = invoice.status_transitions.finalized_at ?? invoice.created;
  const paidAt = invoice.status_transitions.paid_at ?? finalizedAt;
  const descriptions: Record<string, string> = {
    subscription_create: 'Subscription creation',
    subscription_update: 'Subscription update',
    subscription_cycle: 'Subscription update',
  };
  return {
    seed: `month:payment:${inv.key}`,
    customer: inv.customer.spec,
    amount: invoice.amount_paid,
    currency: invoice.currency,
    method,
    created: method.kind === 'sepa_debit' ? finalizedAt : paidAt,
    description: descriptions[invoice.billing_reason ?? ''] ?? 'Payment for Invoice',
  };
}

function invoiceEvents(ledger: Ledger, inv: MonthInvoice): void {
  const open = invoiceObject(inv.opts);
  const finalizedAt = open.status_transitions.finalized_at ?? open.created;
  schedule(ledger, open.id, finalizedAt, () =>
    stripeEvent('invoice.finalized', invoiceObject(inv.opts), { origin: inv.finalizedBy }),
  );
  if (inv.paidAt !== undefined) {
    const paid = { ...inv.opts, paidAt: inv.paidAt };
    schedule(ledger, open.id, inv.paidAt, () =>
      stripeEvent('invoice.paid', invoiceObject(paid), { origin: 'automatic' }),
    );
    schedule(ledger, open.id, inv.paidAt, () =>
      stripeEvent('invoice.payment_succeeded', invoiceObject(paid), { origin: 'automatic' }),
    );
  }
  const voided = { ...inv.opts, voidedAt: inv.voidedAt };
  if (inv.voidedAt !== undefined)
    schedule(ledger, open.id, inv.voidedAt, () => stripeEvent('invoice.voided', invoiceObject(voided)));
  const writtenOff = { ...inv.opts, markedUncollectibleAt: inv.markedUncollectibleAt };
  if (inv.markedUncollectibleAt !== undefined)
    schedule(ledger, open.id, inv.markedUncollectibleAt, () =>
      stripeEvent('invoice.marked_uncollectible', invoiceObject(writtenOff)),
    );
}

/** Records a paid invoice's PaymentIntent, charge (as first rendered), balance transaction and invoice payment. */
function recordPayment(ledger: Ledger, inv: MonthInvoice, paidInvoice: Stripe.Invoice): PaymentOptions {
  const payment = paymentOf(inv, paidInvoice);
  const paidAt = paidInvoice.status_transitions.paid_at ?? payment.created;
  const availableOn = midnightAfter(paidAt, AVAILABILITY_DAYS[feeScheduleOf(payment.method)]);
  ledger.paymentIntents.push(paymentIntentObject(payment));
  ledger.charges.set(paymentIds(payment.seed).charge, chargeObject(payment));
  ledger.invoicePayments.push(invoicePaymentObject(payment, paidInvoice));
  ledger.balanceTransactions.push(
    chargeBalanceTransaction(payment, {
      created: paidAt,
      payout: sweptBy(payment.currency, availableOn),
      asOf: AS_OF,
    }),
  );
  return payment;
}

// ── the post-payment credit note: Acme drops 2 of its 12 Growth seats for November, refunded to the card

const ACME_CN_AT = t('2026-11-20T10:15:00Z');

function acmeCreditNote(ledger: Ledger, inv: MonthInvoice, payment: PaymentOptions): void {
  const paidInvoice = invoiceObject({ ...inv.opts, paidAt: inv.paidAt });
  const seatsLine = paidInvoice.lines.data[0];
  const refundSeed = 'month:acme:credit-note-refund';
  const creditNote = creditNoteObject({
    seed: 'month:acme:credit-note',
    invoice: paidInvoice,
    lines: [{ invoiceLine: seatsLine, quantity: 2, taxRate: NY_TAX }],
    created: ACME_CN_AT,
    reason: 'order_change',
    memo: 'Two Growth seats removed for November (seat count corrected after the renewal).',
    refunds: [{ refund: refundIds(refundSeed).refund }],
  });
  const charge = chargeObject(payment);
  const refund = refundObject({
    seed: refundSeed,
    charge,
    amount: creditNote.refunds[0].amount_refunded,
    created: ACME_CN_AT,
    status: 'succeeded',
  });
  const refunded = chargeObject({ ...payment, refunds: [refund] });
  ledger.creditNotes.push(creditNote);
  ledger.refunds.push(refund);
  ledger.charges.set(charge.id, refunded);
  ledger.balanceTransactions.push(
    ...refundBalanceTransactions(refund, { payout: sweptBy(refund.currency, ACME_CN_AT), asOf: AS_OF }),
  );
  schedule(ledger, creditNote.id, ACME_CN_AT, () => stripeEvent('credit_note.created', creditNote));
  schedule(ledger, refund.id, ACME_CN_AT, () => stripeEvent('refund.created', refund));
  schedule(ledger, charge.id, ACME_CN_AT, () => stripeEvent('charge.refunded', refunded));
}

// ── a standalone partial refund: Granite gets 10% back as goodwill after an outage

const GRANITE_REFUND_AT = t('2026-11-09T16:20:00Z');

function graniteRefund(ledger: Ledger, payment: PaymentOptions): void {
  const charge = chargeObject(payment);
  const refund = refundObject({
    seed: 'month:granite:goodwill-refund',
    charge,
    amount: 14_700,
    created: GRANITE_REFUND_AT,
    status: 'succeeded',
    reason: 'requested_by_customer',
    metadata: { note: 'goodwill credit for the 6 Nov outage' },
  });
  const refunded = chargeObject({ ...payment, refunds: [refund] });
  ledger.refunds.push(refund);
  ledger.charges.set(charge.id, refunded);
  ledger.balanceTransactions.push(
    ...refundBalanceTransactions(refund, {
      payout: sweptBy(refund.currency, GRANITE_REFUND_AT),
      asOf: AS_OF,
    }),
  );
  schedule(ledger, refund.id, GRANITE_REFUND_AT, () => stripeEvent('refund.created', refund));
  schedule(ledger, charge.id, GRANITE_REFUND_AT, () => stripeEvent('charge.refunded', refunded));
}

// ── a refund that fails a week later: Hernández's card was closed before the €90.00 reached it

const HERNANDEZ_REFUND_AT = t('2026-11-12T10:30:00Z');
const HERNANDEZ_REFUND_FAILED_AT = t('2026-11-19T08:00:00Z');

function hernandezFailedRefund(ledger: Ledger, payment: PaymentOptions): void {
  const charge = chargeObject(payment);
  const base = {
    seed: 'month:hernandez:seat-refund',
    charge,
    amount: 9_000,
    created: HERNANDEZ_REFUND_AT,
    reason: 'requested_by_customer',
  } as const;
  const issued = refundObject({ ...base, status: 'succeeded' });
  const failed = refundObject({ ...base, status: 'failed', failureReason: 'expired_or_canceled_card' });
  const refundedAtFirst = chargeObject({ ...payment, refunds: [issued] });
  // Once the refund fails the money is back: the charge no longer counts it as refunded.
  ledger.charges.set(charge.id, chargeObject({ ...payment, refunds: [failed] }));
  ledger.refunds.push(failed);
  ledger.balanceTransactions.push(
    ...refundBalanceTransactions(failed, {
      payout: sweptBy(failed.currency, HERNANDEZ_REFUND_AT),
      failedAt: HERNANDEZ_REFUND_FAILED_AT,
      failurePayout: sweptBy(failed.currency, HERNANDEZ_REFUND_FAILED_AT),
      asOf: AS_OF,
    }),
  );
  schedule(ledger, issued.id, HERNANDEZ_REFUND_AT, () => stripeEvent('refund.created', issued));
  schedule(ledger, charge.id, HERNANDEZ_REFUND_AT, () => stripeEvent('charge.refunded', refundedAtFirst));
  schedule(ledger, failed.id, HERNANDEZ_REFUND_FAILED_AT, () =>
    stripeEvent('refund.updated', failed, {
      created: HERNANDEZ_REFUND_FAILED_AT,
      origin: 'automatic',
      previousAttributes: { status: 'succeeded' },
    }),
  );
}

// ── a dispute: Harbor & Pine's cardholder reports the renewal as fraud; Quillstack accepts it (lost)

const HARBOR_DISPUTE_AT = t('2026-11-12T09:14:27Z');
const HARBOR_DISPUTE_CLOSED_AT = t('2026-11-19T16:02:11Z');

function harborDispute(ledger: Ledger, payment: PaymentOptions): void {
  const charge = chargeObject(payment);
  const base = {
    seed: 'month:harbor:dispute',
    charge,
    created: HARBOR_DISPUTE_AT,
    reason: 'fraudulent',
    fee: 1500,
    evidenceDueBy: t('2026-11-22T23:59:59Z'),
    networkReasonCode: '10.4',
    payouts: { withdrawal: sweptBy(charge.currency, HARBOR_DISPUTE_AT) },
    asOf: AS_OF,
  } as const;
  const opened: BuiltDispute = disputeObject({ ...base, status: 'needs_response' });
  const lost: BuiltDispute = disputeObject({ ...base, status: 'lost' });
  ledger.disputes.push(lost.dispute);
  ledger.balanceTransactions.push(...lost.balanceTransactions);
  ledger.charges.set(charge.id, chargeObject({ ...payment, disputed: true }));
  schedule(ledger, lost.dispute.id, HARBOR_DISPUTE_AT, () =>
    stripeEvent('charge.dispute.created', opened.dispute, { origin: 'automatic' }),
  );
  // Accepting the dispute in the Dashboard closes it as lost at once: an API-originated event.
  schedule(ledger, lost.dispute.id, HARBOR_DISPUTE_CLOSED_AT, () =>
    stripeEvent('charge.dispute.closed', lost.dispute, { created: HARBOR_DISPUTE_CLOSED_AT }),
  );
}

/** The money stories hang off specific paid invoices. */
const AFTERMATH: Partial<
  Record<string, (ledger: Ledger, inv: MonthInvoice, payment: PaymentOptions) => void>
> = {
  'acme:2026-11-renewal': acmeCreditNote,
  'granite:2026-11-renewal': (ledger, _inv, payment) => graniteRefund(ledger, payment),
  'harbor:2026-11-renewal': (ledger, _inv, payment) => harborDispute(ledger, payment),
  'hernandez:2026-11-renewal': (ledger, _inv, payment) => hernandezFailedRefund(ledger, payment),
};

/** The invoice as the API returns it at month end (credit notes applied, voided, written off). */
function finalInvoice(inv: MonthInvoice, creditNotes: readonly Stripe.CreditNote[]): Stripe.Invoice {
  const open = invoiceObject(inv.opts);
  const mine = creditNotes.filter((cn) => cn.invoice === open.id && cn.status === 'issued');
  const sum = (pick: (cn: Stripe.CreditNote) => number) => mine.reduce((a, cn) => a + pick(cn), 0);
  return invoiceObject({
    ...inv.opts,
    paidAt: inv.paidAt,
    voidedAt: inv.voidedAt,
    markedUncollectibleAt: inv.markedUncollectibleAt,
    creditNotes: {
      prePayment: sum((cn) => cn.pre_payment_amount),
      postPayment: sum((cn) => cn.post_payment_amount),
    },
  });
}

function recordInvoices(ledger: Ledger, invoices: readonly MonthInvoice[]): void {
  for (const inv of invoices) {
    invoiceEvents(ledger, inv);
    if (inv.paidAt === undefined) continue;
    const payment = recordPayment(ledger, inv, invoiceObject({ ...inv.opts, paidAt: inv.paidAt }));
    AFTERMATH[inv.key]?.(ledger, inv, payment);
  }
  ledger.invoices.push(...invoices.map((inv) => finalInvoice(inv, ledger.creditNotes)));
}

function recordPayouts(ledger: Ledger): void {
  for (const currency of ['usd', 'eur'] as const) {
    const plan = PAYOUT_PLAN[currency];
    const id = payoutIds(plan.seed).payout;
    const built = payoutObject({
      seed: plan.seed,
      currency,
      created: PAYOUT_CREATED,
      arrivalDate: PAYOUT_ARRIVAL,
      status: 'paid',
      transactions: ledger.balanceTransactions.filter((bt) => bt._payout === id),
      destination: plan.bank,
      asOf: AS_OF,
    });
    ledger.payouts.push(built.payout);
    ledger.balanceTransactions.push(...built.balanceTransactions);
    schedule(ledger, id, PAYOUT_PAID_EVENT, () =>
      stripeEvent('payout.paid', built.payout, { created: PAYOUT_PAID_EVENT, origin: 'automatic' }),
    );
  }
}

/** Last invoice number used per customer → next_invoice_sequence; currency once they were billed. */
function customerState(
  c: MonthCustomer,
  spec: CustomerSpec,
  invoices: readonly MonthInvoice[],
): Stripe.Customer {
  const sequences = invoices.filter((i) => i.customer.key === c.key).map((i) => i.opts.sequence ?? 1);
  return {
    ...customerObject(spec, c.since),
    currency: sequences.length > 0 ? c.currency : null,
    next_invoice_sequence: Math.max(0, ...sequences) + 1,
  };
}

function recordCustomers(ledger: Ledger, invoices: readonly MonthInvoice[]): void {
  const monthStart = t('2026-11-01T00:00:00Z');
  for (const c of Object.values(MONTH_CUSTOMERS)) {
    const update = CUSTOMER_UPDATES.find((u) => MONTH_CUSTOMERS[u.customer].spec.id === c.spec.id);
    ledger.customers.push(customerState(c, update?.spec ?? c.spec, invoices));
    if (c.since >= monthStart)
      schedule(ledger, c.spec.id, c.since, () =>
        stripeEvent('customer.created', customerObject(c.spec, c.since)),
      );
  }
  for (const u of CUSTOMER_UPDATES) {
    const c = MONTH_CUSTOMERS[u.customer];
    const after = customerState(c, u.spec, invoices);
    schedule(ledger, c.spec.id, u.at, () =>
      stripeEvent('customer.updated', after, { created: u.at, previousAttributes: u.previous }),
    );
  }
}

// ───────────────────────────── expectations (worked by hand) ─────────────────────────────

export interface PayoutExpectation {
  /** Σ net of the swept balance transactions = the payout amount. */
  amount: number;
  /** Σ amount (gross) of the swept transactions. */
  gross: number;
  /** Σ fee of the swept transactions: processing fees + dispute fees. */
  fees: number;
  /** How many balance transactions it swept (not counting the payout's own `type: payout` debit). */
  transactions: number;
}

export interface CurrencyExpectations {
  customers: number;
  invoices: number;
  /** Σ total of every invoice finalized in November, including the voided and the written-off one. */
  invoiced: number;
  /** Σ tax on those invoices. */
  tax: number;
  /** Σ amount_paid. */
  paid: number;
  /** Still due on open invoices at month end. */
  open: number;
  voided: number;
  uncollectible: number;
  /** Σ total of issued credit notes. */
  creditNoted: number;
  /** Σ refunds that stayed refunded (credit-note refunds included). */
  refunded: number;
  /** Σ refunds that failed (their money came back to the balance). */
  refundFailed: number;
  /** Σ amount of disputes closed as lost. */
  disputeLost: number;
  disputeFees: number;
  /** Σ Stripe processing fees on the month's charges (all of them, paid out or not). */
  processingFees: number;
  payout: PayoutExpectation;
  /** Σ net of the month's balance transactions no payout swept by month end. */
  notPaidOut: number;
}

export interface MonthExpectations {
  usd: CurrencyExpectations;
  eur: CurrencyExpectations;
}

/*
 * USD (Quillstack, Inc.) — fees: US card 2.9% + 30¢, round half up.
 *
 *  invoice                      total        how                                              fee      net
 *  acme renewal                 86,915       seats 12 × 4,900 = 58,800, −10% 5,880 → 52,920,
 *                                            tax 8.875% = 4,696.65 → 4,697; support 29,900,
 *                                            −2,990 → 26,910, tax 2,388.2625 → 2,388;
 *                                            79,830 + 7,085 = 86,915    86,915 × 2.9% = 2,520.535 → 2,521 + 30 = 2,551   84,364
 *  brightline annual          2,050,000      1,800,000 + 250,000        59,450 + 30 = 59,480                          1,990,520
 *  cobalt (open)                122,500      25 × 4,900                 —
 *  driftwood                      5,700      3 × 1,900                  165.3 → 165 + 30 = 195                            5,505
 *  ferncliff renewal             19,000      10 × 1,900                 551 + 30 = 581                                   18,419
 *  ferncliff upgrade             15,000      10 × −950 = −9,500; 10 × 2,450 = 24,500
 *                                            (15 of 30 days of 1,900 / 4,900 per seat)      435 + 30 = 465               14,535
 *  granite                      147,000      30 × 4,900                 4,263 + 30 = 4,293                              142,707
 *  harbor                        15,200      8 × 1,900                  440.8 → 441 + 30 = 471                           14,729
 *  ironwood                      59,300      6 × 4,900 + 29,900         1,719.7 → 1,720 + 30 = 1,750                     57,550
 *  juniper                       22,800      12 × 1,900                 661.2 → 661 + 30 = 691                           22,109
 *  northgate (uncollectible)     19,600      4 × 4,900                  —
 *  orchid first (void)          400,000      data migration             —
 *  orchid reissued              250,000      implementation             7,250 + 30 = 7,280                              242,720
 *  pinecrest annual           1,800,000      Scale                      52,200 + 30 = 52,230                          1,747,770
 *  quarry                        10,343      5 × 1,900 = 9,500, tax 843.125 → 843   299.947 → 300 + 30 = 330           10,013
 *
 *  invoiced = 86,915 + 2,050,000 + 122,500 + 5,700 + 19,000 + 15,000 + 147,000 + 15,200 + 59,300
 *             + 22,800 + 19,600 + 400,000 + 250,000 + 1,800,000 + 10,343 = 5,023,358
 *  tax = 7,085 + 843 = 7,928
 *  paid = 5,023,358 − cobalt 122,500 − northgate 19,600 − orchid void 400,000 = 4,481,258
 *  credit note: 2 of Acme's 12 seats: 9,800, −980 (5,880 × 2/12) → 8,820, tax 782.775 → 783; total 9,603
 *  refunded = 9,603 (credit note) + 14,700 (Granite goodwill) = 24,303
 *  dispute: Harbor 15,200 lost, fee 1,500
 *  processing fees = 2,551 + 59,480 + 195 + 581 + 465 + 4,293 + 471 + 1,750 + 691 + 7,280 + 52,230 + 330 = 130,317
 *  payout (created 27 Nov, sweeps what is available by then — everything but Quarry, available 28 Nov):
 *    charges gross 4,481,258 − 10,343 = 4,470,915, their fees 130,317 − 330 = 129,987
 *    − 9,603 (credit-note refund) − 14,700 (refund) − 15,200 (dispute withdrawal, fee 1,500)
 *    gross 4,470,915 − 39,503 = 4,431,412; fees 129,987 + 1,500 = 131,487; amount 4,299,925
 *    transactions: 11 charges + 2 refunds + 1 dispute = 14
 *  not paid out: Quarry 10,013
 *
 * EUR (Quillstack Europe B.V.) — fees: EEA card 1.5% + €0.25, SEPA 0.8% capped at €5.00.
 *
 *  brouwer-visser (SEPA)         36,000      8 × 4,500                  288                                              35,712
 *  maison lumière (SEPA)      1,440,000      1,200,000 + VAT 240,000    11,520 → cap 500                              1,439,500
 *  kaiser                        67,500      15 × 4,500                 1,012.5 → 1,013 + 25 = 1,038                     66,462
 *  van damme                     10,200      6 × 1,700                  153 + 25 = 178                                   10,022
 *  hernández                     45,000      10 × 4,500                 675 + 25 = 700                                   44,300
 *  bellavista                     6,800      4 × 1,700                  102 + 25 = 127                                    6,673
 *  corrib (SEPA)              1,200,000      Scale                      9,600 → cap 500                               1,199,500
 *  rive gauche                   27,000      5 × 4,500 = 22,500 + VAT 4,500   405 + 25 = 430                             26,570
 *  vandermeer                 1,200,000      Scale                      18,000 + 25 = 18,025                          1,181,975
 *
 *  invoiced = paid = 36,000 + 1,440,000 + 67,500 + 10,200 + 45,000 + 6,800 + 1,200,000 + 27,000 + 1,200,000
 *           = 4,032,500;  tax = 240,000 + 4,500 = 244,500
 *  refund of 9,000 to Hernández failed a week later: refunded 0, refund failed 9,000
 *  processing fees = 288 + 500 + 1,038 + 178 + 700 + 127 + 500 + 430 + 18,025 = 21,786
 *  payout (27 Nov): every charge but Maison Lumière (available 30 Nov) and Vandermeer (available 30 Nov)
 *    gross 36,000 + 67,500 + 10,200 + 45,000 + 6,800 + 1,200,000 + 27,000 − 9,000 + 9,000 = 1,392,500
 *    fees 288 + 1,038 + 178 + 700 + 127 + 500 + 430 = 3,261; amount 1,389,239
 *    transactions: 7 charges + refund + refund failure = 9
 *  not paid out: 1,439,500 + 1,181,975 = 2,621,475
 */
export const MONTH_EXPECTATIONS: MonthExpectations = {
  usd: {
    customers: 13,
    invoices: 15,
    invoiced: 5_023_358,
    tax: 7_928,
    paid: 4_481_258,
    open: 122_500,
    voided: 400_000,
    uncollectible: 19_600,
    creditNoted: 9_603,
    refunded: 24_303,
    refundFailed: 0,
    disputeLost: 15_200,
    disputeFees: 1_500,
    processingFees: 130_317,
    payout: { amount: 4_299_925, gross: 4_431_412, fees: 131_487, transactions: 14 },
    notPaidOut: 10_013,
  },
  eur: {
    customers: 9,
    invoices: 9,
    invoiced: 4_032_500,
    tax: 244_500,
    paid: 4_032_500,
    open: 0,
    voided: 0,
    uncollectible: 0,
    creditNoted: 0,
    refunded: 0,
    refundFailed: 9_000,
    disputeLost: 0,
    disputeFees: 0,
    processingFees: 21_786,
    payout: { amount: 1_389_239, gross: 1_392_500, fees: 3_261, transactions: 9 },
    notPaidOut: 2_621_475,
  },
};

// ───────────────────────────── description ─────────────────────────────

function formatMoney(amount: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(
    amount / 100,
  );
}

const day = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 10);

function invoiceLine(inv: MonthInvoice, invoice: Stripe.Invoice): string {
  const state =
    invoice.status === 'paid'
      ? `paid ${day(inv.paidAt ?? 0)}`
      : invoice.status === 'open'
        ? `OPEN, due ${day(invoice.due_date ?? 0)}`
        : `${invoice.status?.toUpperCase()} ${day(inv.voidedAt ?? inv.markedUncollectibleAt ?? 0)}`;
  return `${invoice.number} ${invoice.customer_name} — ${inv.summary} — total ${formatMoney(invoice.total, invoice.currency)} — ${state}`;
}

function totalsLines(): string[] {
  return (['usd', 'eur'] as const).map((cur) => {
    const e = MONTH_EXPECTATIONS[cur];
    const m = (n: number) => formatMoney(n, cur);
    return (
      `${cur.toUpperCase()}: invoiced ${m(e.invoiced)}, paid ${m(e.paid)}, open ${m(e.open)}, voided ${m(e.voided)}, ` +
      `uncollectible ${m(e.uncollectible)}, credit notes ${m(e.creditNoted)}, refunded ${m(e.refunded)} ` +
      `(failed ${m(e.refundFailed)}), disputes lost ${m(e.disputeLost)} + fees ${m(e.disputeFees)}, ` +
      `Stripe fees ${m(e.processingFees)}, payout ${m(e.payout.amount)}`
    );
  });
}

function deliveryNotes(deliveries: readonly Delivery[]): string[] {
  return deliveries
    .filter((d) => d.note)
    .map((d) => `${d.event.build().id} (${d.event.type} for ${d.event.subject}): ${d.note}`);
}

function describe(
  invoices: readonly MonthInvoice[],
  ledger: Ledger,
  deliveries: readonly Delivery[],
): string[] {
  const byId = new Map(ledger.invoices.map((i) => [i.id, i]));
  return [
    'Quillstack, Inc. — Stripe money movement, November 2026 (test mode, API version 2026-10-28.endive)',
    `${Object.keys(MONTH_CUSTOMERS).length} customers (13 USD, 9 EUR): ${ledger.customers.map((c) => c.name).join('; ')}`,
    `${invoices.length} invoices:`,
    ...invoices.map(
      (inv) => `  ${invoiceLine(inv, byId.get(invoiceObject(inv.opts).id) ?? invoiceObject(inv.opts))}`,
    ),
    'Totals per currency:',
    ...totalsLines().map((line) => `  ${line}`),
    `${deliveries.length} webhook deliveries of ${ledger.events.length} events, out of order and at least once:`,
    ...deliveryNotes(deliveries).map((line) => `  ${line}`),
  ];
}

// ───────────────────────────── scenario ─────────────────────────────

export interface MonthScenario {
  /** Webhook deliveries in arrival order (retries reorder some; two events arrive twice). */
  events: Stripe.Event[];
  /** Every object of the month as the API returns it at month end; `_`-prefixed fields are sandbox-internal. */
  sandboxObjects: Array<{ id: string; object: string }>;
  description: string[];
  expectations: MonthExpectations;
}

function emptyLedger(): Ledger {
  return {
    events: [],
    customers: [],
    invoices: [],
    invoicePayments: [],
    paymentIntents: [],
    charges: new Map(),
    refunds: [],
    creditNotes: [],
    disputes: [],
    balanceTransactions: [],
    payouts: [],
  };
}

/** The month's objects, typed, as they stand at month end (what `sandboxObjects` flattens). */
export interface MonthObjects {
  customers: Stripe.Customer[];
  invoices: Stripe.Invoice[];
  invoicePayments: Stripe.InvoicePayment[];
  paymentIntents: Stripe.PaymentIntent[];
  charges: Stripe.Charge[];
  refunds: Stripe.Refund[];
  creditNotes: Stripe.CreditNote[];
  disputes: Stripe.Dispute[];
  balanceTransactions: SandboxBalanceTransaction[];
  payouts: Stripe.Payout[];
}

function buildLedger(): { ledger: Ledger; invoices: MonthInvoice[] } {
  const invoices = [...usdInvoices(), ...eurInvoices()];
  const ledger = emptyLedger();
  recordCustomers(ledger, invoices);
  recordInvoices(ledger, invoices);
  recordPayouts(ledger);
  return { ledger, invoices };
}

function objectsOf(ledger: Ledger): MonthObjects {
  const { events: _events, charges, ...rest } = ledger;
  return { ...rest, charges: [...charges.values()] };
}

/** The month's objects, typed (for tests and tools that want more than `{ id, object }`). */
export function buildMonthObjects(): MonthObjects {
  return objectsOf(buildLedger().ledger);
}

export function buildMonthScenario(): MonthScenario {
  const { ledger, invoices } = buildLedger();
  const scheduled = [...ledger.events].sort((a, b) => a.created - b.created);
  const deliveries = deliverySchedule(scheduled, seededRandom(SCENARIO_SEED), { retries: 3, duplicates: 2 });
  const o = objectsOf(ledger);
  return {
    events: deliveries.map((d) => d.event.build()),
    sandboxObjects: [
      ...o.customers,
      ...o.invoices,
      ...o.invoicePayments,
      ...o.paymentIntents,
      ...o.charges,
      ...o.refunds,
      ...o.creditNotes,
      ...o.disputes,
      ...o.balanceTransactions,
      ...o.payouts,
    ],
    description: describe(invoices, ledger, deliveries),
    expectations: MONTH_EXPECTATIONS,
  };
}
