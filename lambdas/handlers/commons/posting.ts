/**
 * The one way a journal entry reaches the ERP, shared by every posting handler: closed-period
 * protection, functional currency amounts, the ERP call, the crosswalk link, the revenue schedules
 * the document creates or re-allocates, and the business metrics.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ErpDocument } from '../../adapters/erp/port';
import { ScheduleStore } from '../../adapters/revenue/schedule-store';
import { dynamo, requiredEnv } from '../../adapters/store/dynamodb';
import { withFunctionalAmounts } from '../../domain/accounting/functional';
import { entryTotal } from '../../domain/accounting/journal';
import { toFunctional } from '../../domain/config';
import type { JournalEntry } from '../../domain/model';
import { applyScheduleChange, scheduleEffects } from '../../domain/revenue/effects';
import { nextPeriod, postingPeriod } from '../../domain/revenue/periods';
import { catchUpInto } from '../../domain/revenue/reallocate';
import { circuitBreaker, isOutageFailure } from '../../adapters/circuit-breaker/dynamodb-breaker';
import { mappingConfig } from './config';
import { recordPostingLatency } from './latency';
import { crosswalk, erpAdapter } from './erp';
import { logger, metrics } from './powertools';
import { TABLES } from '../../../lib/topology';

const erp = erpAdapter();
const links = crosswalk();
const schedules = new ScheduleStore(dynamo().doc, requiredEnv(TABLES.ledger.envVar));

export interface PostedDocument {
  documentRef: string;
  erpSystem: string;
  erpId: string;
  outcome: 'posted' | 'already-posted' | 'skipped';
}

const METRIC_BY_KIND: Partial<Record<JournalEntry['kind'], string>> = {
  invoice: 'InvoicesPosted',
  payment: 'PaymentsApplied',
  revenue_release: 'RevenueReleases',
};

/** Periods before this one are closed (nothing closed yet: every period is open). */
export function firstOpenPeriod(closed: ReadonlySet<string>): string {
  return closed.size ? nextPeriod([...closed].sort().at(-1) as string) : '1970-01';
}

export interface PostOptions {
  /** How the ERP receives it (default: postDocument). */
  send?: (entry: JournalEntry) => ReturnType<typeof erp.postDocument>;
  /** Closed periods, when the caller already read them (month-end releases thousands of lines). */
  closed?: ReadonlySet<string>;
  /** When our edge accepted the source event (for the PostingLatency metric). */
  receivedAt?: string;
}

export async function postEntry(
  document: ErpDocument,
  rawEntry: JournalEntry,
  sourceVersion: string,
  options: PostOptions = {},
): Promise<PostedDocument> {
  const send = options.send ?? ((e: JournalEntry) => erp.postDocument(document, e));
  const closed = options.closed ?? (await schedules.closedPeriods());
  const entry = inFunctionalCurrency(inOpenPeriod(rawEntry, closed));
  // Through the ERP circuit breaker: when open, DependencyOutageError parks the work without a call.
  const { erpId, outcome } = await circuitBreaker().guard('erp', () => send(entry), isOutageFailure);
  await links.link({
    sourceRef: entry.documentRef,
    target: `erp:${entry.kind}`,
    canonicalRef: entry.documentRef,
    erpId,
    erpSystem: erp.name,
    sourceVersion,
    correlationId: entry.correlationId,
  });
  // After the ERP write, on every attempt: a retry after a crash completes the schedules (each effect is idempotent).
  await applyScheduleEffects(entry, document.data, closed);
  if (outcome === 'posted') {
    recordPostingMetrics(entry);
    recordPostingLatency(entry.kind, options.receivedAt);
  }
  logger.info('document posted', {
    documentRef: entry.documentRef,
    kind: entry.kind,
    erpId,
    outcome,
    correlationId: entry.correlationId,
    lateFromClosedPeriod: entry.lateFromClosedPeriod,
  });
  return { documentRef: entry.documentRef, erpSystem: erp.name, erpId, outcome };
}

/** Closed books are never reopened: a late document is booked on the first day of the first open period. */
function inOpenPeriod(entry: JournalEntry, closed: ReadonlySet<string>): JournalEntry {
  if (entry.kind === 'revenue_release' || closed.size === 0) return entry;
  const booking = postingPeriod(entry.effectiveDate, closed);
  if (!booking.lateFromClosedPeriod) return entry;
  return { ...entry, effectiveDate: booking.effectiveDate, lateFromClosedPeriod: booking.sourcePeriod };
}

async function applyScheduleEffects(
  entry: JournalEntry,
  document: unknown,
  closed: ReadonlySet<string>,
): Promise<void> {
  const open = firstOpenPeriod(closed);
  for (const effect of scheduleEffects(entry, document)) {
    if (effect.type === 'create') {
      await schedules.create(effect.input, (s) => (closed.size ? catchUpInto(s, open) : s));
    } else {
      const result = await schedules.change(effect.lineRef, effect.changeKey, (s) =>
        applyScheduleChange(s, effect, open),
      );
      if (result === 'no-schedule')
        logger.warn('no revenue schedule to re-allocate', { lineRef: effect.lineRef });
    }
  }
}

function inFunctionalCurrency(entry: JournalEntry): JournalEntry {
  const subsidiary = mappingConfig.subsidiaries.find((s) => s.id === entry.subsidiary);
  if (!subsidiary) return entry;
  const currency = entry.lines[0]?.currency ?? subsidiary.functionalCurrency;
  return withFunctionalAmounts(entry, subsidiary.functionalCurrency, (amount) =>
    toFunctional(mappingConfig, amount, currency, subsidiary.functionalCurrency),
  );
}

function recordPostingMetrics(entry: JournalEntry): void {
  metrics.addMetric(METRIC_BY_KIND[entry.kind] ?? 'DocumentsPosted', MetricUnit.Count, 1);
  // Amounts are per currency and kind: a separate blob so the counts keep the dashboard's dimensions.
  // An entry without lines moves no money and has no currency: no amount to emit.
  if (entry.lines.length === 0) return;
  const byCurrency = metrics.singleMetric();
  byCurrency.addDimensions({ currency: entry.lines[0].currency, kind: entry.kind });
  byCurrency.addMetric('PostedAmountMinorUnits', MetricUnit.Count, entryTotal(entry));
}

export { erp, schedules };
