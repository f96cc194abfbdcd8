/**
 * The ERP port. Flows post canonical documents through it; adapters (built-in ledger, NetSuite…)
 * decide how. Every method is idempotent on the entry's idempotency key and returns the ERP's id
 * for the document, which goes into the crosswalk.
 */
import type { Customer, Invoice, JournalEntry, Payment } from '../../domain/model';
import type { PostingOutcome } from '../../domain/accounting/ledger-book';

export interface ErpDocumentRef {
  /** The ERP's own id for the posted document (ledger entry id, NetSuite internal id, …). */
  erpId: string;
  /** `skipped`: the ERP owns this posting itself (e.g. revenue under NetSuite ARM); nothing was written. */
  outcome: PostingOutcome | 'skipped';
}

/** A canonical document and the journal entry that books it (adapters use either or both). */
export interface ErpDocument {
  kind: JournalEntry['kind'];
  data: unknown;
}

export interface ErpAdapter {
  readonly name: string;
  postInvoice(invoice: Invoice, entry: JournalEntry): Promise<ErpDocumentRef>;
  applyPayment(payment: Payment, entry: JournalEntry): Promise<ErpDocumentRef>;
  postJournal(entry: JournalEntry): Promise<ErpDocumentRef>;
  /** Credit memos, refunds, disputes, deposits, voids, write-offs, revenue releases. */
  postDocument(document: ErpDocument, entry: JournalEntry): Promise<ErpDocumentRef>;
  /** Whether a posting with this idempotency key has been recorded (reversals need their original). */
  hasPosting(idempotencyKey: string): Promise<boolean>;
  upsertCustomer(customer: Customer): Promise<ErpDocumentRef>;
}
