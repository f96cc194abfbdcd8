/**
 * Issue 12 defect 2: Stripe ids are opaque. The mappers route on the object type and need a
 * non-empty id; they never refuse an id for its prefix. Shapes follow Stripe's API reference: the
 * Dispute object's example id is `du_1MtJUT2eZvKYlo2CNaw2HvEv` (older disputes are `dp_…`), a charge
 * created by a non-card payment method is `py_…` and its refunds `pyr_…`.
 */
import mappingJson from '../../../config/mapping.json';
import { parseMappingConfig } from '../../../lambdas/domain/config';
import { normaliseStripeEvent, StripeEventShape } from '../../../lambdas/domain/envelope';
import { mapMoneyEvent } from '../../../lambdas/domain/mapping/stripe-money';
import { STRIPE_API_VERSION } from '../../../lib/topology';

const config = parseMappingConfig(mappingJson);
const CREATED = 1_794_902_400; // 2026-11-17T08:00:00Z
const CLOSED = 1_795_939_200; // 2026-11-29T08:00:00Z

const envelope = (id: string, type: string, object: Record<string, unknown>, created = CREATED) =>
  normaliseStripeEvent(
    StripeEventShape.parse({
      id,
      object: 'event',
      type,
      created,
      livemode: false,
      api_version: STRIPE_API_VERSION,
      data: { object },
    }),
    new Date(created * 1000),
  );

/** A Dispute as Stripe's API reference renders it, with the withdrawal balance transaction of a lost one. */
const dispute = (id: string, status: string) => ({
  id,
  object: 'dispute',
  amount: 49_000,
  balance_transactions: [{ amount: -49_000, fee: 1_500, created: CREATED }],
  charge: 'ch_1AZtxr2eZvKYlo2CJDX8whov',
  created: CREATED,
  currency: 'usd',
  evidence_details: {
    due_by: CREATED + 10 * 86_400,
    has_evidence: false,
    past_due: false,
    submission_count: 0,
  },
  is_charge_refundable: false,
  livemode: false,
  metadata: {},
  payment_intent: 'pi_3MtJUT2eZvKYlo2C0SPUE0XZ',
  reason: 'fraudulent',
  status,
});

const lines = (mapped: ReturnType<typeof mapMoneyEvent>) =>
  mapped.postings.map((p) => {
    if (p.type !== 'journal') throw new Error('expected journal postings');
    return [p.entry.kind, p.entry.lines.map((l) => [l.account, l.debit, l.credit])];
  });

describe('Stripe ids are opaque to the mappers', () => {
  it.each(['du_1MtJUT2eZvKYlo2CNaw2HvEv', 'dp_1MtJUT2eZvKYlo2CNaw2HvEv'])(
    'a dispute %s opens (AR / clearing + fee) and, lost, goes to bad debt',
    (disputeId) => {
      const opened = mapMoneyEvent(
        envelope('evt_1', 'charge.dispute.created', dispute(disputeId, 'needs_response')),
        config,
        STRIPE_API_VERSION,
      );
      expect(lines(opened)).toEqual([
        [
          'dispute_opened',
          [
            ['accounts_receivable', 49_000, 0],
            ['stripe_clearing', 0, 49_000],
            ['merchant_fees', 1_500, 0],
            ['stripe_clearing', 0, 1_500],
          ],
        ],
      ]);
      const closed = mapMoneyEvent(
        envelope('evt_2', 'charge.dispute.closed', dispute(disputeId, 'lost'), CLOSED),
        config,
        STRIPE_API_VERSION,
      );
      expect(lines(closed)).toEqual([
        lines(opened)[0],
        [
          'dispute_lost',
          [
            ['bad_debt', 49_000, 0],
            ['accounts_receivable', 0, 49_000],
          ],
        ],
      ]);
      const [, lost] = closed.postings;
      if (lost.type !== 'journal') throw new Error('expected a journal posting');
      expect(lost.entry.documentRef).toBe(`stripe:${disputeId}`);
      expect(lost.idempotencyKey).toBe(`stripe:dispute:${disputeId}:closed`);
    },
  );

  it('a py_ charge refunded by a pyr_ refund posts the refund', () => {
    const mapped = mapMoneyEvent(
      envelope('evt_3', 'charge.refunded', {
        id: 'py_3MtJUT2eZvKYlo2C0SPUE0XZ',
        object: 'charge',
        refunds: {
          object: 'list',
          data: [
            {
              id: 'pyr_1MtJUT2eZvKYlo2CmvuMrXvh',
              object: 'refund',
              amount: 2_500,
              currency: 'usd',
              charge: 'py_3MtJUT2eZvKYlo2C0SPUE0XZ',
              created: CREATED,
              status: 'succeeded',
            },
          ],
        },
      }),
      config,
      STRIPE_API_VERSION,
    );
    expect(lines(mapped)).toEqual([
      [
        'refund',
        [
          ['accounts_receivable', 2_500, 0],
          ['stripe_clearing', 0, 2_500],
        ],
      ],
    ]);
  });

  it('an id that routing cannot use (empty) is still refused, with a readable reason', () => {
    expect(() =>
      mapMoneyEvent(
        envelope('evt_4', 'charge.dispute.created', dispute('', 'needs_response')),
        config,
        STRIPE_API_VERSION,
      ),
    ).toThrow(expect.objectContaining({ code: 'malformed_dispute' }));
  });

  it('the mapping accepts a product with a custom id and a legacy plan id as its price', () => {
    const [first] = mappingJson.products;
    const product = {
      ...first,
      stripeProduct: 'growth-platform',
      prices: (first.prices ?? []).map((p, i) => (i === 0 ? { ...p, stripePrice: 'growth-monthly-usd' } : p)),
    };
    const parsed = parseMappingConfig({
      ...mappingJson,
      products: [product, ...mappingJson.products.slice(1)],
    });
    expect(parsed.products[0].stripeProduct).toBe('growth-platform');
    expect(parsed.products[0].prices[0].stripePrice).toBe('growth-monthly-usd');
  });
});
