/**
 * The bundled demo the local runtime replays on `npm start`: one month (November 2026) of Stripe
 * Billing for a small SaaS, Quillstack, Inc. — renewals, new annual deals, a one-off services invoice,
 * tax, a coupon, two currencies, one invoice left unpaid — delivered the way Stripe really delivers
 * webhooks: out of order and at least once.
 *
 * Everything is derived from the tables below plus a seeded PRNG, so two builds are deep-equal.
 */
import type Stripe from 'stripe';
import {
  HOUR,
  type CustomerSpec,
  type DiscountSpec,
  type EventOptions,
  type InvoiceOptions,
  type TaxRateSpec,
  invoiceObject,
  seededBase62,
  stripeEvent,
  stripeId,
  unix,
} from './stripe-events';

export const DEMO_START = '2026-11-01';
export const DEMO_END = '2026-12-01';
const SCENARIO_SEED = 'quillstack-demo-2026-11';

// ───────────────────────────── catalog ─────────────────────────────

const product = (name: string) => stripeId('prod', name);
const price = (name: string) => stripeId('price', name);

const CATALOG = {
  growthUsd: { product: product('growth'), price: price('growth-seat-monthly-usd'), unitAmount: 4900 },
  growthEur: { product: product('growth'), price: price('growth-seat-monthly-eur'), unitAmount: 4500 },
  starterUsd: { product: product('starter'), price: price('starter-seat-monthly-usd'), unitAmount: 1900 },
  supportUsd: {
    product: product('premium-support'),
    price: price('premium-support-monthly-usd'),
    unitAmount: 29900,
  },
  scaleAnnualUsd: { product: product('scale'), price: price('scale-annual-usd'), unitAmount: 1_800_000 },
  scaleAnnualEur: { product: product('scale'), price: price('scale-annual-eur'), unitAmount: 1_200_000 },
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
} as const;

/** Manual exclusive Tax Rates configured in the Dashboard (exported so tests can recompute tax). */
export const DEMO_TAX_RATES = {
  nySalesTax: {
    id: stripeId('txr', 'us-ny-sales-tax'),
    percent: 8.875,
    displayName: 'Sales Tax',
    jurisdiction: 'US-NY',
  },
  frVat: { id: stripeId('txr', 'fr-vat-standard'), percent: 20, displayName: 'TVA', jurisdiction: 'FR' },
} as const satisfies Record<string, TaxRateSpec>;

/** Coupons as applied to subscriptions (Discount objects, `di_…`); exported so tests can recompute them. */
export const DEMO_DISCOUNTS = {
  /** ACME10: 10% off for the life of Acme's subscription. */
  acme10: { id: stripeId('di', 'acme-robotics:ACME10'), percentOff: 10 },
} as const satisfies Record<string, DiscountSpec>;
const ACME10 = DEMO_DISCOUNTS.acme10;

// ───────────────────────────── customers ─────────────────────────────

/** Stripe invoice prefixes are 8 random upper-case alphanumerics (e.g. `XAT8ODML`). */
const invoicePrefix = (name: string) => seededBase62(`prefix:${name}`, 8).toUpperCase();

function customer(key: string, spec: Omit<CustomerSpec, 'id' | 'invoicePrefix'>): CustomerSpec {
  return { id: stripeId('cus', key), invoicePrefix: invoicePrefix(key), ...spec };
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

export const DEMO_CUSTOMERS = {
  acme: customer('acme-robotics', {
    name: 'Acme Robotics, Inc.',
    email: 'ap@acme-robotics.example',
    address: address('350 Fifth Avenue, Suite 4100', 'New York', 'NY', '10118', 'US'),
  }),
  brightline: customer('brightline-logistics', {
    name: 'Brightline Logistics LLC',
    email: 'finance@brightline-logistics.example',
    address: address('600 Congress Avenue', 'Austin', 'TX', '78701', 'US'),
  }),
  cobalt: customer('cobalt-health', {
    name: 'Cobalt Health Partners, P.C.',
    email: 'accounts.payable@cobalt-health.example',
    address: address('100 Federal Street', 'Boston', 'MA', '02110', 'US'),
  }),
  driftwood: customer('driftwood-studio', {
    name: 'Driftwood Studio LLC',
    email: 'hello@driftwood-studio.example',
    address: address('1120 NW Couch Street', 'Portland', 'OR', '97209', 'US'),
  }),
  maisonLumiere: customer('maison-lumiere', {
    name: 'Maison Lumière SAS',
    email: 'comptabilite@maison-lumiere.example',
    address: address('12 Rue de la Paix', 'Paris', null, '75002', 'FR'),
    taxIds: [{ type: 'eu_vat', value: 'FR44812345678' }],
    preferredLocales: ['fr-FR'],
  }),
  brouwerVisser: customer('brouwer-visser', {
    name: 'Brouwer & Visser B.V.',
    email: 'crediteuren@brouwer-visser.example',
    address: address('Herengracht 420', 'Amsterdam', null, '1017 BZ', 'NL'),
    // Intra-EU B2B: the customer self-accounts for VAT (reverse charge), so no tax lines.
    taxExempt: 'reverse',
    taxIds: [{ type: 'eu_vat', value: 'NL812345678B01' }],
    preferredLocales: ['nl-NL'],
  }),
} satisfies Record<string, CustomerSpec>;

/** Salesforce opportunity ids (18-char, key prefix 006) carried as the correlation id. */
const opportunity = (name: string) => `opp_006Demo${seededBase62(`opp:${name}`, 11)}`;
const subscription = (name: string) => ({
  id: stripeId('sub', name),
  metadata: { correlation_id: opportunity(name) },
});

// ───────────────────────────── invoices ─────────────────────────────

/** One invoice of the month: how Stripe built it, when it got paid, and who triggered its events. */
interface DemoInvoice {
  opts: InvoiceOptions;
  paidAt?: number;
  /** Stripe-initiated events (renewals, automatic charges) carry a null request. */
  finalizedBy: EventOptions['origin'];
  summary: string;
}

const t = unix;
const month = (start: string, end: string) => ({ start: t(start), end: t(end) });

function acmeRenewal(): DemoInvoice {
  const period = month('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');
  const created = t('2026-11-01T00:00:00Z');
  const tax = DEMO_TAX_RATES.nySalesTax;
  return {
    summary: 'monthly renewal: Growth 12 seats + Premium support, ACME10 coupon, NY sales tax 8.875%',
    finalizedBy: 'automatic',
    paidAt: created + HOUR + 4,
    opts: {
      seed: 'demo:acme:2026-11-renewal',
      customer: DEMO_CUSTOMERS.acme,
      currency: 'usd',
      created,
      sequence: 11,
      subscription: subscription('acme-robotics-growth'),
      billingReason: 'subscription_cycle',
      periodStart: t('2026-10-01T00:00:00Z'),
      periodEnd: created,
      lines: [
        {
          key: 'seats',
          kind: 'subscription',
          description: '12 × Growth (at $49.00 / month)',
          ...CATALOG.growthUsd,
          quantity: 12,
          period,
          discount: ACME10,
          taxRate: tax,
        },
        {
          key: 'support',
          kind: 'subscription',
          description: '1 × Premium support (at $299.00 / month)',
          ...CATALOG.supportUsd,
          period,
          discount: ACME10,
          taxRate: tax,
        },
      ],
    },
  };
}

function brightlineAnnual(): DemoInvoice {
  const created = t('2026-11-01T00:00:00Z');
  return {
    summary: 'new annual Scale subscription (2026-11-01 → 2027-11-01) + one-time implementation fee, net 30',
    finalizedBy: 'api',
    paidAt: t('2026-11-12T14:30:00Z'),
    opts: {
      seed: 'demo:brightline:2026-11-create',
      customer: DEMO_CUSTOMERS.brightline,
      currency: 'usd',
      created,
      finalizedAt: created + HOUR,
      sequence: 1,
      subscription: subscription('brightline-logistics-scale'),
      billingReason: 'subscription_create',
      collectionMethod: 'send_invoice',
      daysUntilDue: 30,
      lines: [
        {
          key: 'scale',
          kind: 'subscription',
          description: '1 × Scale (at $18,000.00 / year)',
          ...CATALOG.scaleAnnualUsd,
          period: month('2026-11-01T00:00:00Z', '2027-11-01T00:00:00Z'),
        },
        {
          key: 'implementation',
          kind: 'one_time',
          description: 'Implementation services (one-time)',
          ...CATALOG.implementationUsd,
        },
      ],
    },
  };
}

function cobaltRenewal(): DemoInvoice {
  const created = t('2026-11-01T00:00:00Z');
  return {
    summary: 'monthly renewal: Growth 25 seats, net 30 — left unpaid (open AR)',
    finalizedBy: 'automatic',
    opts: {
      seed: 'demo:cobalt:2026-11-renewal',
      customer: DEMO_CUSTOMERS.cobalt,
      currency: 'usd',
      created,
      sequence: 6,
      subscription: subscription('cobalt-health-growth'),
      billingReason: 'subscription_cycle',
      collectionMethod: 'send_invoice',
      daysUntilDue: 30,
      periodStart: t('2026-10-01T00:00:00Z'),
      periodEnd: created,
      lines: [
        {
          key: 'seats',
          kind: 'subscription',
          description: '25 × Growth (at $49.00 / month)',
          ...CATALOG.growthUsd,
          quantity: 25,
          period: month('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z'),
        },
      ],
    },
  };
}

function driftwoodRenewal(): DemoInvoice {
  // Self-serve signup: the billing anchor is the moment they subscribed, not midnight.
  const created = t('2026-11-14T18:22:05Z');
  return {
    summary: 'monthly renewal (anchor on the 14th): Starter 3 seats, card',
    finalizedBy: 'automatic',
    paidAt: created + HOUR + 3,
    opts: {
      seed: 'demo:driftwood:2026-11-renewal',
      customer: DEMO_CUSTOMERS.driftwood,
      currency: 'usd',
      created,
      sequence: 4,
      subscription: subscription('driftwood-studio-starter'),
      billingReason: 'subscription_cycle',
      periodStart: t('2026-10-14T18:22:05Z'),
      periodEnd: created,
      lines: [
        {
          key: 'seats',
          kind: 'subscription',
          description: '3 × Starter (at $19.00 / month)',
          ...CATALOG.starterUsd,
          quantity: 3,
          period: month('2026-11-14T18:22:05Z', '2026-12-14T18:22:05Z'),
        },
      ],
    },
  };
}

function maisonLumiereAnnual(): DemoInvoice {
  const created = t('2026-11-16T09:30:00Z');
  return {
    summary: 'new annual Scale subscription (2026-11-16 → 2027-11-16), French VAT 20%, SEPA Direct Debit',
    finalizedBy: 'api',
    // SEPA Direct Debit confirms after ~5 business days.
    paidAt: t('2026-11-23T06:41:17Z'),
    opts: {
      seed: 'demo:maison-lumiere:2026-11-create',
      customer: DEMO_CUSTOMERS.maisonLumiere,
      currency: 'eur',
      created,
      sequence: 1,
      subscription: subscription('maison-lumiere-scale'),
      billingReason: 'subscription_create',
      lines: [
        {
          key: 'scale',
          kind: 'subscription',
          description: '1 × Scale (at €12,000.00 / year)',
          ...CATALOG.scaleAnnualEur,
          period: month('2026-11-16T09:30:00Z', '2027-11-16T09:30:00Z'),
          taxRate: DEMO_TAX_RATES.frVat,
        },
      ],
    },
  };
}

function brouwerVisserRenewal(): DemoInvoice {
  const created = t('2026-11-01T00:00:00Z');
  return {
    summary: 'monthly renewal: Growth 8 seats, EU reverse charge (no VAT), SEPA Direct Debit',
    finalizedBy: 'automatic',
    paidAt: t('2026-11-06T05:58:02Z'),
    opts: {
      seed: 'demo:brouwer-visser:2026-11-renewal',
      customer: DEMO_CUSTOMERS.brouwerVisser,
      currency: 'eur',
      created,
      sequence: 9,
      subscription: subscription('brouwer-visser-growth'),
      billingReason: 'subscription_cycle',
      periodStart: t('2026-10-01T00:00:00Z'),
      periodEnd: created,
      lines: [
        {
          key: 'seats',
          kind: 'subscription',
          description: '8 × Growth (at €45.00 / month)',
          ...CATALOG.growthEur,
          quantity: 8,
          period: month('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z'),
        },
      ],
    },
  };
}

function acmeDataMigration(): DemoInvoice {
  const created = t('2026-11-18T17:20:00Z');
  return {
    summary: 'one-off services invoice: custom data migration, NY sales tax 8.875%, net 15',
    finalizedBy: 'api',
    paidAt: t('2026-11-25T15:05:12Z'),
    opts: {
      seed: 'demo:acme:2026-11-data-migration',
      customer: DEMO_CUSTOMERS.acme,
      currency: 'usd',
      created,
      // Finance reviewed the draft for a few minutes before finalizing it in the Dashboard.
      finalizedAt: created + 401,
      sequence: 12,
      // No subscription parent: the correlation id travels on the invoice's own metadata.
      metadata: { correlation_id: opportunity('acme-robotics-data-migration') },
      billingReason: 'manual',
      collectionMethod: 'send_invoice',
      daysUntilDue: 15,
      lines: [
        {
          key: 'migration',
          kind: 'one_time',
          description: 'Custom data migration (one-time)',
          ...CATALOG.migrationUsd,
          taxRate: DEMO_TAX_RATES.nySalesTax,
        },
      ],
    },
  };
}

const DEMO_INVOICES: ReadonlyArray<() => DemoInvoice> = [
  acmeRenewal,
  brightlineAnnual,
  cobaltRenewal,
  driftwoodRenewal,
  maisonLumiereAnnual,
  brouwerVisserRenewal,
  acmeDataMigration,
];

// ───────────────────────────── events and delivery ─────────────────────────────

/** An event plus how to build it again: a redelivery is the same payload, not the same JS object. */
interface ScheduledEvent {
  build: () => Stripe.Event;
  type: 'invoice.finalized' | 'invoice.paid';
  invoiceId: string;
  created: number;
}

function eventsOf(demo: DemoInvoice): ScheduledEvent[] {
  const open = invoiceObject(demo.opts);
  const finalized: ScheduledEvent = {
    build: () => stripeEvent('invoice.finalized', invoiceObject(demo.opts), { origin: demo.finalizedBy }),
    type: 'invoice.finalized',
    invoiceId: open.id,
    created: open.status_transitions.finalized_at ?? open.created,
  };
  if (demo.paidAt === undefined) return [finalized];
  const paidOpts: InvoiceOptions = { ...demo.opts, paidAt: demo.paidAt };
  const paid: ScheduledEvent = {
    build: () => stripeEvent('invoice.paid', invoiceObject(paidOpts), { origin: 'automatic' }),
    type: 'invoice.paid',
    invoiceId: open.id,
    created: demo.paidAt,
  };
  return [finalized, paid];
}

/** mulberry32: a tiny, well-known 32-bit PRNG; seeded from a string so the month replays identically. */
function seededRandom(seed: string): () => number {
  let state = [...seed].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0, 0x811c9dc5);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const between = (rand: () => number, min: number, max: number) => min + Math.floor(rand() * (max - min + 1));

interface Delivery {
  event: ScheduledEvent;
  at: number;
  note?: string;
}

/**
 * Stripe delivers each event a few seconds after it happens, in no guaranteed order, and retries
 * (with backoff) whenever the endpoint errors or times out. We model exactly that:
 *  - every first attempt lands 1–20 s after the event (network jitter reorders near-simultaneous events);
 *  - one invoice.finalized whose invoice was charged seconds later fails its first attempt (HTTP 503)
 *    and is retried minutes later — so its invoice.paid arrives first;
 *  - one other event is processed but acknowledged too late (timeout), so Stripe delivers it again.
 */
function deliverySchedule(events: ScheduledEvent[], rand: () => number): Delivery[] {
  const deliveries: Delivery[] = events.map((event) => ({ event, at: event.created + between(rand, 1, 20) }));
  const paidAt = new Map(
    events.filter((e) => e.type === 'invoice.paid').map((e) => [e.invoiceId, e.created]),
  );
  const retryCandidates = deliveries.filter((d) => {
    const paid = paidAt.get(d.event.invoiceId);
    return d.event.type === 'invoice.finalized' && paid !== undefined && paid - d.event.created < 60;
  });
  const retried = retryCandidates[between(rand, 0, retryCandidates.length - 1)];
  if (!retried) throw new Error('the demo needs an invoice charged within a minute of its finalization');
  retried.at = retried.event.created + between(rand, 5 * 60, 15 * 60);
  retried.note = 'first delivery failed (HTTP 503), retried';

  const others = deliveries.filter((d) => d !== retried);
  const original = others[between(rand, 0, others.length - 1)];
  const duplicate: Delivery = {
    event: original.event,
    at: original.at + between(rand, 30, 10 * 60),
    note: 'endpoint timed out after processing, Stripe delivered it again',
  };
  return [...deliveries, duplicate].sort(
    (a, b) =>
      a.at - b.at ||
      a.event.type.localeCompare(b.event.type) ||
      a.event.invoiceId.localeCompare(b.event.invoiceId),
  );
}

// ───────────────────────────── description ─────────────────────────────

function formatMoney(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

const day = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 10);

function invoiceLine(demo: DemoInvoice): string {
  const inv = invoiceObject({ ...demo.opts, paidAt: demo.paidAt });
  const status =
    inv.status === 'paid' ? `paid ${day(demo.paidAt ?? 0)}` : `OPEN, due ${day(inv.due_date ?? 0)}`;
  return `${inv.number} ${inv.customer_name} — ${demo.summary} — total ${formatMoney(inv.total, inv.currency)} — ${status}`;
}

function totalsByCurrency(demos: DemoInvoice[]): string[] {
  const sums = new Map<string, { invoiced: number; paid: number }>();
  for (const demo of demos) {
    const inv = invoiceObject({ ...demo.opts, paidAt: demo.paidAt });
    const sum = sums.get(inv.currency) ?? { invoiced: 0, paid: 0 };
    sums.set(inv.currency, { invoiced: sum.invoiced + inv.total, paid: sum.paid + inv.amount_paid });
  }
  return [...sums].map(
    ([cur, s]) =>
      `${cur.toUpperCase()}: invoiced ${formatMoney(s.invoiced, cur)}, paid ${formatMoney(s.paid, cur)}, ` +
      `open ${formatMoney(s.invoiced - s.paid, cur)}`,
  );
}

function deliveryLines(deliveries: Delivery[]): string[] {
  const notes = deliveries
    .filter((d) => d.note)
    .map((d) => {
      const event = d.event.build();
      return `${event.id} (${event.type} for ${d.event.invoiceId}): ${d.note}`;
    });
  return [
    ...notes,
    `invoice.paid arrives before its invoice.finalized for: ${paidFirst(deliveries).join(', ')}`,
  ];
}

/** Invoices whose first invoice.paid delivery precedes their first invoice.finalized delivery. */
function paidFirst(deliveries: Delivery[]): string[] {
  const firstSeen = new Map<string, Delivery['event']['type']>();
  for (const { event } of deliveries)
    if (!firstSeen.has(event.invoiceId)) firstSeen.set(event.invoiceId, event.type);
  return [...firstSeen].filter(([, type]) => type === 'invoice.paid').map(([invoiceId]) => invoiceId);
}

function describe(demos: DemoInvoice[], deliveries: Delivery[], eventCount: number): string[] {
  const customers = Object.values(DEMO_CUSTOMERS).map((c) => c.name);
  return [
    'Quillstack, Inc. — Stripe Billing, November 2026 (test mode, API version 2026-10-28.endive)',
    `${customers.length} customers: ${customers.join('; ')}`,
    `${demos.length} invoices:`,
    ...demos.map((d) => `  ${invoiceLine(d)}`),
    'Totals per currency:',
    ...totalsByCurrency(demos).map((line) => `  ${line}`),
    `${deliveries.length} webhook deliveries of ${eventCount} events (invoice.finalized + invoice.paid), out of order:`,
    ...deliveryLines(deliveries).map((line) => `  ${line}`),
  ];
}

// ───────────────────────────── scenario ─────────────────────────────

export interface DemoScenario {
  /** Webhook deliveries in arrival order (one event appears twice: a Stripe retry). */
  events: Stripe.Event[];
  description: string[];
}

export function buildDemoScenario(): DemoScenario {
  const demos = DEMO_INVOICES.map((make) => make());
  const scheduled = demos.flatMap(eventsOf).sort((a, b) => a.created - b.created);
  const deliveries = deliverySchedule(scheduled, seededRandom(SCENARIO_SEED));
  return {
    events: deliveries.map((d) => d.event.build()),
    description: describe(demos, deliveries, scheduled.length),
  };
}
