/**
 * The Stripe billing adapter against the local Stripe sandbox, with the real stripe SDK: a payout's
 * balance transactions across pages, and the presentment amount of one Stripe converted (a CAD charge
 * paid out in USD), which the deposit needs to relieve clearing in CAD.
 */
import { startStripeSandbox, type StripeSandbox } from '../../local/sandboxes/stripe';

let sandbox: StripeSandbox;
const saved = { ...process.env };

beforeAll(async () => {
  const bt = (
    id: string,
    source: string,
    amount: number,
    fee: number,
    exchange_rate: number | null = null,
  ) => ({
    id,
    object: 'balance_transaction',
    amount,
    fee,
    net: amount - fee,
    currency: 'usd',
    exchange_rate,
    source,
    type: 'charge',
    created: 1_795_000_000,
    available_on: 1_795_000_000,
    status: 'available',
    reporting_category: 'charge',
    fee_details: [],
    description: null,
    _payout: 'po_fx1',
  });
  sandbox = await startStripeSandbox({
    apiKey: 'sk_test_billing_adapter',
    objects: [
      { id: 'ch_cad1', object: 'charge', amount: 13_500, currency: 'cad', created: 1_795_000_000 },
      ...Array.from({ length: 120 }, (_, i) =>
        bt(`txn_usd${String(i).padStart(3, '0')}`, `ch_usd${i}`, 1_000, 59),
      ),
      bt('txn_cad1', 'ch_cad1', 9_800, 314, 0.72593),
    ],
  });
  Object.assign(process.env, {
    STRIPE_API_KEY: sandbox.apiKey,
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: String(sandbox.port),
    STRIPE_API_PROTOCOL: 'http',
  });
});
afterAll(async () => {
  await sandbox.stop();
  process.env = saved;
});

describe('stripe billing adapter', () => {
  it('reads every balance transaction of a payout across pages, with the presentment of converted ones', async () => {
    const { stripeBilling } = await import('../../lambdas/adapters/billing/stripe-billing');
    const transactions = await stripeBilling.payoutTransactions('po_fx1');
    expect(transactions).toHaveLength(121);
    expect(transactions.find((t) => t.id === 'txn_cad1')).toEqual({
      id: 'txn_cad1',
      type: 'charge',
      amount: 9_800,
      fee: 314,
      net: 9_486,
      currency: 'usd',
      source: 'ch_cad1',
      presentment: { currency: 'cad', amount: 13_500 },
    });
    expect(transactions.filter((t) => t.presentment)).toHaveLength(1);
  });

  it('classifies a missing object as business data and a Stripe outage as transient', async () => {
    const { stripeBilling } = await import('../../lambdas/adapters/billing/stripe-billing');
    await expect(stripeBilling.retrieveInvoice('in_missing')).rejects.toMatchObject({
      name: 'BusinessError',
      code: 'stripe_object_missing',
    });
    sandbox.injectFault({ status: 503, times: 1 });
    await expect(stripeBilling.retrieveInvoice('in_missing')).rejects.toMatchObject({
      name: 'TransientError',
    });
  });
});
