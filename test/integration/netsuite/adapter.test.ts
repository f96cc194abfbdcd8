/**
 * The NetSuite adapter against the contract-faithful simulator: every document kind lands once,
 * retries are recognised by externalId, NetSuite's refusals are classified the way the state
 * machine needs them.
 */
import { BusinessError, TransientError } from '../../../lambdas/domain/errors';
import { journalForInvoice } from '../../../lambdas/domain/accounting/invoice';
import {
  journalForCreditMemo,
  journalForDeposit,
  journalForRefund,
} from '../../../lambdas/domain/accounting/money-events';
import { journalForPayment } from '../../../lambdas/domain/accounting/payment';
import { postingKeys, type Payout } from '../../../lambdas/domain/model';
import type { NetSuiteSimulator } from '../../../local/sandboxes/netsuite';
import { invoiceOf, monthOf, postMonth } from '../../unit/netsuite/fixtures';
import { adapterFor, startSimulator, tba, withRetries } from './harness';

let ns: NetSuiteSimulator;

beforeAll(async () => {
  ns = await startSimulator({ closedPeriods: ['2026-10'] });
});
afterAll(() => ns.stop());

const RECORD_OF_KIND: Record<string, string> = {
  invoice: 'invoice',
  credit_memo: 'creditMemo',
  payment: 'customerPayment',
  deposit: 'deposit',
};

describe('posting every document kind', () => {
  it('posts each once, as the NetSuite record finance expects, and a retry is already-posted', async () => {
    const adapter = adapterFor(ns);
    const month = monthOf('A1');
    const first = await postMonth(adapter, month);
    for (const [kind, ref] of Object.entries(first)) {
      expect([kind, ref.outcome]).toEqual([kind, 'posted']);
      expect(ref.erpId).toMatch(/^\d+$/);
    }

    // Where each landed, by externalId (the customer was upserted, so it is not in the transaction table).
    const rows = ns.sql(
      'SELECT recordtype, externalid FROM "transaction" WHERE externalid LIKE ? ORDER BY id',
      '%A1%',
    );
    expect(rows.map((r) => [r.recordtype, r.externalid])).toEqual([
      ['invoice', 'stripe-in_A1'],
      ['creditmemo', 'stripe-cn_A1'],
      ['customerpayment', 'stripe-in_A1-payment'],
      ['journalentry', 'stripe-re_A1'],
      ['journalentry', 'stripe-refund-re_A1-failed'],
      ['journalentry', 'stripe-dispute-dp_A1-opened'],
      ['journalentry', 'stripe-dispute-dp_A1-closed'],
      ['deposit', 'stripe-po_A1'],
      ['journalentry', 'stripe-payout-po_A1-failed'],
      ['journalentry', 'stripe-invoice-in_A1-write_off'],
      ['journalentry', 'stripe-invoice-in_A1-void'],
      ['journalentry', 'stripe-credit_note-cn_A1-void'],
      ['journalentry', 'revrec-stripe-il_sub_A1-2026-11'],
    ]);
    // A/R lines name a customer: the invoice's for its write-off, the subsidiary's "unidentified"
    // customer for a dispute (Stripe names the charge, not the customer).
    const arCustomer = (externalId: string) =>
      ns.sql(
        `SELECT c.externalid FROM transactionline l JOIN account a ON a.id = l.account JOIN customer c ON c.id = l.entity
         JOIN "transaction" t ON t.id = l."transaction" WHERE t.externalid = ? AND a.accttype = 'AcctRec'`,
        externalId,
      );
    expect(arCustomer('stripe-invoice-in_A1-write_off')).toEqual([{ externalid: 'stripe-cus_A1' }]);
    expect(arCustomer('stripe-dispute-dp_A1-opened')).toEqual([{ externalid: 'stripe-unidentified-US-INC' }]);
    expect(
      ns.sql('SELECT companyname FROM customer WHERE externalid = ?', 'stripe-unidentified-US-INC'),
    ).toEqual([{ companyname: 'Unidentified Stripe customer (US-INC)' }]);
    for (const [kind, type] of Object.entries(RECORD_OF_KIND)) {
      expect(ns.records(type as 'invoice').some((r) => r.id === first[kind].erpId)).toBe(true);
    }

    // A fresh adapter (another Lambda instance, nothing cached) replays the whole month.
    const before = ns.sql('SELECT COUNT(*) AS n FROM "transaction"')[0].n;
    const second = await postMonth(adapterFor(ns), month);
    for (const [kind, ref] of Object.entries(second)) {
      if (kind === 'customer') continue; // an upsert: NetSuite updates it in place
      expect([kind, ref.outcome, ref.erpId]).toEqual([kind, 'already-posted', first[kind].erpId]);
    }
    expect(ns.sql('SELECT COUNT(*) AS n FROM "transaction"')[0].n).toBe(before);
    expect(ns.records('customer').filter((c) => c.externalId === 'stripe-cus_A1')).toHaveLength(1);
  });

  it('books the invoice with its items, tax codes, dimensions and rev-rec dates, and the payment applied to it', async () => {
    const adapter = adapterFor(ns);
    const month = monthOf('B2');
    await postMonth(adapter, month);
    const [invoice] = ns.sql(
      'SELECT t.id, t.foreigntotal, t.foreignamountremaining, t.status, c.externalid AS customer FROM "transaction" t JOIN customer c ON c.id = t.entity WHERE t.externalid = ?',
      'stripe-in_B2',
    );
    // 1,356.50 invoiced, 50.00 credited, 1,306.50 paid.
    expect(invoice).toMatchObject({
      foreigntotal: 1356.5,
      foreignamountremaining: 0,
      status: 'paidInFull',
      customer: 'stripe-cus_B2',
    });
    const body = ns.records('invoice').find((r) => r.externalId === 'stripe-in_B2')!.body as {
      item: { items: Record<string, unknown>[] };
      memo: string;
    };
    expect(body.memo).toContain('[correlation opp_B2]');
    expect(body.item.items[0]).toMatchObject({
      amount: 1200,
      tax1Amt: 106.5,
      quantity: 10,
      revRecStartDate: '2026-11-01',
      revRecEndDate: '2027-10-31',
    });
    const links = ns.sql(
      'SELECT linktype, foreignamount FROM nexttransactionlink WHERE previousdoc = ? ORDER BY linktype',
      invoice.id,
    );
    expect(links).toEqual([
      { linktype: 'Credit Memo', foreignamount: 50 },
      { linktype: 'Payment', foreignamount: 1306.5 },
    ]);
  });

  it('creates a placeholder customer when the invoice arrives before its customer, and the upsert completes it', async () => {
    const adapter = adapterFor(ns);
    const invoice = invoiceOf('C3');
    await adapter.postInvoice(invoice, journalForInvoice(invoice, postingKeys.invoice('in_C3')));
    expect(ns.sql('SELECT companyname FROM customer WHERE externalid = ?', 'stripe-cus_C3')).toEqual([
      { companyname: 'stripe:cus_C3' },
    ]);
    await adapter.upsertCustomer(monthOf('C3').customer);
    expect(ns.sql('SELECT companyname, email FROM customer WHERE externalid = ?', 'stripe-cus_C3')).toEqual([
      { companyname: 'Acme C3 Inc.', email: 'ap+C3@acme.example' },
    ]);
  });

  it('a refund naming its customer and credit memo becomes a customer refund applied to that credit', async () => {
    const adapter = adapterFor(ns);
    const month = monthOf('K1');
    const { invoice, payment } = month.postings;
    await adapter.postDocument(invoice.document, invoice.entry);
    // Paid in full first, so the credit note stays an open credit for the refund to pay out.
    const paid = { ...month.payment, amount: 135_650 };
    await adapter.applyPayment(paid, journalForPayment(paid, payment.entry.idempotencyKey));
    const creditMemo = { ...month.creditMemo, type: 'post_payment' as const };
    const cm = journalForCreditMemo(creditMemo);
    await adapter.postDocument({ kind: cm.kind, data: creditMemo }, cm);
    const refund = {
      ...month.refund,
      customerRef: month.invoice.customerRef,
      creditMemoRef: creditMemo.creditMemoRef,
    };
    const entry = journalForRefund(month.refund);
    const posted = await adapter.postDocument({ kind: 'refund', data: refund }, entry);
    expect(posted.outcome).toBe('posted');
    expect(
      ns.sql('SELECT recordtype, foreigntotal FROM "transaction" WHERE id = ?', Number(posted.erpId)),
    ).toEqual([{ recordtype: 'customerrefund', foreigntotal: 50 }]);
    expect(
      ns.sql('SELECT foreignamountremaining FROM "transaction" WHERE externalid = ?', 'stripe-cn_K1'),
    ).toEqual([{ foreignamountremaining: 0 }]);
    // Replayed without the customer (e.g. from refund.created): found, not booked again as a journal.
    expect(await adapter.postDocument({ kind: 'refund', data: month.refund }, entry)).toEqual({
      erpId: posted.erpId,
      outcome: 'already-posted',
    });
  });
});

describe('reads', () => {
  it('hasPosting looks the posting up by its externalId', async () => {
    const adapter = adapterFor(ns);
    const month = monthOf('D4');
    await adapter.postDocument(month.postings.invoice.document, month.postings.invoice.entry);
    await adapter.postDocument(month.postings.write_off.document, month.postings.write_off.entry);
    expect(await adapter.hasPosting(postingKeys.invoice('in_D4'))).toBe(true);
    expect(await adapter.hasPosting(postingKeys.writeOff('in_D4'))).toBe(true);
    expect(await adapter.hasPosting(postingKeys.payment('in_D4'))).toBe(false);
    expect(await adapter.hasPosting(postingKeys.deposit('po_D4'))).toBe(false);
  });

  it('listPosted pages through SuiteQL and returns exact amounts', async () => {
    const adapter = adapterFor(ns, { suiteqlPageSize: 3 });
    const all = await adapter.listPosted();
    const count = Number(ns.sql('SELECT COUNT(*) AS n FROM "transaction" WHERE externalid IS NOT NULL')[0].n);
    expect(all).toHaveLength(count);
    expect(count).toBeGreaterThan(3);
    expect(new Set(all.map((r) => r.internalId)).size).toBe(count);
    const invoices = await adapter.listPosted({ type: 'invoice', since: '2026-11-01', until: '2026-11-30' });
    expect(invoices.find((r) => r.externalId === 'stripe-in_B2')).toMatchObject({
      recordType: 'invoice',
      tranDate: '2026-11-03',
      currency: 'usd',
      total: 135_650,
      // Tax Total: the invoice's tax lines (tax1Amt) as posted.
      tax: 10_650,
    });
    expect(await adapter.listPosted({ since: '2027-01-01' })).toEqual([]);
  });
});

describe("NetSuite's refusals", () => {
  it('a posting into a closed period is a BusinessError with NetSuite’s message', async () => {
    const adapter = adapterFor(ns);
    const invoice = invoiceOf('E5', '2026-10-15T00:00:00.000Z');
    const error = await adapter
      .postInvoice(invoice, journalForInvoice(invoice, postingKeys.invoice('in_E5')))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusinessError);
    expect((error as BusinessError).code).toBe('INVALID_FLD_VALUE');
    expect((error as Error).message).toContain('The accounting period Oct 2026 is closed');
    expect(ns.sql('SELECT 1 FROM "transaction" WHERE externalid = ?', 'stripe-in_E5')).toEqual([]);
  });

  it('an item NetSuite does not have is a BusinessError INVALID_KEY_OR_REF', async () => {
    const adapter = adapterFor(ns);
    const invoice = invoiceOf('F6');
    invoice.lines[0].item = 'SUB-DISCONTINUED';
    const error = await adapter
      .postInvoice(invoice, journalForInvoice(invoice, postingKeys.invoice('in_F6')))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusinessError);
    expect((error as BusinessError).code).toBe('INVALID_KEY_OR_REF');
    expect((error as Error).message).toContain('SUB-DISCONTINUED');
  });

  it('a reference NetSuite itself rejects is INVALID_KEY_OR_REF with its path', async () => {
    const adapter = adapterFor(ns);
    const error = await adapter.client
      .create('journalEntry', {
        externalId: 'test-bad-ref',
        subsidiary: { id: '1' },
        line: {
          items: [
            { account: { id: '999999' }, debit: 1 },
            { account: { id: '1' }, credit: 1 },
          ],
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusinessError);
    expect((error as BusinessError).code).toBe('INVALID_KEY_OR_REF');
    expect((error as Error).message).toContain('line.items[0].account');
  });

  it('a wrong secret is a technical (transient) error, never a business one', async () => {
    const adapter = adapterFor(ns, { auth: tba({ tokenSecret: 'not-the-secret' }) });
    const month = monthOf('G7');
    const error = await adapter.upsertCustomer(month.customer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(BusinessError);
    expect((error as Error).message).toContain('INVALID_LOGIN');
    expect(ns.stats().authFailures['signature mismatch']).toBeGreaterThan(0);
  });

  it('a response lost to a timeout after NetSuite committed is recognised on retry (no duplicate)', async () => {
    const adapter = adapterFor(ns, { requestTimeoutMs: 300 });
    const month = monthOf('H8');
    await adapter.upsertCustomer(month.customer);
    ns.injectFault({
      kind: 'timeout',
      afterCommit: true,
      match: { method: 'POST', path: '/record/v1/journalEntry' },
    });
    const { document, entry } = month.postings.revenue_release;
    const { result, attempts } = await withRetries(() => adapter.postDocument(document, entry));
    expect(attempts).toBe(2);
    expect(result.outcome).toBe('already-posted');
    expect(
      ns.sql(
        'SELECT COUNT(*) AS n FROM "transaction" WHERE externalid = ?',
        'revrec-stripe-il_sub_H8-2026-11',
      ),
    ).toEqual([{ n: 1 }]);
  });

  it('5xx and 429 bursts are transient, and the caller’s retries lose nothing', async () => {
    const adapter = adapterFor(ns);
    const month = monthOf('J9');
    ns.injectFault({ kind: 'status', status: 503, times: 2 });
    ns.injectFault({ kind: 'throttle', times: 6, retryAfterSeconds: 0 });
    const results = [];
    for (const { document, entry } of Object.values(month.postings)) {
      results.push(await withRetries(() => adapter.postDocument(document, entry)));
    }
    expect(results.every((r) => r.result.outcome === 'posted')).toBe(true);
    expect(results.reduce((n, r) => n + r.attempts, 0)).toBeGreaterThan(Object.keys(month.postings).length);
    expect(ns.sql('SELECT COUNT(*) AS n FROM "transaction" WHERE externalid LIKE ?', '%J9%')).toEqual([
      { n: Object.keys(month.postings).length },
    ]);
  });
});

describe('who recognises revenue (config netsuite.revenueRecognition)', () => {
  const countOf = (externalId: string) =>
    ns.sql('SELECT COUNT(*) AS n FROM "transaction" WHERE externalid = ?', externalId)[0].n;

  it('integration (default): the month-end release posts as a journal entry Dr deferred / Cr revenue', async () => {
    const adapter = adapterFor(ns);
    const month = monthOf('RI1');
    await adapter.postDocument(month.postings.invoice.document, month.postings.invoice.entry);
    const { document, entry } = month.postings.revenue_release;
    const result = await adapter.postDocument(document, entry);
    expect(result.outcome).toBe('posted');
    expect(countOf('revrec-stripe-il_sub_RI1-2026-11')).toBe(1);
    const release = ns
      .records('journalEntry')
      .find((r) => r.externalId === 'revrec-stripe-il_sub_RI1-2026-11');
    const lines = (release?.body as { line: { items: { debit?: number; credit?: number }[] } }).line.items;
    expect(lines.map((l) => [l.debit ?? 0, l.credit ?? 0])).toEqual([
      [entry.lines[0].debit / 100, 0],
      [0, entry.lines[1].credit / 100],
    ]);
  });

  it('arm: invoice lines carry rev-rec dates for ARM, and no revenue release reaches NetSuite', async () => {
    const adapter = adapterFor(ns, { revenueRecognition: 'arm' });
    const month = monthOf('RA1');
    const invoice = await adapter.postDocument(month.postings.invoice.document, month.postings.invoice.entry);
    expect(invoice.outcome).toBe('posted');
    const body = ns.records('invoice').find((r) => r.externalId === 'stripe-in_RA1')!.body as {
      item: { items: Record<string, unknown>[] };
    };
    expect(body.item.items[0]).toMatchObject({ revRecStartDate: '2026-11-01', revRecEndDate: '2027-10-31' });

    const requestsBefore = ns.stats().requests;
    const { document, entry } = month.postings.revenue_release;
    expect(await adapter.postDocument(document, entry)).toEqual({ erpId: '', outcome: 'skipped' });
    expect(ns.stats().requests).toBe(requestsBefore); // not even asked
    expect(countOf('revrec-stripe-il_sub_RA1-2026-11')).toBe(0);
  });

  it('arm: a ratable line without a service period is refused before ARM could recognise it at once', async () => {
    const adapter = adapterFor(ns, { revenueRecognition: 'arm' });
    const month = monthOf('RA2');
    const { document, entry } = month.postings.invoice;
    const data = document.data as typeof month.invoice;
    const undated = {
      ...data,
      lines: data.lines.map((l, i) => (i === 0 ? { ...l, servicePeriod: null } : l)),
    };
    const err = await adapter.postDocument({ ...document, data: undated }, entry).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusinessError);
    expect((err as BusinessError).message).toMatch(/no service period.*ARM/);
    expect(countOf('stripe-in_RA2')).toBe(0);
  });
});

describe('a payout that settles converted transactions (two currencies) as a NetSuite deposit', () => {
  // A USD payout of a USD charge and a CAD charge Stripe converted: 100.00 CAD became 73.00 USD.
  const payout = (suffix: string): Payout => ({
    schemaVersion: 'v1',
    payoutRef: `stripe:po_${suffix}`,
    source: {
      system: 'stripe',
      id: `po_${suffix}`,
      eventId: `evt_po_${suffix}`,
      eventType: 'payout.paid',
    },
    subsidiary: 'US-INC',
    currency: 'usd',
    amount: 16_738,
    fees: 562,
    arrivalDate: '2026-11-09T00:00:00.000Z',
    status: 'paid',
    transactions: [
      {
        id: `txn_${suffix}_usd`,
        type: 'charge',
        amount: 10_000,
        fee: 320,
        net: 9_680,
        sourceRef: `stripe:ch_${suffix}_usd`,
      },
      {
        id: `txn_${suffix}_cad`,
        type: 'charge',
        amount: 7_300,
        fee: 242,
        net: 7_058,
        sourceRef: `stripe:ch_${suffix}_cad`,
        presentment: { currency: 'cad', amount: 10_000 },
      },
    ],
    correlationId: `opp_${suffix}`,
  });
  const rows = (suffix: string) =>
    ns.sql(
      `SELECT t.externalid, t.recordtype, c.symbol AS currency, t.foreigntotal FROM "transaction" t
       JOIN currency c ON c.id = t.currency WHERE t.externalid LIKE ? ORDER BY t.externalid`,
      `stripe-po_${suffix}%`,
    );

  it('deposits in the payout currency and relieves the CAD clearing in a CAD journal entry', async () => {
    const adapter = adapterFor(ns);
    const p = payout('FX1');
    const entry = journalForDeposit(p);
    const first = await adapter.postDocument({ kind: 'deposit', data: p }, entry);
    expect(first.outcome).toBe('posted');
    expect(rows('FX1')).toEqual([
      { externalid: 'stripe-po_FX1', recordtype: 'deposit', currency: 'USD', foreigntotal: 167.38 },
      { externalid: 'stripe-po_FX1-fx-cad', recordtype: 'journalentry', currency: 'CAD', foreigntotal: 100 },
    ]);
    const deposit = ns.records('deposit').find((r) => r.externalId === 'stripe-po_FX1')!.body as {
      id: string;
      other: { items: { amount: number; memo: string }[] };
      cashBack: { items: { amount: number }[] };
    };
    // Other deposits: the USD charge out of clearing, the converted CAD charge's 73.00 USD against FX.
    expect(deposit.other.items.map((i) => i.amount)).toEqual([100, 73]);
    expect(deposit.other.items[1].memo).toContain('converted CAD→USD');
    expect(deposit.cashBack.items.map((i) => i.amount)).toEqual([5.62]);
    expect(first.erpId).toBe(
      String(ns.sql('SELECT id FROM "transaction" WHERE externalid = ?', 'stripe-po_FX1')[0].id),
    );

    // a retry (another instance, nothing cached) finds both and posts nothing
    const again = await adapterFor(ns).postDocument({ kind: 'deposit', data: p }, entry);
    expect(again).toEqual({ erpId: first.erpId, outcome: 'already-posted' });
    expect(rows('FX1')).toHaveLength(2);
  });

  it('a failure between the legs is completed by the retry, each record once', async () => {
    const adapter = adapterFor(ns);
    const p = payout('FX2');
    const entry = journalForDeposit(p);
    ns.injectFault({
      kind: 'status',
      status: 503,
      times: 1,
      match: { method: 'POST', path: '/record/v1/deposit' },
    });
    const { result, attempts } = await withRetries(() =>
      adapter.postDocument({ kind: 'deposit', data: p }, entry),
    );
    expect(attempts).toBe(2);
    expect(result.outcome).toBe('posted');
    expect(rows('FX2').map((r) => r.recordtype)).toEqual(['deposit', 'journalentry']);
  });
});

describe('a zero invoice (a $0 trial)', () => {
  it('posts as a $0 invoice in its own currency; its "payment" applies nothing', async () => {
    const adapter = adapterFor(ns);
    const month = monthOf('Z0');
    const data = month.postings.invoice.document.data as typeof month.invoice;
    const zero = {
      ...data,
      lines: data.lines.map((l) => ({ ...l, amount: 0, discount: 0, netAmount: 0, tax: 0 })),
      subtotal: 0,
      tax: 0,
      total: 0,
    };
    const entry = { ...month.postings.invoice.entry, lines: [] };
    const posted = await adapter.postDocument({ kind: 'invoice', data: zero }, entry);
    expect(posted.outcome).toBe('posted');
    expect(
      ns.sql(
        `SELECT t.foreigntotal, c.symbol FROM "transaction" t JOIN currency c ON c.id = t.currency WHERE externalid = ?`,
        'stripe-in_Z0',
      ),
    ).toEqual([{ foreigntotal: 0, symbol: 'USD' }]);
    const payment = { ...month.postings.payment.entry, lines: [] };
    expect(await adapter.applyPayment(month.payment, payment)).toEqual({ erpId: '', outcome: 'skipped' });
  });
});
