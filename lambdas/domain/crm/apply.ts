/**
 * Applies one Deal to billing through two ports (the crosswalk and the subscription billing API):
 * skip stale or duplicate versions before anything else, validate, read the live subscription only
 * when the deal changes one, plan (pure), execute, record the crosswalk rows with the applied version.
 * Pure TypeScript: the handler wires DynamoDB and Stripe adapters in; tests wire the same adapters
 * against the local emulators, or fakes.
 */
import type { MappingConfig } from '../config';
import type { BillingStatus } from '../../adapters/crm/salesforce/fields';
import type { CurrentSubscription } from './amendment';
import { dealFingerprint, type Deal } from './deal';
import {
  compareVersions,
  dashboardLink,
  planBilling,
  type BillingPlanKind,
  type CustomerCreate,
  type ScheduleCreateParams,
  type SubscriptionCreateParams,
  type SubscriptionUpdateParams,
} from './plan';
import { dealIntent, validateDeal } from './validate';

/** The billing ids one opportunity was applied as, with the version applied. */
export interface OpportunityBillingLink {
  opportunityId: string;
  accountId: string;
  version: string;
  correlationId: string;
  customerId: string | null;
  subscriptionId: string | null;
  scheduleId: string | null;
  /** dealFingerprint of the applied deal (absent on rows written before it existed). */
  fingerprint?: string | null;
  /**
   * What the write-back of the applied version puts on the Opportunity (absent on rows written before
   * it was kept): a replay of a deal whose write-back was parked writes this back without billing again.
   */
  applied?: AppliedOutcome | null;
  /** The version whose outcome was written back to the Opportunity (absent until a write-back succeeds). */
  writtenBackVersion?: string | null;
}

/** The outcome of applying one version, as the write-back needs it (ids are on the link itself). */
export interface AppliedOutcome {
  outcome: BillingPlanKind;
  status: BillingStatus;
  summary: string;
  /** Stripe dashboard link of the subscription (or schedule). */
  link: string | null;
  /** The account's customer was created by that run (the write-back puts it on the Account). */
  customerCreated: boolean;
  creditNoteId: string | null;
}

/** The Stripe customer billing an account, and the opportunity whose run created it. */
export interface AccountCustomer {
  customerId: string;
  createdFor: string | null;
}

export interface DealCrosswalk {
  opportunity(opportunityId: string): Promise<OpportunityBillingLink | undefined>;
  customerOf(accountId: string): Promise<AccountCustomer | undefined>;
  /** Idempotent: a retry with the same customer completes what a crashed attempt left unwritten. */
  recordCustomer(accountId: string, customerId: string, createdFor: string): Promise<void>;
  /** Writes the link unless a newer version is recorded; returns whether it was written. */
  recordOpportunity(link: OpportunityBillingLink): Promise<boolean>;
  /**
   * Notes that the outcome of `version` is on the Opportunity, if `version` is still the applied one;
   * returns whether it was noted.
   */
  recordWrittenBack(opportunityId: string, version: string): Promise<boolean>;
}

export interface SubscriptionBilling {
  retrieveSubscription(subscriptionId: string): Promise<CurrentSubscription>;
  createCustomer(step: CustomerCreate): Promise<string>;
  createSubscription(
    customerId: string,
    params: SubscriptionCreateParams,
    idempotencyKey: string,
  ): Promise<{ id: string; status: string }>;
  createSchedule(
    customerId: string,
    params: ScheduleCreateParams,
    idempotencyKey: string,
  ): Promise<{ id: string; subscriptionId: string | null }>;
  updateSubscription(
    subscriptionId: string,
    params: SubscriptionUpdateParams,
    idempotencyKey: string,
  ): Promise<{ id: string; status: string }>;
  /** Cancels now (no Stripe proration) and credits the unused time of `invoiceId` with a credit note. */
  cancelNowWithCredit(input: {
    subscriptionId: string;
    invoiceId: string | null;
    metadata: Record<string, string>;
    idempotencyKey: string;
    creditIdempotencyKey: string;
    /** Set when the subscription is already cancelled (a retry after the cancel went through). */
    canceledAt: number | null;
  }): Promise<{ canceledAt: number; creditNoteId: string | null; credited: number }>;
}

export interface DealBillingResult {
  opportunityId: string;
  accountId: string;
  version: string;
  correlationId: string;
  /** `write_back_pending`: this version was applied but its write-back never landed (parked). */
  outcome: BillingPlanKind | 'write_back_pending';
  skipped: boolean;
  status: BillingStatus;
  summary: string;
  customerId: string | null;
  /** The account's customer was created by this run (write it back to the Account). */
  customerCreated: boolean;
  subscriptionId: string | null;
  scheduleId: string | null;
  creditNoteId: string | null;
  /** Stripe dashboard link of the subscription (or schedule). */
  link: string | null;
  /** False when a newer version was recorded meanwhile (this one still reached billing). */
  recorded: boolean;
  /**
   * Set on a replay of an applied version whose write-back is not recorded: the stored outcome goes
   * to the write-back again (no Stripe call); `version` is then the applied version.
   */
  writeBackPending?: boolean;
}

/**
 * Whether a delivery of an applied version must still write back: the link keeps the outcome, and the
 * write-back of that version is not recorded (parked after its retries, or not reached yet — the PATCH
 * is idempotent). Rows written before the outcome was kept cannot be written back from the crosswalk.
 */
export function writeBackPending(
  own: OpportunityBillingLink,
): own is OpportunityBillingLink & { applied: AppliedOutcome } {
  return !!own.applied && own.writtenBackVersion !== own.version;
}

export interface ApplyDeps {
  crosswalk: DealCrosswalk;
  billing: SubscriptionBilling;
  config: MappingConfig;
  /** Unix seconds. */
  now: () => number;
}

export async function applyDealToBilling(deal: Deal, deps: ApplyDeps): Promise<DealBillingResult> {
  const opp = deal.opportunity;
  const own = await deps.crosswalk.opportunity(opp.id);
  const result = (
    r: Partial<DealBillingResult> & Pick<DealBillingResult, 'outcome' | 'status' | 'summary'>,
  ) => ({
    opportunityId: opp.id,
    accountId: deal.account.id,
    version: opp.version,
    correlationId: own?.correlationId ?? '',
    skipped: false,
    customerId: own?.customerId ?? null,
    customerCreated: false,
    subscriptionId: own?.subscriptionId ?? null,
    scheduleId: own?.scheduleId ?? null,
    creditNoteId: null,
    link: null,
    recorded: false,
    ...r,
  });
  // Stale and duplicate deliveries stop here: no validation, no billing read. A newer version with the
  // same content (e.g. bumped by our own write-back) is a duplicate too.
  const fingerprint = dealFingerprint(deal);
  if (own && (compareVersions(opp.version, own.version) <= 0 || own.fingerprint === fingerprint)) {
    const reason =
      compareVersions(opp.version, own.version) < 0
        ? 'stale'
        : compareVersions(opp.version, own.version) === 0
          ? 'duplicate'
          : 'unchanged since applied';
    // The applied version (or the same content again) whose write-back never landed: write the stored
    // outcome back now. A stale version never does (a newer one is applied).
    if (reason !== 'stale' && writeBackPending(own))
      return result({
        version: own.version,
        correlationId: own.correlationId,
        outcome: 'write_back_pending',
        status: own.applied.status,
        summary: `${reason}, write-back pending: version ${own.version} (${own.applied.summary})`,
        customerCreated: own.applied.customerCreated,
        creditNoteId: own.applied.creditNoteId,
        link: own.applied.link,
        recorded: true,
        writeBackPending: true,
      });
    return result({
      outcome: 'skip',
      skipped: true,
      status: 'Active',
      summary: `${reason}: version ${opp.version} (applied ${own.version})`,
    });
  }
  // Reloaded after the event: an opportunity reopened since is no longer billable, and not an error.
  if (!dealIntent(deal))
    return result({
      outcome: 'skip',
      skipped: true,
      status: 'Pending',
      summary: `not won any more (stage ${opp.stage})`,
    });
  const validated = validateDeal(deal, deps.config);
  const targetId = validated.intent === 'new' ? opp.id : (opp.originalOpportunityId ?? opp.id);
  const target = targetId === opp.id ? own : await deps.crosswalk.opportunity(targetId);
  const subscription = target?.subscriptionId
    ? await deps.billing.retrieveSubscription(target.subscriptionId)
    : null;
  const known =
    validated.intent === 'new' && !subscription
      ? await deps.crosswalk.customerOf(deal.account.id)
      : undefined;
  const customerId =
    validated.intent === 'new' && !subscription ? (known?.customerId ?? null) : (target?.customerId ?? null);
  const plan = planBilling(
    validated,
    {
      appliedVersion: own?.version ?? null,
      customerId,
      subscription,
      scheduleId: target?.scheduleId ?? null,
    },
    deps.config,
    deps.now(),
  );

  let link: OpportunityBillingLink = {
    opportunityId: opp.id,
    accountId: deal.account.id,
    version: opp.version,
    correlationId: plan.correlationId,
    customerId,
    subscriptionId: subscription?.id ?? null,
    scheduleId: target?.scheduleId ?? null,
    fingerprint,
  };
  let customerCreated = false;
  let creditNoteId: string | null = null;
  const resolveCustomer = async (step: CustomerCreate | { kind: 'existing'; id: string }) => {
    if (step.kind === 'existing') {
      // This opportunity's own earlier run created it and died before its outcome was recorded: the
      // retry completes the customer's rows and still reports it created (the write-back puts it on the Account).
      if (known?.customerId === step.id && known.createdFor === opp.id) {
        await deps.crosswalk.recordCustomer(deal.account.id, step.id, opp.id);
        customerCreated = true;
      }
      return step.id;
    }
    const id = await deps.billing.createCustomer(step);
    await deps.crosswalk.recordCustomer(deal.account.id, id, opp.id);
    customerCreated = true;
    return id;
  };

  switch (plan.kind) {
    case 'skip':
      return result({ outcome: 'skip', skipped: true, status: plan.status, summary: plan.summary });
    case 'unchanged':
      break;
    case 'create_subscription': {
      const customer = await resolveCustomer(plan.customer);
      const created = await deps.billing.createSubscription(customer, plan.params, plan.idempotencyKey);
      link = { ...link, customerId: customer, subscriptionId: created.id };
      break;
    }
    case 'create_schedule': {
      const customer = await resolveCustomer(plan.customer);
      const created = await deps.billing.createSchedule(customer, plan.params, plan.idempotencyKey);
      link = {
        ...link,
        customerId: customer,
        scheduleId: created.id,
        subscriptionId: created.subscriptionId,
      };
      break;
    }
    case 'update_subscription':
      await deps.billing.updateSubscription(plan.subscriptionId, plan.params, plan.idempotencyKey);
      break;
    case 'cancel_now_with_credit': {
      const cancelled = await deps.billing.cancelNowWithCredit(plan);
      creditNoteId = cancelled.creditNoteId;
      break;
    }
  }
  const applied: AppliedOutcome = {
    outcome: plan.kind,
    status: plan.status,
    summary: plan.summary,
    link: link.subscriptionId
      ? dashboardLink(deps.config, 'subscriptions', link.subscriptionId)
      : link.scheduleId
        ? dashboardLink(deps.config, 'subscription_schedules', link.scheduleId)
        : null,
    customerCreated,
    creditNoteId,
  };
  const recorded = await deps.crosswalk.recordOpportunity({ ...link, applied, writtenBackVersion: null });
  return result({
    correlationId: plan.correlationId,
    outcome: plan.kind,
    status: plan.status,
    summary: plan.summary,
    customerId: link.customerId,
    customerCreated,
    subscriptionId: link.subscriptionId,
    scheduleId: link.scheduleId,
    creditNoteId,
    link: applied.link,
    recorded,
  });
}
