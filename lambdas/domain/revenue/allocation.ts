/**
 * Splits an amount of minor units over integer weights (service days) so the parts add up to the
 * amount exactly, with no drift over long schedules.
 *
 * Cumulative allocation: part i = floor(|amount| × cumulativeWeight_i / totalWeight) − what parts
 * 0..i−1 already took. Each part is therefore within one minor unit of its exact share, and the
 * rounding residue lands in the last part (the last cumulative share is the whole amount).
 *
 * Rounding is applied to the magnitude and the sign put back afterwards (truncation toward zero), so
 * a proration credit of −X over a service period is the exact mirror of a charge of +X over the same
 * period: a fully credited line nets to zero in every month, not just in total.
 *
 * BigInt keeps amount × days exact even where it would exceed 2^53.
 */
export function allocate(amount: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(amount))
    throw new RangeError(`amount must be integer minor units, got ${amount}`);
  if (weights.length === 0) throw new RangeError('nothing to allocate over');
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) {
    throw new RangeError(`weights must be non-negative integers, got ${weights.join(', ')}`);
  }
  const total = BigInt(weights.reduce((s, w) => s + w, 0));
  if (total === 0n) throw new RangeError('weights sum to zero');

  const magnitude = BigInt(Math.abs(amount));
  let cumulativeWeight = 0n;
  let allocated = 0n;
  const parts = weights.map((w, i) => {
    cumulativeWeight += BigInt(w);
    const target = i === weights.length - 1 ? magnitude : (magnitude * cumulativeWeight) / total;
    const part = target - allocated;
    allocated = target;
    return Number(part);
  });
  // `x === 0 ? 0 : -x` rather than −x: no −0 in the books (it is !== 0 to Object.is and to jest).
  return amount < 0 ? parts.map((p) => (p === 0 ? 0 : -p)) : parts;
}
