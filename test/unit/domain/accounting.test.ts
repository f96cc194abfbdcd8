import fc from 'fast-check';
import { journalForInvoice } from '../../../lambdas/domain/accounting/invoice';
import {
  assertBalanced,
  totalsByCurrency,
  UnbalancedEntryError,
} from '../../../lambdas/domain/accounting/journal';
import { postToBook, PostingConflictError } from '../../../lambdas/domain/accounting/ledger-book';
import { journalForPayment } from '../../../lambdas/domain/accounting/payment';
import { trialBalance, unbalancedCurrencies } from '../../../lambdas/domain/accounting/trial-balance';
import { JournalEntry, type Invoice } from '../../../lambdas/domain/model';
import { invoice, payment } from './arbitraries';

const KEY = 'stripe:invoice:in_TEST:post';

function sampleInvoice(): Invoice {
  return {
    schemaVersion: 'v1',
    invoiceRef: 'stripe:in_A',
    source: { system: 'stripe', id: 'in_A', eventId: 'evt_A', eventType: 'invoice.finalized' },
    number: 'INV-0001',
    customerRef: 'stripe:cus_A',
    subscriptionRef: 'stripe:sub_A',
    subsidiary: 'US-INC',
    currency: 'usd',
    issuedAt: '2026-11-01T00:00:00.000Z',
    subtotal: 49_000 + 150_000,
    discountTotal: 4_900,
    taxTotal: 3_914 + 13_313,
    total: 49_000 - 4_900 + 150_000 + 3_914 + 13_313,
    correlationId: 'opp_A',
    lines: [
      {
        lineRef: 'stripe:il_seats',
        description: 'Seats',
        productRef: 'stripe:prod_S',
        priceRef: 'stripe:price_S',
        quantity: 10,
        amount: 49_000,
        discount: 4_900,
        netAmount: 44_100,
        tax: 3_914,
        recognition: 'ratable',
        servicePeriod: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
        proration: false,
      },
      {
        lineRef: 'stripe:il_onboarding',
        description: 'Onboarding',
        productRef: 'stripe:prod_O',
        priceRef: 'stripe:price_O',
        quantity: 1,
        amount: 150_000,
        discount: 0,
        netAmount: 150_000,
        tax: 13_313,
        recognition: 'point_in_time',
        servicePeriod: null,
        proration: false,
      },
    ],
  };
}

describe('invoice finalized (DESIGN.md §5)', () => {
  it('debits AR with the total and credits deferred revenue, revenue and tax per line', () => {
    const entry = journalForInvoice(sampleInvoice(), KEY);
    const by = (account: string) => entry.lines.filter((l) => l.account === account);
    expect(by('accounts_receivable')).toEqual([expect.objectContaining({ debit: 211_327, credit: 0 })]);
    expect(by('deferred_revenue')).toEqual([
      expect.objectContaining({
        credit: 44_100,
        debit: 0,
        sourceLineRef: 'stripe:il_seats',
        servicePeriod: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
      }),
    ]);
    expect(by('revenue')).toEqual([
      expect.objectContaining({ credit: 150_000, sourceLineRef: 'stripe:il_onboarding' }),
    ]);
    expect(by('tax_payable').map((l) => l.credit)).toEqual([3_914, 13_313]);
    expect(entry).toMatchObject({
      entryId: KEY,
      idempotencyKey: KEY,
      kind: 'invoice',
      effectiveDate: '2026-11-01',
    });
  });

  it('stamps every line with the source event id and correlation id', () => {
    const entry = journalForInvoice(sampleInvoice(), KEY);
    for (const l of entry.lines)
      expect(l).toMatchObject({ sourceEventId: 'evt_A', correlationId: 'opp_A', currency: 'usd' });
  });

  it('turns a negative (proration credit) line into a debit of deferred revenue', () => {
    const inv = sampleInvoice();
    inv.lines = [{ ...inv.lines[0], amount: -10_000, discount: 0, netAmount: -10_000, tax: 0 }];
    const entry = journalForInvoice(inv, KEY);
    expect(entry.lines).toEqual([
      expect.objectContaining({ account: 'accounts_receivable', debit: 0, credit: 10_000 }),
      expect.objectContaining({ account: 'deferred_revenue', debit: 10_000, credit: 0 }),
    ]);
  });

  it('omits zero lines', () => {
    const inv = sampleInvoice();
    inv.lines = [{ ...inv.lines[1], tax: 0 }];
    expect(journalForInvoice(inv, KEY).lines.map((l) => l.account)).toEqual([
      'accounts_receivable',
      'revenue',
    ]);
  });
});

describe('payment succeeded (DESIGN.md §5)', () => {
  it('debits stripe_clearing and credits AR', () => {
    const entry = journalForPayment(
      {
        schemaVersion: 'v1',
        paymentRef: 'stripe:in_A:payment',
        invoiceRef: 'stripe:in_A',
        source: { system: 'stripe', id: 'in_A', eventId: 'evt_P', eventType: 'invoice.paid' },
        customerRef: 'stripe:cus_A',
        subsidiary: 'US-INC',
        currency: 'usd',
        amount: 211_327,
        paidAt: '2026-11-03T10:00:00.000Z',
        correlationId: 'opp_A',
      },
      'stripe:invoice:in_A:payment',
    );
    expect(entry.lines).toEqual([
      expect.objectContaining({
        account: 'stripe_clearing',
        debit: 211_327,
        credit: 0,
        sourceEventId: 'evt_P',
      }),
      expect.objectContaining({
        account: 'accounts_receivable',
        debit: 0,
        credit: 211_327,
        correlationId: 'opp_A',
      }),
    ]);
    expect(entry.effectiveDate).toBe('2026-11-03');
  });
});

describe('journal invariants', () => {
  it('rejects an entry whose debits and credits differ in a currency', () => {
    const entry = journalForInvoice(sampleInvoice(), KEY);
    entry.lines[0] = { ...entry.lines[0], debit: entry.lines[0].debit + 1 };
    expect(() => assertBalanced(entry)).toThrow(UnbalancedEntryError);
  });

  it('property: every invoice and payment journal balances per currency and validates against the schema', () => {
    fc.assert(
      fc.property(invoice, payment, (inv, pay) => {
        for (const entry of [journalForInvoice(inv, KEY), journalForPayment(pay, 'k')]) {
          JournalEntry.parse(entry);
          for (const [, t] of totalsByCurrency(entry.lines)) expect(t.debit).toBe(t.credit);
          for (const l of entry.lines) {
            expect(Number.isSafeInteger(l.debit) && Number.isSafeInteger(l.credit)).toBe(true);
            expect(l.debit === 0 || l.credit === 0).toBe(true);
          }
        }
      }),
    );
  });

  it('property: AR equals the invoice total and revenue + deferral + tax equal the lines', () => {
    fc.assert(
      fc.property(invoice, (inv) => {
        const rows = trialBalance([journalForInvoice(inv, KEY)]);
        const net = (a: string) =>
          rows.filter((r) => r.account === a).reduce((s, r) => s + r.debit - r.credit, 0n);
        expect(net('accounts_receivable')).toBe(BigInt(inv.total));
        expect(0n - net('deferred_revenue') - net('revenue')).toBe(
          BigInt(inv.lines.reduce((s, l) => s + l.netAmount, 0)),
        );
        expect(0n - net('tax_payable')).toBe(BigInt(inv.taxTotal));
      }),
    );
  });

  it('property: posting is deterministic', () => {
    fc.assert(
      fc.property(invoice, (inv) =>
        expect(journalForInvoice(inv, KEY)).toEqual(journalForInvoice(structuredClone(inv), KEY)),
      ),
    );
  });

  it('property: re-posting any entry is a no-op and the trial balance stays balanced', () => {
    fc.assert(
      fc.property(
        fc.array(invoice, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (invoices, repeats) => {
          const entries = invoices.map((inv) =>
            journalForInvoice(inv, `stripe:invoice:${inv.source.id}:post`),
          );
          const unique = new Map(entries.map((e) => [e.entryId, e]));
          let book = new Map();
          for (const e of entries) book = postToBook(book, e);
          const once = trialBalance([...book.values()]);
          for (const r of repeats) if (entries.length) book = postToBook(book, entries[r % entries.length]);
          expect(book.size).toBe(unique.size);
          expect(trialBalance([...book.values()])).toEqual(once);
          expect(unbalancedCurrencies(once)).toEqual([]);
        },
      ),
    );
  });

  it('refuses a different document under an already used entry id', () => {
    const entry = journalForInvoice(sampleInvoice(), KEY);
    const book = postToBook(new Map(), entry);
    expect(() => postToBook(book, { ...entry, documentRef: 'stripe:in_OTHER' })).toThrow(
      PostingConflictError,
    );
  });
});
