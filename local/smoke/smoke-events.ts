/**
 * The smoke test's Stripe events: one invoice for the dedicated smoke customer, then its void. Both go
 * through the real webhook and flows; the void mirrors the invoice's journal (and cancels its revenue
 * schedules), so every account nets to zero in the period — nothing is left in the books finance reads.
 * Why a void rather than a smoke subsidiary: the ledger is append-only, and a void is how finance itself
 * takes back an invoice issued in error; a subsidiary would have to be excluded from every report,
 * reconciliation and NetSuite export, and one forgotten exclusion would show smoke revenue.
 */
import type Stripe from 'stripe';
import type { MappingConfig } from '../../lambdas/domain/config';
import { postingKeys } from '../../lambdas/domain/model';
import { invoiceObject, stripeEvent } from '../scenarios/stripe-events';

/** The one Stripe customer smoke runs bill (metadata marks its documents for anyone filtering). */
export const SMOKE_CUSTOMER = {
  id: 'cus_q2cSmokeTest',
  name: 'q2c smoke test (voided immediately)',
  email: 'smoke@q2c.invalid',
  invoicePrefix: 'SMOKE',
};

export interface SmokeEvents {
  invoiceId: string;
  finalized: Stripe.Event;
  voided: Stripe.Event;
  /** Ledger entry ids (= idempotency keys) of the invoice and of its void. */
  invoiceEntryId: string;
  voidEntryId: string;
  /** Crosswalk keys of the invoice's ERP link. */
  crosswalk: { sourceRef: string; target: string };
}

export interface SmokeEventOptions {
  runId: string;
  now: Date;
  livemode: boolean;
  mapping: MappingConfig;
}

/** Smallest line the deployed catalog maps: its first product at its first price, one unit. */
export function smokeEvents(opts: SmokeEventOptions): SmokeEvents {
  const product = opts.mapping.products.find((p) => p.prices.length > 0);
  if (!product)
    throw new Error('config/mapping.json has no product with a price: nothing to smoke-test with');
  const price = product.prices[0];
  const created = Math.floor(opts.now.getTime() / 1000);
  const invoice = invoiceObject({
    seed: `smoke-${opts.runId}`,
    customer: SMOKE_CUSTOMER,
    currency: price.currency,
    created,
    lines: [
      {
        description: `q2c smoke ${opts.runId}`,
        price: price.stripePrice,
        product: product.stripeProduct,
        unitAmount: price.unitAmount,
        quantity: 1,
        kind: 'one_time',
      },
    ],
  });
  const marked = {
    ...invoice,
    livemode: opts.livemode,
    metadata: { ...invoice.metadata, q2c_smoke: opts.runId },
  };
  const finalized = { ...stripeEvent('invoice.finalized', marked), livemode: opts.livemode };
  const voidedInvoice = {
    ...marked,
    status: 'void' as const,
    status_transitions: { ...marked.status_transitions, voided_at: created },
  };
  const voided = {
    ...stripeEvent('invoice.voided', voidedInvoice),
    livemode: opts.livemode,
  };
  return {
    invoiceId: invoice.id,
    finalized,
    voided,
    invoiceEntryId: postingKeys.invoice(invoice.id),
    voidEntryId: postingKeys.invoiceVoid(invoice.id),
    crosswalk: { sourceRef: `stripe:${invoice.id}`, target: 'erp:invoice' },
  };
}
