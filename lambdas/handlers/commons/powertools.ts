/** Powertools created once per process: structured logs with correlation ids, EMF metrics. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { onCircuitOpened } from '../../adapters/circuit-breaker/dynamodb-breaker';
import { RedactingLogFormatter } from './redaction';

/** Every log item goes through the redacting formatter: no customer PII or secret reaches CloudWatch Logs. */
export const logger = new Logger({ logFormatter: new RedactingLogFormatter() });
export const metrics = new Metrics();

// A circuit opening is counted per dependency (Engineering dashboard). A single metric of its own, published
// at once: a dimension added to the shared object would tag every other metric of the invocation too.
onCircuitOpened((dependency) => {
  const opened = metrics.singleMetric();
  opened.addDimension('dependency', dependency);
  opened.addMetric('CircuitOpened', MetricUnit.Count, 1);
});

/** Flushes the metrics of this invocation; an invocation that recorded none publishes nothing. */
export function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
