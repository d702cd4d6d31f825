// fANOVA: how much of a metric's variance each hyperparameter, and each pair, explains (Hutter,
// Hoos & Leyton-Brown, "An Efficient Approach for Assessing Hyperparameter Importance", ICML
// 2014). A random forest (forest.ts) models metric = f(hyperparameters). Each regression tree is
// constant on the boxes its splits cut out of the search space, so its functional ANOVA
// decomposition under the uniform measure on the space is exact and cheap:
//
//   f_∅ = ∫ f,  a_U(x_U) = ∫ f(x) dx_{-U}  (the marginal over the other dimensions),
//   f_i = a_i - f_∅,  f_ij = a_ij - f_i - f_j - f_∅,  V_U = ∫ f_U²,  V = ∫ (f - f_∅)²,
//
// and the importance of U in that tree is V_U / V. The marginals are piecewise constant on the
// grid that the tree's own split points draw on dimension i (or on dimensions i and j), so each
// is computed by adding every leaf's value, weighted by the leaf's share of the other
// dimensions, over the grid cells the leaf covers (difference arrays, then prefix sums).
// Fractions are averaged over the trees whose prediction is not constant, as the paper does.
//
// The measure is uniform in the space as sampled: a log-uniform hyperparameter is measured in
// log space ('log'), one drawn as 1 - log-uniform (Greff et al.'s momentum) in the log of 1 - v
// ('log1m'), and a categorical one gives each choice equal weight (choices become indices
// 0..k-1 on [-0.5, k-0.5], so each index owns a unit interval).

import { fitForest, type ForestOptions, type TreeNode } from './forest.ts';

export type ParamValue = number | string | boolean;

export type Dimension =
  | { name: string; scale: 'linear' | 'log' | 'log1m'; low: number; high: number }
  | { name: string; scale: 'categorical'; choices: readonly ParamValue[] };

export interface FanovaTrial {
  params: Readonly<Record<string, ParamValue>>;
  /** The metric (e.g. validation loss); must be finite: map diverged trials to a value first. */
  value: number;
}

export interface Importance {
  /** Mean over the trees of V_U / V. NaN when every tree predicts a constant. */
  fraction: number;
  /** Standard deviation of V_U / V over those trees. */
  std: number;
}

export interface FanovaResult {
  method: string;
  nTrees: number;
  /** Trees whose prediction varies over the space (the others carry no variance to split). */
  nTreesUsed: number;
  seed: number | string;
  forest: Required<ForestOptions>;
  /** Out-of-bag R² of the forest: importances of a forest that explains little mean little. */
  oobR2: number;
  nTrials: number;
  dimensions: string[];
  main: Array<{ name: string } & Importance>;
  pairs: Array<{ names: [string, string] } & Importance>;
  /** 1 - Σ main - Σ pairs, per tree, averaged: the share of interactions of three or more. */
  higherOrder: number;
  /** Marginal prediction of each dimension, a_i(x) = ∫ f dx_{-i}, mean and sd over all trees
   * (Hutter et al.'s marginal plots; Greff et al.'s Figure 4), at `x` in the units of the space:
   * `marginalPoints` values evenly spaced in model space (log-spaced for 'log'), or every choice
   * of a categorical dimension. Empty when `marginalPoints` is 0. */
  marginals: Array<{ name: string; x: ParamValue[]; mean: number[]; std: number[] }>;
}

export const FANOVA_METHOD = 'fANOVA (Hutter, Hoos & Leyton-Brown 2014): exact functional ANOVA of each tree of a random forest of regression trees under the uniform measure on the search space, averaged over trees';

export interface FanovaOptions extends ForestOptions {
  /** Compute pairwise interactions (default true). */
  pairs?: boolean;
  /** Points per continuous dimension for the marginal curves (default 25; 0: none). */
  marginalPoints?: number;
}

/** Hyperparameter importance over a search space. Every dimension must appear in every trial's
 * params; values outside the bounds (or not among the choices) are a RangeError. */
export function fanova(trials: readonly FanovaTrial[], space: readonly Dimension[], opts: FanovaOptions): FanovaResult {
  if (space.length === 0) throw new RangeError('fanova: the space has no dimensions');
  const names = new Set<string>();
  for (const dim of space) {
    if (names.has(dim.name)) throw new RangeError(`fanova: dimension ${dim.name} appears twice`);
    names.add(dim.name);
  }
  const X = trials.map((t, i) =>
    space.map((dim) => {
      if (!(dim.name in t.params)) throw new RangeError(`fanova: trial ${i} has no value for ${dim.name}`);
      return toModelSpace(dim, t.params[dim.name], i);
    }),
  );
  const y = trials.map((t, i) => {
    if (!Number.isFinite(t.value)) throw new RangeError(`fanova: trial ${i} has a non-finite metric (${t.value}): map diverged trials to a value first`);
    return t.value;
  });
  const bounds = space.map(modelBounds);
  const points = opts.marginalPoints ?? 25;
  if (!Number.isInteger(points) || points < 0 || points === 1) throw new RangeError(`fanova: marginalPoints must be 0 or an integer >= 2, got ${points}`);
  const at = space.map((dim, k) =>
    points === 0 ? [] : dim.scale === 'categorical' ? dim.choices.map((_, c) => c) : Array.from({ length: points }, (_, p) => bounds[k][0] + ((bounds[k][1] - bounds[k][0]) * p) / (points - 1)),
  );
  const result = fanovaMatrix(X, y, bounds, space.map((d) => d.name), { ...opts, marginalAt: at });
  result.marginals = result.marginals.map((m, k) => ({ ...m, x: m.x.map((v) => fromModelSpace(space[k], v as number)) }));
  return result;
}

/** fANOVA on rows already in model space, with the box of the uniform measure given per column. */
export function fanovaMatrix(
  X: readonly (readonly number[])[],
  y: readonly number[],
  bounds: ReadonlyArray<readonly [number, number]>,
  names: readonly string[],
  opts: ForestOptions & { pairs?: boolean; marginalAt?: ReadonlyArray<readonly number[]> },
): FanovaResult {
  if (X.length < 2) throw new RangeError(`fanova: needs at least 2 trials, got ${X.length}`);
  if (bounds.length !== names.length || X[0].length !== names.length) throw new RangeError('fanova: bounds, names and columns disagree in number');
  const forest = fitForest(X, y, opts);
  const d = names.length;
  const withPairs = opts.pairs ?? true;
  const pairIdx: Array<[number, number]> = [];
  if (withPairs) for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) pairIdx.push([i, j]);
  const mainFr: number[][] = names.map(() => []);
  const pairFr: number[][] = pairIdx.map(() => []);
  const higher: number[] = [];
  const at = opts.marginalAt ?? names.map(() => []);
  const curves = at.map((qs) => qs.map(() => [] as number[]));
  for (const tree of forest.trees) {
    const dec = treeVarianceDecomposition(tree, bounds, pairIdx);
    dec.marginals.forEach(({ edges, values }, i) => at[i].forEach((q, p) => curves[i][p].push(values[intervalOf(edges, q)])));
    if (!(dec.total > 0)) continue;
    let explained = 0;
    dec.main.forEach((v, i) => {
      mainFr[i].push(v / dec.total);
      explained += v / dec.total;
    });
    dec.pairs.forEach((v, k) => {
      pairFr[k].push(v / dec.total);
      explained += v / dec.total;
    });
    higher.push(1 - explained);
  }
  return {
    method: FANOVA_METHOD,
    nTrees: forest.trees.length,
    nTreesUsed: higher.length,
    seed: forest.options.seed,
    forest: forest.options,
    oobR2: forest.oobR2,
    nTrials: X.length,
    dimensions: [...names],
    main: names.map((name, i) => ({ name, ...meanStd(mainFr[i]) })),
    pairs: pairIdx.map(([i, j], k) => ({ names: [names[i], names[j]] as [string, string], ...meanStd(pairFr[k]) })),
    higherOrder: withPairs ? meanStd(higher).fraction : NaN,
    marginals: at.some((qs) => qs.length > 0)
      ? names.map((name, i) => ({ name, x: [...at[i]], mean: curves[i].map((c) => meanStd(c).fraction), std: curves[i].map((c) => meanStd(c).std) }))
      : [],
  };
}

// The grid interval holding q, for the tree's rule "left when x <= threshold": (e[c], e[c+1]],
// the first interval also taking its lower edge.
function intervalOf(edges: readonly number[], q: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (q <= edges[mid + 1]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function meanStd(xs: number[]): Importance {
  if (xs.length === 0) return { fraction: NaN, std: NaN };
  const m = xs.reduce((s, v) => s + v, 0) / xs.length;
  const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
  return { fraction: m, std: Math.sqrt(v) };
}

export function toModelSpace(dim: Dimension, value: ParamValue, trial = 0): number {
  const where = `trial ${trial}, ${dim.name}`;
  if (dim.scale === 'categorical') {
    const k = dim.choices.indexOf(value);
    if (k < 0) throw new RangeError(`fanova: ${where} = ${String(value)} is not one of ${dim.choices.map(String).join(', ')}`);
    return k;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`fanova: ${where} = ${String(value)} is not a finite number`);
  const slack = 1e-9 * (dim.high - dim.low);
  if (value < dim.low - slack || value > dim.high + slack) throw new RangeError(`fanova: ${where} = ${value} lies outside [${dim.low}, ${dim.high}]`);
  const v = Math.min(dim.high, Math.max(dim.low, value));
  return dim.scale === 'linear' ? v : dim.scale === 'log' ? Math.log(v) : Math.log(1 - v);
}

/** The inverse of toModelSpace (a categorical index gives back its choice). */
export function fromModelSpace(dim: Dimension, v: number): ParamValue {
  if (dim.scale === 'categorical') return dim.choices[Math.round(v)];
  return dim.scale === 'linear' ? v : dim.scale === 'log' ? Math.exp(v) : 1 - Math.exp(v);
}

export function modelBounds(dim: Dimension): [number, number] {
  if (dim.scale === 'categorical') {
    if (dim.choices.length === 0) throw new RangeError(`fanova: ${dim.name} has no choices`);
    return [-0.5, dim.choices.length - 0.5];
  }
  if (!(dim.low < dim.high)) throw new RangeError(`fanova: ${dim.name} needs low < high, got [${dim.low}, ${dim.high}]`);
  if (dim.scale === 'log' && !(dim.low > 0)) throw new RangeError(`fanova: log-scaled ${dim.name} needs low > 0, got ${dim.low}`);
  if (dim.scale === 'log1m' && !(dim.high < 1)) throw new RangeError(`fanova: log1m-scaled ${dim.name} needs high < 1, got ${dim.high}`);
  if (dim.scale === 'linear') return [dim.low, dim.high];
  if (dim.scale === 'log') return [Math.log(dim.low), Math.log(dim.high)];
  return [Math.log(1 - dim.high), Math.log(1 - dim.low)];
}

export interface TreeDecomposition {
  /** f_∅: the tree's mean over the space. */
  mean: number;
  /** V: the tree's variance over the space. */
  total: number;
  /** V_i per dimension. */
  main: number[];
  /** V_ij per requested pair. */
  pairs: number[];
  /** Per dimension, a_i on each interval (edges[c], edges[c+1]] of the tree's grid. */
  marginals: Array<{ edges: number[]; values: Float64Array }>;
}

interface LeafBox {
  value: number;
  /** Per dimension, the leaf's share of the dimension's range. */
  frac: number[];
  /** Product of frac: the leaf's share of the space. */
  weight: number;
  /** Per dimension, the range [first, last) of grid intervals the leaf covers. */
  cells: Array<[number, number]>;
}

/** The exact variance decomposition of one tree over the box `bounds` (uniform measure): main
 * effects of every dimension and the pure interactions of the given pairs. */
export function treeVarianceDecomposition(tree: TreeNode, bounds: ReadonlyArray<readonly [number, number]>, pairs: ReadonlyArray<readonly [number, number]>): TreeDecomposition {
  const d = bounds.length;
  const width = bounds.map(([lo, hi]) => hi - lo);
  width.forEach((w, k) => {
    if (!(w > 0)) throw new RangeError(`fanova: dimension ${k} has an empty range`);
  });
  // Leaves as boxes, splits clipped to the bounds; leaves of zero volume carry no measure.
  const raw: Array<{ value: number; lo: number[]; hi: number[] }> = [];
  const walk = (node: TreeNode, lo: number[], hi: number[]) => {
    if (node.leaf) {
      if (lo.every((l, k) => l < hi[k])) raw.push({ value: node.value, lo, hi });
      return;
    }
    const f = node.feature;
    const t = Math.min(bounds[f][1], Math.max(bounds[f][0], node.threshold));
    walk(node.left, lo, hi.map((h, k) => (k === f ? Math.min(h, t) : h)));
    walk(node.right, lo.map((l, k) => (k === f ? Math.max(l, t) : l)), hi);
  };
  walk(tree, bounds.map((b) => b[0]), bounds.map((b) => b[1]));
  // Per dimension, the grid of the edges the leaves use (the bounds and the split points).
  const edges: number[][] = [];
  for (let k = 0; k < d; k++) {
    const set = new Set<number>([bounds[k][0], bounds[k][1]]);
    for (const b of raw) {
      set.add(b.lo[k]);
      set.add(b.hi[k]);
    }
    edges.push([...set].sort((a, b) => a - b));
  }
  const edgeIndex = edges.map((e) => new Map(e.map((v, c) => [v, c])));
  const leaves: LeafBox[] = raw.map((b) => {
    const frac = b.lo.map((l, k) => (b.hi[k] - l) / width[k]);
    return {
      value: b.value,
      frac,
      weight: frac.reduce((p, v) => p * v, 1),
      cells: b.lo.map((l, k) => [edgeIndex[k].get(l)!, edgeIndex[k].get(b.hi[k])!] as [number, number]),
    };
  });
  const mean = leaves.reduce((s, l) => s + l.weight * l.value, 0);
  const total = leaves.reduce((s, l) => s + l.weight * (l.value - mean) ** 2, 0);
  const cellWidth = edges.map((e, k) => Float64Array.from(e.slice(1), (v, c) => (v - e[c]) / width[k]));
  // a_i on each interval of dimension i.
  const marginal1 = edges.map((e, i) => {
    const m = e.length - 1;
    const diff = new Float64Array(m + 1);
    for (const l of leaves) {
      const add = (l.value * l.weight) / l.frac[i];
      diff[l.cells[i][0]] += add;
      diff[l.cells[i][1]] -= add;
    }
    const a = new Float64Array(m);
    let run = 0;
    for (let c = 0; c < m; c++) a[c] = run += diff[c];
    return a;
  });
  const main = marginal1.map((a, i) => a.reduce((s, v, c) => s + cellWidth[i][c] * (v - mean) ** 2, 0));
  // One scratch grid, reused by every pair (the grids are the bulk of the allocation).
  let scratch = new Float64Array(0);
  const pairV = pairs.map(([i, j]) => {
    const mi = edges[i].length - 1;
    const mj = edges[j].length - 1;
    const stride = mj + 1;
    const size = (mi + 1) * stride;
    if (scratch.length < size) scratch = new Float64Array(size);
    const diff = scratch;
    diff.fill(0, 0, size);
    for (const l of leaves) {
      const add = (l.value * l.weight) / (l.frac[i] * l.frac[j]);
      const [i0, i1] = l.cells[i];
      const [j0, j1] = l.cells[j];
      diff[i0 * stride + j0] += add;
      diff[i0 * stride + j1] -= add;
      diff[i1 * stride + j0] -= add;
      diff[i1 * stride + j1] += add;
    }
    // 2-D prefix sums turn the corner marks into a_ij on every grid cell.
    for (let r = 0; r <= mi; r++) for (let c = 1; c <= mj; c++) diff[r * stride + c] += diff[r * stride + c - 1];
    for (let r = 1; r <= mi; r++) for (let c = 0; c <= mj; c++) diff[r * stride + c] += diff[(r - 1) * stride + c];
    const [ai, aj, wi, wj] = [marginal1[i], marginal1[j], cellWidth[i], cellWidth[j]];
    let v = 0;
    for (let r = 0; r < mi; r++) {
      let row = 0;
      const base = r * stride;
      const air = ai[r] - mean;
      for (let c = 0; c < mj; c++) {
        const fij = diff[base + c] - air - aj[c];
        row += wj[c] * fij * fij;
      }
      v += wi[r] * row;
    }
    return v;
  });
  return { mean, total, main, pairs: pairV, marginals: edges.map((e, i) => ({ edges: e, values: marginal1[i] })) };
}
