import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { commonEnvironment } from '../../../lib/topology';
import type * as Powertools from '../../../lambdas/handlers/commons/powertools';
import type * as Local from '../../../local/metrics';

describe('LocalMetrics: the EMF the handlers emit, aggregated like CloudWatch', () => {
  let metrics: typeof Powertools.metrics;
  let publishMetrics: typeof Powertools.publishMetrics;
  let sink: Local.LocalMetrics;
  let percentile: typeof Local.percentile;
  beforeAll(async () => {
    // As the local runtime does: the topology's environment (namespace, service) before handlers load.
    Object.assign(process.env, commonEnvironment());
    ({ metrics, publishMetrics } = await import('../../../lambdas/handlers/commons/powertools'));
    const local = await import('../../../local/metrics');
    percentile = local.percentile;
    sink = new local.LocalMetrics();
    await local.captureMetrics(sink);
  });

  test('counts from the shared Metrics and its singleMetric() children land in the sink, per dimension set', () => {
    metrics.addMetric('InvoicesPosted', MetricUnit.Count, 1);
    metrics.addMetric('InvoicesPosted', MetricUnit.Count, 1);
    publishMetrics();
    const eur = metrics.singleMetric();
    eur.addDimensions({ currency: 'eur', kind: 'invoice' });
    eur.addMetric('PostedAmountMinorUnits', MetricUnit.Count, 12_000);
    const usd = metrics.singleMetric();
    usd.addDimensions({ currency: 'usd', kind: 'invoice' });
    usd.addMetric('PostedAmountMinorUnits', MetricUnit.Count, 4_900);

    const series = sink.snapshot();
    const posted = series.find((s) => s.name === 'InvoicesPosted');
    expect(posted).toMatchObject({ namespace: 'QuoteToCash', sum: 2, samples: 2, unit: 'Count' });
    expect(posted?.dimensions).toEqual({ service: 'quote-to-cash' });
    const amounts = series.filter((s) => s.name === 'PostedAmountMinorUnits');
    expect(amounts.map((s) => [s.dimensions.currency, s.sum])).toEqual([
      ['eur', 12_000n],
      ['usd', 4_900n],
    ]);
  });

  test('non-EMF lines are ignored; latency percentiles are nearest-rank', () => {
    expect(sink.recordLine('not json')).toBe(false);
    expect(sink.recordLine('{"message":"a log line"}')).toBe(false);
    const line = JSON.stringify({
      _aws: {
        Timestamp: 0,
        CloudWatchMetrics: [
          {
            Namespace: 'QuoteToCash',
            Dimensions: [['service']],
            Metrics: [{ Name: 'PostingLatency', Unit: 'Milliseconds' }],
          },
        ],
      },
      service: 'quote-to-cash',
      PostingLatency: Array.from({ length: 100 }, (_, i) => i + 1),
    });
    expect(sink.recordLine(line)).toBe(true);
    const latency = sink.snapshot().find((s) => s.name === 'PostingLatency');
    expect(latency).toMatchObject({ samples: 100, min: 1, max: 100, p50: 50, p95: 95, sum: 5050 });
    expect(percentile([], 50)).toBe(0);
    expect(percentile([7], 95)).toBe(7);
  });
});
