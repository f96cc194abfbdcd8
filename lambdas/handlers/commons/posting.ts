/**
 * The one way a journal entry reaches the ERP, shared by every posting handler: functional
 * currency amounts, the ERP call, the crosswalk link and the business metrics.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ErpDocument } from '../../adapters/erp/port';
import { withFunctionalAmounts } from '../../domain/accounting/functional';
import { entryTotal } from '../../domain/accounting/journal';
import { toFunctional } from '../../domain/config';
import type { JournalEntry } from '../../domain/model';
import { mappingConfig } from './config';
import { crosswalk, erpAdapter } from './erp';
import { logger, metrics } from './powertools';

const erp = erpAdapter();
const links = crosswalk();

export interface PostedDocument {
  documentRef: string;
  erpSystem: string;
  erpId: string;
  outcome: 'posted' | 'already-posted' | 'skipped';
}

/** What a posting is, in the crosswalk and the metrics: `invoice`, `payment`, `credit_memo`… */
const METRIC_BY_KIND: Partial<Record<JournalEntry['kind'], string>> = {
  invoice: 'InvoicesPosted',
  payment: 'PaymentsApplied',
};

export async function postEntry(
  document: ErpDocument,
  rawEntry: JournalEntry,
  sourceVersion: string,
  send: (entry: JournalEntry) => ReturnType<typeof erp.postDocument> = (entry) =>
    erp.postDocument(document, entry),
): Promise<PostedDocument> {
  const entry = inFunctionalCurrency(rawEntry);
  const { erpId, outcome } = await send(entry);
  await links.link({
    sourceRef: entry.documentRef,
    target: `erp:${entry.kind}`,
    canonicalRef: entry.documentRef,
    erpId,
    erpSystem: erp.name,
    sourceVersion,
    correlationId: entry.correlationId,
  });
  if (outcome === 'posted') recordPostingMetrics(entry);
  logger.info('document posted', {
    documentRef: entry.documentRef,
    kind: entry.kind,
    erpId,
    outcome,
    correlationId: entry.correlationId,
  });
  return { documentRef: entry.documentRef, erpSystem: erp.name, erpId, outcome };
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
  const byCurrency = metrics.singleMetric();
  byCurrency.addDimensions({ currency: entry.lines[0]?.currency ?? 'none', kind: entry.kind });
  byCurrency.addMetric('PostedAmountMinorUnits', MetricUnit.Count, entryTotal(entry));
}

export { erp };
