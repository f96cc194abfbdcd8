/**
 * Canonical documents → SuiteTalk REST record bodies, with NetSuite's field names. Pure: internal
 * ids come from `RefIds` (resolved by references.ts) and from the caller (customer, invoice).
 * Amounts come from the journal entry where it decides them (what the ledger books is what NetSuite
 * books), from the document where NetSuite wants document detail (items, applications).
 */
import * as z from 'zod';
import type { SubsidiaryConfig } from '../../../domain/config';
import { BusinessError } from '../../../domain/errors';
import {
  CreditMemo,
  CreditMemoLine,
  Dimensions,
  Refund,
  type AccountKey,
  type Customer,
  type Invoice,
  type JournalEntry,
  type JournalLine,
  type Payment,
  type ServicePeriod,
} from '../../../domain/model';
import { NetSuiteAmount } from './amounts';
import { externalIdForEntry, toExternalId } from './external-ids';
import type { RefIds } from './references';

export type RecordBody = Record<string, unknown>;

const ref = (id: string) => ({ id });

/** NetSuite's transaction memo holds 999 characters; the correlation id is kept whatever is cut. */
const MEMO_MAX = 999;
export function memoWithCorrelation(memo: string, correlationId: string): string {
  const suffix = ` [correlation ${correlationId}]`;
  return memo.slice(0, Math.max(0, MEMO_MAX - suffix.length)) + suffix;
}

/** The GL account number the subsidiary books a chart key to (config/mapping.json chartOfAccounts). */
export function glAccountNumber(subsidiary: SubsidiaryConfig, account: AccountKey): string {
  const number = subsidiary.chartOfAccounts[account];
  if (!number) {
    throw new BusinessError(
      'unmapped_account',
      `subsidiary ${subsidiary.id} has no GL account number for ${account}; add it to chartOfAccounts in config/mapping.json and replay`,
    );
  }
  return number;
}

/** Entries are single-currency: the currency of their lines. */
export function entryCurrency(entry: JournalEntry, documentCurrency?: string): string {
  // A zero document (a $0 trial invoice) books no lines: its own currency is the record's.
  if (entry.lines.length === 0 && documentCurrency) return documentCurrency.toLowerCase();
  const currencies = new Set(entry.lines.map((l) => l.currency));
  if (currencies.size !== 1) {
    throw new BusinessError(
      'multi_currency_entry',
      `entry ${entry.entryId} has lines in ${[...currencies].join(', ') || 'no currency'}; NetSuite transactions have one currency`,
    );
  }
  return [...currencies][0];
}

/** Stripe periods end exclusively (the next period's start); NetSuite rev-rec end dates are inclusive. */
export function revRecDates(period: ServicePeriod | null): RecordBody {
  if (!period) return {};
  return {
    revRecStartDate: period.start.slice(0, 10),
    revRecEndDate: new Date(Date.parse(period.end) - 1).toISOString().slice(0, 10),
  };
}

function dimensionRefs(refs: RefIds, dims: Dimensions | undefined): RecordBody {
  return {
    ...(dims?.department ? { department: ref(refs.id('department', dims.department)) } : {}),
    ...(dims?.class ? { class: ref(refs.id('class', dims.class)) } : {}),
    ...(dims?.location ? { location: ref(refs.id('location', dims.location)) } : {}),
  };
}

function header(
  entry: JournalEntry,
  subsidiary: SubsidiaryConfig,
  refs: RefIds,
  currency = entryCurrency(entry),
): RecordBody {
  return {
    externalId: externalIdForEntry(entry),
    subsidiary: ref(refs.id('subsidiary', subsidiary.name)),
    currency: ref(refs.id('currency', currency)),
    // The entry's date, not the source's: a posting late from a closed period was moved on purpose.
    tranDate: entry.effectiveDate,
    memo: memoWithCorrelation(entry.memo, entry.correlationId),
  };
}

// ---------------------------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------------------------

/** The customer master as upserted by externalId (PUT …/customer/eid:…): the latest Stripe state. */
export function customerRecord(customer: Customer, subsidiary: SubsidiaryConfig, refs: RefIds): RecordBody {
  return {
    companyName: customer.name ?? customer.customerRef,
    isPerson: false,
    ...(customer.email ? { email: customer.email } : {}),
    subsidiary: ref(refs.id('subsidiary', subsidiary.name)),
    ...(customer.currency ? { currency: ref(refs.id('currency', customer.currency)) } : {}),
    memo: memoWithCorrelation(`Stripe customer ${customer.customerRef}`, customer.correlationId),
  };
}

/**
 * A placeholder for a customer whose own event has not arrived yet (events are unordered), so the
 * invoice can post; the customer's upsert fills in name and e-mail when it lands.
 */
export function customerPlaceholder(
  customerRef: string,
  subsidiary: SubsidiaryConfig,
  currency: string,
  refs: RefIds,
  name = customerRef,
): RecordBody {
  return {
    externalId: toExternalId(customerRef),
    companyName: name,
    isPerson: false,
    subsidiary: ref(refs.id('subsidiary', subsidiary.name)),
    currency: ref(refs.id('currency', currency)),
  };
}

// ---------------------------------------------------------------------------------------------
// Invoices
// ---------------------------------------------------------------------------------------------

/**
 * Who recognises revenue: `integration` — the built-in schedules post monthly revenue_release
 * journal entries (NetSuite items must then carry no revenue rule); `arm` — NetSuite's Advanced
 * Revenue Management recognises from the invoice lines' rev-rec dates, and the integration posts no
 * releases (README: "Revenue recognition").
 */
export type RevenueRecognitionOwner = 'integration' | 'arm';

export function invoiceRecord(
  invoice: Invoice,
  entry: JournalEntry,
  subsidiary: SubsidiaryConfig,
  customerId: string,
  refs: RefIds,
  revenueRecognition: RevenueRecognitionOwner = 'integration',
): RecordBody {
  const currency = entryCurrency(entry, invoice.currency);
  if (revenueRecognition === 'arm') {
    // ARM would recognise a ratable line without dates at once: refuse rather than mis-recognise.
    const undated = invoice.lines.find((l) => l.recognition === 'ratable' && !l.servicePeriod);
    if (undated) {
      throw new BusinessError(
        'missing_service_period',
        `line ${undated.lineRef} of ${invoice.invoiceRef} is recognised ratably but has no service period; NetSuite ARM needs rev-rec start/end dates on it`,
      );
    }
  }
  return {
    ...header(entry, subsidiary, refs, currency),
    entity: ref(customerId),
    ...(invoice.number ? { otherRefNum: invoice.number } : {}),
    terms: ref(refs.id('term', invoice.paymentTerms ?? subsidiary.paymentTerms)),
    ...(invoice.dueAt ? { dueDate: invoice.dueAt.slice(0, 10) } : {}),
    item: {
      items: invoice.lines.map((line) => {
        if (!line.item) {
          throw new BusinessError(
            'unmapped_product',
            `${line.productRef ?? 'a line without a product'} (${line.lineRef}) has no item mapping; add it to config/mapping.json products and replay`,
          );
        }
        return {
          item: ref(refs.id('item', line.item)),
          description: line.description,
          ...(line.quantity > 0 ? { quantity: line.quantity } : {}),
          // Revenue of the line: net of discounts and inclusive tax, as the ledger books it.
          amount: new NetSuiteAmount(line.netAmount, currency),
          ...(line.taxCode ? { taxCode: ref(refs.id('taxCode', line.taxCode)) } : {}),
          ...(line.tax !== 0 ? { tax1Amt: new NetSuiteAmount(line.tax, currency) } : {}),
          ...dimensionRefs(refs, line.dimensions),
          ...revRecDates(line.servicePeriod),
        };
      }),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Payments, credit memos, refunds
// ---------------------------------------------------------------------------------------------

export interface PostedInvoice {
  id: string;
  /** The invoice's customer (internal id). */
  entity: string;
}

export function customerPaymentRecord(
  payment: Payment,
  entry: JournalEntry,
  subsidiary: SubsidiaryConfig,
  invoice: PostedInvoice,
  refs: RefIds,
): RecordBody {
  const amount = new NetSuiteAmount(payment.amount, entryCurrency(entry));
  return {
    ...header(entry, subsidiary, refs),
    customer: ref(invoice.entity),
    payment: amount,
    // Straight to the Stripe clearing account: the payout's deposit moves it to the bank.
    undepFunds: false,
    account: ref(refs.id('account', glAccountNumber(subsidiary, 'stripe_clearing'))),
    apply: { items: [{ doc: ref(invoice.id), apply: true, amount }] },
  };
}

/** A credit memo line may carry the item of the invoice line it credits (mapping enrichment). */
export const CreditMemoForNetSuite = CreditMemo.extend({
  lines: z.array(
    CreditMemoLine.extend({
      item: z.string().optional(),
      taxCode: z.string().nullable().optional(),
      dimensions: Dimensions.optional(),
    }),
  ),
});
export type CreditMemoForNetSuite = z.infer<typeof CreditMemoForNetSuite>;

export function creditMemoRecord(
  creditMemo: CreditMemoForNetSuite,
  entry: JournalEntry,
  subsidiary: SubsidiaryConfig,
  invoice: PostedInvoice,
  refs: RefIds,
  fallbackItem?: string,
): RecordBody {
  const currency = entryCurrency(entry);
  return {
    ...header(entry, subsidiary, refs),
    entity: ref(invoice.entity),
    createdFrom: ref(invoice.id),
    ...(creditMemo.number ? { otherRefNum: creditMemo.number } : {}),
    item: {
      items: creditMemo.lines.map((line) => {
        const item = line.item ?? fallbackItem;
        if (!item) {
          throw new BusinessError(
            'unmapped_credit_item',
            `credit note line ${line.lineRef} names no item and no default credit item is configured for NetSuite`,
          );
        }
        return {
          item: ref(refs.id('item', item)),
          description: line.description,
          amount: new NetSuiteAmount(line.amount, currency),
          ...(line.taxCode ? { taxCode: ref(refs.id('taxCode', line.taxCode)) } : {}),
          ...(line.tax !== 0 ? { tax1Amt: new NetSuiteAmount(line.tax, currency) } : {}),
          ...dimensionRefs(refs, line.dimensions),
          ...revRecDates(line.servicePeriod),
        };
      }),
    },
    // Before payment the credit reduces what the invoice asks for; after payment it stays an open
    // credit for the refund to use (applying it to a paid invoice would be refused).
    ...(creditMemo.type === 'pre_payment'
      ? {
          apply: {
            items: [
              { doc: ref(invoice.id), apply: true, amount: new NetSuiteAmount(creditMemo.total, currency) },
            ],
          },
        }
      : {}),
  };
}

/** A refund, when it names its customer and the credit memo it pays out (a customer refund in NetSuite). */
export const RefundForNetSuite = Refund.extend({
  customerRef: z.string().optional(),
  creditMemoRef: z.string().optional(),
});
export type RefundForNetSuite = z.infer<typeof RefundForNetSuite>;

export function customerRefundRecord(
  refund: RefundForNetSuite,
  entry: JournalEntry,
  subsidiary: SubsidiaryConfig,
  customerId: string,
  creditMemoId: string,
  refs: RefIds,
): RecordBody {
  const amount = new NetSuiteAmount(refund.amount, entryCurrency(entry));
  return {
    ...header(entry, subsidiary, refs),
    customer: ref(customerId),
    // Paid out of the Stripe balance, like the journal's credit to stripe_clearing.
    account: ref(refs.id('account', glAccountNumber(subsidiary, 'stripe_clearing'))),
    apply: { items: [{ doc: ref(creditMemoId), apply: true, amount }] },
  };
}

// ---------------------------------------------------------------------------------------------
// Deposits and journal entries
// ---------------------------------------------------------------------------------------------

/**
 * A payout as a bank deposit: the bank line is the deposit, credits are the funds deposited
 * ("Other Deposits": the Stripe clearing account, fees included), other debits are the fee withheld
 * ("Cash Back": merchant fees). Null when the entry is not a deposit into the bank (a withdrawal).
 */
export function depositRecord(
  entry: JournalEntry,
  subsidiary: SubsidiaryConfig,
  refs: RefIds,
): RecordBody | null {
  const bank = entry.lines.filter((l) => l.account === 'bank');
  if (bank.length !== 1 || bank[0].debit === 0) return null;
  const currency = entryCurrency(entry);
  const account = (l: JournalLine) => ref(refs.id('account', glAccountNumber(subsidiary, l.account)));
  const fees = entry.lines.filter((l) => l.account !== 'bank' && l.debit > 0);
  return {
    ...header(entry, subsidiary, refs),
    account: account(bank[0]),
    other: {
      items: entry.lines
        .filter((l) => l.credit > 0)
        .map((l) => ({ account: account(l), amount: new NetSuiteAmount(l.credit, currency), memo: l.memo })),
    },
    ...(fees.length
      ? {
          cashBack: {
            items: fees.map((l) => ({
              account: account(l),
              amount: new NetSuiteAmount(l.debit, currency),
              memo: l.memo,
            })),
          },
        }
      : {}),
  };
}

/** Debits and credits to GL account numbers; AR lines name the customer, as NetSuite requires. */
export function journalEntryRecord(
  entry: JournalEntry,
  subsidiary: SubsidiaryConfig,
  refs: RefIds,
  customerId?: string,
): RecordBody {
  const currency = entryCurrency(entry);
  return {
    ...header(entry, subsidiary, refs),
    line: {
      items: entry.lines.map((l) => ({
        account: ref(refs.id('account', glAccountNumber(subsidiary, l.account))),
        ...(l.debit > 0 ? { debit: new NetSuiteAmount(l.debit, currency) } : {}),
        ...(l.credit > 0 ? { credit: new NetSuiteAmount(l.credit, currency) } : {}),
        memo: l.memo,
        ...(customerId && l.account === 'accounts_receivable' ? { entity: ref(customerId) } : {}),
        ...dimensionRefs(refs, l.dimensions),
      })),
    },
  };
}
