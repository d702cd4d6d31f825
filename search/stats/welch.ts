// Comparison of two groups of trials (a variant against the baseline): Welch's unequal-variance
// t-test with its confidence interval, and the standardized effect sizes Cohen's d and Hedges' g.
//
// Welch (1947), "The generalization of Student's problem when several different population
// variances are involved"; Satterthwaite (1946) for the degrees of freedom; Hedges (1981) for
// the small-sample correction of d. The p value comes from the Student t distribution with
// fractional df (special.ts). Results agree with R's t.test(var.equal = FALSE): see welch.test.ts.

import { checkSample, mean, variance } from './describe.ts';
import { lgamma, studentTQuantile, studentTTwoSidedP } from './special.ts';

// issue 8 names welch.ts as the home of the whole comparison toolkit; the bootstrap interval and
// the Holm correction live in their own files and are re-exported here for that reason.
export { bootstrapMeanDiffCI } from './bootstrap.ts';
export type { BootstrapCI, BootstrapOptions } from './bootstrap.ts';
export { holm, holmVerdicts } from './holm.ts';
export type { HolmVerdict } from './holm.ts';

export interface WelchResult {
  nA: number;
  nB: number;
  meanA: number;
  meanB: number;
  /** meanA - meanB: positive when a's metric is higher. */
  diff: number;
  /** Standard error of diff: sqrt(varA / nA + varB / nB). */
  se: number;
  /** diff / se. */
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p value. */
  p: number;
  /** Confidence interval of diff at `level`: diff ± t_{(1+level)/2, df} se. */
  ci: [number, number];
  level: number;
  /** (meanA - meanB) / pooled sd, the pooled sd with denominator nA + nB - 2. */
  cohenD: number;
  /** Cohen's d times the exact small-sample correction J(nA + nB - 2). */
  hedgesG: number;
}

/** Welch's two-sided t-test of mean(a) = mean(b).
 *
 * t = (mA - mB) / sqrt(sA²/nA + sB²/nB),
 * df = (sA²/nA + sB²/nB)² / ((sA²/nA)² / (nA - 1) + (sB²/nB)² / (nB - 1)),
 * p = P(|T_df| >= |t|).
 *
 * Needs at least two finite values per group (RangeError otherwise). When both groups are
 * constant (se = 0) the test is degenerate: equal means give t = 0, p = 1; different means give
 * t = ±Infinity, p = 0, and df falls back to nA + nB - 2. */
export function welchTTest(a: readonly number[], b: readonly number[], opts: { level?: number } = {}): WelchResult {
  checkSample(a, 'a');
  checkSample(b, 'b');
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new RangeError(`welchTTest: level must be in (0, 1), got ${level}`);
  const nA = a.length;
  const nB = b.length;
  const meanA = mean(a);
  const meanB = mean(b);
  const vA = variance(a) / nA;
  const vB = variance(b) / nB;
  const diff = meanA - meanB;
  const se = Math.sqrt(vA + vB);
  let t: number;
  let df: number;
  let p: number;
  if (se === 0) {
    df = nA + nB - 2;
    t = diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
    p = diff === 0 ? 1 : 0;
  } else {
    t = diff / se;
    df = (vA + vB) ** 2 / (vA ** 2 / (nA - 1) + vB ** 2 / (nB - 1));
    p = studentTTwoSidedP(t, df);
  }
  const half = se === 0 ? 0 : studentTQuantile((1 + level) / 2, df) * se;
  return {
    nA,
    nB,
    meanA,
    meanB,
    diff,
    se,
    t,
    df,
    p,
    ci: [diff - half, diff + half],
    level,
    cohenD: cohenD(a, b),
    hedgesG: hedgesG(a, b),
  };
}

/** Cohen's d = (mean(a) - mean(b)) / s_p with s_p² = ((nA-1) sA² + (nB-1) sB²) / (nA + nB - 2).
 * Both groups constant: 0 for equal means, ±Infinity otherwise. */
export function cohenD(a: readonly number[], b: readonly number[]): number {
  checkSample(a, 'a');
  checkSample(b, 'b');
  const nA = a.length;
  const nB = b.length;
  const pooled = Math.sqrt(((nA - 1) * variance(a) + (nB - 1) * variance(b)) / (nA + nB - 2));
  const diff = mean(a) - mean(b);
  if (pooled === 0) return diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
  return diff / pooled;
}

/** Hedges' g = J(m) d with m = nA + nB - 2 and the exact correction
 * J(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2)) (≈ 1 - 3 / (4m - 1)), which removes d's upward bias in
 * small samples (Hedges 1981). */
export function hedgesG(a: readonly number[], b: readonly number[]): number {
  return hedgesCorrection(a.length + b.length - 2) * cohenD(a, b);
}

export function hedgesCorrection(m: number): number {
  if (!(m > 1)) throw new RangeError(`hedgesCorrection: need m > 1 degrees of freedom, got ${m}`);
  return Math.exp(lgamma(m / 2) - 0.5 * Math.log(m / 2) - lgamma((m - 1) / 2));
}
