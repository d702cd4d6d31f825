// Agreement of our ordering of cells with a published one: each cell's best-of-N (the test
// metric of its trial with the best validation metric, as Jozefowicz et al. report the best of
// their search), Spearman's rank correlation with the paper's numbers, and a bootstrap interval
// that resamples trials, not cells: trial t is the same setting for every cell (the ablation's
// paired design), so one resample draws trial numbers with replacement and every cell keeps its
// results for the trials drawn.
import seedrandom from 'seedrandom';
import type { Direction } from '../stats/index.ts';

/** One finished trial of one cell on one task (an ablation row reduced to what ranking needs). */
export interface TrialResult {
  variant: string;
  trial: number;
  valid: number;
  test: number;
}

/** Ranks 1..n, smallest value first; ties share their average rank. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Spearman's rho: Pearson's correlation of the average ranks; NaN when either side is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`spearman: ${a.length} and ${b.length} values`);
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const n = a.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) ** 2;
    sbb += (rb[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? Number.NaN : sab / Math.sqrt(saa * sbb);
}

const worst = (d: Direction) => (d === 'maximize' ? -Infinity : Infinity);
const better = (d: Direction, a: number, b: number) => (d === 'maximize' ? a > b : a < b);

/**
 * Each variant's best-of-N over `trials` (all its trials when omitted): the test value of the
 * trial with the best finite validation value (ties: the lower trial number); the worst possible
 * value (-Infinity when maximizing) when no trial has finite validation and test values, so a
 * cell that never trained ranks last.
 */
export function bestOfTrials(results: readonly TrialResult[], variants: readonly string[], direction: Direction, trials?: ReadonlySet<number>): Map<string, number> {
  const best = new Map<string, { valid: number; trial: number; test: number }>();
  for (const r of results) {
    if (trials && !trials.has(r.trial)) continue;
    if (!Number.isFinite(r.valid) || !Number.isFinite(r.test)) continue;
    const b = best.get(r.variant);
    if (!b || better(direction, r.valid, b.valid) || (r.valid === b.valid && r.trial < b.trial)) best.set(r.variant, { valid: r.valid, trial: r.trial, test: r.test });
  }
  return new Map(variants.map((v) => [v, best.get(v)?.test ?? worst(direction)]));
}

export interface OrderingAgreement {
  /** The cells compared (those with a published value), in the order given. */
  variants: string[];
  ours: number[];
  paper: number[];
  rho: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
  /** Resamples whose rho was undefined (every cell equal) and left out of the interval. */
  undefinedResamples: number;
  /** Distinct trials resampled. */
  trials: number;
}

/**
 * Spearman's rho between our best-of-N and the paper's values, with a percentile bootstrap
 * interval over trials (seeded: the same inputs give the same interval). Both sides must be the
 * same metric (the caller checks), so agreement is a positive rho in either direction.
 */
export function orderingAgreement(
  results: readonly TrialResult[],
  paper: ReadonlyMap<string, number>,
  o: { direction: Direction; seed: string; resamples?: number; level?: number },
): OrderingAgreement {
  const variants = [...paper.keys()];
  const level = o.level ?? 0.95;
  const resamples = o.resamples ?? 2000;
  const published = variants.map((v) => paper.get(v)!);
  const mine = results.filter((r) => paper.has(r.variant));
  const ours = bestOfTrials(mine, variants, o.direction);
  const rho = spearman(variants.map((v) => ours.get(v)!), published);
  const trials = [...new Set(mine.map((r) => r.trial))].sort((a, b) => a - b);
  const rng = seedrandom.alea(`cellsearch-ordering\0${o.seed}`);
  const draws: number[] = [];
  let undefinedResamples = 0;
  for (let b = 0; b < resamples && trials.length > 0; b++) {
    const pick = new Set<number>();
    for (let k = 0; k < trials.length; k++) pick.add(trials[Math.floor(rng() * trials.length)]);
    const best = bestOfTrials(mine, variants, o.direction, pick);
    const r = spearman(variants.map((v) => best.get(v)!), published);
    if (Number.isNaN(r)) undefinedResamples++;
    else draws.push(r);
  }
  draws.sort((a, b) => a - b);
  const q = (p: number) => (draws.length === 0 ? Number.NaN : draws[Math.min(draws.length - 1, Math.max(0, Math.floor(p * draws.length)))]);
  // An interval from fewer than half the resamples would describe a selected subset.
  const usable = draws.length >= resamples / 2;
  return {
    variants,
    ours: variants.map((v) => ours.get(v)!),
    paper: published,
    rho,
    low: usable ? q((1 - level) / 2) : Number.NaN,
    high: usable ? q(1 - (1 - level) / 2) : Number.NaN,
    level,
    resamples,
    undefinedResamples,
    trials: trials.length,
  };
}
