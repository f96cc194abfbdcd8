/**
 * The ERP port over NetSuite's SuiteTalk REST record API. Each posting becomes the NetSuite record
 * finance expects (invoice, customer payment, credit memo, deposit, journal entry — see README.md),
 * under an externalId derived from the source, so NetSuite itself refuses a second copy:
 *
 *   create  → 204 + Location: posted, the internal id goes to the crosswalk
 *           → "already exists" → look the record up by externalId: already-posted, same internal id
 *
 * Every request holds a concurrency permit (client-side limiter, optionally a budget shared across
 * Lambda instances), so the account's governance limit is a queue, not a stream of 429s.
 */
import type { MappingConfig, SubsidiaryConfig } from '../../../domain/config';
import { assertBalanced } from '../../../domain/accounting/journal';
import { BusinessError } from '../../../domain/errors';
import { Invoice, Payment, type Customer, type JournalEntry } from '../../../domain/model';
import type { ErpAdapter, ErpDocument, ErpDocumentRef } from '../port';
import { fromDecimalString } from './amounts';
import type { NetSuiteAuth } from './auth';
import { NetSuiteClient, type GovernanceRetry } from './client';
import { LocalPermits, type ConcurrencyPermits } from './concurrency';
import { isDuplicateRecord, NetSuiteTransientError } from './errors';
import {
  externalIdForEntry,
  externalIdForPostingKey,
  RECORD_FOR_KIND,
  toExternalId,
  type TransactionRecordType,
} from './external-ids';
import {
  CreditMemoForNetSuite,
  creditMemoRecord,
  customerPaymentRecord,
  customerPlaceholder,
  customerRecord,
  customerRefundRecord,
  depositRecord,
  invoiceRecord,
  journalEntryRecord,
  entryCurrency,
  RefundForNetSuite,
  type PostedInvoice,
  type RecordBody,
  type RevenueRecognitionOwner,
} from './records';
import { ReferenceResolver } from './references';
import { literal, postedTransactions, transactionsByExternalId, type PostedQuery } from './suiteql';

const KNOWN_MAX = 10_000;

export interface NetSuiteAdapterOptions {
  /** e.g. `1234567` or `1234567_SB1` (sandbox). */
  accountId: string;
  baseUrl?: string;
  auth: NetSuiteAuth;
  mapping: MappingConfig;
  /** This integration's share of the account's concurrency limit: never more requests in flight. */
  concurrencyLimit: number;
  /** The same budget shared with every other instance (DynamoDbPermits); omit for a single process. */
  sharedPermits?: ConcurrencyPermits;
  requestTimeoutMs?: number;
  suiteqlPageSize?: number;
  /** Item for credit memo lines that do not name the item they credit. */
  defaultCreditItem?: string;
  /**
   * Who recognises revenue (default `integration`): with `arm`, NetSuite's Advanced Revenue
   * Management does, from the invoice lines' rev-rec dates, and revenue releases are not posted.
   */
  revenueRecognition?: RevenueRecognitionOwner;
  /** How 429s are absorbed in the client before the flow's own retries (client.ts). */
  governanceRetry?: Partial<GovernanceRetry>;
  /** Told of every 429 NetSuite answers (client.ts). */
  onGovernanceRefusal?: () => void;
  fetch?: typeof fetch;
}

/** A transaction as reconciliation reads it back from NetSuite. */
export interface PostedRecord {
  internalId: string;
  externalId: string;
  recordType: string;
  tranDate: string;
  currency: string;
  /** Integer minor units of the transaction currency. */
  total: number | null;
  /**
   * Tax Total (`taxtotal`), integer minor units: the tax of an invoice's or credit memo's lines
   * (tax1Amt), part of `total`. Null when NetSuite leaves it empty (transactions without tax lines).
   */
  tax: number | null;
  memo?: string;
}

interface FoundTransaction {
  id: string;
  recordtype: string;
  entity?: string;
}

export class NetSuiteAdapter implements ErpAdapter {
  readonly name = 'netsuite';
  readonly client: NetSuiteClient;
  /** The client-side limiter: at most `concurrencyLimit` requests of this instance in flight. */
  readonly limiter: LocalPermits;
  private readonly refs: ReferenceResolver;
  /** Internal ids of customers and transactions seen by this instance (keyed by type + externalId). */
  private readonly known = new Map<string, FoundTransaction>();

  get revenueRecognition(): RevenueRecognitionOwner {
    return this.options.revenueRecognition ?? 'integration';
  }

  constructor(private readonly options: NetSuiteAdapterOptions) {
    this.limiter = new LocalPermits(options.concurrencyLimit);
    this.client = new NetSuiteClient({
      accountId: options.accountId,
      baseUrl: options.baseUrl,
      auth: options.auth,
      permits: options.sharedPermits ? [this.limiter, options.sharedPermits] : [this.limiter],
      requestTimeoutMs: options.requestTimeoutMs,
      suiteqlPageSize: options.suiteqlPageSize,
      governanceRetry: options.governanceRetry,
      onGovernanceRefusal: options.onGovernanceRefusal,
      fetch: options.fetch,
    });
    this.refs = new ReferenceResolver((q) => this.client.suiteql(q));
  }

  postInvoice(invoice: Invoice, entry: JournalEntry): Promise<ErpDocumentRef> {
    return this.post(entry, 'invoice', async (subsidiary) => {
      const customerId = await this.ensureCustomer(invoice.customerRef, subsidiary, invoice.currency);
      return this.refs.build((refs) =>
        invoiceRecord(invoice, entry, subsidiary, customerId, refs, this.revenueRecognition),
      );
    });
  }

  applyPayment(payment: Payment, entry: JournalEntry): Promise<ErpDocumentRef> {
    // A zero invoice (a $0 trial) is "paid" without money moving: there is nothing to apply.
    if (entry.lines.length === 0) return Promise.resolve({ erpId: '', outcome: 'skipped' });
    return this.post(entry, 'customerPayment', async (subsidiary) => {
      const invoice = await this.postedInvoice(payment.invoiceRef);
      return this.refs.build((refs) => customerPaymentRecord(payment, entry, subsidiary, invoice, refs));
    });
  }

  postJournal(entry: JournalEntry): Promise<ErpDocumentRef> {
    return this.postJournalFor({ kind: entry.kind, data: null }, entry);
  }

  postDocument(document: ErpDocument, entry: JournalEntry): Promise<ErpDocumentRef> {
    if (document.kind !== entry.kind) {
      throw new Error(
        `document of kind ${document.kind} posted with a ${entry.kind} entry (${entry.entryId})`,
      );
    }
    switch (entry.kind) {
      case 'revenue_release':
        // The ARM guard: NetSuite recognises this revenue itself; a journal would book it twice.
        if (this.revenueRecognition === 'arm') return Promise.resolve({ erpId: '', outcome: 'skipped' });
        return this.postJournalFor(document, entry);
      case 'invoice':
        return this.postInvoice(Invoice.parse(document.data), entry);
      case 'payment':
        return this.applyPayment(Payment.parse(document.data), entry);
      case 'credit_memo':
        return this.postCreditMemo(CreditMemoForNetSuite.parse(document.data), entry);
      case 'refund':
        return this.postRefund(RefundForNetSuite.parse(document.data), entry);
      case 'deposit':
        return this.postDeposit(entry);
      default:
        return this.postJournalFor(document, entry);
    }
  }

  /** Whether the posting with this idempotency key exists in NetSuite (by its externalId). */
  async hasPosting(idempotencyKey: string): Promise<boolean> {
    const externalId = externalIdForPostingKey(idempotencyKey);
    return (await this.findTransaction(externalId)) !== undefined;
  }

  /**
   * The customer master, upserted by externalId (NetSuite's PUT …/customer/eid:…): created on first
   * sight, updated after. Always `posted`: NetSuite's 204 does not say whether it created or updated.
   */
  async upsertCustomer(customer: Customer): Promise<ErpDocumentRef> {
    const subsidiary = this.subsidiary(customer.subsidiary);
    const externalId = toExternalId(customer.externalId);
    const body = await this.refs.build((refs) => customerRecord(customer, subsidiary, refs));
    const id = await this.client.upsert('customer', externalId, body);
    this.remember(`customer:${externalId}`, { id, recordtype: 'customer' });
    return { erpId: id, outcome: 'posted' };
  }

  /** Transactions with an externalId, for reconciliation (SuiteQL, every page). */
  async listPosted(query: PostedQuery = {}): Promise<PostedRecord[]> {
    const rows = await this.client.suiteql(postedTransactions(query));
    return rows.map((r) => ({
      internalId: String(r.id),
      externalId: String(r.externalid),
      recordType: String(r.recordtype),
      tranDate: String(r.trandate),
      currency: String(r.currency).toLowerCase(),
      total:
        r.foreigntotal === undefined ? null : fromDecimalString(String(r.foreigntotal), String(r.currency)),
      // SuiteQL omits empty columns.
      tax:
        r.taxtotal === undefined || r.taxtotal === null
          ? null
          : fromDecimalString(String(r.taxtotal), String(r.currency)),
      ...(r.memo !== undefined ? { memo: String(r.memo) } : {}),
    }));
  }

  // -------------------------------------------------------------------------------------------
  // Document kinds
  // -------------------------------------------------------------------------------------------

  private postCreditMemo(creditMemo: CreditMemoForNetSuite, entry: JournalEntry): Promise<ErpDocumentRef> {
    return this.post(entry, 'creditMemo', async (subsidiary) => {
      const invoice = await this.postedInvoice(creditMemo.invoiceRef);
      return this.refs.build((refs) =>
        creditMemoRecord(creditMemo, entry, subsidiary, invoice, refs, this.options.defaultCreditItem),
      );
    });
  }

  /**
   * A customer refund pays out a credit: it needs the customer and the credit memo it refunds. A
   * refund that names neither (Stripe refunds name the charge) is booked as the journal entry the
   * ledger books (Dr AR / Cr clearing), under the same externalId. Refunds are the one kind whose
   * record type depends on the data, so a refund already recorded as the other type is looked for
   * first: the per-type externalId guard alone would not see it.
   */
  private async postRefund(refund: RefundForNetSuite, entry: JournalEntry): Promise<ErpDocumentRef> {
    const existing = await this.findTransaction(externalIdForEntry(entry));
    if (existing) return { erpId: existing.id, outcome: 'already-posted' };
    const { customerRef, creditMemoRef } = refund;
    if (!customerRef || !creditMemoRef) return this.postJournalFor({ kind: entry.kind, data: refund }, entry);
    return this.post(entry, 'customerRefund', async (subsidiary) => {
      const customerId = await this.ensureCustomer(customerRef, subsidiary, refund.currency);
      const credit = await this.findTransaction(toExternalId(creditMemoRef), 'creditMemo');
      if (!credit) {
        throw new BusinessError(
          'INVALID_KEY_OR_REF',
          `credit memo ${creditMemoRef} refunded by ${refund.refundRef} is not in NetSuite; post it, then replay`,
        );
      }
      return this.refs.build((refs) =>
        customerRefundRecord(refund, entry, subsidiary, customerId, credit.id, refs),
      );
    });
  }

  /**
   * A payout as a NetSuite deposit, which holds one currency. A payout that settles converted
   * transactions (a CAD charge paid out in USD) is booked, like the ledger books it, per currency:
   * the deposit in the payout currency (bank, fees, clearing and the converted amounts against
   * fx_gain_loss), and per other currency a journal entry relieving that currency's clearing against
   * fx_gain_loss (`depositLegs`). The legs post first, each under its own externalId, so the deposit
   * — the record the crosswalk keeps — exists only once they all do, and a retry completes the rest.
   */
  private async postDeposit(entry: JournalEntry): Promise<ErpDocumentRef> {
    const { deposit, otherCurrencies } = depositLegs(entry);
    for (const leg of otherCurrencies) await this.postJournalFor({ kind: entry.kind, data: null }, leg);
    const subsidiary = this.subsidiary(entry.subsidiary);
    const body = await this.refs.build((refs) => depositRecord(deposit, subsidiary, refs));
    if (!body) return this.postJournalFor({ kind: entry.kind, data: null }, deposit);
    return this.post(deposit, 'deposit', async () => body);
  }

  /** Voids, write-offs, disputes, failures, revenue releases: journal entries under the posting key. */
  private postJournalFor(document: ErpDocument, entry: JournalEntry): Promise<ErpDocumentRef> {
    return this.post(entry, 'journalEntry', async (subsidiary) => {
      // NetSuite wants a customer on every A/R line of a journal entry.
      const customerId = entry.lines.some((l) => l.account === 'accounts_receivable')
        ? await this.customerOf(document.data, subsidiary, entryCurrency(entry))
        : undefined;
      return this.refs.build((refs) => journalEntryRecord(entry, subsidiary, refs, customerId));
    });
  }

  // -------------------------------------------------------------------------------------------
  // Posting and lookups
  // -------------------------------------------------------------------------------------------

  /**
   * Creates the record once. NetSuite refusing a duplicate externalId means an earlier attempt
   * (perhaps one whose response timed out) landed: that record is the posting. Any other refusal
   * is checked the same way before it is reported, so a replay after the period closed, or after
   * master data changed, still recognises what is already booked instead of parking it.
   */
  private async post(
    entry: JournalEntry,
    type: TransactionRecordType,
    build: (subsidiary: SubsidiaryConfig) => Promise<RecordBody>,
  ): Promise<ErpDocumentRef> {
    assertBalanced(entry);
    if (RECORD_FOR_KIND[entry.kind] !== type && type !== 'journalEntry') {
      throw new Error(`a ${entry.kind} entry cannot be posted as a NetSuite ${type}`);
    }
    const externalId = externalIdForEntry(entry);
    const cached = this.known.get(`${type}:${externalId}`);
    if (cached) return { erpId: cached.id, outcome: 'already-posted' };
    try {
      const body = await build(this.subsidiary(entry.subsidiary));
      const id = await this.client.create(type, body);
      const entity = (body.entity as { id?: string } | undefined)?.id;
      this.remember(`${type}:${externalId}`, { id, recordtype: type, ...(entity ? { entity } : {}) });
      return { erpId: id, outcome: 'posted' };
    } catch (err) {
      if (!(err instanceof BusinessError)) throw err;
      const existing = await this.findTransaction(externalId, type);
      if (existing) return { erpId: existing.id, outcome: 'already-posted' };
      if (isDuplicateRecord(err)) {
        // NetSuite says it exists but SuiteQL does not return it yet: the retry will find it.
        throw new NetSuiteTransientError(
          `NetSuite has a ${type} with externalId ${externalId} that SuiteQL does not return yet`,
          err.status,
          err.code,
        );
      }
      throw err;
    }
  }

  private async findTransaction(
    externalId: string,
    type?: TransactionRecordType,
  ): Promise<FoundTransaction | undefined> {
    const rows = await this.client.suiteql(transactionsByExternalId([externalId], type));
    const row = rows[0];
    if (!row) return undefined;
    const found = {
      id: String(row.id),
      recordtype: String(row.recordtype),
      ...(row.entity !== undefined ? { entity: String(row.entity) } : {}),
    };
    if (type) this.remember(`${type}:${externalId}`, found);
    return found;
  }

  /** The invoice a payment or credit applies to, which its own flow posts first. */
  private async postedInvoice(invoiceRef: string): Promise<PostedInvoice> {
    const externalId = toExternalId(invoiceRef);
    const known = this.known.get(`invoice:${externalId}`);
    const found = known?.entity ? known : await this.findTransaction(externalId, 'invoice');
    if (!found?.entity) {
      throw new BusinessError(
        'INVALID_KEY_OR_REF',
        `invoice ${invoiceRef} (externalId ${externalId}) is not in NetSuite; post the invoice, then replay`,
      );
    }
    return { id: found.id, entity: found.entity };
  }

  /**
   * The customer's internal id, creating a placeholder if its own event has not arrived yet. A
   * create that loses a race to another instance finds the winner's record.
   */
  private async ensureCustomer(
    customerRef: string,
    subsidiary: SubsidiaryConfig,
    currency: string,
    name = customerRef,
  ): Promise<string> {
    const externalId = toExternalId(customerRef);
    const key = `customer:${externalId}`;
    const known = this.known.get(key) ?? (await this.findCustomer(externalId));
    if (known) return known.id;
    try {
      const body = await this.refs.build((refs) =>
        customerPlaceholder(customerRef, subsidiary, currency, refs, name),
      );
      const id = await this.client.create('customer', body);
      this.remember(key, { id, recordtype: 'customer' });
      return id;
    } catch (err) {
      const winner = isDuplicateRecord(err) ? await this.findCustomer(externalId) : undefined;
      if (winner) return winner.id;
      throw err;
    }
  }

  private async findCustomer(externalId: string): Promise<FoundTransaction | undefined> {
    const rows = await this.client.suiteql(
      `SELECT id FROM customer WHERE externalid = ${literal(externalId)}`,
    );
    if (!rows[0]) return undefined;
    const found = { id: String(rows[0].id), recordtype: 'customer' };
    this.remember(`customer:${externalId}`, found);
    return found;
  }

  /**
   * The customer on a journal's A/R lines: the document's own, or its invoice's or credit memo's.
   * A document that names none (Stripe refunds and disputes name the charge, not the customer)
   * books to the subsidiary's "unidentified Stripe customer", for finance to reclass.
   */
  private async customerOf(data: unknown, subsidiary: SubsidiaryConfig, currency: string): Promise<string> {
    const doc = (data ?? {}) as { customerRef?: unknown; invoiceRef?: unknown; creditMemoRef?: unknown };
    if (typeof doc.customerRef === 'string')
      return this.ensureCustomer(doc.customerRef, subsidiary, currency);
    for (const ref of [doc.creditMemoRef, doc.invoiceRef]) {
      if (typeof ref !== 'string') continue;
      const found = await this.findTransaction(toExternalId(ref));
      if (found?.entity) return found.entity;
    }
    return this.ensureCustomer(
      `stripe:unidentified:${subsidiary.id}`,
      subsidiary,
      currency,
      `Unidentified Stripe customer (${subsidiary.id})`,
    );
  }

  /** Bounded: a warm Lambda posting all quarter must not keep every id it ever saw. */
  private remember(key: string, found: FoundTransaction): void {
    if (this.known.size >= KNOWN_MAX) this.known.clear();
    this.known.set(key, found);
  }

  private subsidiary(id: string): SubsidiaryConfig {
    const found = this.options.mapping.subsidiaries.find((s) => s.id === id);
    if (!found) {
      throw new BusinessError('unmapped_subsidiary', `subsidiary ${id} is not in config/mapping.json`);
    }
    return found;
  }
}

/**
 * A deposit entry split by currency: the bank line's currency stays the deposit; each other
 * currency's lines (each currency balances on its own) become a journal entry with its own
 * externalId (`<payout>-fx-<currency>`). A single-currency entry comes back unchanged.
 */
export function depositLegs(entry: JournalEntry): { deposit: JournalEntry; otherCurrencies: JournalEntry[] } {
  const bank = entry.lines.find((l) => l.account === 'bank');
  const currencies = [...new Set(entry.lines.map((l) => l.currency))];
  if (!bank || currencies.length === 1) return { deposit: entry, otherCurrencies: [] };
  const deposit = { ...entry, lines: entry.lines.filter((l) => l.currency === bank.currency) };
  const otherCurrencies = currencies
    .filter((c) => c !== bank.currency)
    .map((c) => {
      const leg = {
        ...entry,
        entryId: `${entry.entryId}:fx:${c}`,
        documentRef: `${entry.documentRef}:fx:${c}`,
        memo: `${entry.memo}: ${c.toUpperCase()} transactions converted to ${bank.currency.toUpperCase()}`,
        lines: entry.lines.filter((l) => l.currency === c),
      };
      assertBalanced(leg);
      return leg;
    });
  assertBalanced(deposit);
  return { deposit, otherCurrencies };
}
