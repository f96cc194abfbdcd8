/** ApplyPayment task: invoice payment → ERP (stripe_clearing / accounts_receivable), exactly once. */
import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { journalForPayment } from '../domain/accounting/payment';
import { Payment } from '../domain/model';
import type { PaymentPosting } from '../domain/mapping/stripe-invoice';
import { crosswalk, erpAdapter } from './commons/erp';
import { idempotentPosting } from './commons/idempotency';
import { logger, metrics, publishMetrics } from './commons/powertools';
import { FUNCTIONS } from '../../lib/topology';
import type { PostedDocument } from './post-invoice';

const erp = erpAdapter();
const links = crosswalk();

async function applyPayment(posting: PaymentPosting): Promise<PostedDocument> {
  const payment = Payment.parse(posting.payment);
  const entry = journalForPayment(payment, posting.idempotencyKey);
  const { erpId, outcome } = await erp.applyPayment(payment, entry);
  await links.link({
    sourceRef: payment.paymentRef,
    target: 'erp:payment',
    canonicalRef: payment.paymentRef,
    erpId,
    erpSystem: erp.name,
    sourceVersion: payment.paidAt,
    correlationId: payment.correlationId,
  });
  if (outcome === 'posted') {
    metrics.addMetric('PaymentsApplied', MetricUnit.Count, 1);
    // Amounts are per currency: a separate blob so the count keeps the dashboard's dimensions.
    const byCurrency = metrics.singleMetric();
    byCurrency.addDimension('currency', payment.currency);
    byCurrency.addMetric('PaidAmountMinorUnits', MetricUnit.Count, payment.amount);
  }
  logger.info('payment applied', {
    paymentRef: payment.paymentRef,
    erpId,
    outcome,
    correlationId: payment.correlationId,
  });
  return { documentRef: payment.paymentRef, erpSystem: erp.name, erpId, outcome };
}

const apply = idempotentPosting(FUNCTIONS.applyPayment.id, applyPayment);

export const handler = async (posting: PaymentPosting, context: Context): Promise<PostedDocument> => {
  logger.addContext(context);
  try {
    return await apply(posting, context);
  } finally {
    publishMetrics();
  }
};
