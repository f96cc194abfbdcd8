/**
 * Canonical documents and their journal entries for the NetSuite tests: one invoice with its
 * credit memo, payment, void and write-off; a refund, a dispute, a payout, a revenue release; a
 * customer. `suffix` makes every Stripe id unique so suites can post fresh documents.
 */
import raw from '../../../config/mapping.json';
import { journalForInvoice } from '../../../lambdas/domain/accounting/invoice';
import {
  journalForCreditMemo,
  journalForCreditMemoVoid,
  journalForDeposit,
  journalForDepositFailure,
  journalForDisputeClosed,
  journalForDisputeOpened,
  journalForInvoiceVoid,
  journalForRefund,
  journalForRefundFailure,
  journalForWriteOff,
} from '../../../lambdas/domain/accounting/money-events';
import { journalForPayment } from '../../../lambdas/domain/accounting/payment';
import { parseMappingConfig } from '../../../lambdas/domain/config';
import {
  postingKeys,
  type Customer,
  type Dispute,
  type Invoice,
  type JournalEntry,
  type Payment,
  type Payout,
  type Refund,
  type WriteOff,
} from '../../../lambdas/domain/model';
import type { NetSuiteAdapter } from '../../../lambdas/adapters/erp/netsuite/netsuite-adapter';
import type { CreditMemoForNetSuite } from '../../../lambdas/adapters/erp/netsuite/records';
import type { ErpDocumentRef } from '../../../lambdas/adapters/erp/port';

export const mapping = parseMappingConfig(raw);

export const ACCOUNT_ID = 'TSTDRV1234567';
export const TBA = {
  consumerKey: 'ck_0123456789abcdef',
  consumerSecret: 'cs_secret_fedcba9876543210',
  tokenId: 'tk_0123456789abcdef',
  tokenSecret: 'ts_secret_fedcba9876543210',
};
export const simulatorAuth = {
  consumer: { key: TBA.consumerKey, secret: TBA.consumerSecret },
  token: { id: TBA.tokenId, secret: TBA.tokenSecret },
};

const source = (id: string, eventType = 'test') => ({
  system: 'stripe' as const,
  id,
  eventId: `evt_${id}`,
  eventType,
});

export function customerOf(suffix: string): Customer {
  return {
    schemaVersion: 'v1',
    customerRef: `stripe:cus_${suffix}`,
    source: source(`cus_${suffix}`, 'customer.updated'),
    externalId: `stripe:cus_${suffix}`,
    name: `Acme ${suffix} Inc.`,
    email: `ap+${suffix}@acme.example`,
    country: 'US',
    currency: 'usd',
    subsidiary: 'US-INC',
    updatedAt: '2026-11-01T00:00:00.000Z',
    correlationId: `opp_${suffix}`,
  };
}

export function invoiceOf(suffix: string, issuedAt = '2026-11-03T10:00:00.000Z'): Invoice {
  return {
    schemaVersion: 'v1',
    invoiceRef: `stripe:in_${suffix}`,
    source: source(`in_${suffix}`, 'invoice.finalized'),
    number: `INV-${suffix}`,
    customerRef: `stripe:cus_${suffix}`,
    subscriptionRef: `stripe:sub_${suffix}`,
    subsidiary: 'US-INC',
    currency: 'usd',
    issuedAt,
    subtotal: 125_000,
    discountTotal: 0,
    taxTotal: 10_650,
    total: 135_650,
    paymentTerms: 'Net 30',
    dueAt: '2026-12-03T10:00:00.000Z',
    correlationId: `opp_${suffix}`,
    lines: [
      {
        lineRef: `stripe:il_sub_${suffix}`,
        description: 'Growth (per seat) × 10',
        productRef: 'stripe:prod_DemoawVgYYX81y',
        priceRef: 'stripe:price_1',
        quantity: 10,
        amount: 120_000,
        discount: 0,
        netAmount: 120_000,
        tax: 10_650,
        recognition: 'ratable',
        servicePeriod: { start: '2026-11-01T00:00:00.000Z', end: '2027-11-01T00:00:00.000Z' },
        proration: false,
        item: 'SUB-GROWTH',
        taxCode: 'US-NY-SALES',
        dimensions: { department: 'Sales', class: 'Subscription' },
      },
      {
        lineRef: `stripe:il_impl_${suffix}`,
        description: 'Implementation',
        productRef: 'stripe:prod_DemoEbRTPVmdjn',
        priceRef: 'stripe:price_2',
        quantity: 1,
        amount: 5_000,
        discount: 0,
        netAmount: 5_000,
        tax: 0,
        recognition: 'point_in_time',
        servicePeriod: null,
        proration: false,
        item: 'PS-IMPLEMENTATION',
        taxCode: null,
        dimensions: { department: 'Professional Services', class: 'Services' },
      },
    ],
  };
}

/** Everything one customer's month produces, with its journal entries. */
export function monthOf(suffix: string) {
  const customer = customerOf(suffix);
  const invoice = invoiceOf(suffix);
  const invoiceEntry = journalForInvoice(invoice, postingKeys.invoice(`in_${suffix}`));
  const creditMemo: CreditMemoForNetSuite = {
    schemaVersion: 'v1',
    creditMemoRef: `stripe:cn_${suffix}`,
    source: source(`cn_${suffix}`, 'credit_note.created'),
    number: `CN-${suffix}`,
    invoiceRef: invoice.invoiceRef,
    customerRef: invoice.customerRef,
    subsidiary: 'US-INC',
    currency: 'usd',
    issuedAt: '2026-11-04T00:00:00.000Z',
    type: 'pre_payment',
    total: 5_000,
    correlationId: invoice.correlationId,
    lines: [
      {
        lineRef: `stripe:cnli_${suffix}`,
        invoiceLineRef: `stripe:il_impl_${suffix}`,
        description: 'Implementation waived',
        amount: 5_000,
        tax: 0,
        recognition: 'point_in_time',
        servicePeriod: null,
        item: 'PS-IMPLEMENTATION',
      },
    ],
  };
  const creditMemoEntry = journalForCreditMemo(creditMemo);
  const payment: Payment = {
    schemaVersion: 'v1',
    paymentRef: `stripe:in_${suffix}:payment`,
    invoiceRef: invoice.invoiceRef,
    source: source(`in_${suffix}`, 'invoice.paid'),
    customerRef: invoice.customerRef,
    subsidiary: 'US-INC',
    currency: 'usd',
    amount: 130_650,
    paidAt: '2026-11-05T00:00:00.000Z',
    correlationId: invoice.correlationId,
  };
  const paymentEntry = journalForPayment(payment, postingKeys.payment(`in_${suffix}`));
  const refund: Refund = {
    schemaVersion: 'v1',
    refundRef: `stripe:re_${suffix}`,
    source: source(`re_${suffix}`, 'charge.refunded'),
    chargeRef: `stripe:ch_${suffix}`,
    subsidiary: 'US-INC',
    currency: 'usd',
    amount: 5_000,
    status: 'succeeded',
    createdAt: '2026-11-06T00:00:00.000Z',
    correlationId: invoice.correlationId,
  };
  const dispute: Dispute = {
    schemaVersion: 'v1',
    disputeRef: `stripe:dp_${suffix}`,
    source: source(`dp_${suffix}`, 'charge.dispute.closed'),
    chargeRef: `stripe:ch_${suffix}`,
    subsidiary: 'US-INC',
    currency: 'usd',
    amount: 20_000,
    fee: 1_500,
    feeRefunded: 0,
    status: 'lost',
    outcome: 'lost',
    createdAt: '2026-11-07T00:00:00.000Z',
    correlationId: invoice.correlationId,
  };
  const payout: Payout = {
    schemaVersion: 'v1',
    payoutRef: `stripe:po_${suffix}`,
    source: source(`po_${suffix}`, 'payout.paid'),
    subsidiary: 'US-INC',
    currency: 'usd',
    amount: 126_861,
    fees: 3_789,
    arrivalDate: '2026-11-08T00:00:00.000Z',
    status: 'paid',
    transactions: [
      {
        id: `txn_${suffix}`,
        type: 'charge',
        amount: 130_650,
        fee: 3_789,
        net: 126_861,
        sourceRef: `stripe:ch_${suffix}`,
      },
    ],
    correlationId: invoice.correlationId,
  };
  const writeOff: WriteOff = {
    schemaVersion: 'v1',
    invoiceRef: invoice.invoiceRef,
    source: source(`in_${suffix}`, 'invoice.marked_uncollectible'),
    subsidiary: 'US-INC',
    currency: 'usd',
    amount: 2_500,
    writtenOffAt: '2026-11-20T00:00:00.000Z',
    correlationId: invoice.correlationId,
  };
  const revenueRelease: JournalEntry = {
    schemaVersion: 'v1',
    entryId: `revrec:stripe:il_sub_${suffix}:2026-11`,
    idempotencyKey: `revrec:stripe:il_sub_${suffix}:2026-11`,
    kind: 'revenue_release',
    documentRef: `stripe:il_sub_${suffix}`,
    subsidiary: 'US-INC',
    effectiveDate: '2026-11-30',
    memo: `Revenue recognition 2026-11: stripe:il_sub_${suffix}`,
    sourceEventId: `evt_in_${suffix}`,
    correlationId: invoice.correlationId,
    lines: [
      line('deferred_revenue', 10_000, 0, invoice.correlationId),
      line('revenue', 0, 10_000, invoice.correlationId),
    ],
  };

  const doc = (entry: JournalEntry, data: unknown) => ({ document: { kind: entry.kind, data }, entry });
  /** In dependency order: what a document applies to or reverses is posted before it. */
  const postings = {
    invoice: doc(invoiceEntry, invoice),
    credit_memo: doc(creditMemoEntry, creditMemo),
    payment: doc(paymentEntry, payment),
    refund: doc(journalForRefund(refund), refund),
    refund_failure: doc(journalForRefundFailure(refund, '2026-11-09T00:00:00.000Z', 'evt_rf'), refund),
    dispute_opened: doc(journalForDisputeOpened(dispute), dispute),
    dispute_lost: doc(journalForDisputeClosed(dispute, '2026-11-21T00:00:00.000Z'), dispute),
    deposit: doc(journalForDeposit(payout), payout),
    deposit_failure: doc(journalForDepositFailure(payout, '2026-11-10T00:00:00.000Z', 'evt_pf'), payout),
    write_off: doc(journalForWriteOff(writeOff), writeOff),
    invoice_void: doc(journalForInvoiceVoid(invoice, '2026-11-22T00:00:00.000Z', 'evt_void'), {
      invoiceRef: invoice.invoiceRef,
      voidedAt: '2026-11-22T00:00:00.000Z',
    }),
    credit_memo_void: doc(journalForCreditMemoVoid(creditMemo, '2026-11-23T00:00:00.000Z', 'evt_cnv'), {
      creditMemoRef: creditMemo.creditMemoRef,
      voidedAt: '2026-11-23T00:00:00.000Z',
    }),
    revenue_release: doc(revenueRelease, null),
  };
  return { customer, invoice, payment, creditMemo, refund, dispute, payout, writeOff, postings };
}

function line(
  account: JournalEntry['lines'][number]['account'],
  debit: number,
  credit: number,
  correlationId: string,
) {
  return {
    account,
    debit,
    credit,
    currency: 'usd',
    memo: 'Revenue 2026-11',
    sourceEventId: 'evt_close',
    correlationId,
    sourceLineRef: null,
    servicePeriod: null,
  };
}

/** Posts every document of a month through the port, in order. */
export async function postMonth(
  adapter: NetSuiteAdapter,
  month: ReturnType<typeof monthOf>,
): Promise<Record<string, ErpDocumentRef>> {
  const results: Record<string, ErpDocumentRef> = {};
  results.customer = await adapter.upsertCustomer(month.customer);
  for (const [kind, { document, entry }] of Object.entries(month.postings)) {
    results[kind] = await adapter.postDocument(document, entry);
  }
  return results;
}
