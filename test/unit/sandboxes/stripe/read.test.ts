/** Retrieve, list (filters, pagination, auto-pagination), sub-lists and expand, through the real SDK. */
import Stripe from 'stripe';
import { startStripeSandbox, type StripeSandbox } from '../../../../local/sandboxes/stripe';
import { API_KEY, PO1_TXNS, T0, world } from './world';

let sandbox: StripeSandbox;
let stripe: Stripe;

beforeAll(async () => {
  sandbox = await startStripeSandbox({ apiKey: API_KEY, objects: world() });
  stripe = sandbox.client();
});
afterAll(() => sandbox.stop());

const ids = (list: { data: Array<{ id: string }> }): string[] => list.data.map((o) => o.id);

describe('retrieve', () => {
  it('returns the stored object, without internal fields', async () => {
    const payout = await stripe.payouts.retrieve('po_1');
    expect(payout).toMatchObject({ id: 'po_1', object: 'payout', status: 'paid', amount: 14000 });
    expect(payout.lastResponse.requestId).toMatch(/^req_/);

    const txn = await stripe.balanceTransactions.retrieve('txn_po1_1');
    expect(txn).not.toHaveProperty('payout');
    expect(txn).not.toHaveProperty('_payout');
  });

  it("404s a missing object as Stripe does: StripeInvalidRequestError, resource_missing, param 'id'", async () => {
    const err = await stripe.payouts.retrieve('po_123').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such payout: 'po_123'",
      doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
      rawType: 'invalid_request_error',
    });
    const { requestId, request_log_url } = err as Stripe.errors.StripeError;
    expect(request_log_url).toContain(`/test/logs/${requestId}`);
  });

  it('rejects parameters a retrieve does not take', async () => {
    await expect(stripe.payouts.retrieve('po_1', { limit: 3 } as never)).rejects.toMatchObject({
      code: 'parameter_unknown',
      param: 'limit',
    });
  });
});

describe('list', () => {
  it('answers a Stripe list envelope, newest first, 10 by default', async () => {
    const list = await stripe.balanceTransactions.list();
    expect(list).toMatchObject({ object: 'list', has_more: false, url: '/v1/balance_transactions' });
    expect(ids(list)).toEqual(['txn_po2_1', ...[...PO1_TXNS].reverse()]);

    const charges = await stripe.charges.list({ limit: 2 });
    expect(ids(charges)).toEqual(['ch_B1', 'ch_A2']);
    expect(charges.has_more).toBe(true);
  });

  it('validates limit (1–100, integer) with param `limit`', async () => {
    for (const [limit, message] of [
      [0, 'This value must be greater than or equal to 1.'],
      [101, 'This value must be less than or equal to 100.'],
    ] as const) {
      await expect(stripe.charges.list({ limit })).rejects.toMatchObject({
        statusCode: 400,
        param: 'limit',
        message,
      });
    }
    await expect(stripe.charges.list({ limit: 'ten' as never })).rejects.toMatchObject({
      param: 'limit',
      message: 'Invalid integer: ten',
    });
  });

  it('filters balance transactions by payout, type and source', async () => {
    expect(ids(await stripe.balanceTransactions.list({ payout: 'po_2' }))).toEqual(['txn_po2_1']);
    expect(ids(await stripe.balanceTransactions.list({ payout: 'po_1', type: 'refund' }))).toEqual([
      'txn_po1_7',
    ]);
    expect(ids(await stripe.balanceTransactions.list({ source: 'ch_A2' }))).toEqual([
      'txn_po1_6',
      'txn_po1_4',
      'txn_po1_2',
    ]);
  });

  it('filters by customer and created ranges (gt/gte/lt/lte, or exact)', async () => {
    expect(ids(await stripe.charges.list({ customer: 'cus_A' }))).toEqual(['ch_A2', 'ch_A1']);
    expect(ids(await stripe.charges.list({ created: { gte: T0 + 110, lt: T0 + 310 } }))).toEqual([
      'ch_A2',
      'ch_A1',
    ]);
    expect(ids(await stripe.charges.list({ created: { gt: T0 + 110, lte: T0 + 310 } }))).toEqual([
      'ch_B1',
      'ch_A2',
    ]);
    expect(ids(await stripe.invoices.list({ created: T0 + 200 }))).toEqual(['in_A2']);
    expect(ids(await stripe.refunds.list({ charge: 'ch_A1' }))).toEqual(['re_1']);
    expect(ids(await stripe.creditNotes.list({ invoice: 'in_A1' }))).toEqual(['cn_1']);
    expect(ids(await stripe.disputes.list({ charge: 'ch_B1' }))).toEqual(['dp_1']);
    expect(ids(await stripe.paymentIntents.list({ customer: 'cus_A' }))).toEqual(['pi_A1']);
  });

  it('filters invoices by status and subscription (found under `parent` since basil)', async () => {
    expect(ids(await stripe.invoices.list({ customer: 'cus_A', status: 'paid' }))).toEqual(['in_A1']);
    expect(ids(await stripe.invoices.list({ subscription: 'sub_X' }))).toEqual(['in_A1']);
  });

  it('filters payouts by status and arrival_date', async () => {
    expect(ids(await stripe.payouts.list({ status: 'in_transit' }))).toEqual(['po_2']);
    expect(ids(await stripe.payouts.list({ arrival_date: { lte: T0 + 1000 } }))).toEqual(['po_1']);
  });

  it('rejects filters the endpoint does not have', async () => {
    await expect(stripe.payouts.list({ customer: 'cus_A' } as never)).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'customer',
      message: 'Received unknown parameter: customer',
    });
    await expect(stripe.charges.list({ created: { after: 1 } as never })).rejects.toMatchObject({
      param: 'created[after]',
    });
  });

  it('pages with starting_after and ending_before, both relative to the cursor object', async () => {
    const first = await stripe.balanceTransactions.list({ payout: 'po_1', limit: 3 });
    expect(ids(first)).toEqual(['txn_po1_7', 'txn_po1_6', 'txn_po1_5']);
    const second = await stripe.balanceTransactions.list({
      payout: 'po_1',
      limit: 3,
      starting_after: 'txn_po1_5',
    });
    expect(ids(second)).toEqual(['txn_po1_4', 'txn_po1_3', 'txn_po1_2']);
    expect(second.has_more).toBe(true);
    const back = await stripe.balanceTransactions.list({
      payout: 'po_1',
      limit: 2,
      ending_before: 'txn_po1_4',
    });
    expect(ids(back)).toEqual(['txn_po1_6', 'txn_po1_5']);
    expect(back.has_more).toBe(true);
  });

  it('rejects an unknown cursor (400 resource_missing) and both cursors at once', async () => {
    await expect(stripe.charges.list({ starting_after: 'ch_nope' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'starting_after',
      message: "No such charge: 'ch_nope'",
    });
    await expect(
      stripe.charges.list({ starting_after: 'ch_A1', ending_before: 'ch_B1' }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it("walks every page with the SDK's auto-pagination", async () => {
    const before = sandbox.requests().length;
    const seen: string[] = [];
    for await (const txn of stripe.balanceTransactions.list({ payout: 'po_1', limit: 3 })) seen.push(txn.id);
    expect(seen).toEqual([...PO1_TXNS].reverse());
    const pages = sandbox.requests().slice(before);
    expect(pages.map((r) => r.path)).toEqual(Array(3).fill('/v1/balance_transactions'));

    // Backwards too: ending_before pages come back newest first and the SDK reads them in reverse.
    const backwards: string[] = [];
    for await (const txn of stripe.balanceTransactions.list({
      payout: 'po_1',
      limit: 2,
      ending_before: 'txn_po1_1',
    })) {
      backwards.push(txn.id);
    }
    expect(backwards).toEqual(PO1_TXNS.slice(1));
  });

  it("paginates an invoice's lines at /v1/invoices/<id>/lines, in invoice order", async () => {
    const page = await stripe.invoices.listLineItems('in_A1', { limit: 2 });
    expect(page).toMatchObject({ object: 'list', has_more: true, url: '/v1/invoices/in_A1/lines' });
    const all: string[] = [];
    for await (const line of stripe.invoices.listLineItems('in_A1', { limit: 2 })) all.push(line.id);
    expect(all).toEqual(['il_A1_1', 'il_A1_2', 'il_A1_3', 'il_A1_4', 'il_A1_5']);
    await expect(stripe.invoices.listLineItems('in_nope')).rejects.toMatchObject({
      statusCode: 404,
      message: "No such invoice: 'in_nope'",
    });
  });
});

describe('expand', () => {
  it('replaces ids with objects on retrieve, nested paths expanding each hop', async () => {
    const charge = await stripe.charges.retrieve('ch_A1', {
      expand: ['payment_intent.customer', 'customer'],
    });
    const pi = charge.payment_intent as Stripe.PaymentIntent;
    expect(pi).toMatchObject({ id: 'pi_A1', object: 'payment_intent' });
    expect(pi.customer).toMatchObject({ id: 'cus_A', object: 'customer', name: 'A Corp' });
    expect(charge.customer).toMatchObject({ id: 'cus_A', object: 'customer' });
    // Stored state is untouched.
    expect((await stripe.charges.retrieve('ch_A1')).payment_intent).toBe('pi_A1');
  });

  it('expands in lists under data., and leaves ids it cannot resolve', async () => {
    const list = await stripe.balanceTransactions.list({
      payout: 'po_1',
      limit: 2,
      expand: ['data.source', 'data.source.customer'],
    });
    const refund = list.data[0].source as Stripe.Refund;
    expect(refund).toMatchObject({ id: 're_1', object: 'refund' });
    const charge = list.data[1].source as Stripe.Charge;
    expect(charge).toMatchObject({ id: 'ch_A2', customer: { id: 'cus_A', object: 'customer' } });

    const notes = await stripe.creditNotes.list({ expand: ['data.invoice', 'data.refund'] });
    expect(notes.data[0].invoice).toMatchObject({ id: 'in_A1', object: 'invoice' });
    const sub = await stripe.invoices.retrieve('in_A1', {
      expand: ['parent.subscription_details.subscription'],
    });
    expect(sub.parent?.subscription_details?.subscription).toBe('sub_X');
  });

  it('refuses more than 4 levels, `data` included, as Stripe does', async () => {
    await expect(
      stripe.balanceTransactions.list({ expand: ['data.source.payment_intent.customer.test_clock'] }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'property_expansion_max_depth',
      message:
        'You cannot expand more than 4 levels of a property. Property: data.source.payment_intent.customer.test_clock',
    });
  });
});
