/**
 * The reconciliation comparison: a merge-join of two key-sorted streams (billing facts, ERP facts)
 * that holds one key's facts at a time, so memory stays bounded however many records stream
 * through. Each difference is classified as a finding kind and as explained (a known, benign reason)
 * or unexplained (someone must act).
 */
import { postingKeys } from '../model';
import { sum } from '../money';
import type { BillingFact, DocumentType, ErpFact } from './facts';

export const FINDING_KINDS = [
  'invoice_missing_in_erp',
  'payment_not_applied',
  'credit_note_not_posted',
  'refund_not_posted',
  'payout_not_deposited',
  'reversal_not_posted',
  'amount_mismatch',
  'currency_mismatch',
  'tax_mismatch',
  'duplicate_posting',
  'posted_without_billing_document',
  'posted_in_later_period',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  kind: FindingKind;
  key: string;
  document: DocumentType;
  explained: boolean;
  /** One sentence a finance operator can act on. */
  reason: string;
  currency: string;
  /** Minor units billing says (null: no billing document). */
  billingAmount: number | null;
  /** Minor units the ERP has net of reversals (null: nothing posted). */
  erpAmount: number | null;
  erpIds: string[];
}

export interface ReconciliationScope {
  /**
   * 'YYYY-MM': billing documents dated in it are reconciled; ERP postings dated in it must have a document.
   * 'YYYY-MM-DD' (the daily run): billing documents dated that day are reconciled; the run starts from
   * billing, so postings without a billing document are left to the month's run.
   */
  period: string;
}

const MISSING: Record<DocumentType, FindingKind> = {
  invoice: 'invoice_missing_in_erp',
  payment: 'payment_not_applied',
  credit_note: 'credit_note_not_posted',
  refund: 'refund_not_posted',
  payout: 'payout_not_deposited',
};

/** Billing statuses after which the ERP must hold the posting, and after which it must also hold a reversal. */
const REVERSED: Record<DocumentType, ReadonlySet<string>> = {
  invoice: new Set(['void']),
  payment: new Set(),
  credit_note: new Set(['void']),
  refund: new Set(['failed', 'canceled']),
  payout: new Set(['failed']),
};
/** Statuses with nothing to post yet: explained when the ERP has nothing. */
const NOT_YET_POSTED: Record<DocumentType, ReadonlySet<string>> = {
  invoice: new Set(['draft']),
  payment: new Set(),
  credit_note: new Set(),
  refund: new Set(['requires_action']),
  payout: new Set(['pending', 'in_transit', 'canceled']),
};

/** The posting and reversal ids the built-in ledger files a document under (entry id = posting key). */
const LEDGER_IDS: Record<DocumentType, { post: (id: string) => string; reversal?: (id: string) => string }> =
  {
    invoice: { post: postingKeys.invoice, reversal: postingKeys.invoiceVoid },
    payment: { post: postingKeys.payment },
    credit_note: { post: postingKeys.creditMemo, reversal: postingKeys.creditMemoVoid },
    refund: { post: postingKeys.refund, reversal: postingKeys.refundFailure },
    payout: { post: postingKeys.deposit, reversal: postingKeys.depositFailure },
  };

/**
 * The ledger entry ids to look up for a billing document: its posting, and its reversal only when billing
 * says it is reversed (nothing else would make a reversal a finding). Postings under other ids (a manual
 * double posting) are only seen by the month's run, which reads the whole ledger.
 */
export function ledgerEntryIdsOf(fact: BillingFact): string[] {
  const ids = LEDGER_IDS[fact.document];
  const billingId = fact.key.slice(fact.document.length + 1);
  const reversal = REVERSED[fact.document].has(fact.status) ? ids.reversal : undefined;
  return reversal ? [ids.post(billingId), reversal(billingId)] : [ids.post(billingId)];
}

/** A date is in a month scope ('2026-11') or a day scope ('2026-11-03') when it starts with it. */
const inPeriod = (date: string, period: string) => date.startsWith(period);
const isDayScope = (scope: ReconciliationScope) => scope.period.length === 10;
/** The accounting period of the scope (a day belongs to its month). */
const monthOf = (scope: ReconciliationScope) => scope.period.slice(0, 7);
const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;

/**
 * Findings for one document key: its billing fact (if billing has it) against every ERP posting
 * under that key. Pure; the streaming join below calls it once per key.
 */
export function compareDocument(
  key: string,
  billing: BillingFact | undefined,
  erp: readonly ErpFact[],
  scope: ReconciliationScope,
): Finding[] {
  const posts = erp.filter((f) => f.role === 'post');
  const reversals = erp.filter((f) => f.role === 'reversal');
  const erpIds = erp.map((f) => f.erpId);
  const document = billing?.document ?? erp[0].document;
  const base = { key, document, erpIds };

  if (!billing) {
    if (isDayScope(scope)) return [];
    // Only postings dated in the period (or moved out of it) are this run's business.
    const ours = posts.filter(
      (p) => inPeriod(p.date, scope.period) || p.lateFromClosedPeriod === scope.period,
    );
    if (ours.length === 0) return [];
    const amount = sum(ours.map((p) => p.amount));
    return [
      {
        ...base,
        kind: 'posted_without_billing_document',
        explained: false,
        reason: `ERP holds ${ours.length} posting(s) of ${key} that billing does not have: investigate and reverse if wrong`,
        currency: ours[0].currency,
        billingAmount: null,
        erpAmount: amount,
      },
    ];
  }
  if (!inPeriod(billing.date, scope.period)) return [];

  const { currency, amount, status } = billing;
  const findings: Finding[] = [];
  const finding = (
    kind: FindingKind,
    explained: boolean,
    reason: string,
    erpAmount: number | null,
  ): Finding => ({ ...base, kind, explained, reason, currency, billingAmount: amount, erpAmount });
  const reversedInBilling = REVERSED[billing.document].has(status);

  if (posts.length === 0) {
    if (NOT_YET_POSTED[billing.document].has(status))
      return [
        finding(MISSING[billing.document], true, `${key} is ${status} in billing: nothing to post yet`, null),
      ];
    if (reversedInBilling && reversals.length === 0)
      return [
        finding(
          MISSING[billing.document],
          true,
          `${key} is ${status} in billing: posted and reversed nets to nothing`,
          null,
        ),
      ];
    return [
      finding(
        MISSING[billing.document],
        false,
        `${key} (${money(amount, currency)}, ${status}) is not posted in the ERP: replay its event`,
        null,
      ),
    ];
  }

  if (posts.length > 1) {
    findings.push(
      finding(
        'duplicate_posting',
        false,
        `${key} is posted ${posts.length} times in the ERP (${posts.map((p) => p.erpId).join(', ')}): reverse the extra posting(s)`,
        sum(posts.map((p) => p.amount)),
      ),
    );
  }
  const post = posts[0];
  // A zero posting (a $0 trial invoice) has no lines, so the ledger cannot say its currency: only its amount counts.
  const currencyless = post.currency === '' && post.amount === 0;
  if (post.currency !== currency && !currencyless) {
    findings.push(
      finding(
        'currency_mismatch',
        false,
        `${key} is ${currency.toUpperCase()} in billing but posted in ${post.currency.toUpperCase()}`,
        post.amount,
      ),
    );
  } else {
    if (post.amount !== amount) {
      findings.push(
        finding(
          'amount_mismatch',
          false,
          `${key} is ${money(amount, currency)} in billing but ${money(post.amount, currency)} in the ERP (difference ${money(post.amount - amount, currency)})`,
          post.amount,
        ),
      );
    }
    if (billing.tax !== null && post.tax !== null && post.tax !== billing.tax) {
      findings.push(
        finding(
          'tax_mismatch',
          false,
          `${key} carries tax ${money(billing.tax, currency)} in billing but ${money(post.tax, currency)} in the ERP`,
          post.amount,
        ),
      );
    }
  }
  if (reversedInBilling && reversals.length === 0) {
    findings.push(
      finding(
        'reversal_not_posted',
        false,
        `${key} is ${status} in billing but its reversal is not posted in the ERP: replay the ${status} event`,
        post.amount,
      ),
    );
  }
  if (!inPeriod(post.date, scope.period)) {
    const late = post.lateFromClosedPeriod === monthOf(scope);
    findings.push(
      finding(
        'posted_in_later_period',
        late,
        late
          ? `${key} arrived after ${monthOf(scope)} was closed and is booked on ${post.date} (next open period)`
          : `${key} is dated ${billing.date} in billing but booked on ${post.date} in the ERP`,
        post.amount,
      ),
    );
  }
  return findings;
}

/** Thrown when a stream is not sorted by key: a merge-join over unsorted input would miss matches. */
export class UnsortedStreamError extends Error {
  override readonly name = 'UnsortedStreamError';
}

type AnyIterable<T> = Iterable<T> | AsyncIterable<T>;

/** Groups consecutive items with the same key, checking the stream is sorted. */
async function* groupsOf<T extends { key: string }>(
  items: AnyIterable<T>,
  side: string,
): AsyncGenerator<T[]> {
  let group: T[] = [];
  for await (const item of items) {
    if (group.length > 0 && item.key !== group[0].key) {
      if (item.key < group[0].key)
        throw new UnsortedStreamError(`${side} stream is not sorted: ${item.key} after ${group[0].key}`);
      yield group;
      group = [];
    }
    group.push(item);
  }
  if (group.length > 0) yield group;
}

/**
 * The streaming merge-join: walks both key-sorted streams once and yields the findings of every
 * key, holding only the current key's facts. Billing keys are unique (one document, one fact).
 */
export async function* reconcileStreams(
  billing: AnyIterable<BillingFact>,
  erp: AnyIterable<ErpFact>,
  scope: ReconciliationScope,
): AsyncGenerator<Finding> {
  const b = groupsOf(billing, 'billing');
  const e = groupsOf(erp, 'ERP');
  let nb = await b.next();
  let ne = await e.next();
  while (!nb.done || !ne.done) {
    const bk = nb.done ? undefined : nb.value[0].key;
    const ek = ne.done ? undefined : ne.value[0].key;
    if (bk !== undefined && (ek === undefined || bk < ek)) {
      yield* compareDocument(bk, (nb.value as BillingFact[])[0], [], scope);
      nb = await b.next();
    } else if (ek !== undefined && (bk === undefined || ek < bk)) {
      yield* compareDocument(ek, undefined, ne.value as ErpFact[], scope);
      ne = await e.next();
    } else {
      yield* compareDocument(bk as string, (nb.value as BillingFact[])[0], ne.value as ErpFact[], scope);
      nb = await b.next();
      ne = await e.next();
    }
  }
}

/** K-way merge of key-sorted streams into one key-sorted stream (a shard's parts → one side). */
export async function* mergeSorted<T extends { key: string }>(streams: AnyIterable<T>[]): AsyncGenerator<T> {
  const heads: { it: AsyncIterator<T>; value: T }[] = [];
  for (const s of streams) {
    const it = (
      Symbol.asyncIterator in s ? s[Symbol.asyncIterator]() : toAsync(s as Iterable<T>)
    ) as AsyncIterator<T>;
    const first = await it.next();
    if (!first.done) heads.push({ it, value: first.value });
  }
  // Few parts per shard (tens): a linear minimum is simpler than a heap and fast enough.
  while (heads.length > 0) {
    let min = 0;
    for (let i = 1; i < heads.length; i++) if (heads[i].value.key < heads[min].value.key) min = i;
    const head = heads[min];
    yield head.value;
    const next = await head.it.next();
    if (next.done) heads.splice(min, 1);
    else head.value = next.value;
  }
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
