/**
 * Amendments are deltas: the quote says what the subscription should hold, the live subscription says
 * what it holds, and the difference becomes Stripe subscription item operations (add a product, remove
 * one, change a quantity, change a price) sent in one update with one proration behaviour.
 *
 * Proration (config/mapping.json billing.amendmentProration): when the recurring amount per period
 * goes up (upsell, added product, price rise) the `upgrade` behaviour applies — default
 * `always_invoice`, so the prorated difference is invoiced (and posted to the ledger) now; when it goes
 * down or stays level, the `downgrade` behaviour — default `create_prorations`, so the unused time is
 * credited on the next invoice rather than refunded. Renewals use `none`: the new terms start with the
 * next period, nothing is prorated.
 */
import type { BillingSettings } from '../config';
import type { PriceRef, ResolvedLine } from './validate';

/** One item of the live subscription (normalised from Stripe by the billing adapter). */
export interface CurrentItem {
  itemId: string;
  stripeProduct: string;
  priceId: string;
  unitAmount: number;
  quantity: number;
}

/** The live subscription a deal changes. Times are Unix seconds. */
export interface CurrentSubscription {
  id: string;
  status: string;
  currency: string;
  interval: 'month' | 'year' | null;
  items: CurrentItem[];
  currentPeriodStart: number;
  currentPeriodEnd: number;
  cancelAtPeriodEnd: boolean;
  /** When it was cancelled (Unix seconds); null while live. */
  canceledAt: number | null;
  metadata: Record<string, string>;
  latestInvoiceId: string | null;
}

export interface DesiredItem {
  stripeProduct: string;
  quantity: number;
  price: PriceRef;
}

export type ItemOperation =
  | { op: 'add'; stripeProduct: string; quantity: number; price: PriceRef }
  | { op: 'remove'; itemId: string; stripeProduct: string; quantity: number }
  | { op: 'change_quantity'; itemId: string; stripeProduct: string; from: number; to: number }
  | {
      op: 'change_price';
      itemId: string;
      stripeProduct: string;
      fromUnitAmount: number;
      price: PriceRef;
      from: number;
      to: number;
    };

export type ProrationBehavior = 'create_prorations' | 'always_invoice' | 'none';

/** The subscription item parameter Stripe takes for an operation. */
export type ItemParam =
  | { price: string; quantity: number }
  | { price_data: Extract<PriceRef, { kind: 'price_data' }>['data']; quantity: number }
  | { id: string; deleted: true }
  | { id: string; quantity: number }
  | { id: string; quantity: number; price: string }
  | { id: string; quantity: number; price_data: Extract<PriceRef, { kind: 'price_data' }>['data'] };

/** What the subscription should hold: the quote's recurring lines, one item per product and price. */
export function desiredItems(
  lines: readonly ResolvedLine[],
  current: readonly CurrentItem[],
  mode: BillingSettings['amendmentQuoteLines'],
): DesiredItem[] {
  const fromQuote = new Map<string, DesiredItem>();
  for (const l of lines) {
    if (!l.recurring) continue;
    const key = `${l.stripeProduct}|${priceKey(l.price)}`;
    const seen = fromQuote.get(key);
    if (seen) seen.quantity += l.quantity;
    else fromQuote.set(key, { stripeProduct: l.stripeProduct, quantity: l.quantity, price: l.price });
  }
  const quoted = [...fromQuote.values()];
  if (mode === 'changes') {
    // Only what the quote names changes; products it does not name stay as they are.
    const named = new Set(quoted.map((d) => d.stripeProduct));
    const kept: DesiredItem[] = current
      .filter((c) => !named.has(c.stripeProduct))
      .map((c) => ({
        stripeProduct: c.stripeProduct,
        quantity: c.quantity,
        price: { kind: 'price', id: c.priceId, unitAmount: c.unitAmount },
      }));
    return [...kept, ...quoted.filter((d) => d.quantity > 0)];
  }
  return quoted.filter((d) => d.quantity > 0);
}

function priceKey(p: PriceRef): string {
  return p.kind === 'price' ? p.id : `data:${p.unitAmount}`;
}

function samePrice(c: CurrentItem, p: PriceRef): boolean {
  return p.kind === 'price' ? c.priceId === p.id : c.unitAmount === p.unitAmount;
}

/** Item operations turning `current` into `desired`, matched by product (then by price, then in order). */
export function itemDelta(current: readonly CurrentItem[], desired: readonly DesiredItem[]): ItemOperation[] {
  const ops: ItemOperation[] = [];
  const products = [
    ...new Set([...current.map((c) => c.stripeProduct), ...desired.map((d) => d.stripeProduct)]),
  ];
  for (const product of products) {
    const have = current.filter((c) => c.stripeProduct === product);
    const want = desired.filter((d) => d.stripeProduct === product);
    // Same price first: those only change quantity.
    const unmatched: DesiredItem[] = [];
    const free = [...have];
    for (const w of want) {
      const at = free.findIndex((c) => samePrice(c, w.price));
      if (at < 0) {
        unmatched.push(w);
        continue;
      }
      const [c] = free.splice(at, 1);
      if (c.quantity !== w.quantity)
        ops.push({
          op: 'change_quantity',
          itemId: c.itemId,
          stripeProduct: product,
          from: c.quantity,
          to: w.quantity,
        });
    }
    for (const w of unmatched) {
      const c = free.shift();
      if (c)
        ops.push({
          op: 'change_price',
          itemId: c.itemId,
          stripeProduct: product,
          fromUnitAmount: c.unitAmount,
          price: w.price,
          from: c.quantity,
          to: w.quantity,
        });
      else ops.push({ op: 'add', stripeProduct: product, quantity: w.quantity, price: w.price });
    }
    for (const c of free)
      ops.push({ op: 'remove', itemId: c.itemId, stripeProduct: product, quantity: c.quantity });
  }
  return ops;
}

/** The items after the operations (what Stripe will hold); new items get `new:<n>` ids. */
export function applyItemOperations(
  current: readonly CurrentItem[],
  ops: readonly ItemOperation[],
): CurrentItem[] {
  let items = current.map((c) => ({ ...c }));
  let n = 0;
  for (const o of ops) {
    switch (o.op) {
      case 'add':
        items.push({
          itemId: `new:${n++}`,
          stripeProduct: o.stripeProduct,
          priceId: o.price.kind === 'price' ? o.price.id : `data:${o.price.unitAmount}`,
          unitAmount: o.price.unitAmount,
          quantity: o.quantity,
        });
        break;
      case 'remove':
        items = items.filter((i) => i.itemId !== o.itemId);
        break;
      case 'change_quantity':
        items = items.map((i) => (i.itemId === o.itemId ? { ...i, quantity: o.to } : i));
        break;
      case 'change_price':
        items = items.map((i) =>
          i.itemId === o.itemId
            ? {
                ...i,
                priceId: o.price.kind === 'price' ? o.price.id : `data:${o.price.unitAmount}`,
                unitAmount: o.price.unitAmount,
                quantity: o.to,
              }
            : i,
        );
        break;
    }
  }
  return items;
}

/** Recurring amount per period (minor units). */
export function recurringAmount(items: readonly { unitAmount: number; quantity: number }[]): number {
  return items.reduce((t, i) => t + i.unitAmount * i.quantity, 0);
}

/** Net change of the recurring amount per period the operations cause. */
export function recurringChange(current: readonly CurrentItem[], ops: readonly ItemOperation[]): number {
  return recurringAmount(applyItemOperations(current, ops)) - recurringAmount(current);
}

/** Upgrades (the recurring amount rises) and downgrades (it falls or stays level) prorate as configured. */
export function prorationFor(
  current: readonly CurrentItem[],
  ops: readonly ItemOperation[],
  settings: BillingSettings['amendmentProration'],
): ProrationBehavior {
  if (ops.length === 0) return 'none';
  return recurringChange(current, ops) > 0 ? settings.upgrade : settings.downgrade;
}

const priceParam = (p: PriceRef) => (p.kind === 'price' ? { price: p.id } : { price_data: p.data });

/** Stripe `items[]` of a subscription update. */
export function itemParams(ops: readonly ItemOperation[]): ItemParam[] {
  return ops.map((o): ItemParam => {
    switch (o.op) {
      case 'add':
        return { ...priceParam(o.price), quantity: o.quantity };
      case 'remove':
        return { id: o.itemId, deleted: true };
      case 'change_quantity':
        return { id: o.itemId, quantity: o.to };
      case 'change_price':
        return { id: o.itemId, quantity: o.to, ...priceParam(o.price) };
    }
  });
}

/** One line per operation, for the status written back and the logs. */
export function describeOperation(o: ItemOperation): string {
  switch (o.op) {
    case 'add':
      return `add ${o.quantity} × ${o.stripeProduct}`;
    case 'remove':
      return `remove ${o.quantity} × ${o.stripeProduct}`;
    case 'change_quantity':
      return `${o.stripeProduct} ${o.from} → ${o.to}`;
    case 'change_price':
      return `${o.stripeProduct} ${o.from} × ${o.fromUnitAmount} → ${o.to} × ${o.price.unitAmount}`;
  }
}

/** An invoice line of the latest invoice, for crediting the unused time of an immediate cancellation. */
export interface CreditableLine {
  lineId: string;
  /** Billed amount of the line (minor units, before discounts). */
  amount: number;
  periodStart: number;
  periodEnd: number;
}

/**
 * The unused part of each line at `canceledAt`: amount × (periodEnd − canceledAt) / (periodEnd −
 * periodStart), in integer arithmetic rounded half up; lines already fully used, or not positive, are
 * left out. Credited with a credit note on that invoice: the ledger reverses it from deferred revenue
 * (the unused time of a ratable line is still deferred) against receivables.
 */
export function unusedTimeCredit(
  lines: readonly CreditableLine[],
  canceledAt: number,
): { lineId: string; amount: number }[] {
  const credits: { lineId: string; amount: number }[] = [];
  for (const l of lines) {
    const length = l.periodEnd - l.periodStart;
    if (l.amount <= 0 || length <= 0 || canceledAt >= l.periodEnd) continue;
    const unused = Math.min(l.periodEnd - canceledAt, length);
    const numerator = BigInt(l.amount) * BigInt(unused);
    const amount = Number((numerator * 2n + BigInt(length)) / (2n * BigInt(length)));
    if (amount > 0) credits.push({ lineId: l.lineId, amount });
  }
  return credits;
}
