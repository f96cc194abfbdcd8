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
