/** PostInvoice task: canonical invoice → ERP (AR / deferred revenue / revenue / tax), exactly once. */
import type { Context } from 'aws-lambda';
import { journalForInvoice } from '../domain/accounting/invoice';
import { Invoice } from '../domain/model';
import type { InvoicePosting } from '../domain/mapping/stripe-invoice';
import { idempotentPosting } from './commons/idempotency';
import { recordQuoteToBillLatency, type Received } from './commons/latency';
import { erp, postEntry, type PostedDocument } from './commons/posting';
import { logger, publishMetrics } from './commons/powertools';
import { FUNCTIONS } from '../../lib/topology';

export type { PostedDocument };

async function postInvoice(posting: InvoicePosting & Received): Promise<PostedDocument> {
  const invoice = Invoice.parse(posting.invoice);
  const entry = journalForInvoice(invoice, posting.idempotencyKey);
  const posted = await postEntry({ kind: 'invoice', data: invoice }, entry, invoice.issuedAt, {
    send: (e) => erp.postInvoice(invoice, e),
    receivedAt: posting.receivedAt,
  });
  if (posted.outcome === 'posted') recordQuoteToBillLatency(posting.closedWonAt);
  return posted;
}

const post = idempotentPosting(FUNCTIONS.postInvoice.id, postInvoice);

export const handler = async (
  posting: InvoicePosting & Received,
  context: Context,
): Promise<PostedDocument> => {
  logger.addContext(context);
  try {
    return await post(posting, context);
  } finally {
    publishMetrics();
  }
};
