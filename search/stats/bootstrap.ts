// Bootstrap confidence interval of a difference of means, mean(a) - mean(b), resampling each
// group independently with replacement (the two-sample bootstrap of Efron & Tibshirani, "An
// Introduction to the Bootstrap", 1993, ch. 8), seeded through seedrandom so that the same seed
// gives the same interval.
//
// - 'percentile': the (1-level)/2 and (1+level)/2 quantiles of the resampled differences (ch. 13).
// - 'bca' (default): bias-corrected and accelerated (ch. 14). With z0 = Φ⁻¹(share of resampled
//   differences below the estimate, ties counting half) and the acceleration a from the
//   two-sample jackknife (per group k with n_k values, U_ki = (n_k - 1)(mean of leave-one-out
//   estimates - leave-i-out estimate), a = Σ_k Σ_i U_ki³ / n_k³ / (6 (Σ_k Σ_i U_ki² / n_k²)^1.5),
//   as in SciPy's stats.bootstrap), the interval takes the quantiles at
//   α_{1,2} = Φ(z0 + (z0 + z_α) / (1 - a (z0 + z_α))) for z_α = Φ⁻¹((1 ∓ level)/2).

import seedrandom from 'seedrandom';
import { checkSample, mean, quantileSorted } from './describe.ts';
import { normalCdf, normalQuantile } from './special.ts';

export interface BootstrapOptions {
  /** Coverage of the interval, default 0.95. */
  level?: number;
  /** Number of bootstrap resamples, default 2000. */
  resamples?: number;
  seed: number | string;
  /** Default 'bca'. */
  method?: 'percentile' | 'bca';
}

export interface BootstrapCI {
  /** mean(a) - mean(b) on the data. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
  seed: number | string;
  method: 'percentile' | 'bca';
}

export function bootstrapMeanDiffCI(a: readonly number[], b: readonly number[], opts: BootstrapOptions): BootstrapCI {
  checkSample(a, 'a');
  checkSample(b, 'b');
  const level = opts.level ?? 0.95;
  const resamples = opts.resamples ?? 2000;
  const method = opts.method ?? 'bca';
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrapMeanDiffCI: level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(resamples) || resamples < 100) throw new RangeError(`bootstrapMeanDiffCI: resamples must be an integer >= 100, got ${resamples}`);
  // Alea: seedrandom's fast generator (about 5x ARC4), which matters at resamples × (nA + nB) draws.
  const rng = seedrandom.alea(String(opts.seed));
  const estimate = mean(a) - mean(b);
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) diffs[r] = resampleMean(a, rng) - resampleMean(b, rng);
  diffs.sort();
  const sorted = Array.from(diffs);
  let pLow = (1 - level) / 2;
  let pHigh = (1 + level) / 2;
  if (method === 'bca') [pLow, pHigh] = bcaLevels(a, b, sorted, estimate, pLow, pHigh);
  return {
    estimate,
    low: quantileSorted(sorted, pLow),
    high: quantileSorted(sorted, pHigh),
    level,
    resamples,
    seed: opts.seed,
    method,
  };
}

function resampleMean(x: readonly number[], rng: () => number): number {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[Math.floor(rng() * n)];
  return s / n;
}

function bcaLevels(a: readonly number[], b: readonly number[], sorted: number[], estimate: number, pLow: number, pHigh: number): [number, number] {
  let below = 0;
  for (const d of sorted) below += d < estimate ? 1 : d === estimate ? 0.5 : 0;
  const share = below / sorted.length;
  // All resamples on one side: the bias correction is infinite and BCa has nothing to say; the
  // percentile levels are the honest fallback.
  if (share <= 0 || share >= 1) return [pLow, pHigh];
  const z0 = normalQuantile(share);
  const accel = jackknifeAcceleration([a, b]);
  const adjust = (p: number) => {
    const z = normalQuantile(p);
    const w = z0 + z;
    const denom = 1 - accel * w;
    return denom > 0 ? normalCdf(z0 + w / denom) : p < 0.5 ? 0 : 1;
  };
  return [adjust(pLow), adjust(pHigh)];
}

// The statistic mean(a) - mean(b) is a sum of one function per group, so group k's leave-i-out
// estimates differ from each other only through mean_k without x_i; U depends on that alone.
function jackknifeAcceleration(groups: ReadonlyArray<readonly number[]>): number {
  let num = 0;
  let den = 0;
  groups.forEach((x, k) => {
    const n = x.length;
    const sign = k === 0 ? 1 : -1;
    const total = x.reduce((s, v) => s + v, 0);
    const loo = x.map((v) => (sign * (total - v)) / (n - 1));
    const looMean = loo.reduce((s, v) => s + v, 0) / n;
    let s2 = 0;
    let s3 = 0;
    for (const v of loo) {
      const u = (n - 1) * (looMean - v);
      s2 += u * u;
      s3 += u * u * u;
    }
    num += s3 / n ** 3;
    den += s2 / n ** 2;
  });
  return den === 0 ? 0 : num / (6 * den ** 1.5);
}
