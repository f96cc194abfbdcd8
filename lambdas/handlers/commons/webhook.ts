/** What every webhook ingest handler shares: Lambda context on the logs, metrics flushed, rejections counted. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger, metrics, publishMetrics } from './powertools';

type Ingest = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export function webhookHandler(
  ingest: Ingest,
): (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event, context) => {
    logger.addContext(context);
    try {
      return await ingest(event);
    } finally {
      publishMetrics();
    }
  };
}

/** Counts a refused request (WebhookEventsRejected) and logs why, without the body. */
export function recordRejection(what: string, statusCode: number, code: string): void {
  metrics.addMetric('WebhookEventsRejected', MetricUnit.Count, 1);
  logger.warn(`${what} rejected`, { statusCode, code });
}
