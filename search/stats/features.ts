// Importance of architecture features when the cells of a study differ: which gates and
// activations a cell has (hasForgetGate, hasOutputActivation, hasPeepholes, activation counts,
// ...; the caller supplies one feature record per trial). Two measures, side by side:
//
// 1. fANOVA (fanova.ts) over the features, optionally together with the hyperparameters so that
//    variance due to, say, the learning rate is not charged to the architecture. Each feature is
//    discrete: its distinct observed values, in order (false < true, numbers ascending, strings
//    by code unit), become indices 0..k-1 with equal weight, like a categorical hyperparameter.
//    The uniform product measure weighs feature combinations that no cell in the study has; the
//    forest's prediction there comes from the splits it learnt elsewhere, so with few, correlated
//    cells (Greff et al.'s one-knockout variants) read the fractions as a ranking, not as exact
//    shares.
// 2. Marginal means: the mean metric of the trials having each value of a feature, and their
//    spread (largest mean minus smallest). Model-free and easy to read, but confounded when
//    features vary together.

import { fanovaMatrix, modelBounds, toModelSpace, type Dimension, type FanovaResult, type ParamValue } from './fanova.ts';
import type { ForestOptions } from './forest.ts';

export type FeatureValue = boolean | number | string;

export interface FeatureTrial {
  features: Readonly<Record<string, FeatureValue>>;
  /** Hyperparameters, needed only when a `space` is passed. */
  params?: Readonly<Record<string, ParamValue>>;
  /** The metric; must be finite. */
  value: number;
}

export interface FeatureImportance {
  name: string;
  /** Distinct values seen, in the order used for the encoding. */
  values: FeatureValue[];
  /** fANOVA main-effect fraction of the metric's variance, and its sd over trees. */
  fraction: number;
  std: number;
  /** 1 for the most important feature (by fraction, then by spread, then by name). */
  rank: number;
  marginalMeans: Array<{ value: FeatureValue; n: number; mean: number }>;
  /** max - min of marginalMeans' means. */
  spread: number;
}

export interface FeatureImportanceResult {
  /** Ranked, most important first; features that vary across the trials only. */
  features: FeatureImportance[];
  /** Features with one value in every trial: they explain nothing and are left out. */
  constant: string[];
  /** The underlying fANOVA (features first, then the space's dimensions); null when no feature varies. */
  fanova: FanovaResult | null;
}

export function featureImportance(
  trials: readonly FeatureTrial[],
  opts: ForestOptions & { space?: readonly Dimension[]; pairs?: boolean },
): FeatureImportanceResult {
  if (trials.length < 2) throw new RangeError(`featureImportance: needs at least 2 trials, got ${trials.length}`);
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.features)))].sort();
  for (const [i, t] of trials.entries()) {
    for (const name of names) {
      if (!(name in t.features)) throw new RangeError(`featureImportance: trial ${i} has no value for feature ${name}`);
      const v = t.features[name];
      if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`featureImportance: trial ${i}, feature ${name} = ${v} is not finite`);
    }
    if (!Number.isFinite(t.value)) throw new RangeError(`featureImportance: trial ${i} has a non-finite metric (${t.value}): map diverged trials to a value first`);
  }
  const space = opts.space ?? [];
  for (const dim of space) if (names.includes(dim.name)) throw new RangeError(`featureImportance: ${dim.name} is both a feature and a hyperparameter`);
  const levels = new Map<string, FeatureValue[]>();
  const constant: string[] = [];
  for (const name of names) {
    const vals = distinctSorted(trials.map((t) => t.features[name]), name);
    if (vals.length < 2) constant.push(name);
    else levels.set(name, vals);
  }
  const varying = [...levels.keys()];
  if (varying.length === 0) return { features: [], constant, fanova: null };
  const X = trials.map((t, i) => [
    ...varying.map((name) => levels.get(name)!.indexOf(t.features[name])),
    ...space.map((dim) => {
      if (!t.params || !(dim.name in t.params)) throw new RangeError(`featureImportance: trial ${i} has no value for hyperparameter ${dim.name}`);
      return toModelSpace(dim, t.params[dim.name], i);
    }),
  ]);
  const bounds = [...varying.map((name) => [-0.5, levels.get(name)!.length - 0.5] as [number, number]), ...space.map(modelBounds)];
  const result = fanovaMatrix(X, trials.map((t) => t.value), bounds, [...varying, ...space.map((d) => d.name)], opts);
  const features = varying.map((name, k) => {
    const marginalMeans = levels.get(name)!.map((value) => {
      const ys = trials.filter((t) => t.features[name] === value).map((t) => t.value);
      return { value, n: ys.length, mean: ys.reduce((s, v) => s + v, 0) / ys.length };
    });
    const means = marginalMeans.map((m) => m.mean);
    return {
      name,
      values: levels.get(name)!,
      fraction: result.main[k].fraction,
      std: result.main[k].std,
      rank: 0,
      marginalMeans,
      spread: Math.max(...means) - Math.min(...means),
    };
  });
  features.sort((a, b) => (b.fraction || 0) - (a.fraction || 0) || b.spread - a.spread || (a.name < b.name ? -1 : 1));
  features.forEach((f, i) => (f.rank = i + 1));
  return { features, constant, fanova: result };
}

function distinctSorted(values: FeatureValue[], name: string): FeatureValue[] {
  const kinds = new Set(values.map((v) => typeof v));
  if (kinds.size > 1) throw new RangeError(`featureImportance: feature ${name} mixes value types (${[...kinds].join(', ')})`);
  const out = [...new Set(values)];
  return out.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}
