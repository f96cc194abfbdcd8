/** PostDocument task: one posting of a money-event flow (journal entry or ERP customer), exactly once. */
import type { Context } from 'aws-lambda';
import { Customer, JournalEntry } from '../domain/model';
import type { Posting } from '../domain/mapping/stripe-money';
import { crosswalk } from './commons/erp';
import { idempotentPosting } from './commons/idempotency';
import type { Received } from './commons/latency';
import { erp, postEntry, type PostedDocument } from './commons/posting';
import { logger, publishMetrics } from './commons/powertools';
import { FUNCTIONS } from '../../lib/topology';

const links = crosswalk();

async function postDocument(posting: Posting & Received): Promise<PostedDocument> {
  if (posting.type === 'customer') return upsertCustomer(Customer.parse(posting.customer));
  const entry = JournalEntry.parse(posting.entry);
  if (posting.requires && !(await erp.hasPosting(posting.requires))) {
    // e.g. a payout that failed before it was ever deposited: nothing to reverse.
    logger.info('posting skipped: nothing to reverse', {
      idempotencyKey: posting.idempotencyKey,
      requires: posting.requires,
    });
    return { documentRef: entry.documentRef, erpSystem: erp.name, erpId: '', outcome: 'skipped' };
  }
  return postEntry(posting.document, entry, `${entry.effectiveDate}T00:00:00.000Z`, {
    receivedAt: posting.receivedAt,
  });
}

async function upsertCustomer(customer: Customer): Promise<PostedDocument> {
  const { erpId, outcome } = await erp.upsertCustomer(customer);
  await links.link({
    sourceRef: customer.customerRef,
    target: 'erp:customer',
    canonicalRef: customer.customerRef,
    erpId,
    erpSystem: erp.name,
    sourceVersion: customer.updatedAt,
    correlationId: customer.correlationId,
  });
  return { documentRef: customer.customerRef, erpSystem: erp.name, erpId, outcome };
}

const post = idempotentPosting(FUNCTIONS.postDocument.id, postDocument);

export const handler = async (posting: Posting & Received, context: Context): Promise<PostedDocument> => {
  logger.addContext(context);
  try {
    return await post(posting, context);
  } finally {
    publishMetrics();
  }
};
