/** externalIds: NetSuite-safe, derived from the source, and the posting-key lookup pinned to postingKeys. */
import {
  externalIdForEntry,
  externalIdForPostingKey,
  RECORD_FOR_KIND,
  toExternalId,
} from '../../../lambdas/adapters/erp/netsuite/external-ids';
import { BusinessError } from '../../../lambdas/domain/errors';
import { JournalEntry, postingKeys } from '../../../lambdas/domain/model';

describe('toExternalId', () => {
  it('keeps the canonical reference readable, with NetSuite’s allowed characters only', () => {
    expect(toExternalId('stripe:in_1DemoFo0jNhG98PpQitXxuVN')).toBe('stripe-in_1DemoFo0jNhG98PpQitXxuVN');
    expect(toExternalId('revrec:stripe:il_1:2026-11')).toBe('revrec-stripe-il_1-2026-11');
    expect(() => toExternalId('stripe:in 1')).toThrow(BusinessError);
    expect(() => toExternalId('a|b')).toThrow(BusinessError);
    expect(() => toExternalId('x'.repeat(256))).toThrow(BusinessError);
  });
});

describe('externalIdForPostingKey', () => {
  const entry = (kind: JournalEntry['kind'], key: string, documentRef: string) => ({
    kind,
    entryId: key,
    documentRef,
  });

  it.each([
    ['invoice', postingKeys.invoice('in_1'), 'stripe:in_1'],
    ['payment', postingKeys.payment('in_1'), 'stripe:in_1:payment'],
    ['credit_memo', postingKeys.creditMemo('cn_1'), 'stripe:cn_1'],
    ['refund', postingKeys.refund('re_1'), 'stripe:re_1'],
    ['deposit', postingKeys.deposit('po_1'), 'stripe:po_1'],
    ['invoice_void', postingKeys.invoiceVoid('in_1'), 'stripe:in_1'],
    ['write_off', postingKeys.writeOff('in_1'), 'stripe:in_1'],
    ['credit_memo_void', postingKeys.creditMemoVoid('cn_1'), 'stripe:cn_1'],
    ['refund_failure', postingKeys.refundFailure('re_1'), 'stripe:re_1'],
    ['dispute_opened', postingKeys.disputeOpened('dp_1'), 'stripe:dp_1'],
    ['dispute_lost', postingKeys.disputeClosed('dp_1'), 'stripe:dp_1'],
    ['deposit_failure', postingKeys.depositFailure('po_1'), 'stripe:po_1'],
    ['revenue_release', 'revrec:stripe:il_1:2026-11', 'stripe:il_1'],
  ] as const)('%s: the key finds the externalId the posting was recorded under', (kind, key, documentRef) => {
    expect(externalIdForPostingKey(key)).toBe(externalIdForEntry(entry(kind, key, documentRef)));
  });

  it('documents keep their reference, journal entries their key, so no two postings share one', () => {
    const kinds = JournalEntry.shape.kind.options;
    expect(Object.keys(RECORD_FOR_KIND).sort()).toEqual([...kinds].sort());
    expect(externalIdForEntry(entry('invoice', postingKeys.invoice('in_1'), 'stripe:in_1'))).toBe(
      'stripe-in_1',
    );
    expect(externalIdForEntry(entry('invoice_void', postingKeys.invoiceVoid('in_1'), 'stripe:in_1'))).toBe(
      'stripe-invoice-in_1-void',
    );
  });
});
