/**
 * Stripe delivers events out of order and more than once. Property: whatever the order and however
 * many duplicates, posting the month's events into the ledger book gives the same set of entries and
 * the same trial balance as posting them once, in order.
 */
import fc from 'fast-check';
import type Stripe from 'stripe';
import mappingJson from '../../../config/mapping.json';
import { postToBook } from '../../../lambdas/domain/accounting/ledger-book';
import { journalForInvoice } from '../../../lambdas/domain/accounting/invoice';
import { journalForPayment } from '../../../lambdas/domain/accounting/payment';
import { trialBalance } from '../../../lambdas/domain/accounting/trial-balance';
import { parseMappingConfig } from '../../../lambdas/domain/config';
import { normaliseStripeEvent, StripeEventShape } from '../../../lambdas/domain/envelope';
import type { JournalEntry } from '../../../lambdas/domain/model';
import { mapStripeInvoiceEvent } from '../../../lambdas/domain/mapping/stripe-invoice';
import * as money from '../../../lambdas/domain/mapping/stripe-money';
import { RULES, STRIPE_API_VERSION } from '../../../lib/topology';
import { buildMonthScenario } from '../../../local/scenarios/month';

const config = parseMappingConfig(mappingJson);
const scenario = buildMonthScenario();
const objects = JSON.parse(JSON.stringify(scenario.sandboxObjects)) as {
  id: string;
  object: string;
  [k: string]: unknown;
}[];
const invoiceTypes = RULES.invoicePosting.pattern['detail-type'] as readonly string[];

/** The journal entries one event posts, as its flow would (reads from Stripe served from the scenario). */
function entriesOf(event: Stripe.Event): JournalEntry[] {
  const e = normaliseStripeEvent(StripeEventShape.parse(JSON.parse(JSON.stringify(event))), new Date(0));
  if (invoiceTypes.includes(event.type)) {
    const m = mapStripeInvoiceEvent(e, config, STRIPE_API_VERSION);
    return [
      journalForInvoice(m.invoicePosting.invoice, m.invoicePosting.idempotencyKey),
      ...(m.paymentPosting
        ? [journalForPayment(m.paymentPosting.payment, m.paymentPosting.idempotencyKey)]
        : []),
    ];
  }
  const reads = {
    invoice: (id: string) =>
      objects.find((o) => o.object === 'invoice' && o.id === id) as Record<string, unknown>,
    transactions: (id: string) =>
      objects
        .filter((o) => o.object === 'balance_transaction' && o._payout === id)
        .map((o) => money.StripeBalanceTransaction.parse(o)),
  };
  const needs = money.readsNeeded(e);
  const postings = (money.MONEY_EVENT_TYPES as readonly string[]).includes(e.eventType)
    ? money.mapMoneyEvent(e, config, STRIPE_API_VERSION, {
        creditedInvoice: needs.creditedInvoice ? reads.invoice(needs.creditedInvoice) : undefined,
        payoutTransactions: needs.payout ? reads.transactions(needs.payout) : undefined,
      }).postings
    : [];
  return postings.flatMap((p) => (p.type === 'journal' ? [p.entry] : []));
}

/** Posting into the book: conditional on the entry id, exactly as the ledger adapter does. */
function post(events: readonly Stripe.Event[]): Map<string, JournalEntry> {
  let book = new Map<string, JournalEntry>();
  for (const event of events) for (const entry of entriesOf(event)) book = postToBook(book, entry);
  return book;
}

const amountsOf = (book: Map<string, JournalEntry>) =>
  [...book.values()]
    .map((e) => `${e.entryId} ${e.lines.map((l) => `${l.account}:${l.debit}/${l.credit}`).join(' ')}`)
    .sort();

describe('order of delivery does not change the ledger', () => {
  const events = [...new Map(scenario.events.map((e) => [e.id, e])).values()];
  const inOrder = post([...events].sort((a, b) => a.created - b.created || a.id.localeCompare(b.id)));

  it('the month posts every kind of document it contains', () => {
    expect(new Set([...inOrder.values()].map((e) => e.kind))).toEqual(
      new Set([
        'invoice',
        'payment',
        'invoice_void',
        'write_off',
        'credit_memo',
        'refund',
        'refund_failure',
        'dispute_opened',
        'dispute_lost',
        'deposit',
      ]),
    );
  });

  it('property: any permutation with duplicates gives the same entries and trial balance', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.array(fc.nat({ max: events.length - 1 }), { maxLength: 30 }),
        (shuffled, duplicates) => {
          const delivered = [...shuffled];
          for (const i of duplicates) delivered.splice(i % (delivered.length + 1), 0, events[i]);
          const book = post(delivered);
          expect(amountsOf(book)).toEqual(amountsOf(inOrder));
          expect(trialBalance([...book.values()])).toEqual(trialBalance([...inOrder.values()]));
        },
      ),
      { numRuns: 40 },
    );
  });
});
