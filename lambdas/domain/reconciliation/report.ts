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
 * The daily run reads only the day: its Stripe events (≈ 33k) and, on the built-in ledger, the postings
 * of those documents by id — so a month of daily runs reads about one month of data, not thirty.
 */
export const RECONCILE_SHARDS = 64;
export const ERP_SEGMENTS = 16;
export const LOOKBACK_DAYS = 35;
/** ERP postings are read up to this many days after the period: late postings and reversals land there. */
export const LATE_POSTING_DAYS = 62;
/** Stripe keeps events for 30 days: a day older than that can only be reconciled with its month. */
export const EVENT_RETENTION_DAYS = 30;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY_SCOPE = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DAY = 86_400;

/**
 * Where a slice of billing comes from: `objects` lists the documents by `created` (the month's run: the
 * state billing has now), `events` lists the day's Stripe events and takes each object's latest snapshot
 * (the daily run: only what happened that day, instead of re-reading the month every day).
 */
export type BillingSource = 'objects' | 'events';

export interface ReconciliationPlan {
  /** 'YYYY-MM' (the accounting period) or 'YYYY-MM-DD' (one day of activity). */
  period: string;
  runId: string;
  /** Unix-second windows of billing `created` (objects or events), one extraction task each. */
  billingSlices: { index: number; from: number; to: number; source: BillingSource }[];
  erpSegments: number[];
  erpSegmentCount: number;
  /** ISO dates bounding the ERP postings read. */
  erpWindow: { from: string; to: string };
  /**
   * True when each shard looks up the ERP postings of its billing documents by their deterministic ids
   * (a day on the built-in ledger: a few reads per document instead of scanning the ledger); the ERP
   * segments are then empty.
   */
  erpLookup: boolean;
  shards: number[];
}

/** A month 'YYYY-MM' (accounting period). */
export function isPeriod(s: string): boolean {
  return PERIOD.test(s);
}

/** A real calendar day 'YYYY-MM-DD'. */
export function isDay(s: string): boolean {
  return DAY_SCOPE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

/** What a run may reconcile: a month or a day. */
export const isReconciliationScope = (s: string): boolean => isPeriod(s) || isDay(s);

/**
 * 'current' (the month of `now`, the pre-close run), 'previous', 'yesterday' (the daily run), or an
 * explicit YYYY-MM or YYYY-MM-DD.
 */
export function resolvePeriod(requested: string, now: Date): string {
  const month = (offset: number) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toISOString().slice(0, 7);
  if (requested === 'current') return month(0);
  if (requested === 'previous') return month(-1);
  if (requested === 'yesterday') return new Date(now.getTime() - DAY * 1000).toISOString().slice(0, 10);
  return requested;
}

const isoDate = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);

/**
 * One day of activity: the day's Stripe events; the ERP side either looked up
 * per document (`erpLookup`, the built-in ledger) or read from the day on (NetSuite's query).
 */
export function planDayReconciliation(
  day: string,
  runId: string,
  options: { shards?: number; erpLookup?: boolean; now?: Date } = {},
): ReconciliationPlan {
  if (!isDay(day)) throw new RangeError(`day must be YYYY-MM-DD, got ${day}`);
  const start = Date.parse(`${day}T00:00:00Z`) / 1000;
  const now = (options.now ?? new Date()).getTime() / 1000;
  if (now - start > EVENT_RETENTION_DAYS * DAY)
    throw new RangeError(
      `Stripe keeps events for ${EVENT_RETENTION_DAYS} days: reconcile ${day.slice(0, 7)} (the month) instead of ${day}`,
    );
  // One slice: an object changed twice in a day must be read once, at its latest snapshot (≈ 33k events a
  // day at 1M a month is ≈ 330 pages, a few minutes of one task).
  const billingSlices: ReconciliationPlan['billingSlices'] = [
    { index: 0, from: start, to: start + DAY, source: 'events' },
  ];
  const erpLookup = options.erpLookup ?? true;
  return {
    period: day,
    runId,
    billingSlices,
    erpSegments: erpLookup ? [] : [0],
    erpSegmentCount: 1,
    erpWindow: { from: day, to: isoDate(start + (LATE_POSTING_DAYS - 1) * DAY) },
    erpLookup,
    shards: Array.from({ length: options.shards ?? RECONCILE_SHARDS }, (_, i) => i),
  };
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
    billingSlices.push({ index: i, from: t, to: Math.min(t + DAY, end), source: 'objects' });
  const segments = options.erpSegments ?? ERP_SEGMENTS;
  return {
    period,
    runId,
    billingSlices,
    erpSegments: Array.from({ length: segments }, (_, i) => i),
    erpSegmentCount: segments,
    erpWindow: { from: isoDate(start), to: isoDate(end + (LATE_POSTING_DAYS - 1) * DAY) },
    erpLookup: false,
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
