/**
 * The ledger audits itself (issue 12): invariants of the books that comparing against billing cannot
 * see — a reconciliation finds documents missing or different from Stripe's, not a release that was
 * never posted, a DUE index item lost in a crash, or an entry whose lines were edited. Pure: the facts
 * (journal entries, revenue schedules, the DUE index, closed periods, crosswalk links) are read by an
 * adapter; every sum is bigint, so the checks are exact at any volume.
 *
 * Each violation names the objects involved (entry ids, line refs, periods, crosswalk keys) so an
 * operator can open them; `--period` narrows the per-entry and per-period checks to one month, while
 * the book-level ones (schedule totals, deferred balances, invoice AR, crosswalk ids) always read the
 * whole book, because a month's slice of a balance proves nothing.
 */
import type { JournalEntry, JournalLine } from '../model';
import { formatMoney } from '../money';
import { revenueReleaseKey } from '../revenue/release';
import type { RevenueSchedule } from '../revenue/schedule';

export interface RecordedEntryFact extends JournalEntry {
  /** When the ledger wrote it (ISO); compared with when its period closed. */
  recordedAt?: string;
}

export interface CrosswalkFact {
  sourceRef: string;
  target: string;
  erpId: string;
  erpSystem: string;
}

export interface LedgerFacts {
  entries: readonly RecordedEntryFact[];
  schedules: readonly RevenueSchedule[];
  /** The DUE#<period> index: which lines month-end close will look at in a period. */
  due: readonly { period: string; lineRef: string }[];
  /** Closed periods, with when each was first closed (absent for books closed before that was recorded). */
  closedPeriods: readonly { period: string; closedAt?: string }[];
  crosswalk: readonly CrosswalkFact[];
  /** Items the adapter could not read as what their key says they are. */
  unreadable: readonly { key: string; reason: string }[];
}

export const INVARIANTS = {
  entry_unbalanced: 'every journal entry balances per currency',
  entry_unbalanced_functional: 'every journal entry balances in the functional currency',
  schedule_missing: 'every posted ratable line has exactly one schedule',
  schedule_without_line: 'every schedule belongs to a posted ratable line',
  due_index_missing: "a schedule's DUE index covers every period with an amount due",
  schedule_total_mismatch:
    "a schedule's total equals the line's deferred amount adjusted by its credit notes and voids",
  release_missing: 'every closed period with an amount due has its revenue release',
  release_mismatch: "released-to-date equals the sum of the line's revenue-release entries",
  release_exceeds_schedule: 'a revenue release never exceeds what the schedule plans for its period',
  release_without_schedule: 'every revenue release belongs to a schedule',
  deferred_balance_mismatch:
    'per subsidiary and currency, deferred_revenue equals Σ(scheduled − released) over the schedules',
  payment_without_invoice: 'every payment applies to a posted invoice',
  invoice_ar_negative:
    "no invoice's AR goes negative (payments, voids and write-offs beyond what was billed)",
  posted_into_closed_period: 'nothing is posted into a closed period except documents flagged late',
  crosswalk_missing: 'every posted document has its crosswalk entry',
  crosswalk_erp_id_missing: 'every crosswalk ERP id exists in the ledger',
  unreadable_item: 'every ledger item reads as what its key says it is',
} as const;
export type InvariantKey = keyof typeof INVARIANTS;

export interface Violation {
  invariant: InvariantKey;
  message: string;
  /** The objects involved: entry ids, `schedule:<lineRef>`, `DUE#<period>/<lineRef>`, crosswalk keys. */
  objects: string[];
}

export interface VerificationReport {
  /** 'YYYY-MM' when the per-entry and per-period checks were narrowed to one month. */
  period: string | null;
  clean: boolean;
  checked: {
    entries: number;
    ratableLines: number;
    schedules: number;
    releases: number;
    closedPeriods: number;
    crosswalkLinks: number;
  };
  /** Violations by invariant (every key present, 0 when clean). */
  counts: Record<InvariantKey, number>;
  violations: Violation[];
}

const periodOfDate = (date: string) => date.slice(0, 7);
const net = (l: Pick<JournalLine, 'debit' | 'credit'>) => BigInt(l.credit) - BigInt(l.debit);
const money = (amount: bigint, currency: string) =>
  amount <= BigInt(Number.MAX_SAFE_INTEGER) && amount >= -BigInt(Number.MAX_SAFE_INTEGER)
    ? formatMoney(Number(amount), currency)
    : `${amount} ${currency.toUpperCase()} minor units`;

/** Kinds whose deferred_revenue lines set what a line's schedule must add up to. */
const DEFERRAL_KINDS = new Set<JournalEntry['kind']>([
  'invoice',
  'invoice_void',
  'credit_memo',
  'credit_memo_void',
]);
const INVOICE_KEY = /^stripe:invoice:(.+):(post|payment|void|write_off)$/;

export function verifyLedger(facts: LedgerFacts, options: { period?: string } = {}): VerificationReport {
  const period = options.period ?? null;
  const inScope = (p: string) => period === null || p === period;
  const violations: Violation[] = [];
  const report = (invariant: InvariantKey, message: string, objects: string[]) =>
    violations.push({ invariant, message, objects });

  for (const u of facts.unreadable) report('unreadable_item', `${u.key}: ${u.reason}`, [u.key]);

  const entries = facts.entries;
  const entryIds = new Set(entries.map((e) => e.entryId));
  const scopedEntries = entries.filter((e) => inScope(periodOfDate(e.effectiveDate)));

  // 1. Balance, per currency and in the functional currency.
  for (const e of scopedEntries) checkBalance(e, report);

  // 2. Ratable lines ↔ schedules, the DUE index, schedule totals.
  const schedules = new Map(facts.schedules.map((s) => [s.lineRef, s]));
  const ratable = ratableLines(entries);
  const expectedTotals = deferralsByLine(entries);
  const dueIndex = new Set(facts.due.map((d) => `${d.period}|${d.lineRef}`));
  for (const [lineRef, entryId] of ratable) {
    if (!schedules.has(lineRef)) {
      report('schedule_missing', `${lineRef} (${entryId}) was deferred but has no revenue schedule`, [
        entryId,
        `schedule:${lineRef}`,
      ]);
    }
  }
  for (const s of facts.schedules) {
    const objects = [`schedule:${s.lineRef}`];
    const planned = s.periods.reduce((t, p) => t + BigInt(p.amount), 0n);
    const expected = expectedTotals.get(s.lineRef);
    // A ratable line netting to zero (a trial, a 100 % coupon) books no ledger line but still gets its
    // all-zero schedule: nothing to release, nothing missing.
    if (!ratable.has(s.lineRef) && (planned !== 0n || expected !== undefined)) {
      report('schedule_without_line', `schedule ${s.lineRef} has no posted ratable invoice line`, objects);
    }
    for (const p of s.periods) {
      if (p.amount === 0 || !inScope(p.period) || dueIndex.has(`${p.period}|${s.lineRef}`)) continue;
      report(
        'due_index_missing',
        `${s.lineRef} has ${money(BigInt(p.amount), s.currency)} due in ${p.period} but no DUE#${p.period} index item: month-end close would not release it`,
        [...objects, `DUE#${p.period}/${s.lineRef}`],
      );
    }
    if (expected !== undefined && planned !== expected.amount) {
      report(
        'schedule_total_mismatch',
        `schedule ${s.lineRef} plans ${money(planned, s.currency)} but the line's deferred amount after its credit notes and voids is ${money(expected.amount, s.currency)}`,
        [...objects, ...expected.entryIds],
      );
    } else if (planned !== BigInt(s.amount)) {
      report(
        'schedule_total_mismatch',
        `schedule ${s.lineRef}: its periods add up to ${money(planned, s.currency)}, its amount says ${money(BigInt(s.amount), s.currency)}`,
        objects,
      );
    }
  }

  // 3. Releases: each closed period's scheduled amount released once, exactly; nothing released beyond the plan.
  const closed = new Map(facts.closedPeriods.map((c) => [c.period, c.closedAt]));
  const releases = entries.filter((e) => e.kind === 'revenue_release');
  const releaseByKey = new Map(releases.map((e) => [e.entryId, e]));
  const releasedAmount = (e: JournalEntry) =>
    -e.lines.filter((l) => l.account === 'deferred_revenue').reduce((t, l) => t + net(l), 0n);
  for (const r of releases) {
    if (!schedules.has(r.documentRef) && inScope(periodOfDate(r.effectiveDate))) {
      report('release_without_schedule', `${r.entryId} releases ${r.documentRef}, which has no schedule`, [
        r.entryId,
      ]);
    }
  }
  for (const s of facts.schedules) {
    const periods = new Set([
      ...s.periods.map((p) => p.period),
      ...releases.filter((r) => r.documentRef === s.lineRef).map((r) => periodOfDate(r.effectiveDate)),
    ]);
    for (const p of [...periods].sort()) {
      if (!inScope(p)) continue;
      const planned = BigInt(s.periods.find((x) => x.period === p)?.amount ?? 0);
      const key = revenueReleaseKey(s.lineRef, p);
      const entry = releaseByKey.get(key);
      const released = entry ? releasedAmount(entry) : 0n;
      const objects = [`schedule:${s.lineRef}`, key];
      const over = released !== 0n && (released * planned < 0n || abs(released) > abs(planned));
      if (over) {
        report(
          'release_exceeds_schedule',
          `${key} released ${money(released, s.currency)} but the schedule plans ${money(planned, s.currency)} for ${p}`,
          objects,
        );
      } else if (closed.has(p) && released !== planned) {
        report(
          released === 0n ? 'release_missing' : 'release_mismatch',
          released === 0n
            ? `${p} is closed but ${s.lineRef}'s ${money(planned, s.currency)} due in it was never released (${key} is not in the ledger)`
            : `${key} released ${money(released, s.currency)} of the ${money(planned, s.currency)} the schedule plans for closed ${p}`,
          objects,
        );
      }
    }
  }

  // 4. Deferred revenue per subsidiary and currency = Σ(scheduled − released) over the schedules.
  checkDeferredBalances(entries, facts.schedules, releases, releasedAmount, report);

  // 5. Payments apply to posted invoices; no invoice's AR goes negative.
  checkInvoiceAr(entries, entryIds, report);

  // 6. Nothing posted into a closed period after it closed (late documents move to the open period).
  for (const e of scopedEntries) {
    const closedAt = closed.get(periodOfDate(e.effectiveDate));
    if (!closedAt || !e.recordedAt || e.recordedAt <= closedAt || e.lateFromClosedPeriod) continue;
    report(
      'posted_into_closed_period',
      `${e.entryId} (${e.kind}, ${e.effectiveDate}) was recorded ${e.recordedAt}, after ${periodOfDate(e.effectiveDate)} closed at ${closedAt}, and is not flagged late`,
      [e.entryId, `PERIOD#${periodOfDate(e.effectiveDate)}`],
    );
  }

  // 7. Crosswalk: every posted document linked, every linked ledger id present.
  const links = new Set(facts.crosswalk.map((c) => `${c.sourceRef}|${c.target}`));
  for (const e of scopedEntries) {
    if (links.has(`${e.documentRef}|erp:${e.kind}`)) continue;
    report(
      'crosswalk_missing',
      `${e.entryId} is posted but ${e.documentRef} has no erp:${e.kind} crosswalk link`,
      [e.entryId, `crosswalk:${e.documentRef}/erp:${e.kind}`],
    );
  }
  for (const c of facts.crosswalk) {
    // Customer links point at the ERP's customer record, not a journal entry.
    if (c.erpSystem !== 'ledger' || !c.target.startsWith('erp:') || c.target === 'erp:customer') continue;
    if (entryIds.has(c.erpId)) continue;
    report(
      'crosswalk_erp_id_missing',
      `crosswalk ${c.sourceRef} → ${c.target} names ledger entry ${c.erpId}, which does not exist`,
      [`crosswalk:${c.sourceRef}/${c.target}`, c.erpId],
    );
  }

  const counts = Object.fromEntries(Object.keys(INVARIANTS).map((k) => [k, 0])) as Record<
    InvariantKey,
    number
  >;
  for (const v of violations) counts[v.invariant]++;
  return {
    period,
    clean: violations.length === 0,
    checked: {
      entries: scopedEntries.length,
      ratableLines: ratable.size,
      schedules: facts.schedules.length,
      releases: releases.length,
      closedPeriods: facts.closedPeriods.length,
      crosswalkLinks: facts.crosswalk.length,
    },
    counts,
    violations,
  };
}

const abs = (x: bigint) => (x < 0n ? -x : x);

type Report = (invariant: InvariantKey, message: string, objects: string[]) => void;

function checkBalance(e: JournalEntry, report: Report): void {
  const byCurrency = new Map<string, bigint>();
  const byFunctional = new Map<string, bigint>();
  for (const l of e.lines) {
    byCurrency.set(l.currency, (byCurrency.get(l.currency) ?? 0n) + net(l));
    // A line without a functional amount is already in the functional currency.
    const f = l.functional ?? { currency: l.currency, debit: l.debit, credit: l.credit };
    byFunctional.set(f.currency, (byFunctional.get(f.currency) ?? 0n) + net(f));
  }
  const off = [...byCurrency].filter(([, d]) => d !== 0n);
  for (const [currency, diff] of off) {
    report(
      'entry_unbalanced',
      `${e.entryId} (${e.kind} ${e.documentRef}): credits exceed debits by ${money(diff, currency)}`,
      [e.entryId],
    );
  }
  if (off.length > 0 || !e.lines.some((l) => l.functional)) return;
  for (const [currency, diff] of byFunctional) {
    if (diff === 0n) continue;
    report(
      'entry_unbalanced_functional',
      `${e.entryId} (${e.kind} ${e.documentRef}): in functional ${currency.toUpperCase()}, credits exceed debits by ${money(diff, currency)}`,
      [e.entryId],
    );
  }
}

/** Each ratable line posted by an invoice (a deferred_revenue line with its line ref) → the invoice entry. */
function ratableLines(entries: readonly JournalEntry[]): Map<string, string> {
  const lines = new Map<string, string>();
  for (const e of entries) {
    if (e.kind !== 'invoice') continue;
    for (const l of e.lines)
      if (l.account === 'deferred_revenue' && l.sourceLineRef) lines.set(l.sourceLineRef, e.entryId);
  }
  return lines;
}

/** What each line's schedule must add up to: its deferral, less credit notes and voids, plus their voids. */
function deferralsByLine(
  entries: readonly JournalEntry[],
): Map<string, { amount: bigint; entryIds: string[] }> {
  const totals = new Map<string, { amount: bigint; entryIds: string[] }>();
  for (const e of entries) {
    if (!DEFERRAL_KINDS.has(e.kind)) continue;
    for (const l of e.lines) {
      if (l.account !== 'deferred_revenue' || !l.sourceLineRef) continue;
      const t = totals.get(l.sourceLineRef) ?? { amount: 0n, entryIds: [] };
      t.amount += net(l);
      if (!t.entryIds.includes(e.entryId)) t.entryIds.push(e.entryId);
      totals.set(l.sourceLineRef, t);
    }
  }
  return totals;
}

function checkDeferredBalances(
  entries: readonly JournalEntry[],
  schedules: readonly RevenueSchedule[],
  releases: readonly JournalEntry[],
  releasedAmount: (e: JournalEntry) => bigint,
  report: Report,
): void {
  // Per (subsidiary, currency): the ledger's balance and the schedules' remaining; per line, both sides,
  // so a difference names the lines that make it.
  const books = new Map<string, { ledger: bigint; scheduled: bigint; lines: Map<string, bigint> }>();
  const book = (subsidiary: string, currency: string) => {
    const k = `${subsidiary}|${currency}`;
    const b = books.get(k) ?? { ledger: 0n, scheduled: 0n, lines: new Map<string, bigint>() };
    books.set(k, b);
    return b;
  };
  for (const e of entries) {
    for (const l of e.lines) {
      if (l.account !== 'deferred_revenue') continue;
      const b = book(e.subsidiary, l.currency);
      const ref = l.sourceLineRef ?? `(no line) ${e.entryId}`;
      b.ledger += net(l);
      b.lines.set(ref, (b.lines.get(ref) ?? 0n) + net(l));
    }
  }
  const releasedByLine = new Map<string, bigint>();
  for (const r of releases)
    releasedByLine.set(r.documentRef, (releasedByLine.get(r.documentRef) ?? 0n) + releasedAmount(r));
  for (const s of schedules) {
    const b = book(s.subsidiary, s.currency);
    const remaining =
      s.periods.reduce((t, p) => t + BigInt(p.amount), 0n) - (releasedByLine.get(s.lineRef) ?? 0n);
    b.scheduled += remaining;
    b.lines.set(s.lineRef, (b.lines.get(s.lineRef) ?? 0n) - remaining);
  }
  for (const [k, b] of [...books].sort(([a], [c]) => a.localeCompare(c))) {
    if (b.ledger === b.scheduled) continue;
    const [subsidiary, currency] = k.split('|') as [string, string];
    const lines = [...b.lines].filter(([, d]) => d !== 0n).map(([ref]) => ref);
    report(
      'deferred_balance_mismatch',
      `${subsidiary} deferred_revenue holds ${money(b.ledger, currency)} but its schedules have ${money(b.scheduled, currency)} still to release (lines that differ: ${lines.join(', ') || 'none'})`,
      [`${subsidiary}/${currency}/deferred_revenue`, ...lines],
    );
  }
}

function checkInvoiceAr(
  entries: readonly JournalEntry[],
  entryIds: ReadonlySet<string>,
  report: Report,
): void {
  const byInvoice = new Map<string, { ar: bigint; billed: bigint; currency: string; entryIds: string[] }>();
  for (const e of entries) {
    if (!['invoice', 'payment', 'invoice_void', 'write_off'].includes(e.kind)) continue;
    const m = INVOICE_KEY.exec(e.idempotencyKey);
    if (!m) {
      if (e.kind === 'payment')
        report('payment_without_invoice', `${e.entryId} (${e.documentRef}) names no invoice`, [e.entryId]);
      continue;
    }
    const invoiceKey = `stripe:invoice:${m[1]}:post`;
    if (e.kind !== 'invoice' && !entryIds.has(invoiceKey)) {
      report(
        e.kind === 'payment' ? 'payment_without_invoice' : 'invoice_ar_negative',
        `${e.entryId} (${e.kind}) applies to invoice ${m[1]}, which is not posted (${invoiceKey})`,
        [e.entryId, invoiceKey],
      );
    }
    const ar = e.lines.filter((l) => l.account === 'accounts_receivable');
    const t = byInvoice.get(m[1]!) ?? {
      ar: 0n,
      billed: 0n,
      currency: ar[0]?.currency ?? 'usd',
      entryIds: [],
    };
    const debit = -ar.reduce((s, l) => s + net(l), 0n); // AR is a debit balance
    t.ar += debit;
    if (e.kind === 'invoice') t.billed += debit;
    t.entryIds.push(e.entryId);
    byInvoice.set(m[1]!, t);
  }
  // No overpayment is recorded against an invoice in this ledger (Stripe keeps overpayments as customer
  // balance), so the floor is zero — or the invoice's own credit total when it bills a net credit.
  // Credit notes and refunds settle at customer level and are not counted.
  for (const [invoice, t] of byInvoice) {
    const floor = t.billed < 0n ? t.billed : 0n;
    if (t.ar >= floor || !entryIds.has(`stripe:invoice:${invoice}:post`)) continue;
    report(
      'invoice_ar_negative',
      `invoice ${invoice}: payments, voids and write-offs exceed what it billed by ${money(floor - t.ar, t.currency)}`,
      t.entryIds,
    );
  }
}
