/**
 * applyDealToBilling after a parked write-back: the crosswalk keeps the applied version's outcome and the
 * version written back; a delivery of the applied version (or of the same content again) whose
 * write-back is not recorded goes to the write-back with the stored outcome and no billing call; a stale
 * version, or one already written back, is skipped.
 */
import fc from 'fast-check';
import {
  applyDealToBilling,
  writeBackPending,
  type DealCrosswalk,
  type OpportunityBillingLink,
  type SubscriptionBilling,
} from '../../../../lambdas/domain/crm/apply';
import { compareVersions } from '../../../../lambdas/domain/crm/plan';
import { at, config, ids, northwindNew } from './deals';

/** The crosswalk's contract in memory: an opportunity row is never rolled back to an older version. */
class MemoryCrosswalk implements DealCrosswalk {
  readonly links = new Map<string, OpportunityBillingLink>();
  readonly customers = new Map<string, { customerId: string; createdFor: string | null }>();
  opportunity(id: string) {
    return Promise.resolve(this.links.get(id));
  }
  customerOf(accountId: string) {
    return Promise.resolve(this.customers.get(accountId));
  }
  recordCustomer(accountId: string, customerId: string, createdFor: string) {
    if (!this.customers.has(accountId)) this.customers.set(accountId, { customerId, createdFor });
    return Promise.resolve();
  }
  recordOpportunity(link: OpportunityBillingLink) {
    const own = this.links.get(link.opportunityId);
    if (own && compareVersions(own.version, link.version) > 0) return Promise.resolve(false);
    this.links.set(link.opportunityId, link);
    return Promise.resolve(true);
  }
  recordWrittenBack(opportunityId: string, version: string) {
    const own = this.links.get(opportunityId);
    if (own?.version !== version) return Promise.resolve(false);
    this.links.set(opportunityId, { ...own, writtenBackVersion: version });
    return Promise.resolve(true);
  }
}

/** Stripe in memory, counting every call. */
function countingBilling() {
  const calls: string[] = [];
  const billing: SubscriptionBilling = {
    retrieveSubscription: () => Promise.reject(new Error('no subscription to read in these tests')),
    createCustomer: () => {
      calls.push('createCustomer');
      return Promise.resolve('cus_northwind');
    },
    createSubscription: () => {
      calls.push('createSubscription');
      return Promise.resolve({ id: 'sub_northwind', status: 'active' });
    },
    createSchedule: () => Promise.reject(new Error('unexpected schedule')),
    updateSubscription: () => Promise.reject(new Error('unexpected update')),
    cancelNowWithCredit: () => Promise.reject(new Error('unexpected cancel')),
  };
  return { billing, calls };
}

const APPLIED = '2026-11-02T09:00:00.000Z';
const now = () => at('2026-11-02T10:00:00Z');

/** The Northwind deal, the same content under `version` (its lines keep their ids). */
const northwind = northwindNew({ version: APPLIED });
const delivery = (version: string) => ({
  ...northwind,
  opportunity: { ...northwind.opportunity, version },
});

/** A fresh crosswalk where the Northwind deal was applied at APPLIED (and nothing written back). */
async function appliedOnce() {
  const crosswalk = new MemoryCrosswalk();
  const { billing, calls } = countingBilling();
  const deps = { crosswalk, billing, config, now };
  const first = await applyDealToBilling(delivery(APPLIED), deps);
  return { crosswalk, calls, deps, first };
}

describe('applyDealToBilling: a write-back that never landed', () => {
  it('records the outcome the write-back needs with the applied version, nothing written back yet', async () => {
    const { crosswalk, calls, first } = await appliedOnce();
    expect(calls).toEqual(['createCustomer', 'createSubscription']);
    expect(first).toMatchObject({ outcome: 'create_subscription', skipped: false, status: 'Active' });
    expect(crosswalk.links.get(ids.northwindNew)).toMatchObject({
      version: APPLIED,
      subscriptionId: 'sub_northwind',
      customerId: 'cus_northwind',
      writtenBackVersion: null,
      applied: {
        outcome: 'create_subscription',
        status: 'Active',
        summary: first.summary,
        link: first.link,
        customerCreated: true,
        creditNoteId: null,
      },
    });
  });

  it('a duplicate of the applied version not written back goes to the write-back with the stored outcome, no Stripe call', async () => {
    const { calls, deps, first } = await appliedOnce();
    const replay = await applyDealToBilling(delivery(APPLIED), deps);
    expect(calls).toHaveLength(2); // the first apply's calls only
    expect(replay).toEqual({
      ...first,
      outcome: 'write_back_pending',
      skipped: false,
      writeBackPending: true,
      summary: expect.stringMatching(/^duplicate, write-back pending: version 2026-11-02T09:00:00.000Z/),
    });
  });

  it('writes back the stored status, not a default one (a cancellation stays Cancelled)', async () => {
    const { crosswalk, deps } = await appliedOnce();
    const own = crosswalk.links.get(ids.northwindNew)!;
    crosswalk.links.set(ids.northwindNew, {
      ...own,
      applied: {
        ...own.applied!,
        outcome: 'cancel_now_with_credit',
        status: 'Cancelled',
        creditNoteId: 'cn_1',
      },
    });
    const replay = await applyDealToBilling(delivery(APPLIED), deps);
    expect(replay).toMatchObject({
      outcome: 'write_back_pending',
      skipped: false,
      status: 'Cancelled',
      creditNoteId: 'cn_1',
    });
  });

  it('the same content under a newer version (not written back) writes back the applied version', async () => {
    const { calls, deps } = await appliedOnce();
    const later = await applyDealToBilling(delivery('2026-11-02T09:05:00.000Z'), deps);
    expect(calls).toHaveLength(2);
    expect(later).toMatchObject({
      outcome: 'write_back_pending',
      skipped: false,
      version: APPLIED,
      summary: expect.stringMatching(/^unchanged since applied, write-back pending/),
    });
  });

  it('once the write-back is recorded, a duplicate is a plain skip', async () => {
    const { crosswalk, calls, deps } = await appliedOnce();
    expect(await crosswalk.recordWrittenBack(ids.northwindNew, APPLIED)).toBe(true);
    const again = await applyDealToBilling(delivery(APPLIED), deps);
    expect(again).toMatchObject({
      outcome: 'skip',
      skipped: true,
      summary: expect.stringMatching(/^duplicate/),
    });
    expect(again.writeBackPending).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('a stale version skips even while the write-back is pending', async () => {
    const { calls, deps } = await appliedOnce();
    const stale = await applyDealToBilling(delivery('2026-11-01T09:00:00.000Z'), deps);
    expect(stale).toMatchObject({ outcome: 'skip', skipped: true, summary: expect.stringMatching(/^stale/) });
    expect(calls).toHaveLength(2);
  });

  it('a write-back of an older version is not noted once a newer one is applied', async () => {
    const { crosswalk } = await appliedOnce();
    expect(await crosswalk.recordWrittenBack(ids.northwindNew, '2026-11-01T09:00:00.000Z')).toBe(false);
    expect(writeBackPending(crosswalk.links.get(ids.northwindNew)!)).toBe(true);
  });

  it('a row written before outcomes were kept skips as before (its status cannot be rebuilt)', async () => {
    const { crosswalk, deps } = await appliedOnce();
    const {
      applied: _applied,
      writtenBackVersion: _written,
      ...old
    } = crosswalk.links.get(ids.northwindNew)!;
    crosswalk.links.set(ids.northwindNew, old);
    const again = await applyDealToBilling(delivery(APPLIED), deps);
    expect(again).toMatchObject({ outcome: 'skip', skipped: true });
  });

  it('property: a delivery of an applied deal never bills; it writes back iff not stale and not yet written back', async () => {
    const versions = ['2026-11-01T09:00:00.000Z', APPLIED, '2026-11-02T09:05:00.000Z'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...versions),
        fc.boolean(),
        fc.array(fc.constantFrom(...versions), { maxLength: 4 }),
        async (delivered, writtenBack, noise) => {
          const { crosswalk, calls, deps } = await appliedOnce();
          if (writtenBack) await crosswalk.recordWrittenBack(ids.northwindNew, APPLIED);
          // Write-backs of other versions never change what is owed.
          for (const v of noise) if (v !== APPLIED) await crosswalk.recordWrittenBack(ids.northwindNew, v);
          const r = await applyDealToBilling(delivery(delivered), deps);
          expect(calls).toHaveLength(2);
          const owed = compareVersions(delivered, APPLIED) >= 0 && !writtenBack;
          expect(r.skipped).toBe(!owed);
          expect(r.outcome).toBe(owed ? 'write_back_pending' : 'skip');
          if (owed)
            expect(r).toMatchObject({ status: 'Active', subscriptionId: 'sub_northwind', version: APPLIED });
        },
      ),
      { numRuns: 60 },
    );
  });
});
