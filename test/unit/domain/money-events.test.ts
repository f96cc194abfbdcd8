/**
 * Each posting rule against hand-written expected debits and credits (DESIGN.md §5), not
 * against the code's own output. Amounts in minor units.
 */
import fc from 'fast-check';
import { journalForInvoice } from '../../../lambdas/domain/accounting/invoice';
import { totalsByCurrency } from '../../../lambdas/domain/accounting/journal';
import {
  journalForCreditMemo,
  journalForCreditMemoVoid,
  journalForDeposit,
  journalForDepositFailure,
  journalForDisputeClosed,
  journalForDisputeOpened,
  journalForInvoiceVoid,
  journalForRefund,
  journalForRefundFailure,
  journalForWriteOff,
} from '../../../lambdas/domain/accounting/money-events';
import { journalForPayment } from '../../../lambdas/domain/accounting/payment';
import { trialBalance } from '../../../lambdas/domain/accounting/trial-balance';
import { withFunctionalAmounts } from '../../../lambdas/domain/accounting/functional';
import type {
  CreditMemo,
  Dispute,
  Invoice,
  JournalEntry,
  Payout,
  Refund,
} from '../../../lambdas/domain/model';
import { invoice as invoiceArb } from './arbitraries';

const source = (id: string, eventId = 'evt_1', eventType = 'x') => ({
  system: 'stripe' as const,
  id,
  eventId,
  eventType,
});
const common = { subsidiary: 'US-INC', currency: 'usd', correlationId: 'opp_1' };
const sides = (e: JournalEntry) => e.lines.map((l) => [l.account, l.debit, l.credit]);

const invoice: Invoice = {
  schemaVersion: 'v1',
  invoiceRef: 'stripe:in_V',
  source: source('in_V', 'evt_fin'),
  number: 'INV-9',
  customerRef: 'stripe:cus_1',
  subscriptionRef: null,
  issuedAt: '2026-11-03T10:00:00.000Z',
  subtotal: 120_000,
  discountTotal: 0,
  taxTotal: 10_650,
  total: 130_650,
  lines: [
    {
      lineRef: 'stripe:il_sub',
      description: 'Annual plan',
      productRef: null,
      priceRef: null,
      quantity: 1,
      amount: 120_000,
      discount: 0,
      netAmount: 120_000,
      tax: 10_650,
      recognition: 'ratable',
      servicePeriod: { start: '2026-11-03T00:00:00.000Z', end: '2027-11-03T00:00:00.000Z' },
      proration: false,
    },
  ],
  ...common,
};

describe('invoice voided', () => {
  it('mirrors the invoice entry: Dr deferred revenue 1,200.00 and tax 106.50, Cr AR 1,306.50', () => {
    const entry = journalForInvoiceVoid(invoice, '2026-11-05T00:00:00.000Z', 'evt_void');
    expect(sides(entry)).toEqual([
      ['accounts_receivable', 0, 130_650],
      ['deferred_revenue', 120_000, 0],
      ['tax_payable', 10_650, 0],
    ]);
    expect(entry).toMatchObject({
      entryId: 'stripe:invoice:in_V:void',
      kind: 'invoice_void',
      effectiveDate: '2026-11-05',
    });
    expect(entry.lines.every((l) => l.sourceEventId === 'evt_void')).toBe(true);
  });

  it('property: an invoice and its void net to zero on every account', () => {
    fc.assert(
      fc.property(invoiceArb, (inv) => {
        const rows = trialBalance([
          journalForInvoice(inv, `stripe:invoice:${inv.source.id}:post`),
          journalForInvoiceVoid(inv, inv.issuedAt, 'evt_v'),
        ]);
        for (const r of rows) expect(r.debit).toBe(r.credit);
      }),
    );
  });
});

describe('marked uncollectible', () => {
  it('writes off what is still owed: Dr bad_debt 500.00 / Cr AR 500.00', () => {
    const entry = journalForWriteOff({
      schemaVersion: 'v1',
      invoiceRef: 'stripe:in_U',
      source: source('in_U'),
      amount: 50_000,
      writtenOffAt: '2026-11-30T00:00:00.000Z',
      ...common,
    });
    expect(sides(entry)).toEqual([
      ['bad_debt', 50_000, 0],
      ['accounts_receivable', 0, 50_000],
    ]);
    expect(entry.entryId).toBe('stripe:invoice:in_U:write_off');
  });
});

const creditMemo: CreditMemo = {
  schemaVersion: 'v1',
  creditMemoRef: 'stripe:cn_1',
  source: source('cn_1', 'evt_cn'),
  number: 'CN-1',
  invoiceRef: 'stripe:in_V',
  customerRef: 'stripe:cus_1',
  issuedAt: '2026-11-10T00:00:00.000Z',
  type: 'post_payment',
  // 250.00 of the annual plan (+ 8.875% tax 22.19) and the full 100.00 onboarding fee (+ 8.88)
  lines: [
    {
      lineRef: 'stripe:cnli_1',
      invoiceLineRef: 'stripe:il_sub',
      description: 'Annual plan',
      amount: 25_000,
      tax: 2_219,
      recognition: 'ratable',
      servicePeriod: null,
    },
    {
      lineRef: 'stripe:cnli_2',
      invoiceLineRef: 'stripe:il_fee',
      description: 'Onboarding',
      amount: 10_000,
      tax: 888,
      recognition: 'point_in_time',
      servicePeriod: null,
    },
  ],
  total: 25_000 + 2_219 + 10_000 + 888,
  ...common,
};

describe('credit note', () => {
  it('reverses revenue by original line and tax, against AR', () => {
    expect(sides(journalForCreditMemo(creditMemo))).toEqual([
      ['deferred_revenue', 25_000, 0],
      ['tax_payable', 2_219, 0],
      ['revenue', 10_000, 0],
      ['tax_payable', 888, 0],
      ['accounts_receivable', 0, 38_107],
    ]);
  });

  it('is refused when its lines do not add up to its total', () => {
    expect(() => journalForCreditMemo({ ...creditMemo, total: 1 })).toThrow(/credit_note_total_mismatch/);
  });

  it('voided: mirrored, so credit note + void net to zero', () => {
    const rows = trialBalance([
      journalForCreditMemo(creditMemo),
      journalForCreditMemoVoid(creditMemo, '2026-11-11T00:00:00.000Z', 'evt_cnv'),
    ]);
    expect(rows.every((r) => r.debit === r.credit)).toBe(true);
  });
});

const refund: Refund = {
  schemaVersion: 'v1',
  refundRef: 'stripe:re_1',
  source: source('re_1', 'evt_re'),
  chargeRef: 'stripe:ch_1',
  amount: 38_107,
  status: 'succeeded',
  createdAt: '2026-11-10T00:05:00.000Z',
  ...common,
};

describe('refund', () => {
  it('Dr AR / Cr stripe_clearing; with its credit note the pair nets to revenue and tax against clearing', () => {
    expect(sides(journalForRefund(refund))).toEqual([
      ['accounts_receivable', 38_107, 0],
      ['stripe_clearing', 0, 38_107],
    ]);
    const rows = trialBalance([journalForCreditMemo(creditMemo), journalForRefund(refund)]);
    expect(rows.find((r) => r.account === 'accounts_receivable')).toMatchObject({
      debit: 38_107n,
      credit: 38_107n,
    });
  });

  it('failed later: mirrored back into clearing', () => {
    expect(sides(journalForRefundFailure(refund, '2026-11-12T00:00:00.000Z', 'evt_ref'))).toEqual([
      ['accounts_receivable', 0, 38_107],
      ['stripe_clearing', 38_107, 0],
    ]);
  });
});

const dispute: Dispute = {
  schemaVersion: 'v1',
  disputeRef: 'stripe:dp_1',
  source: source('dp_1', 'evt_dp'),
  chargeRef: 'stripe:ch_2',
  amount: 86_915,
  fee: 1_500,
  feeRefunded: 0,
  status: 'needs_response',
  outcome: 'open',
  createdAt: '2026-11-15T00:00:00.000Z',
  ...common,
};

describe('dispute', () => {
  it('opened: funds withdrawn (Dr AR / Cr clearing 869.15) and the 15.00 fee to merchant fees', () => {
    expect(sides(journalForDisputeOpened(dispute))).toEqual([
      ['accounts_receivable', 86_915, 0],
      ['stripe_clearing', 0, 86_915],
      ['merchant_fees', 1_500, 0],
      ['stripe_clearing', 0, 1_500],
    ]);
  });

  it('won with the fee returned: the fee comes back from merchant fees too', () => {
    const won = journalForDisputeClosed(
      { ...dispute, status: 'won', outcome: 'won', feeRefunded: 1_500 },
      '2026-11-28T00:00:00.000Z',
    );
    expect(sides(won)).toEqual([
      ['stripe_clearing', 86_915, 0],
      ['accounts_receivable', 0, 86_915],
      ['stripe_clearing', 1_500, 0],
      ['merchant_fees', 0, 1_500],
    ]);
    const net = trialBalance([journalForDisputeOpened(dispute), won]).map((r) => [
      r.account,
      r.debit - r.credit,
    ]);
    expect(net).toEqual([
      ['accounts_receivable', 0n],
      ['merchant_fees', 0n],
      ['stripe_clearing', 0n],
    ]);
  });

  it('lost: written off to bad debt', () => {
    expect(
      sides(
        journalForDisputeClosed({ ...dispute, status: 'lost', outcome: 'lost' }, '2026-11-28T00:00:00.000Z'),
      ),
    ).toEqual([
      ['bad_debt', 86_915, 0],
      ['accounts_receivable', 0, 86_915],
    ]);
  });

  it('won: funds reinstated; opened + won leave only the fee', () => {
    const won = journalForDisputeClosed(
      { ...dispute, status: 'won', outcome: 'won' },
      '2026-11-28T00:00:00.000Z',
    );
    expect(sides(won)).toEqual([
      ['stripe_clearing', 86_915, 0],
      ['accounts_receivable', 0, 86_915],
    ]);
    const net = trialBalance([journalForDisputeOpened(dispute), won]).map((r) => [
      r.account,
      r.debit - r.credit,
    ]);
    expect(net).toEqual([
      ['accounts_receivable', 0n],
      ['merchant_fees', 1_500n],
      ['stripe_clearing', -1_500n],
    ]);
  });
});

const payout: Payout = {
  schemaVersion: 'v1',
  payoutRef: 'stripe:po_1',
  source: source('po_1', 'evt_po'),
  amount: 0,
  fees: 0,
  arrivalDate: '2026-11-20T00:00:00.000Z',
  status: 'paid',
  // two card charges (2.9% + 0.30), a refund, and the payout's own transaction
  transactions: [
    { id: 'txn_1', type: 'charge', amount: 86_915, fee: 2_551, net: 84_364, sourceRef: 'stripe:ch_1' }, // 869.15 × 2.9% = 25.21 + 0.30
    { id: 'txn_2', type: 'charge', amount: 5_700, fee: 195, net: 5_505, sourceRef: 'stripe:ch_2' }, // 57.00 × 2.9% = 1.65 + 0.30
    { id: 'txn_3', type: 'refund', amount: -2_000, fee: 0, net: -2_000, sourceRef: 'stripe:re_1' },
    { id: 'txn_4', type: 'payout', amount: -87_869, fee: 0, net: -87_869, sourceRef: 'stripe:po_1' },
  ],
  ...common,
};
payout.amount = 84_364 + 5_505 - 2_000; // 878.69
payout.fees = 2_551 + 195;

describe('payout', () => {
  it('paid: the payout to bank, card fees to merchant fees, both out of clearing', () => {
    // clearing relieved: charges gross 869.15 + 57.00, refund −20.00 = 906.15 = 878.69 + 27.46
    expect(sides(journalForDeposit(payout))).toEqual([
      ['bank', 87_869, 0],
      ['merchant_fees', 2_746, 0],
      ['stripe_clearing', 0, 90_615],
    ]);
  });

  it('a converted charge relieves clearing in its own currency against fx_gain_loss', () => {
    // A USD payout settling a USD charge (100.00, fee 3.20) and a CAD charge of CA$135.00 that Stripe
    // converted to US$98.00 (fee 3.14): payout 96.80 + 94.86 = 191.66.
    const fx: Payout = {
      ...payout,
      amount: 19_166,
      transactions: [
        { id: 'txn_usd', type: 'charge', amount: 10_000, fee: 320, net: 9_680, sourceRef: 'stripe:ch_usd' },
        {
          id: 'txn_cad',
          type: 'charge',
          amount: 9_800,
          fee: 314,
          net: 9_486,
          sourceRef: 'stripe:ch_cad',
          presentment: { currency: 'cad', amount: 13_500 },
        },
      ],
    };
    const entry = journalForDeposit(fx);
    expect(entry.lines.map((l) => [l.account, l.currency, l.debit, l.credit])).toEqual([
      ['bank', 'usd', 19_166, 0],
      ['merchant_fees', 'usd', 634, 0],
      ['stripe_clearing', 'usd', 0, 10_000],
      ['fx_gain_loss', 'usd', 0, 9_800],
      ['fx_gain_loss', 'cad', 13_500, 0],
      ['stripe_clearing', 'cad', 0, 13_500],
    ]);
    // In USD at a booking rate of 0.7300 the CA$135.00 was US$98.55: a realised loss of US$0.55.
    const fxFunctional = entry.lines
      .filter((l) => l.account === 'fx_gain_loss')
      .reduce(
        (s, l) =>
          s +
          (l.currency === 'cad'
            ? Math.round(l.debit * 0.73) - Math.round(l.credit * 0.73)
            : l.debit - l.credit),
        0,
      );
    expect(fxFunctional).toBe(55);
  });

  it('clears stripe_clearing exactly for the payments, refund and fees it settles', () => {
    const paid = (id: string, amount: number) =>
      journalForPayment(
        {
          schemaVersion: 'v1',
          paymentRef: `stripe:${id}:payment`,
          invoiceRef: `stripe:${id}`,
          source: source(id),
          customerRef: 'stripe:cus_1',
          amount,
          paidAt: '2026-11-18T00:00:00.000Z',
          ...common,
        },
        `stripe:invoice:${id}:payment`,
      );
    const rows = trialBalance([
      paid('in_a', 86_915),
      paid('in_b', 5_700),
      journalForRefund({ ...refund, amount: 2_000 }),
      journalForDeposit(payout),
    ]);
    const clearing = rows.find((r) => r.account === 'stripe_clearing');
    expect(clearing).toEqual({
      account: 'stripe_clearing',
      currency: 'usd',
      debit: 92_615n,
      credit: 92_615n,
    });
  });

  it('is refused when the payout does not equal the net of its transactions', () => {
    expect(() => journalForDeposit({ ...payout, amount: payout.amount + 1 })).toThrow(/payout_mismatch/);
  });

  it('failed after deposit: funds return from bank to clearing', () => {
    expect(sides(journalForDepositFailure(payout, '2026-11-22T00:00:00.000Z', 'evt_pof'))).toEqual([
      ['stripe_clearing', 87_869, 0],
      ['bank', 0, 87_869],
    ]);
  });
});

it('property: every money-event entry balances per currency', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 10_000_000 }),
      fc.integer({ min: 0, max: 5_000 }),
      (amount, fee) => {
        const entries = [
          journalForRefund({ ...refund, amount }),
          journalForDisputeOpened({ ...dispute, amount, fee }),
          journalForDisputeClosed({ ...dispute, amount, outcome: 'lost' }, dispute.createdAt),
          journalForWriteOff({
            schemaVersion: 'v1',
            invoiceRef: 'stripe:in_X',
            source: source('in_X'),
            amount,
            writtenOffAt: dispute.createdAt,
            ...common,
          }),
        ];
        for (const e of entries)
          for (const [, t] of totalsByCurrency(e.lines)) expect(t.debit).toBe(t.credit);
      },
    ),
  );
});

describe('functional currency amounts', () => {
  it('records each line at the fixed rate and keeps the functional view balanced to the unit', () => {
    // 3 revenue lines of 0.01 EUR at 1.5: each 0.015 → 0.02 USD (credits 0.06); AR 0.03 → 0.045 → 0.05.
    // The debit side is 0.01 short, so the largest debit (AR) takes the residue: 0.06 = 0.06.
    const entry = journalForInvoice(
      {
        ...invoice,
        currency: 'eur',
        lines: [1, 2, 3].map((n) => ({
          ...invoice.lines[0],
          lineRef: `stripe:il_${n}`,
          amount: 1,
          netAmount: 1,
          tax: 0,
        })),
      },
      'k',
    );
    const converted = withFunctionalAmounts(entry, 'usd', (a) => Math.round(a * 1.5));
    const debit = converted.lines.reduce((s, l) => s + (l.functional?.debit ?? 0), 0);
    const credit = converted.lines.reduce((s, l) => s + (l.functional?.credit ?? 0), 0);
    expect([debit, credit]).toEqual([6, 6]);
    expect(converted.lines.map((l) => l.functional)).toEqual([
      { currency: 'usd', debit: 6, credit: 0 },
      { currency: 'usd', debit: 0, credit: 2 },
      { currency: 'usd', debit: 0, credit: 2 },
      { currency: 'usd', debit: 0, credit: 2 },
    ]);
  });

  it('leaves entries already in the functional currency untouched', () => {
    const entry = journalForInvoice(invoice, 'k');
    expect(withFunctionalAmounts(entry, 'usd', () => 0)).toBe(entry);
  });
});
