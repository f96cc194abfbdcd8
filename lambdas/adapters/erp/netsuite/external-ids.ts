/**
 * Every record the adapter writes carries an externalId derived from the source, so NetSuite itself
 * refuses a second copy (externalIds are unique per record type). Documents keep the canonical
 * reference of what they record (`stripe:in_123` → invoice `stripe-in_123`), so the payment can
 * point at its invoice and the credit memo at what it credits; journal entries, several of which
 * can record the same document (an invoice and its void), take the posting's idempotency key.
 */
import { BusinessError } from '../../../domain/errors';
import type { JournalKind } from '../../../domain/model';

/** SuiteTalk REST record types the adapter writes. */
export type TransactionRecordType =
  'invoice' | 'customerPayment' | 'creditMemo' | 'customerRefund' | 'journalEntry' | 'deposit';
export type NetSuiteRecordType = TransactionRecordType | 'customer';

/** The `recordtype` value SuiteQL reports for each REST record type (lowercase, no camel case). */
export const SUITEQL_RECORD_TYPE: Record<TransactionRecordType, string> = {
  invoice: 'invoice',
  customerPayment: 'customerpayment',
  creditMemo: 'creditmemo',
  customerRefund: 'customerrefund',
  journalEntry: 'journalentry',
  deposit: 'deposit',
};

/**
 * The NetSuite record each journal kind becomes. Kinds NetSuite has a document for post that
 * document (it then books AR, applications and deposits natively); the rest are journal entries.
 * `refund` and `deposit` fall back to a journal entry when the document cannot be expressed (a
 * refund without a known customer, a payout that withdraws), under the same externalId.
 */
export const RECORD_FOR_KIND: Record<JournalKind, TransactionRecordType> = {
  invoice: 'invoice',
  payment: 'customerPayment',
  credit_memo: 'creditMemo',
  refund: 'customerRefund',
  deposit: 'deposit',
  invoice_void: 'journalEntry',
  write_off: 'journalEntry',
  credit_memo_void: 'journalEntry',
  refund_failure: 'journalEntry',
  dispute_opened: 'journalEntry',
  dispute_won: 'journalEntry',
  dispute_lost: 'journalEntry',
  deposit_failure: 'journalEntry',
  revenue_release: 'journalEntry',
};

/** Kinds whose externalId is the canonical document reference rather than the posting key. */
const DOCUMENT_KINDS = new Set<JournalKind>(['invoice', 'payment', 'credit_memo', 'refund', 'deposit']);

const ALLOWED = /^[A-Za-z0-9_:-]+$/;
/** NetSuite's externalId field holds at most this many characters. */
const MAX_LENGTH = 255;

/**
 * NetSuite accepts letters, digits, `_` and `-` in an externalId (and `eid:` URLs split on `:`), so
 * `:` becomes `-`. Canonical refs and posting keys never use `:` and `-` interchangeably at the same
 * place (`stripe:<id>:<action>`, periods as `YYYY-MM`), so two sources cannot meet on one externalId.
 */
export function toExternalId(ref: string): string {
  if (!ALLOWED.test(ref) || ref.length > MAX_LENGTH) {
    throw new BusinessError(
      'unsupported_external_id',
      `${JSON.stringify(ref)} cannot be a NetSuite externalId (letters, digits, _ - : only; at most ${MAX_LENGTH})`,
    );
  }
  return ref.replaceAll(':', '-');
}

/** The externalId a posting is recorded under in NetSuite. */
export function externalIdForEntry(entry: {
  kind: JournalKind;
  documentRef: string;
  entryId: string;
}): string {
  return toExternalId(DOCUMENT_KINDS.has(entry.kind) ? entry.documentRef : entry.entryId);
}

/**
 * The externalId a posting key was (or would be) recorded under. Mirrors `postingKeys` in the
 * domain model for the document kinds; every other key is a journal entry under the key itself.
 * test/unit/netsuite/external-ids.test.ts pins this to `postingKeys` so the two cannot drift.
 */
export function externalIdForPostingKey(idempotencyKey: string): string {
  const documentKeys: [RegExp, (id: string) => string][] = [
    [/^stripe:invoice:([^:]+):post$/, (id) => `stripe:${id}`],
    [/^stripe:invoice:([^:]+):payment$/, (id) => `stripe:${id}:payment`],
    [/^stripe:credit_note:([^:]+):post$/, (id) => `stripe:${id}`],
    [/^stripe:refund:([^:]+):post$/, (id) => `stripe:${id}`],
    [/^stripe:payout:([^:]+):deposit$/, (id) => `stripe:${id}`],
  ];
  for (const [pattern, ref] of documentKeys) {
    const m = pattern.exec(idempotencyKey);
    if (m) return toExternalId(ref(m[1]));
  }
  return toExternalId(idempotencyKey);
}
