/**
 * CloudWatch metrics, locally. The handlers emit Embedded Metric Format through Powertools exactly as
 * in Lambda; instead of writing the EMF blobs to stdout (where CloudWatch would extract them), the local
 * runtime hands them to this sink, which aggregates them the way CloudWatch does (sum, count, min, max,
 * percentiles per metric name + dimension set). `GET /ops/metrics` and `q2c status` read it.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { JsonAmount } from '../lambdas/domain/money';

/** The EMF document Powertools writes (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html). */
interface EmfDocument {
  _aws?: {
    CloudWatchMetrics?: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit?: string }[];
    }[];
  };
  [member: string]: unknown;
}

export interface MetricSeries {
  namespace: string;
  name: string;
  unit: string;
  dimensions: Record<string, string>;
  /** Number of data points. */
  samples: number;
  /** Exact (bigint) for amounts (`…MinorUnits`), which add up past 2^53 at volume; a number otherwise. */
  sum: number | bigint;
  min: number;
  max: number;
  p50: number;
  p95: number;
}

/** A series on the JSON wire (`GET /ops/metrics`): an amount total as `amountToJson` renders it. */
export type MetricSeriesJson = Omit<MetricSeries, 'sum'> & { sum: JsonAmount };

/** Data points kept per series for percentiles; beyond it, a uniform reservoir sample. */
const RESERVOIR = 10_000;

interface Series {
  namespace: string;
  name: string;
  unit: string;
  dimensions: Record<string, string>;
  samples: number;
  sum: number;
  /** The exact total while every data point is an integer (amounts are), else null. */
  exact: bigint | null;
  min: number;
  max: number;
  values: number[];
}

export class LocalMetrics {
  private readonly series = new Map<string, Series>();

  /** One EMF line as Powertools prints it. Anything that is not EMF is ignored (and reported false). */
  recordLine(line: string): boolean {
    let doc: EmfDocument;
    try {
      doc = JSON.parse(line) as EmfDocument;
    } catch {
      return false;
    }
    const directives = doc._aws?.CloudWatchMetrics;
    if (!Array.isArray(directives)) return false;
    for (const directive of directives) {
      for (const dimensionSet of directive.Dimensions.length ? directive.Dimensions : [[]]) {
        const dimensions = Object.fromEntries(dimensionSet.map((d) => [d, String(doc[d] ?? '')]));
        for (const metric of directive.Metrics) {
          const raw = doc[metric.Name];
          const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number');
          for (const v of values)
            this.add(directive.Namespace, metric.Name, metric.Unit ?? 'None', dimensions, v);
        }
      }
    }
    return true;
  }

  private add(
    namespace: string,
    name: string,
    unit: string,
    dimensions: Record<string, string>,
    v: number,
  ): void {
    const key = JSON.stringify([namespace, name, Object.entries(dimensions).sort()]);
    let s = this.series.get(key);
    if (!s) {
      s = { namespace, name, unit, dimensions, samples: 0, sum: 0, exact: 0n, min: v, max: v, values: [] };
      this.series.set(key, s);
    }
    s.samples++;
    s.sum += v;
    s.exact = s.exact !== null && Number.isSafeInteger(v) ? s.exact + BigInt(v) : null;
    s.min = Math.min(s.min, v);
    s.max = Math.max(s.max, v);
    if (s.values.length < RESERVOIR) s.values.push(v);
    else {
      const slot = Math.floor(Math.random() * s.samples);
      if (slot < RESERVOIR) s.values[slot] = v;
    }
  }

  snapshot(): MetricSeries[] {
    return [...this.series.values()]
      .map(({ values, exact, ...s }) => {
        const sorted = [...values].sort((a, b) => a - b);
        const sum = s.name.endsWith('MinorUnits') && exact !== null ? exact : s.sum;
        return { ...s, sum, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
      })
      .sort(
        (a, b) =>
          a.name.localeCompare(b.name) ||
          JSON.stringify(a.dimensions).localeCompare(JSON.stringify(b.dimensions)),
      );
  }
}

/** Nearest-rank percentile (CloudWatch's pNN statistic on raw values). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

interface MetricsInternals {
  console: { log: (line: string) => void };
  disabled: boolean;
  setConsole(): void;
  setDisabled(): void;
}

/**
 * Routes every Powertools Metrics instance in this process (the handlers' shared one and the
 * `singleMetric()` children it creates) into the sink. Powertools has no public sink option, so this
 * replaces the two methods that pick the output console and the enabled flag.
 */
export async function captureMetrics(sink: LocalMetrics): Promise<void> {
  // Imported here, not at the top: the handlers' Metrics must be created after the runtime has set the
  // topology's environment (namespace, service name), as Lambda sets it before the module loads.
  const sinkConsole = { log: (line: string) => void sink.recordLine(line) };
  const proto = Metrics.prototype as unknown as MetricsInternals;
  proto.setConsole = function (this: MetricsInternals) {
    this.console = sinkConsole;
  };
  proto.setDisabled = function (this: MetricsInternals) {
    this.disabled = false;
  };
  const { metrics } = await import('../lambdas/handlers/commons/powertools');
  const shared = metrics as unknown as MetricsInternals;
  shared.console = sinkConsole;
  shared.disabled = false;
}
