/** ApplyPayment task: invoice payment → ERP (stripe_clearing / accounts_receivable), exactly once. */
import type { Context } from 'aws-lambda';
import { journalForPayment } from '../domain/accounting/payment';
import { Payment } from '../domain/model';
import type { PaymentPosting } from '../domain/mapping/stripe-invoice';
import { idempotentPosting } from './commons/idempotency';
import type { Received } from './commons/latency';
import { erp, postEntry, type PostedDocument } from './commons/posting';
import { logger, publishMetrics } from './commons/powertools';
import { FUNCTIONS } from '../../lib/topology';

async function applyPayment(posting: PaymentPosting & Received): Promise<PostedDocument> {
  const payment = Payment.parse(posting.payment);
  const entry = journalForPayment(payment, posting.idempotencyKey);
  return postEntry({ kind: 'payment', data: payment }, entry, payment.paidAt, {
    send: (e) => erp.applyPayment(payment, e),
    receivedAt: posting.receivedAt,
  });
}

const apply = idempotentPosting(FUNCTIONS.applyPayment.id, applyPayment);

export const handler = async (
  posting: PaymentPosting & Received,
  context: Context,
): Promise<PostedDocument> => {
  logger.addContext(context);
  try {
    return await apply(posting, context);
  } finally {
    publishMetrics();
  }
};
