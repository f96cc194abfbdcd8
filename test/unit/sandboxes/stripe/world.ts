/**
 * A small Stripe account for the sandbox tests: two customers, invoices (one with 5 lines, linked to a
 * subscription the basil way, via `parent`), charges, a refund, a credit note, a dispute, two payouts
 * and their balance transactions (7 on po_1, so a page size of 3 needs 3 pages).
 */
import type { StripeObject } from '../../../../local/sandboxes/stripe';

export const API_KEY = 'sk_test_51SandboxUnitTests000000000000000000001234';
export const T0 = 1_790_000_000;

const lines = Array.from({ length: 5 }, (_, i) => ({
  id: `il_A1_${i + 1}`,
  object: 'line_item',
  amount: 1000 * (i + 1),
  currency: 'usd',
  description: `Line ${i + 1}`,
}));

export const PO1_TXNS = Array.from({ length: 7 }, (_, i) => `txn_po1_${i + 1}`);

export function world(): StripeObject[] {
  return [
    { id: 'cus_A', object: 'customer', created: T0, email: 'ap@a.example', name: 'A Corp', metadata: {} },
    {
      id: 'cus_B',
      object: 'customer',
      created: T0 + 10,
      email: 'ap@b.example',
      name: 'B GmbH',
      metadata: {},
    },
    {
      id: 'in_A1',
      object: 'invoice',
      created: T0 + 100,
      customer: 'cus_A',
      status: 'paid',
      total: 15000,
      parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_X' } },
      lines: { object: 'list', data: lines, has_more: false, url: '/v1/invoices/in_A1/lines' },
    },
    { id: 'in_A2', object: 'invoice', created: T0 + 200, customer: 'cus_A', status: 'open', total: 500 },
    { id: 'in_B1', object: 'invoice', created: T0 + 300, customer: 'cus_B', status: 'paid', total: 900 },
    { id: 'pi_A1', object: 'payment_intent', created: T0 + 105, customer: 'cus_A', amount: 15000 },
    {
      id: 'ch_A1',
      object: 'charge',
      created: T0 + 110,
      customer: 'cus_A',
      amount: 15000,
      payment_intent: 'pi_A1',
    },
    {
      id: 'ch_A2',
      object: 'charge',
      created: T0 + 210,
      customer: 'cus_A',
      amount: 500,
      payment_intent: null,
    },
    {
      id: 'ch_B1',
      object: 'charge',
      created: T0 + 310,
      customer: 'cus_B',
      amount: 900,
      payment_intent: null,
    },
    { id: 're_1', object: 'refund', created: T0 + 400, charge: 'ch_A1', amount: 1000 },
    {
      id: 'cn_1',
      object: 'credit_note',
      created: T0 + 410,
      customer: 'cus_A',
      invoice: 'in_A1',
      amount: 1000,
    },
    { id: 'dp_1', object: 'dispute', created: T0 + 420, charge: 'ch_B1', amount: 900 },
    {
      id: 'po_1',
      object: 'payout',
      created: T0 + 900,
      arrival_date: T0 + 1000,
      status: 'paid',
      amount: 14000,
    },
    {
      id: 'po_2',
      object: 'payout',
      created: T0 + 1900,
      arrival_date: T0 + 2000,
      status: 'in_transit',
      amount: 900,
    },
    ...PO1_TXNS.map((id, i) => ({
      id,
      object: 'balance_transaction',
      created: T0 + 500 + i,
      type: i === 6 ? 'refund' : 'charge',
      source: i === 6 ? 're_1' : i % 2 === 0 ? 'ch_A1' : 'ch_A2',
      amount: i === 6 ? -1000 : 2000,
      // The association Stripe exposes only as a list filter: seeded as a field, stored as `_payout`.
      payout: 'po_1',
    })),
    {
      id: 'txn_po2_1',
      object: 'balance_transaction',
      created: T0 + 1500,
      type: 'charge',
      source: 'ch_B1',
      payout: 'po_2',
    },
  ];
}
