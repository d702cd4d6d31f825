// Descriptive statistics of one group of trials (one cell on one task): location, spread, the
// five numbers of a Tukey box plot, and the "top fraction by validation, reported on test"
// selection of Greff et al. (2016), whose Figure 3 shows all trials and the best 10%.
//
// Trials that diverged carry NaN or an infinite metric. They are not numbers to average, so
// `describe` leaves them out and counts them in `nonFinite`; `topFraction` ranks them last.

export type Direction = 'minimize' | 'maximize';

export interface BoxStats {
  q1: number;
  median: number;
  q3: number;
  iqr: number;
  /** Lowest value within q1 - 1.5 IQR (the lower whisker's end). */
  whiskerLow: number;
  /** Highest value within q3 + 1.5 IQR (the upper whisker's end). */
  whiskerHigh: number;
  /** Values beyond the whiskers, ascending. */
  outliers: number[];
}

export interface Summary extends BoxStats {
  /** Number of finite values the statistics are computed on. */
  n: number;
  /** Values left out because they were NaN or infinite (diverged trials). */
  nonFinite: number;
  mean: number;
  /** Sample standard deviation (denominator n - 1); NaN when n < 2. */
  sd: number;
  min: number;
  max: number;
  /** min for 'minimize', max for 'maximize'. */
  best: number;
}

/** Quantile by linear interpolation between order statistics (Hyndman & Fan type 7, R's and
 * NumPy's default): h = (n - 1) p, Q = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
 * `sorted` must be ascending and non-empty. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile: need 0 <= p <= 1, got ${p}`);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Sample variance, denominator n - 1 (two-pass, for accuracy). NaN when n < 2. */
export function variance(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return ss / (n - 1);
}

/** Throws RangeError unless x holds at least two values, all finite (the two-sample tests' input). */
export function checkSample(x: readonly number[], name: string) {
  if (x.length < 2) throw new RangeError(`sample ${name} needs at least 2 values, got ${x.length}`);
  const bad = x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`sample ${name} has a non-finite value (${x[bad]}) at index ${bad}: leave diverged trials out and report their count`);
}

/** Box-plot statistics (Tukey): quartiles by type-7 quantiles, whiskers at the most extreme data
 * points within 1.5 IQR of the quartiles, and the points beyond them as outliers. */
export function boxStats(values: readonly number[]): BoxStats {
  const sorted = finiteSorted(values);
  if (sorted.length === 0) throw new RangeError('boxStats: no finite values');
  const q1 = quantileSorted(sorted, 0.25);
  const median = quantileSorted(sorted, 0.5);
  const q3 = quantileSorted(sorted, 0.75);
  const iqr = q3 - q1;
  const loFence = q1 - 1.5 * iqr;
  const hiFence = q3 + 1.5 * iqr;
  const inside = sorted.filter((v) => v >= loFence && v <= hiFence);
  return {
    q1,
    median,
    q3,
    iqr,
    whiskerLow: inside[0],
    whiskerHigh: inside[inside.length - 1],
    outliers: sorted.filter((v) => v < loFence || v > hiFence),
  };
}

/** Summary of one group's metric values. Throws RangeError when no value is finite. */
export function describe(values: readonly number[], opts: { direction: Direction }): Summary {
  const sorted = finiteSorted(values);
  if (sorted.length === 0) throw new RangeError(`describe: none of the ${values.length} values is finite`);
  const box = boxStats(sorted);
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  return {
    n: sorted.length,
    nonFinite: values.length - sorted.length,
    mean: mean(sorted),
    sd: Math.sqrt(variance(sorted)),
    min,
    max,
    best: opts.direction === 'minimize' ? min : max,
    ...box,
  };
}

function finiteSorted(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** Keys of T whose values are numbers (the metrics a trial carries). */
export type NumericKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T] & string;

export interface TopFraction<T> {
  /** The selected trials, best first by `by`. */
  trials: T[];
  /** Their `report` metric, in the same order. */
  values: number[];
  /** Summary of `values`; null when none of them is finite. */
  summary: Summary | null;
  /** How many trials were selected: max(1, ceil(fraction * n)). */
  k: number;
}

/** The best `fraction` of the trials ranked by the `by` metric (e.g. validation), reported on
 * the `report` metric (e.g. test): choosing on validation and reporting on test keeps the
 * selection from peeking at the test set. k = max(1, ceil(fraction * n)) trials are kept (at
 * least one; 10% of 200 is 20). Ties keep the input order, so the result is deterministic;
 * non-finite `by` values rank last. */
export function topFraction<T>(
  trials: readonly T[],
  fraction: number,
  opts: { by: NumericKey<T>; report: NumericKey<T>; direction: Direction },
): TopFraction<T> {
  if (trials.length === 0) throw new RangeError('topFraction: no trials');
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`topFraction: fraction must be in (0, 1], got ${fraction}`);
  // The epsilon keeps 0.1 * 30 = 3.0000000000000004 from becoming 4.
  const k = Math.max(1, Math.ceil(fraction * trials.length - 1e-9));
  const sign = opts.direction === 'minimize' ? 1 : -1;
  const key = (t: T) => t[opts.by] as unknown as number;
  const order = trials.map((t, i) => ({ t, i, v: key(t) }));
  order.sort((x, y) => {
    const fx = Number.isFinite(x.v);
    const fy = Number.isFinite(y.v);
    if (fx !== fy) return fx ? -1 : 1;
    if (fx && x.v !== y.v) return sign * (x.v - y.v);
    return x.i - y.i;
  });
  const chosen = order.slice(0, k).map((o) => o.t);
  const values = chosen.map((t) => t[opts.report] as unknown as number);
  const summary = values.some((v) => Number.isFinite(v)) ? describe(values, { direction: opts.direction }) : null;
  return { trials: chosen, values, summary, k };
}
