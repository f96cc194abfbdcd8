/**
 * Deal + current billing state → the one billing change to make (a BillingPlan), with every Stripe
 * parameter and idempotency key decided here, purely, so the adapter only sends what it is given.
 *
 *   new business, start today or earlier → create subscription (backdated to the start date)
 *   new business, start in the future    → create subscription schedule (starts on the date)
 *   new business already subscribed      → amend its own subscription to the newer version (or unchanged)
 *   amendment                            → item delta on the original's subscription, prorated
 *   renewal                              → item delta with proration `none`, new term, un-cancel
 *   cancellation                         → cancel at period end, or now with a credit note for unused time
 *   an equal or older version than the last applied one → skip (duplicate / stale)
 *
 * Idempotency keys: creates are keyed by the opportunity (or account) alone — one customer per account,
 * one subscription per opportunity, whatever versions race; changes by opportunity + version + operation.
 */
import type { MappingConfig } from '../config';
import { BusinessError } from '../errors';
import type { BillingStatus } from '../../adapters/crm/salesforce/fields';
import {
  desiredItems,
  describeOperation,
  itemDelta,
  itemParams,
  prorationFor,
  type CurrentSubscription,
  type ItemOperation,
  type ItemParam,
  type ProrationBehavior,
} from './amendment';
import { correlationIdForOpportunity } from './deal';
import type { ResolvedLine, ValidatedDeal } from './validate';

/** What the crosswalk (and, for the subscription, Stripe) says about the deal now. */
export interface BillingState {
  /** Last version of this opportunity applied to billing; null when never. */
  appliedVersion: string | null;
  /** The account's Stripe customer (crosswalk, else the id Salesforce holds). */
  customerId: string | null;
  /** The live subscription the deal changes: its own (re-applied new business) or the original's. */
  subscription: CurrentSubscription | null;
  /** A subscription schedule created for this opportunity (future start). */
  scheduleId: string | null;
}

type Metadata = Record<string, string>;
type PriceParam =
  { price: string } | { price_data: { currency: string; product: string; unit_amount: number } };

export interface CustomerCreate {
  kind: 'create';
  idempotencyKey: string;
  params: {
    name: string;
    email?: string;
    address?: { line1?: string; city?: string; postal_code?: string; state?: string; country?: string };
    metadata: Metadata;
  };
}
export type CustomerStep = { kind: 'existing'; id: string } | CustomerCreate;

export interface SubscriptionCreateParams {
  items: ItemParam[];
  add_invoice_items?: (PriceParam & { quantity: number })[];
  collection_method: 'send_invoice';
  days_until_due: number;
  trial_period_days?: number;
  discounts?: { coupon: string }[];
  backdate_start_date?: number;
  metadata: Metadata;
}

export interface ScheduleCreateParams {
  start_date: number;
  end_behavior: 'release';
  metadata: Metadata;
  phases: {
    items: ItemParam[];
    add_invoice_items?: (PriceParam & { quantity: number })[];
    collection_method: 'send_invoice';
    invoice_settings: { days_until_due: number };
    trial_end?: number;
    discounts?: { coupon: string }[];
    duration?: { interval: 'month'; interval_count: number };
    metadata: Metadata;
  }[];
}

export interface SubscriptionUpdateParams {
  items?: ItemParam[];
  add_invoice_items?: (PriceParam & { quantity: number })[];
  proration_behavior: ProrationBehavior;
  proration_date?: number;
  cancel_at_period_end?: boolean;
  discounts?: { coupon: string }[];
  metadata: Metadata;
}

interface PlanBase {
  opportunityId: string;
  accountId: string;
  version: string;
  correlationId: string;
  /** Status written back to Opportunity.Q2C_Billing_Status__c. */
  status: BillingStatus;
  /** Human-readable summary (written to the logs, and the change list of an amendment). */
  summary: string;
}

export type BillingPlan =
  | (PlanBase & { kind: 'skip'; reason: 'duplicate' | 'stale' | 'not_won' | 'already_cancelled' })
  | (PlanBase & {
      kind: 'create_subscription';
      customer: CustomerStep;
      idempotencyKey: string;
      params: SubscriptionCreateParams;
    })
  | (PlanBase & {
      kind: 'create_schedule';
      customer: CustomerStep;
      idempotencyKey: string;
      params: ScheduleCreateParams;
    })
  | (PlanBase & {
      kind: 'update_subscription';
      change: 'amend' | 'renew' | 'cancel_at_period_end';
      subscriptionId: string;
      operations: ItemOperation[];
      idempotencyKey: string;
      params: SubscriptionUpdateParams;
    })
  | (PlanBase & {
      kind: 'cancel_now_with_credit';
      subscriptionId: string;
      /** Invoice whose unused time is credited (the subscription's latest), if any. */
      invoiceId: string | null;
      idempotencyKey: string;
      creditIdempotencyKey: string;
      canceledAt: number | null;
      metadata: Metadata;
    })
  | (PlanBase & { kind: 'unchanged'; subscriptionId: string });

export type BillingPlanKind = BillingPlan['kind'];

const DAY = 86_400;

/** Midnight UTC of a YYYY-MM-DD date, in Unix seconds. */
export function dateToUnix(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 1000;
}

function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
}

/** Days until due from the subsidiary's payment terms ("Net 30" → 30, "Due on receipt" → 0). */
export function daysUntilDue(paymentTerms: string): number {
  const m = /net\s*(\d+)/i.exec(paymentTerms);
  return m ? Number(m[1]) : 0;
}

const idempotencyKey = (opportunityId: string, version: string, operation: string) =>
  `q2c:sf:${opportunityId}:${version}:${operation}`;

export function dashboardLink(
  config: MappingConfig,
  kind: 'subscriptions' | 'subscription_schedules',
  id: string,
) {
  return `${config.billing.dashboardUrl.replace(/\/$/, '')}/${kind}/${id}`;
}

function metadataOf(v: ValidatedDeal): Metadata {
  const { deal } = v;
  const term = deal.quote?.termMonths;
  const start = v.effectiveDate;
  return {
    correlation_id: correlationIdForOpportunity(deal.opportunity.id),
    sf_opportunity_id: deal.opportunity.id,
    sf_account_id: deal.account.id,
    ...(deal.quote ? { sf_quote_id: deal.quote.id } : {}),
    ...(deal.opportunity.originalOpportunityId
      ? { sf_original_opportunity_id: deal.opportunity.originalOpportunityId }
      : {}),
    sf_version: deal.opportunity.version,
    ...(term ? { term_months: String(term) } : {}),
    ...(term && start ? { term_end: addMonths(start, term) } : {}),
  };
}

function customerStep(v: ValidatedDeal, state: BillingState): CustomerStep {
  const customerId = state.customerId ?? v.deal.account.stripeCustomerId;
  if (customerId) return { kind: 'existing', id: customerId };
  const { account, billingContact } = v.deal;
  const a = account.billingAddress;
  const country =
    a.country && /^[A-Za-z]{2}$/.test(a.country.trim()) ? a.country.trim().toUpperCase() : undefined;
  const address = Object.fromEntries(
    Object.entries({
      line1: a.line1 ?? undefined,
      city: a.city ?? undefined,
      postal_code: a.postalCode ?? undefined,
      state: a.state ?? undefined,
      country,
    }).filter(([, value]) => value !== undefined && value !== ''),
  );
  return {
    kind: 'create',
    // One customer per account, ever: the key names the account only.
    idempotencyKey: `q2c:sf:${account.id}:customer:create`,
    params: {
      name: account.name,
      ...(billingContact?.email ? { email: billingContact.email } : {}),
      ...(Object.keys(address).length ? { address } : {}),
      metadata: { sf_account_id: account.id, billing_contact: billingContact?.name ?? '' },
    },
  };
}

const oneTimeItems = (lines: readonly ResolvedLine[]) =>
  lines
    .filter((l) => !l.recurring)
    .map((l) => ({
      ...(l.price.kind === 'price'
        ? { price: l.price.id }
        : {
            price_data: {
              currency: l.price.data.currency,
              product: l.price.data.product,
              unit_amount: l.price.data.unit_amount,
            },
          }),
      quantity: l.quantity,
    }));

const couponOf = (v: ValidatedDeal) => (v.deal.quote?.coupon ? [{ coupon: v.deal.quote.coupon }] : undefined);

/** Compares SystemModstamps as instants (Salesforce writes +0000, others Z). */
export function compareVersions(a: string, b: string): number {
  return Date.parse(a) - Date.parse(b);
}

export function planBilling(
  v: ValidatedDeal,
  state: BillingState,
  config: MappingConfig,
  /** Unix seconds: what "today" is for start dates. */
  now: number,
): BillingPlan {
  const { deal } = v;
  const opp = deal.opportunity;
  const base = {
    opportunityId: opp.id,
    accountId: deal.account.id,
    version: opp.version,
    correlationId: correlationIdForOpportunity(opp.id),
  };
  if (state.appliedVersion !== null) {
    const order = compareVersions(opp.version, state.appliedVersion);
    if (order <= 0) {
      const reason = order === 0 ? 'duplicate' : 'stale';
      return {
        ...base,
        kind: 'skip',
        reason,
        status: 'Active',
        summary: `version ${opp.version} is ${reason === 'duplicate' ? 'already applied' : `older than the applied ${state.appliedVersion}`}`,
      };
    }
  }
  const metadata = metadataOf(v);
  const sub = state.subscription;

  if (v.intent === 'new' && !sub) {
    if (state.scheduleId) {
      throw new BusinessError(
        'scheduled_deal_changed',
        `${opp.name} changed after its subscription schedule ${state.scheduleId} was created; change the schedule in Stripe or after it starts`,
      );
    }
    return planNewSubscription(v, state, now, metadata, base);
  }
  if (!sub) {
    throw new BusinessError(
      'original_subscription_missing',
      `${opp.type ?? v.intent} ${opp.name} changes opportunity ${opp.originalOpportunityId ?? '(none)'}, which has no subscription in billing yet${state.scheduleId ? ` (only schedule ${state.scheduleId})` : ''}; bill the original first, then replay`,
    );
  }
  if (sub.status === 'canceled') {
    // A retry after the cancellation went through but before its credit note: finish it.
    if (v.intent === 'cancel' && v.cancellation === 'Immediately with credit' && sub.canceledAt !== null)
      return planCancellation(v, sub, metadata, base);
    if (v.intent === 'cancel')
      return {
        ...base,
        kind: 'skip',
        reason: 'already_cancelled',
        status: 'Cancelled',
        summary: `${sub.id} is already cancelled`,
      };
    throw new BusinessError(
      'subscription_cancelled',
      `subscription ${sub.id} of ${opp.name} is cancelled; sell a new subscription instead`,
    );
  }
  if (v.intent === 'cancel') return planCancellation(v, sub, metadata, base);

  if (sub.currency !== v.currency)
    throw new BusinessError(
      'currency_change',
      `${opp.name} is quoted in ${v.currency.toUpperCase()} but subscription ${sub.id} bills ${sub.currency.toUpperCase()}; a currency change needs a new subscription`,
    );
  const recurringLines = v.lines.filter((l) => l.recurring);
  if (sub.interval && recurringLines.length > 0 && sub.interval !== v.interval)
    throw new BusinessError(
      'billing_frequency_change',
      `${opp.name} bills ${v.interval === 'month' ? 'monthly' : 'annually'} but subscription ${sub.id} bills ${sub.interval === 'month' ? 'monthly' : 'annually'}; change the frequency at renewal with a new subscription`,
    );

  const desired = desiredItems(v.lines, sub.items, config.billing.amendmentQuoteLines);
  if (desired.length === 0)
    throw new BusinessError(
      'amendment_removes_everything',
      `${opp.name} would remove every product of ${sub.id}; use a Cancellation opportunity instead`,
    );
  const operations = itemDelta(sub.items, desired);
  // One-time lines are billed when the opportunity is first applied, never again on a later version.
  const oneTime = state.appliedVersion === null ? oneTimeItems(v.lines) : [];
  const renew = v.intent === 'renew';
  const ownSubscription = sub.metadata.sf_opportunity_id === opp.id;
  if (ownSubscription && operations.length === 0 && oneTime.length === 0 && sameTerm(sub.metadata, metadata))
    return {
      ...base,
      kind: 'unchanged',
      subscriptionId: sub.id,
      status: statusOf(sub.status),
      summary: 'no billing change',
    };

  const proration: ProrationBehavior = renew
    ? 'none'
    : prorationFor(sub.items, operations, config.billing.amendmentProration);
  const effective = v.effectiveDate ? dateToUnix(v.effectiveDate) : null;
  const prorationDate =
    proration !== 'none' &&
    effective !== null &&
    effective > sub.currentPeriodStart &&
    effective < Math.min(now, sub.currentPeriodEnd)
      ? effective
      : undefined;
  const params: SubscriptionUpdateParams = {
    ...(operations.length ? { items: itemParams(operations) } : {}),
    ...(oneTime.length ? { add_invoice_items: oneTime } : {}),
    proration_behavior: proration,
    ...(prorationDate !== undefined ? { proration_date: prorationDate } : {}),
    ...(renew && sub.cancelAtPeriodEnd ? { cancel_at_period_end: false } : {}),
    ...(couponOf(v) ? { discounts: couponOf(v) } : {}),
    metadata,
  };
  const change = renew ? 'renew' : 'amend';
  return {
    ...base,
    kind: 'update_subscription',
    change,
    subscriptionId: sub.id,
    operations,
    idempotencyKey: idempotencyKey(opp.id, opp.version, `subscription:${change}`),
    params,
    status: renew ? 'Renewed' : 'Amended',
    summary: `${change} ${sub.id}: ${operations.map(describeOperation).join(', ') || 'terms only'} (proration ${proration})`,
  };
}

function sameTerm(a: Metadata, b: Metadata): boolean {
  return (a.term_months ?? '') === (b.term_months ?? '') && (a.term_end ?? '') === (b.term_end ?? '');
}

function statusOf(stripeStatus: string): BillingStatus {
  return stripeStatus === 'trialing' ? 'Trialing' : 'Active';
}

function planNewSubscription(
  v: ValidatedDeal,
  state: BillingState,
  now: number,
  metadata: Metadata,
  base: Omit<PlanBase, 'status' | 'summary'>,
): BillingPlan {
  const { deal } = v;
  const quote = deal.quote;
  const customer = customerStep(v, state);
  const items = itemParams(
    desiredItems(v.lines, [], 'complete').map((d) => ({ op: 'add', ...d }) as ItemOperation),
  );
  const oneTime = oneTimeItems(v.lines);
  const start = v.effectiveDate ? dateToUnix(v.effectiveDate) : now;
  const today = Math.floor(now / DAY) * DAY;
  const trialDays = quote?.trialDays ?? 0;
  const dueDays = daysUntilDue(v.subsidiary.paymentTerms);
  const coupon = couponOf(v);
  const lines = v.lines.map((l) => `${l.quantity} × ${l.productCode}`).join(', ');
  if (start > today + DAY - 1) {
    return {
      ...base,
      kind: 'create_schedule',
      customer,
      idempotencyKey: `q2c:sf:${deal.opportunity.id}:schedule:create`,
      params: {
        start_date: start,
        end_behavior: 'release',
        metadata,
        phases: [
          {
            items,
            ...(oneTime.length ? { add_invoice_items: oneTime } : {}),
            collection_method: 'send_invoice',
            invoice_settings: { days_until_due: dueDays },
            ...(trialDays > 0 ? { trial_end: start + trialDays * DAY } : {}),
            ...(coupon ? { discounts: coupon } : {}),
            ...(quote?.termMonths
              ? { duration: { interval: 'month', interval_count: quote.termMonths } }
              : {}),
            metadata,
          },
        ],
      },
      status: 'Scheduled',
      summary: `schedule ${lines} from ${v.effectiveDate}`,
    };
  }
  return {
    ...base,
    kind: 'create_subscription',
    customer,
    // One subscription per opportunity, whichever version gets here first.
    idempotencyKey: `q2c:sf:${deal.opportunity.id}:subscription:create`,
    params: {
      items,
      ...(oneTime.length ? { add_invoice_items: oneTime } : {}),
      collection_method: 'send_invoice',
      days_until_due: dueDays,
      ...(trialDays > 0 ? { trial_period_days: trialDays } : {}),
      ...(coupon ? { discounts: coupon } : {}),
      ...(start < today ? { backdate_start_date: start } : {}),
      metadata,
    },
    status: trialDays > 0 ? 'Trialing' : 'Active',
    summary: `subscribe ${lines}${trialDays > 0 ? ` with a ${trialDays}-day trial` : ''}`,
  };
}

function planCancellation(
  v: ValidatedDeal,
  sub: CurrentSubscription,
  metadata: Metadata,
  base: Omit<PlanBase, 'status' | 'summary'>,
): BillingPlan {
  const opp = v.deal.opportunity;
  if (v.cancellation === 'At period end') {
    return {
      ...base,
      kind: 'update_subscription',
      change: 'cancel_at_period_end',
      subscriptionId: sub.id,
      operations: [],
      idempotencyKey: idempotencyKey(opp.id, opp.version, 'subscription:cancel_at_period_end'),
      params: { cancel_at_period_end: true, proration_behavior: 'none', metadata },
      status: 'Cancelling',
      summary: `cancel ${sub.id} at the end of the period (${new Date(sub.currentPeriodEnd * 1000).toISOString().slice(0, 10)})`,
    };
  }
  return {
    ...base,
    kind: 'cancel_now_with_credit',
    subscriptionId: sub.id,
    invoiceId: sub.latestInvoiceId,
    idempotencyKey: idempotencyKey(opp.id, opp.version, 'subscription:cancel'),
    creditIdempotencyKey: idempotencyKey(opp.id, opp.version, 'credit_note:create'),
    canceledAt: sub.status === 'canceled' ? sub.canceledAt : null,
    metadata,
    status: 'Cancelled',
    summary: `cancel ${sub.id} now, crediting unused time on ${sub.latestInvoiceId ?? 'no invoice'}`,
  };
}
