// Successive halving (Jamieson & Talwalkar 2016), synchronous: the promotion rule of Li et al.'s
// ASHA applied to a whole rung at once, so that it stays a pure function of finished results and
// the determinism rule of runs/README.md holds (a rung is judged only when all of it is done).
//
// An evaluation trains in rungs of r, r·η, r·η², ... steps up to the full budget; after each rung
// only the best 1/η of the evaluations of that rung go on. Values are "higher is better" (the
// search ranks by the ratio to the GRU trained with the same setting on the same rung); a
// diverged or failed evaluation has no value and ranks last.
import { z } from 'zod';

export const HalvingSchema = z.strictObject({
  /** The reduction factor: 1/η of a rung goes on, with η times the steps. */
  eta: z.number().int().min(2).max(10),
  /** Steps of the first rung (at least); the rungs are the full budget divided by powers of η. */
  minSteps: z.number().int().min(1),
});
export type Halving = z.infer<typeof HalvingSchema>;

/**
 * The step counts of the rungs, ascending, ending at `maxSteps`: maxSteps / η^k rounded, for
 * k = K..0, where K is the largest k with maxSteps / η^k >= minSteps. One rung (no halving) when
 * maxSteps / η < minSteps.
 */
export function rungSteps(maxSteps: number, h: Halving): number[] {
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`maxSteps must be a positive whole number, got ${maxSteps}`);
  const { eta, minSteps } = HalvingSchema.parse(h);
  const rungs = [maxSteps];
  for (let k = 1; ; k++) {
    const steps = Math.round(maxSteps / eta ** k);
    if (steps < minSteps || steps >= rungs[0]) break;
    rungs.unshift(steps);
  }
  return rungs;
}

export interface RungEntry {
  /** Any identity; returned as given. */
  key: string;
  /** Higher is better; null (or NaN) for a diverged or failed evaluation. */
  value: number | null;
}

/**
 * How many of `n` evaluations of a rung go on: floor(n / η), but at least one while the rung has
 * any, so that a small cohort (fewer than η) still sends its best to the full budget rather
 * than losing every candidate to the size of its generation.
 */
export function promotedCount(n: number, eta: number): number {
  if (n <= 0) return 0;
  return Math.max(1, Math.floor(n / eta));
}

/**
 * The keys that go on to the next rung: the best `promotedCount(n, η)` by value; ties are broken
 * by the order of `entries` (the strategy passes them in proposal order, so the choice never
 * depends on which worker finished first). Entries without a value never go on, even when that
 * leaves fewer than the count. The keys are returned in the order of `entries`.
 */
export function promote(entries: readonly RungEntry[], eta: number): string[] {
  const count = promotedCount(entries.length, eta);
  const ranked = entries
    .map((e, i) => ({ e, i, v: e.value !== null && Number.isFinite(e.value) ? e.value : null }))
    .filter((r): r is { e: RungEntry; i: number; v: number } => r.v !== null)
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, count);
  const keep = new Set(ranked.map((r) => r.i));
  return entries.filter((_, i) => keep.has(i)).map((e) => e.key);
}
