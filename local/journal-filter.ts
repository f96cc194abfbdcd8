/**
 * `q2c journal --period --account --customer --document`: which journal entries an operator asks for.
 * Pure. An entry is kept whole (its lines balance); it matches
 *   --period    when it is booked in that period (its effective date; a late entry is in the open period
 *               it moved to),
 *   --account   when one of its lines posts to that account,
 *   --document  when it is that Stripe document's entry or refers to it (a payment of an invoice, a
 *               revenue release of its lines, a refund of a charge…), with or without the `stripe:` prefix,
 *   --customer  when one of the documents it refers to belongs to that customer (`customerOf`, read from
 *               Stripe) or its memo names the customer.
 */
import { AccountKey, type JournalEntry } from '../lambdas/domain/model';
import { isPeriod } from '../lambdas/domain/revenue/periods';

export interface JournalFilter {
  period?: string;
  account?: string;
  customer?: string;
  document?: string;
}

/** Stripe object ids an entry names in its document reference and memo. */
const STRIPE_ID = /\b(?:in|il|cn|cnli|ch|py|re|pyr|dp|du|po|cus|txn|sub)_[A-Za-z0-9]+/g;

export const documentIdsOf = (entry: Pick<JournalEntry, 'documentRef' | 'memo'>): Set<string> =>
  new Set([...`${entry.documentRef} ${entry.memo}`.matchAll(STRIPE_ID)].map((m) => m[0]));

const bare = (id: string) => id.replace(/^stripe:/, '');

/** The reason a filter cannot be applied (a person's typo), or undefined. */
export function journalFilterProblem(filter: JournalFilter): string | undefined {
  if (filter.period !== undefined && !isPeriod(filter.period))
    return `--period must be YYYY-MM (month 01–12, e.g. 2026-11), got "${filter.period}"`;
  if (filter.account !== undefined && !AccountKey.safeParse(filter.account).success)
    return `--account must be one of ${AccountKey.options.join(', ')}, got "${filter.account}"`;
  if (filter.customer !== undefined && !/^cus_[A-Za-z0-9]+$/.test(bare(filter.customer)))
    return `--customer must be a Stripe customer id (cus_…), got "${filter.customer}"`;
  if (filter.document !== undefined && !/^[a-z]+_[A-Za-z0-9]+$/.test(bare(filter.document)))
    return `--document must be a Stripe document id (in_…, cn_…, ch_…, re_…, dp_…, po_…), got "${filter.document}"`;
  return undefined;
}

export function filterJournal<E extends JournalEntry>(
  entries: readonly E[],
  filter: JournalFilter,
  customerOf: (documentId: string) => string | undefined = () => undefined,
): E[] {
  const document = filter.document === undefined ? undefined : bare(filter.document);
  const customer = filter.customer === undefined ? undefined : bare(filter.customer);
  return entries.filter((e) => {
    if (filter.period !== undefined && !e.effectiveDate.startsWith(`${filter.period}-`)) return false;
    if (filter.account !== undefined && !e.lines.some((l) => l.account === filter.account)) return false;
    const ids = document !== undefined || customer !== undefined ? documentIdsOf(e) : undefined;
    if (document !== undefined && !ids?.has(document)) return false;
    if (
      customer !== undefined &&
      !ids?.has(customer) &&
      ![...(ids ?? [])].some((id) => customerOf(id) === customer)
    )
      return false;
    return true;
  });
}

type StripeGet = (object: string, id: string) => Record<string, unknown> | undefined;

const OBJECT_BY_PREFIX: [RegExp, string][] = [
  [/^in_/, 'invoice'],
  [/^cn_/, 'credit_note'],
  [/^(ch|py)_/, 'charge'],
  [/^(re|pyr)_/, 'refund'],
  [/^(dp|du)_/, 'dispute'],
];

const idOf = (v: unknown): string | undefined =>
  typeof v === 'string'
    ? v
    : v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string'
      ? (v as { id: string }).id
      : undefined;

/**
 * The customer a Stripe document belongs to, as Stripe records it: an invoice, credit note or charge
 * names its customer; a refund or dispute names its charge (and a credit note its invoice).
 */
export function stripeCustomerOf(get: StripeGet): (documentId: string) => string | undefined {
  const customerOf = (id: string, depth: number): string | undefined => {
    const type = OBJECT_BY_PREFIX.find(([prefix]) => prefix.test(id))?.[1];
    const object = type ? get(type, id) : undefined;
    if (!object) return undefined;
    const own = idOf(object.customer);
    if (own || depth > 1) return own;
    const parent = idOf(object.charge) ?? idOf(object.invoice);
    return parent ? customerOf(parent, depth + 1) : undefined;
  };
  return (id) => customerOf(id, 0);
}
