/**
 * The ERP side of reconciliation when the ERP is NetSuite: the transactions the adapter wrote, read
 * back with SuiteQL (`listPosted`, every page, by transaction date), as the same ERP facts the
 * built-in ledger yields, so the comparison does not know which ERP it reconciles.
 *
 * A record's externalId says which billing document it posts (external-ids.ts, `:` written as `-`):
 *
 *   invoice          stripe-in_1               → invoice:in_1       post
 *   customerpayment  stripe-in_1-payment       → payment:in_1       post
 *   creditmemo       stripe-cn_1               → credit_note:cn_1   post
 *   customerrefund   stripe-re_1               → refund:re_1        post
 *   deposit          stripe-po_1               → payout:po_1        post
 *   journalentry     stripe-re_1 / stripe-po_1 → refund / payout    post (the journal fallback)
 *   journalentry     stripe-invoice-in_1-void  → invoice:in_1       reversal (also credit_note …-void,
 *                                                                    refund …-failed, payout …-failed)
 *
 * Everything else the adapter writes (write-offs, disputes, revenue releases, the FX legs of a
 * multi-currency deposit `stripe-po_1-fx-cad`) is not reconciled against a billing document, as
 * on the ledger. NetSuite's transaction total is the document's amount (an invoice or credit memo
 * with its tax, a payment's amount, a deposit's net, a journal's debits); the sign NetSuite
 * reports it with is dropped, as the ledger takes the absolute movement. An invoice's or credit
 * memo's tax is NetSuite's Tax Total (`taxtotal`: the tax of its lines), unsigned like the total;
 * NetSuite leaves it empty when no line carries tax, which is no tax (0), so billing tax on a document
 * NetSuite holds untaxed is found. Other records carry no tax (null: the comparison skips it).
 */
import { SUITEQL_RECORD_TYPE } from '../erp/netsuite/external-ids';
import type { NetSuiteAdapter, PostedRecord } from '../erp/netsuite';
import { factKey, type DocumentType, type ErpFact } from '../../domain/reconciliation/facts';

/** SuiteQL record type → the billing document its externalId names (`stripe-<billing id>`). */
const DOCUMENT_RECORDS: Record<string, DocumentType> = {
  [SUITEQL_RECORD_TYPE.invoice]: 'invoice',
  [SUITEQL_RECORD_TYPE.creditMemo]: 'credit_note',
  [SUITEQL_RECORD_TYPE.customerRefund]: 'refund',
  [SUITEQL_RECORD_TYPE.deposit]: 'payout',
};

/** Posting keys (`stripe:<document>:<id>:<action>`) whose journal entry reverses a document. */
const REVERSALS: Record<string, DocumentType> = {
  'invoice-void': 'invoice',
  'credit_note-void': 'credit_note',
  'refund-failed': 'refund',
  'payout-failed': 'payout',
};

/** Stripe ids carry no `-`; a document externalId is `stripe-<id>` and nothing after. */
const DOCUMENT_ID = /^stripe-([^-]+)$/;
const PAYMENT_ID = /^stripe-([^-]+)-payment$/;
const POSTING_KEY = /^stripe-(invoice|credit_note|refund|payout)-([^-]+)-([a-z_]+)$/;

/** A refund or payout booked as a journal entry keeps its document externalId: which one is in the id. */
const fallbackDocument = (billingId: string): DocumentType | null =>
  billingId.startsWith('po_') ? 'payout' : /^(re|pyr)_/.test(billingId) ? 'refund' : null;

function documentOf(
  record: PostedRecord,
): { document: DocumentType; id: string; role: ErpFact['role'] } | null {
  const externalId = record.externalId;
  const type = record.recordType.toLowerCase();
  if (type === SUITEQL_RECORD_TYPE.customerPayment) {
    const m = PAYMENT_ID.exec(externalId);
    return m ? { document: 'payment', id: m[1], role: 'post' } : null;
  }
  const document = DOCUMENT_RECORDS[type];
  if (document) {
    const m = DOCUMENT_ID.exec(externalId);
    return m ? { document, id: m[1], role: 'post' } : null;
  }
  if (type !== SUITEQL_RECORD_TYPE.journalEntry) return null;
  const asDocument = DOCUMENT_ID.exec(externalId);
  if (asDocument) {
    const fallback = fallbackDocument(asDocument[1]);
    return fallback ? { document: fallback, id: asDocument[1], role: 'post' } : null;
  }
  const key = POSTING_KEY.exec(externalId);
  const reversed = key ? REVERSALS[`${key[1]}-${key[3]}`] : undefined;
  return key && reversed ? { document: reversed, id: key[2], role: 'reversal' } : null;
}

/** The fact a NetSuite transaction stands for, or null for records not reconciled. */
export function erpFactOfNetSuite(record: PostedRecord): ErpFact | null {
  const mapped = documentOf(record);
  if (!mapped) return null;
  const type = record.recordType.toLowerCase();
  const taxed = type === SUITEQL_RECORD_TYPE.invoice || type === SUITEQL_RECORD_TYPE.creditMemo;
  return {
    key: factKey(mapped.document, mapped.id),
    document: mapped.document,
    role: mapped.role,
    erpId: record.internalId,
    currency: record.currency.toLowerCase(),
    amount: Math.abs(record.total ?? 0),
    tax: taxed ? Math.abs(record.tax ?? 0) : null,
    date: record.tranDate,
  };
}

/** Transactions NetSuite dated in [from, to] (ISO dates, inclusive), every SuiteQL page. */
export function netsuitePostings(
  adapter: Pick<NetSuiteAdapter, 'listPosted'>,
  window: { from: string; to: string },
): Promise<PostedRecord[]> {
  return adapter.listPosted({ since: window.from, until: window.to });
}
