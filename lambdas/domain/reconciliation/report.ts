/**
 * The reconciliation plan (period window, billing slices, ERP segments, shards) and report (summary,
 * JSON, CSV). Pure: handlers read and write the staging objects.
 */
import { FINDING_KINDS, type Finding, type FindingKind } from './compare';

/**
 * Sizing (documented in the README): 1M billing documents a month ≈ 33k a day. Billing is listed in
 * one-day slices of `created` (≈ 330 Stripe pages of 100 per slice and resource, ~2 min per slice), from
 * LOOKBACK_DAYS before the period so invoices created earlier but finalized or paid in it are seen. The
 * ERP is read in ERP_SEGMENTS parallel-scan segments. Both are written as key-sorted parts per shard;
 * RECONCILE_SHARDS shards then each merge ≈ 1M/64 ≈ 16k documents per side, a few MB at most.
 */
export const RECONCILE_SHARDS = 64;
export const ERP_SEGMENTS = 16;
export const LOOKBACK_DAYS = 35;
/** ERP postings are read up to this many days after the period: late postings and reversals land there. */
export const LATE_POSTING_DAYS = 62;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY = 86_400;

export interface ReconciliationPlan {
  period: string;
  runId: string;
  /** Unix-second windows of billing `created`, one extraction task each. */
  billingSlices: { index: number; from: number; to: number }[];
  erpSegments: number[];
  erpSegmentCount: number;
  /** ISO dates bounding the ERP postings read. */
  erpWindow: { from: string; to: string };
  shards: number[];
}

export function isPeriod(s: string): boolean {
  return PERIOD.test(s);
}

/** 'current' (the month of `now`, the daily run), 'previous', or an explicit YYYY-MM. */
export function resolvePeriod(requested: string, now: Date): string {
  const month = (offset: number) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toISOString().slice(0, 7);
  if (requested === 'current') return month(0);
  if (requested === 'previous') return month(-1);
  return requested;
}

export function planReconciliation(
  period: string,
  runId: string,
  options: { shards?: number; erpSegments?: number; lookbackDays?: number } = {},
): ReconciliationPlan {
  if (!isPeriod(period)) throw new RangeError(`period must be YYYY-MM, got ${period}`);
  const [y, m] = period.split('-').map(Number);
  const start = Date.UTC(y, m - 1, 1) / 1000;
  const end = Date.UTC(y, m, 1) / 1000;
  const from = start - (options.lookbackDays ?? LOOKBACK_DAYS) * DAY;
  const billingSlices: ReconciliationPlan['billingSlices'] = [];
  for (let t = from, i = 0; t < end; t += DAY, i++)
    billingSlices.push({ index: i, from: t, to: Math.min(t + DAY, end) });
  const segments = options.erpSegments ?? ERP_SEGMENTS;
  const iso = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
  return {
    period,
    runId,
    billingSlices,
    erpSegments: Array.from({ length: segments }, (_, i) => i),
    erpSegmentCount: segments,
    erpWindow: { from: iso(start), to: iso(end + (LATE_POSTING_DAYS - 1) * DAY) },
    shards: Array.from({ length: options.shards ?? RECONCILE_SHARDS }, (_, i) => i),
  };
}

export type KindCounts = Partial<Record<FindingKind, { explained: number; unexplained: number }>>;

export interface ShardResult {
  shard: number;
  billingFacts: number;
  erpFacts: number;
  findings: number;
  unexplained: number;
  byKind: KindCounts;
}

export interface ReconciliationSummary {
  period: string;
  runId: string;
  /** True when nothing is unexplained. */
  clean: boolean;
  billingDocuments: number;
  erpPostings: number;
  findings: number;
  unexplained: number;
  byKind: KindCounts;
}

export function countFinding(counts: KindCounts, f: Finding): void {
  const c = (counts[f.kind] ??= { explained: 0, unexplained: 0 });
  c[f.explained ? 'explained' : 'unexplained']++;
}

export function summarize(
  period: string,
  runId: string,
  shards: readonly ShardResult[],
): ReconciliationSummary {
  const byKind: KindCounts = {};
  let billingDocuments = 0;
  let erpPostings = 0;
  let findings = 0;
  let unexplained = 0;
  for (const s of shards) {
    billingDocuments += s.billingFacts;
    erpPostings += s.erpFacts;
    findings += s.findings;
    unexplained += s.unexplained;
    for (const kind of FINDING_KINDS) {
      const k = s.byKind[kind];
      if (!k) continue;
      const c = (byKind[kind] ??= { explained: 0, unexplained: 0 });
      c.explained += k.explained;
      c.unexplained += k.unexplained;
    }
  }
  return {
    period,
    runId,
    clean: unexplained === 0,
    billingDocuments,
    erpPostings,
    findings,
    unexplained,
    byKind,
  };
}

export const CSV_COLUMNS = [
  'kind',
  'explained',
  'key',
  'document',
  'currency',
  'billing_amount',
  'erp_amount',
  'erp_ids',
  'reason',
] as const;

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so spreadsheets never run it as a formula. */
export function csvCell(value: string | number | boolean | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@]/.test(s) && typeof value === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(f: Finding): string {
  return [
    f.kind,
    f.explained,
    f.key,
    f.document,
    f.currency,
    f.billingAmount,
    f.erpAmount,
    f.erpIds.join(' '),
    f.reason,
  ]
    .map(csvCell)
    .join(',');
}

export const csvHeader = (): string => CSV_COLUMNS.join(',');

/** Unexplained first, then by kind and key: what to act on at the top. */
export const findingOrder = (a: Finding, b: Finding): number =>
  Number(a.explained) - Number(b.explained) || a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key);
