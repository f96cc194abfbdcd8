/**
 * Record mappings against hand-written NetSuite JSON (SuiteTalk REST field names: entity, subsidiary,
 * currency, tranDate, item.items[].item/amount/taxCode/revRecStartDate, apply.items[].doc, line.items[]
 * .account/debit/credit, other/cashBack sublists of a deposit). Internal ids come from a fake resolver
 * that answers `<kind>:<name>`, so every reference is visible in the expectation.
 */
import { toNetSuiteJson } from '../../../lambdas/adapters/erp/netsuite/amounts';
import {
  creditMemoRecord,
  customerPaymentRecord,
  customerRecord,
  depositRecord,
  invoiceRecord,
  journalEntryRecord,
  memoWithCorrelation,
  type RecordBody,
} from '../../../lambdas/adapters/erp/netsuite/records';
import type { RefIds } from '../../../lambdas/adapters/erp/netsuite/references';
import { BusinessError } from '../../../lambdas/domain/errors';
import { mapping, monthOf } from './fixtures';

const refs: RefIds = { id: (kind, name) => `${kind}:${name}` };
const us = mapping.subsidiaries.find((s) => s.id === 'US-INC')!;
/** What goes on the wire, parsed back. */
const wire = (body: RecordBody | null) => JSON.parse(toNetSuiteJson(body));
const month = monthOf('R1');
const header = (externalId: string, tranDate: string, memo: string) => ({
  externalId,
  subsidiary: { id: 'subsidiary:Quillstack, Inc.' },
  currency: { id: 'currency:usd' },
  tranDate,
  memo: `${memo} [correlation opp_R1]`,
});

describe('NetSuite record bodies', () => {
  it('invoice: customer, terms, item lines with amount, tax code, tax, dimensions and rev-rec dates', () => {
    const { document, entry } = month.postings.invoice;
    expect(wire(invoiceRecord(document.data as typeof month.invoice, entry, us, '1042', refs))).toEqual({
      ...header('stripe-in_R1', '2026-11-03', 'Invoice INV-R1 to stripe:cus_R1'),
      entity: { id: '1042' },
      otherRefNum: 'INV-R1',
      terms: { id: 'term:Net 30' },
      dueDate: '2026-12-03',
      item: {
        items: [
          {
            item: { id: 'item:SUB-GROWTH' },
            description: 'Growth (per seat) × 10',
            quantity: 10,
            amount: 1200,
            taxCode: { id: 'taxCode:US-NY-SALES' },
            tax1Amt: 106.5,
            department: { id: 'department:Sales' },
            class: { id: 'class:Subscription' },
            revRecStartDate: '2026-11-01',
            revRecEndDate: '2027-10-31',
          },
          {
            item: { id: 'item:PS-IMPLEMENTATION' },
            description: 'Implementation',
            quantity: 1,
            amount: 50,
            department: { id: 'department:Professional Services' },
            class: { id: 'class:Services' },
          },
        ],
      },
    });
  });

  it('customer payment: applied to the invoice, deposited to the Stripe clearing account', () => {
    const { entry } = month.postings.payment;
    expect(
      wire(customerPaymentRecord(month.payment, entry, us, { id: '2001', entity: '1042' }, refs)),
    ).toEqual({
      ...header('stripe-in_R1-payment', '2026-11-05', 'Payment of stripe:in_R1'),
      customer: { id: '1042' },
      payment: 1306.5,
      undepFunds: false,
      account: { id: 'account:1150' },
      apply: { items: [{ doc: { id: '2001' }, apply: true, amount: 1306.5 }] },
    });
  });

  it('credit memo: created from the invoice; a pre-payment credit is applied to it', () => {
    const { entry } = month.postings.credit_memo;
    const body = wire(creditMemoRecord(month.creditMemo, entry, us, { id: '2001', entity: '1042' }, refs));
    expect(body).toEqual({
      ...header('stripe-cn_R1', '2026-11-04', 'Credit note CN-R1 on stripe:in_R1'),
      entity: { id: '1042' },
      createdFrom: { id: '2001' },
      otherRefNum: 'CN-R1',
      item: {
        items: [{ item: { id: 'item:PS-IMPLEMENTATION' }, description: 'Implementation waived', amount: 50 }],
      },
      apply: { items: [{ doc: { id: '2001' }, apply: true, amount: 50 }] },
    });
    const postPayment = { ...month.creditMemo, type: 'post_payment' as const };
    expect(
      wire(creditMemoRecord(postPayment, entry, us, { id: '2001', entity: '1042' }, refs)).apply,
    ).toBeUndefined();
    const noItem = { ...month.creditMemo, lines: month.creditMemo.lines.map(({ item: _item, ...l }) => l) };
    expect(() => creditMemoRecord(noItem, entry, us, { id: '2001', entity: '1042' }, refs)).toThrow(
      BusinessError,
    );
  });

  it('journal entry (write-off): debits and credits in major units to GL account numbers; the customer on AR', () => {
    const { entry } = month.postings.write_off;
    expect(wire(journalEntryRecord(entry, us, refs, '1042'))).toEqual({
      ...header('stripe-invoice-in_R1-write_off', '2026-11-20', 'Uncollectible: stripe:in_R1'),
      line: {
        items: [
          { account: { id: 'account:6900' }, debit: 25, memo: 'Uncollectible: stripe:in_R1' },
          {
            account: { id: 'account:1200' },
            credit: 25,
            memo: 'Uncollectible: stripe:in_R1',
            entity: { id: '1042' },
          },
        ],
      },
    });
  });

  it('deposit (payout): into the bank, from Stripe clearing, with the Stripe fee as cash back', () => {
    const { entry } = month.postings.deposit;
    expect(wire(depositRecord(entry, us, refs))).toEqual({
      ...header('stripe-po_R1', '2026-11-08', 'Payout po_R1'),
      account: { id: 'account:1000' },
      other: {
        // 1,268.61 deposited + 37.89 fees withheld: what the payout took out of clearing
        items: [
          {
            account: { id: 'account:1150' },
            amount: 1306.5,
            memo: 'Payout po_R1: settled from the Stripe balance',
          },
        ],
      },
      cashBack: {
        items: [{ account: { id: 'account:6150' }, amount: 37.89, memo: 'Payout po_R1: Stripe fees' }],
      },
    });
    // A withdrawal (the bank credited) is not a deposit: the adapter books it as a journal entry.
    expect(depositRecord(month.postings.deposit_failure.entry, us, refs)).toBeNull();
  });

  it('customer: upserted master data, company name and e-mail from Stripe', () => {
    expect(wire(customerRecord(month.customer, us, refs))).toEqual({
      companyName: 'Acme R1 Inc.',
      isPerson: false,
      email: 'ap+R1@acme.example',
      subsidiary: { id: 'subsidiary:Quillstack, Inc.' },
      currency: { id: 'currency:usd' },
      memo: 'Stripe customer stripe:cus_R1 [correlation opp_R1]',
    });
  });

  it('an unmapped GL account is a business error naming the subsidiary and the account', () => {
    const bare = { ...us, chartOfAccounts: {} };
    expect(() => journalEntryRecord(month.postings.write_off.entry, bare, refs)).toThrow(/US-INC.*bad_debt/);
  });

  it('memos keep the correlation id even when cut to NetSuite’s 999 characters', () => {
    const memo = memoWithCorrelation('x'.repeat(2000), 'opp_123');
    expect(memo).toHaveLength(999);
    expect(memo.endsWith('[correlation opp_123]')).toBe(true);
  });
});
