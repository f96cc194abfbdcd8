/**
 * "Now" for billing decisions (is a subscription start date today, past or future?). In AWS it is the
 * wall clock; the local runtime sets it to the Stripe sandbox's clock, so a replayed month decides as
 * Stripe (whose test clock it follows) does.
 */
let clock: () => number = () => Math.floor(Date.now() / 1000);

/** Unix seconds. */
export const billingNow = (): number => clock();

export function setBillingClock(now: () => number): void {
  clock = now;
}

/**
 * "Now" for month-end close, in epoch ms: has a period ended? The later of the wall clock and the billing
 * clock, so a period that is over for the billing world (a Stripe test clock advanced past it, locally)
 * or for the calendar can be closed, and one that has not ended for either is refused.
 */
export const closeNowMs = (): number => Math.max(Date.now(), billingNow() * 1000);
