/**
 * What voids and credit-note voids do to revenue schedules (issue 12, defects 3 and 4), from the
 * documents' posting entries through scheduleEffects + applyScheduleChange, against the accounting
 * rule in DESIGN.md §5 (a void cancels what is still deferred; revenue released by a closed period is
 * given back at the next close; a line voided before any close releases nothing; a voided credit note
 * restores the schedule it reduced). Expected amounts are day counts worked out by hand below.
 */
import fc from 'fast-check';
import {
  journalForCreditMemo,
  journalForCreditMemoVoid,
  journalForInvoiceVoid,
} from '../../../../lambdas/domain/accounting/money-events';
import type { CreditMemo, CreditMemoVoid, Invoice } from '../../../../lambdas/domain/model';
import { applyScheduleChange, scheduleEffects } from '../../../../lambdas/domain/revenue/effects';
import { nextPeriod } from '../../../../lambdas/domain/revenue/periods';
import {
  buildSchedule,
  scheduledTotal,
  scheduleInputsForInvoice,
  type RevenueSchedule,
} from '../../../../lambdas/domain/revenue/schedule';
import { instant, schedule as scheduleArb } from './arbitraries';

const source = (id: string, eventId: string) => ({ system: 'stripe' as const, id, eventId, eventType: 'x' });
const amounts = (s: RevenueSchedule) => s.periods.map((p) => [p.period, p.amount]);

function invoiceOf(amount: number, start: string, end: string): Invoice {
  return {
    schemaVersion: 'v1',
    invoiceRef: 'stripe:in_V',
    source: source('in_V', 'evt_fin'),
    number: 'INV-V',
    customerRef: 'stripe:cus_1',
    subscriptionRef: null,
    issuedAt: start,
    subtotal: amount,
    discountTotal: 0,
    taxTotal: 0,
    total: amount,
    subsidiary: 'US-INC',
    currency: 'usd',
    correlationId: 'opp_1',
    lines: [
      {
        lineRef: 'stripe:il_V',
        description: 'Growth plan',
        productRef: null,
        priceRef: null,
        quantity: 1,
        amount,
        discount: 0,
        netAmount: amount,
        tax: 0,
        recognition: 'ratable',
        servicePeriod: { start, end },
        proration: false,
      },
    ],
  };
}

/** The invoice's schedule, then every effect of `entry` applied with `firstOpen` as the first open period. */
function afterEffects(
  schedule: RevenueSchedule,
  entry: Parameters<typeof scheduleEffects>[0],
  document: unknown,
  firstOpen: string,
): RevenueSchedule {
  return scheduleEffects(entry, document).reduce(
    (s, effect) => (effect.type === 'change' ? applyScheduleChange(s, effect, firstOpen) : s),
    schedule,
  );
}

describe('invoice void (defect 4)', () => {
  // 735.00 for 15 Oct – 15 Nov 2026: 17 days in October, 14 in November (31 days).
  // October: floor(73,500 × 17 / 31) = 40,306; November the rest, 33,194.
  const invoice = invoiceOf(73_500, '2026-10-15T00:00:00.000Z', '2026-11-15T00:00:00.000Z');
  const schedule = buildSchedule(scheduleInputsForInvoice(invoice)[0]!);
  const voided = journalForInvoiceVoid(invoice, '2026-10-16T09:00:00.000Z', 'evt_void');

  it('the schedule before the void: 403.06 in October, 331.94 in November', () => {
    expect(amounts(schedule)).toEqual([
      ['2026-10', 40_306],
      ['2026-11', 33_194],
    ]);
  });

  it('voided on 16 Oct with October open: October releases nothing (was +11.06) and November gives nothing back', () => {
    const after = afterEffects(schedule, voided, invoice, '2026-10');
    expect(scheduledTotal(after)).toBe(0);
    expect(after.periods.filter((p) => p.amount !== 0)).toEqual([]);
  });

  it('voided after October closed: October stays released, the next close (November) gives 403.06 back', () => {
    const lateVoid = journalForInvoiceVoid(invoice, '2026-11-05T09:00:00.000Z', 'evt_void');
    const after = afterEffects(schedule, lateVoid, invoice, '2026-11');
    expect(amounts(after)).toEqual([
      ['2026-10', 40_306],
      ['2026-11', -40_306],
    ]);
  });

  it('voided with a later open month: every open month is cancelled, not just those from the void date', () => {
    // Void dated 20 Nov while October is still open: October must not release the voided line either.
    const novVoid = journalForInvoiceVoid(invoice, '2026-11-20T09:00:00.000Z', 'evt_void');
    const after = afterEffects(schedule, novVoid, invoice, '2026-10');
    expect(after.periods.filter((p) => p.amount !== 0)).toEqual([]);
  });

  it('property: for any line, void date and first open period, closed months keep what they released, the first open month gives it all back, later months release nothing', () => {
    fc.assert(
      fc.property(scheduleArb, instant, fc.integer({ min: 0, max: 40 }), (s, voidAt, offset) => {
        // The first open period: from the schedule's first month to well after its last.
        let firstOpen = s.periods[0]!.period;
        for (let i = 0; i < offset; i++) firstOpen = nextPeriod(firstOpen);
        const effect = {
          type: 'change' as const,
          lineRef: s.lineRef,
          changeKey: 'k',
          effectiveDate: voidAt,
          delta: 'cancel' as const,
        };
        const after = applyScheduleChange(s, effect, firstOpen);
        const releasedBefore = s.periods
          .filter((p) => p.period < firstOpen)
          .reduce((t, p) => t + p.amount, 0);
        // Closed periods are history.
        expect(after.periods.filter((p) => p.period < firstOpen)).toEqual(
          s.periods.filter((p) => p.period < firstOpen),
        );
        // The next close gives back exactly what was released; nothing else is ever released.
        const open = after.periods.filter((p) => p.period >= firstOpen);
        expect(open.reduce((t, p) => t + p.amount, 0)).toBe(0 - releasedBefore); // 0 − x: no −0
        expect(open.filter((p) => p.period > firstOpen && p.amount !== 0)).toEqual([]);
        // After the next close: released-to-date 0, so the line's deferred balance (deferred − voided − released) is 0.
        expect(scheduledTotal(after)).toBe(0);
        expect(after.amount).toBe(0);
        // Voided before any close: nothing is released in any period.
        if (releasedBefore === 0) expect(after.periods.every((p) => p.amount === 0)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('credit note void (defect 3)', () => {
  // 1,200.00 a year from 3 Nov 2026; a 250.00 credit note on 10 Nov, voided on 20 Nov.
  const invoice = invoiceOf(120_000, '2026-11-03T00:00:00.000Z', '2027-11-03T00:00:00.000Z');
  const original = buildSchedule(scheduleInputsForInvoice(invoice)[0]!);
  const creditMemo: CreditMemo = {
    schemaVersion: 'v1',
    creditMemoRef: 'stripe:cn_1',
    source: source('cn_1', 'evt_cn'),
    number: 'CN-1',
    invoiceRef: invoice.invoiceRef,
    customerRef: 'stripe:cus_1',
    subsidiary: 'US-INC',
    currency: 'usd',
    issuedAt: '2026-11-10T12:00:00.000Z',
    type: 'post_payment',
    total: 25_000,
    correlationId: 'opp_1',
    lines: [
      {
        lineRef: 'stripe:cnli_1',
        invoiceLineRef: 'stripe:il_V',
        description: 'Growth plan',
        amount: 25_000,
        tax: 0,
        recognition: 'ratable',
        servicePeriod: null,
      },
    ],
  };
  const voidDocument = (voidedAt: string): CreditMemoVoid => ({
    creditMemoRef: creditMemo.creditMemoRef,
    voidedAt,
    creditMemo,
  });
  const credited = afterEffects(original, journalForCreditMemo(creditMemo), creditMemo, '2026-11');

  it('the credit note takes 250.00 off what is still deferred', () => {
    expect(scheduledTotal(credited)).toBe(95_000);
  });

  it('its void (document {creditMemoRef, voidedAt, creditMemo}) restores the schedule exactly while November is open', () => {
    const entry = journalForCreditMemoVoid(creditMemo, '2026-11-20T08:00:00.000Z', 'evt_cn_void');
    const restored = afterEffects(credited, entry, voidDocument('2026-11-20T08:00:00.000Z'), '2026-11');
    expect(amounts(restored)).toEqual(amounts(original));
    expect(restored.amount).toBe(120_000);
  });

  it('voided after November closed: November stays as released, the rest is restored to the full 1,200.00', () => {
    const entry = journalForCreditMemoVoid(creditMemo, '2026-12-05T08:00:00.000Z', 'evt_cn_void');
    const restored = afterEffects(credited, entry, voidDocument('2026-12-05T08:00:00.000Z'), '2026-12');
    expect(restored.periods[0]).toEqual(credited.periods[0]);
    expect(scheduledTotal(restored)).toBe(120_000);
  });

  it('a void document without its credit note is refused with a readable reason, not a TypeError on .lines', () => {
    const entry = journalForCreditMemoVoid(creditMemo, '2026-11-20T08:00:00.000Z', 'evt_cn_void');
    expect(() => scheduleEffects(entry, { creditMemoRef: 'stripe:cn_1', voidedAt: 'x' })).toThrow(
      /does not carry the credit note it voids/,
    );
  });

  it('property: credit note then its void with no close between gives back the original schedule, period by period', () => {
    fc.assert(
      fc.property(scheduleArb, instant, fc.integer({ min: 1, max: 10_000_000 }), (s, at, credit) => {
        // A credit on a line near 2^53 would leave safe integers whatever the schedule code does.
        fc.pre(Math.abs(s.amount) <= 1e12);
        const firstOpen = s.periods[0]!.period;
        const cm: CreditMemo = {
          ...creditMemo,
          issuedAt: at,
          total: credit,
          lines: [{ ...creditMemo.lines[0]!, invoiceLineRef: s.lineRef, amount: credit }],
        };
        const afterCredit = afterEffects(s, journalForCreditMemo(cm), cm, firstOpen);
        const entry = journalForCreditMemoVoid(cm, at, 'evt_v');
        const doc: CreditMemoVoid = { creditMemoRef: cm.creditMemoRef, voidedAt: at, creditMemo: cm };
        const restored = afterEffects(afterCredit, entry, doc, firstOpen);
        // Catch-up periods the credit appended may stay at 0; every amount is the original's.
        const nonZero = (x: RevenueSchedule) => amounts(x).filter(([, a]) => a !== 0);
        expect(nonZero(restored)).toEqual(nonZero(s));
        expect(restored.amount).toBe(s.amount);
      }),
      { numRuns: 300 },
    );
  });
});
