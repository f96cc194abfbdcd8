/** Powertools created once per process: structured logs with correlation ids, EMF metrics. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { RedactingLogFormatter } from './redaction';

/** Every log item goes through the redacting formatter: no customer PII or secret reaches CloudWatch Logs. */
export const logger = new Logger({ logFormatter: new RedactingLogFormatter() });
export const metrics = new Metrics();

/** Flushes the metrics of this invocation; an invocation that recorded none publishes nothing. */
export function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
