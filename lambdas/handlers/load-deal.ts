/**
 * LoadDeal task: the canonical CRM event names an opportunity; the deal (account, primary quote,
 * billing contact, lines and amounts) is read from Salesforce — never taken from the webhook body —
 * through the salesforce circuit breaker (open: DependencyOutageError, the flow parks the deal).
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { withSalesforce } from '../adapters/crm/salesforce/connection';
import { loadDeal } from '../adapters/crm/salesforce/deals';
import type { Deal } from '../domain/crm/deal';
import { CrmEventEnvelope, salesforceId18 } from '../domain/crm/events';
import { BusinessError } from '../domain/errors';
import { eventDetail } from './commons/bus-event';
import { logger } from './commons/powertools';

/** Opportunity currency when the org is not multi-currency (no CurrencyIsoCode field). */
const orgCurrency = process.env.SALESFORCE_ORG_CURRENCY ?? 'USD';

export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<Deal> => {
  const parsed = CrmEventEnvelope.safeParse(await eventDetail(event));
  if (!parsed.success)
    throw new BusinessError(
      'malformed_envelope',
      `event ${String(event?.id)} does not carry a v1 CRM envelope`,
    );
  const envelope = parsed.data;
  logger.appendKeys({ correlationId: envelope.correlationId, eventId: envelope.eventId });
  try {
    const opportunityId = salesforceId18(envelope.record.id);
    const deal = await withSalesforce((conn) => loadDeal(conn, opportunityId, orgCurrency));
    logger.info('deal loaded', {
      opportunityId: deal.opportunity.id,
      version: deal.opportunity.version,
      lines: deal.quote?.lines.length ?? 0,
    });
    return deal;
  } finally {
    logger.removeKeys(['correlationId', 'eventId']);
  }
};
