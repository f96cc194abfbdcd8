/**
 * NetSuite transactions (as listPosted returns them) → the ERP facts the comparison reads. Expected
 * keys and amounts are written by hand from the externalId scheme in external-ids.ts; tax from
 * NetSuite's Tax Total on invoices and credit memos.
 */
import type { PostedRecord } from '../../../lambdas/adapters/erp/netsuite';
import {
  externalIdForEntry,
  externalIdForPostingKey,
} from '../../../lambdas/adapters/erp/netsuite/external-ids';
import { erpFactOfNetSuite } from '../../../lambdas/adapters/reconciliation/netsuite-facts';
import { postingKeys } from '../../../lambdas/domain/model';

const record = (
  recordType: string,
  externalId: string,
  total: number | null,
  extra: Partial<PostedRecord> = {},
) => ({
  internalId: '101',
  externalId,
  recordType,
  tranDate: '2026-11-03',
  currency: 'usd',
  total,
  tax: null,
  ...extra,
});

describe('erpFactOfNetSuite', () => {
  it.each([
    ['invoice', 'stripe-in_1Abc', 14_700, 'invoice:in_1Abc', 'invoice', 'post'],
    ['customerpayment', 'stripe-in_1Abc-payment', 14_700, 'payment:in_1Abc', 'payment', 'post'],
    ['creditmemo', 'stripe-cn_1Abc', -2_500, 'credit_note:cn_1Abc', 'credit_note', 'post'],
    ['customerrefund', 'stripe-re_1Abc', -2_500, 'refund:re_1Abc', 'refund', 'post'],
    ['deposit', 'stripe-po_1Abc', 98_110, 'payout:po_1Abc', 'payout', 'post'],
    ['journalentry', 'stripe-re_9', 700, 'refund:re_9', 'refund', 'post'],
    ['journalentry', 'stripe-pyr_9', 700, 'refund:pyr_9', 'refund', 'post'],
    ['journalentry', 'stripe-po_9', 5_000, 'payout:po_9', 'payout', 'post'],
    ['journalentry', 'stripe-invoice-in_1Abc-void', 14_700, 'invoice:in_1Abc', 'invoice', 'reversal'],
    [
      'journalentry',
      'stripe-credit_note-cn_1Abc-void',
      2_500,
      'credit_note:cn_1Abc',
      'credit_note',
      'reversal',
    ],
    ['journalentry', 'stripe-refund-re_1Abc-failed', 2_500, 'refund:re_1Abc', 'refund', 'reversal'],
    ['journalentry', 'stripe-payout-po_1Abc-failed', 98_110, 'payout:po_1Abc', 'payout', 'reversal'],
  ])('%s %s → %s', (recordType, externalId, total, key, document, role) => {
    expect(erpFactOfNetSuite(record(recordType, externalId, total))).toEqual({
      key,
      document,
      role,
      erpId: '101',
      currency: 'usd',
      amount: Math.abs(total),
      // An invoice or credit memo without a Tax Total has no tax; other records carry none.
      tax: recordType === 'invoice' || recordType === 'creditmemo' ? 0 : null,
      date: '2026-11-03',
    });
  });

  it('an invoice or credit memo carries its Tax Total as tax, without the sign NetSuite reports it with', () => {
    expect(erpFactOfNetSuite(record('invoice', 'stripe-in_7', 10_800, { tax: 800 }))).toMatchObject({
      key: 'invoice:in_7',
      amount: 10_800,
      tax: 800,
    });
    expect(erpFactOfNetSuite(record('creditMemo', 'stripe-cn_7', -2_160, { tax: -160 }))).toMatchObject({
      key: 'credit_note:cn_7',
      amount: 2_160,
      tax: 160,
    });
  });

  it('tax is null on records that are not invoices or credit memos, whatever NetSuite reports', () => {
    for (const [type, externalId] of [
      ['customerpayment', 'stripe-in_7-payment'],
      ['journalentry', 'stripe-invoice-in_7-void'],
      ['deposit', 'stripe-po_7'],
    ]) {
      expect(erpFactOfNetSuite(record(type, externalId, 10_800, { tax: 800 }))?.tax).toBeNull();
    }
  });

  it('takes the amount without the sign NetSuite reports it with, and the currency in lower case', () => {
    const fact = erpFactOfNetSuite(
      record('creditmemo', 'stripe-cn_2', -1_234, { currency: 'EUR', internalId: '7' }),
    );
    expect(fact).toMatchObject({ amount: 1_234, currency: 'eur', erpId: '7' });
  });

  it.each([
    ['journalentry', 'stripe-invoice-in_1-write_off'],
    ['journalentry', 'stripe-dispute-dp_1-opened'],
    ['journalentry', 'stripe-dispute-dp_1-closed'],
    ['journalentry', 'stripe-po_1-fx-cad'],
    ['journalentry', 'stripe-ch_1'],
    ['journalentry', 'revenue-release-2026-11'],
    ['invoice', 'stripe-in_1-payment'],
    ['customerpayment', 'stripe-in_1'],
    ['vendorbill', 'stripe-in_1'],
  ])('%s %s is not reconciled against a billing document', (recordType, externalId) => {
    expect(erpFactOfNetSuite(record(recordType, externalId, 100))).toBeNull();
  });

  it('reads back the externalIds the adapter writes for each document (the two cannot drift)', () => {
    const entry = (kind: 'invoice' | 'payment' | 'credit_memo' | 'refund' | 'deposit', documentRef: string) =>
      externalIdForEntry({ kind, documentRef, entryId: 'unused' });
    const cases: [string, string, string, string][] = [
      ['invoice', entry('invoice', 'stripe:in_5'), 'invoice:in_5', 'post'],
      ['customerpayment', entry('payment', 'stripe:in_5:payment'), 'payment:in_5', 'post'],
      ['creditmemo', entry('credit_memo', 'stripe:cn_5'), 'credit_note:cn_5', 'post'],
      ['customerrefund', entry('refund', 'stripe:re_5'), 'refund:re_5', 'post'],
      ['deposit', entry('deposit', 'stripe:po_5'), 'payout:po_5', 'post'],
      ['journalentry', externalIdForPostingKey(postingKeys.invoiceVoid('in_5')), 'invoice:in_5', 'reversal'],
      [
        'journalentry',
        externalIdForPostingKey(postingKeys.creditMemoVoid('cn_5')),
        'credit_note:cn_5',
        'reversal',
      ],
      ['journalentry', externalIdForPostingKey(postingKeys.refundFailure('re_5')), 'refund:re_5', 'reversal'],
      [
        'journalentry',
        externalIdForPostingKey(postingKeys.depositFailure('po_5')),
        'payout:po_5',
        'reversal',
      ],
    ];
    for (const [recordType, externalId, key, role] of cases) {
      expect(erpFactOfNetSuite(record(recordType, externalId, 1))).toMatchObject({ key, role });
    }
    expect(
      erpFactOfNetSuite(record('journalentry', externalIdForPostingKey(postingKeys.writeOff('in_5')), 1)),
    ).toBeNull();
  });
});
