import mappingJson from '../../../config/mapping.json';
import { parseMappingConfig } from '../../../lambdas/domain/config';
import { normaliseStripeEvent, StripeEventShape } from '../../../lambdas/domain/envelope';
import { mapPayout } from '../../../lambdas/domain/mapping/stripe-money';

const config = parseMappingConfig(mappingJson);
const payoutEvent = (status: 'paid' | 'failed') =>
  normaliseStripeEvent(
    StripeEventShape.parse({
      id: `evt_po_${status}`,
      object: 'event',
      type: `payout.${status}`,
      created: 1_795_000_000,
      livemode: false,
      api_version: '2026-10-28.endive',
      data: {
        object: {
          id: 'po_fx1',
          object: 'payout',
          amount: 19_166,
          currency: 'usd',
          arrival_date: 1_795_000_000,
          status,
        },
      },
    }),
    new Date(0),
  );
const transactions = [
  { id: 'txn_usd', type: 'charge', amount: 10_000, fee: 320, net: 9_680, currency: 'usd', source: 'ch_usd' },
  {
    id: 'txn_cad',
    type: 'charge',
    amount: 9_800,
    fee: 314,
    net: 9_486,
    currency: 'usd',
    source: 'ch_cad',
    presentment: { currency: 'CAD', amount: 13_500 },
  },
  { id: 'txn_po', type: 'payout', amount: -19_166, fee: 0, net: -19_166, currency: 'usd', source: 'po_fx1' },
];

describe('payout mapping', () => {
  it('a USD payout settling a converted CAD charge books the CAD clearing against fx_gain_loss', () => {
    const [posting] = mapPayout(payoutEvent('paid'), transactions, config).postings;
    if (posting.type !== 'journal') throw new Error('expected a journal posting');
    expect(posting.entry.lines.map((l) => [l.account, l.currency, l.debit, l.credit])).toEqual([
      ['bank', 'usd', 19_166, 0],
      ['merchant_fees', 'usd', 634, 0],
      ['stripe_clearing', 'usd', 0, 10_000],
      ['fx_gain_loss', 'usd', 0, 9_800],
      ['fx_gain_loss', 'cad', 13_500, 0],
      ['stripe_clearing', 'cad', 0, 13_500],
    ]);
    expect(posting.entry.subsidiary).toBe('US-INC');
  });

  it('a failed payout reverses the deposit only if it was booked', () => {
    const [posting] = mapPayout(payoutEvent('failed'), transactions, config).postings;
    expect(posting).toMatchObject({ type: 'journal', requires: 'stripe:payout:po_fx1:deposit' });
  });
});
