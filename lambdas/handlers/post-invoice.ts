/** PostInvoice task: canonical invoice → ERP (AR / deferred revenue / revenue / tax), exactly once. */
import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { journalForInvoice } from '../domain/accounting/invoice';
import { entryTotal } from '../domain/accounting/journal';
import { Invoice } from '../domain/model';
import type { InvoicePosting } from '../domain/mapping/stripe-invoice';
import { crosswalk, erpAdapter } from './commons/erp';
import { idempotentPosting } from './commons/idempotency';
import { logger, metrics, publishMetrics } from './commons/powertools';
import { FUNCTIONS } from '../../lib/topology';

const erp = erpAdapter();
const links = crosswalk();

export interface PostedDocument {
  documentRef: string;
  erpSystem: string;
  erpId: string;
  outcome: 'posted' | 'already-posted';
}

async function postInvoice(posting: InvoicePosting): Promise<PostedDocument> {
  const invoice = Invoice.parse(posting.invoice);
  const entry = journalForInvoice(invoice, posting.idempotencyKey);
  const { erpId, outcome } = await erp.postInvoice(invoice, entry);
  await links.link({
    sourceRef: invoice.invoiceRef,
    target: 'erp:invoice',
    canonicalRef: invoice.invoiceRef,
    erpId,
    erpSystem: erp.name,
    sourceVersion: invoice.issuedAt,
    correlationId: invoice.correlationId,
  });
  if (outcome === 'posted') {
    metrics.addMetric('InvoicesPosted', MetricUnit.Count, 1);
    // Amounts are per currency: a separate blob so the count keeps the dashboard's dimensions.
    const byCurrency = metrics.singleMetric();
    byCurrency.addDimension('currency', invoice.currency);
    byCurrency.addMetric('InvoicedAmountMinorUnits', MetricUnit.Count, entryTotal(entry));
  }
  logger.info('invoice posted', {
    invoiceRef: invoice.invoiceRef,
    erpId,
    outcome,
    correlationId: invoice.correlationId,
  });
  return { documentRef: invoice.invoiceRef, erpSystem: erp.name, erpId, outcome };
}

const post = idempotentPosting(FUNCTIONS.postInvoice.id, postInvoice);

export const handler = async (posting: InvoicePosting, context: Context): Promise<PostedDocument> => {
  logger.addContext(context);
  try {
    return await post(posting, context);
  } finally {
    publishMetrics();
  }
};
