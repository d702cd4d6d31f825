// A seeded random forest of regression trees (Breiman 2001), written here rather than taken from
// a library because fANOVA (fanova.ts) needs each tree's exact split structure: which feature,
// which threshold, which leaf value. Each tree grows on a bootstrap sample of the rows; at each
// node it draws a random subset of the features (continuing past it, as scikit-learn does, until
// it has seen `maxFeatures` features that vary in the node), and takes the split that most
// reduces the squared error, at the midpoint between two adjacent distinct values. A node becomes
// a leaf predicting its mean when it is pure, too small, too deep, or has no admissible split.

import seedrandom from 'seedrandom';

export type TreeNode =
  | { leaf: true; value: number; n: number }
  | { leaf: false; feature: number; threshold: number; left: TreeNode; right: TreeNode; n: number };

export interface ForestOptions {
  /** Number of trees, default 32. */
  nTrees?: number;
  /** Features drawn at each node, default max(1, round(0.7 d)) as in the fANOVA package. */
  maxFeatures?: number;
  /** Smallest number of rows in a leaf, default 1. */
  minSamplesLeaf?: number;
  /** Smallest number of rows a node needs to be split, default 2. */
  minSamplesSplit?: number;
  /** Deepest split level, default 64. */
  maxDepth?: number;
  /** Grow each tree on a bootstrap resample of the rows (default true). */
  bootstrap?: boolean;
  seed: number | string;
}

export interface Forest {
  trees: TreeNode[];
  nFeatures: number;
  options: Required<ForestOptions>;
  /** Out-of-bag R² = 1 - Σ (y - oob prediction)² / Σ (y - mean y)² over the rows that some tree
   * left out of its bootstrap sample: how much of the metric the forest explains on rows it did
   * not see. NaN without bootstrap, with no out-of-bag row, or when y is constant. */
  oobR2: number;
}

export function resolveForestOptions(nFeatures: number, opts: ForestOptions): Required<ForestOptions> {
  const o: Required<ForestOptions> = {
    nTrees: opts.nTrees ?? 32,
    maxFeatures: opts.maxFeatures ?? Math.max(1, Math.round(0.7 * nFeatures)),
    minSamplesLeaf: opts.minSamplesLeaf ?? 1,
    minSamplesSplit: opts.minSamplesSplit ?? 2,
    maxDepth: opts.maxDepth ?? 64,
    bootstrap: opts.bootstrap ?? true,
    seed: opts.seed,
  };
  for (const k of ['nTrees', 'maxFeatures', 'minSamplesLeaf', 'minSamplesSplit', 'maxDepth'] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new RangeError(`forest option ${k} must be a positive integer, got ${o[k]}`);
  if (o.maxFeatures > nFeatures) throw new RangeError(`forest option maxFeatures (${o.maxFeatures}) exceeds the number of features (${nFeatures})`);
  return o;
}

/** Fits the forest on rows X (n × d, finite numbers) and targets y (n finite numbers). */
export function fitForest(X: readonly (readonly number[])[], y: readonly number[], opts: ForestOptions): Forest {
  const n = X.length;
  if (n === 0) throw new RangeError('fitForest: no rows');
  if (y.length !== n) throw new RangeError(`fitForest: ${n} rows but ${y.length} targets`);
  const d = X[0].length;
  if (d === 0) throw new RangeError('fitForest: rows have no features');
  X.forEach((row, i) => {
    if (row.length !== d) throw new RangeError(`fitForest: row ${i} has ${row.length} features, row 0 has ${d}`);
    if (!row.every(Number.isFinite)) throw new RangeError(`fitForest: row ${i} has a non-finite feature`);
    if (!Number.isFinite(y[i])) throw new RangeError(`fitForest: target ${i} is not finite (${y[i]})`);
  });
  const options = resolveForestOptions(d, opts);
  const rng = seedrandom.alea(String(options.seed));
  const trees: TreeNode[] = [];
  const oobSum = new Float64Array(n);
  const oobCount = new Int32Array(n);
  for (let t = 0; t < options.nTrees; t++) {
    const rows = options.bootstrap ? Array.from({ length: n }, () => Math.floor(rng() * n)) : Array.from({ length: n }, (_, i) => i);
    const tree = grow(X, y, rows, 0, rng, options);
    trees.push(tree);
    if (options.bootstrap) {
      const inBag = new Uint8Array(n);
      for (const r of rows) inBag[r] = 1;
      for (let i = 0; i < n; i++)
        if (!inBag[i]) {
          oobSum[i] += predictTree(tree, X[i]);
          oobCount[i]++;
        }
    }
  }
  return { trees, nFeatures: d, options, oobR2: oobR2(y, oobSum, oobCount) };
}

function oobR2(y: readonly number[], sum: Float64Array, count: Int32Array): number {
  const idx = y.map((_, i) => i).filter((i) => count[i] > 0);
  if (idx.length < 2) return NaN;
  const m = idx.reduce((s, i) => s + y[i], 0) / idx.length;
  let ssRes = 0;
  let ssTot = 0;
  for (const i of idx) {
    ssRes += (y[i] - sum[i] / count[i]) ** 2;
    ssTot += (y[i] - m) ** 2;
  }
  return ssTot === 0 ? NaN : 1 - ssRes / ssTot;
}

export function predictTree(tree: TreeNode, x: readonly number[]): number {
  let node = tree;
  while (!node.leaf) node = x[node.feature] <= node.threshold ? node.left : node.right;
  return node.value;
}

export function predictForest(forest: Forest, x: readonly number[]): number {
  let s = 0;
  for (const t of forest.trees) s += predictTree(t, x);
  return s / forest.trees.length;
}

export function countLeaves(tree: TreeNode): number {
  return tree.leaf ? 1 : countLeaves(tree.left) + countLeaves(tree.right);
}

interface Split {
  feature: number;
  threshold: number;
  gain: number;
}

function grow(X: readonly (readonly number[])[], y: readonly number[], rows: number[], depth: number, rng: () => number, o: Required<ForestOptions>): TreeNode {
  const n = rows.length;
  let sum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    sum += y[r];
    lo = Math.min(lo, y[r]);
    hi = Math.max(hi, y[r]);
  }
  const leaf: TreeNode = { leaf: true, value: sum / n, n };
  if (lo === hi || n < o.minSamplesSplit || n < 2 * o.minSamplesLeaf || depth >= o.maxDepth) return leaf;
  const split = bestSplit(X, y, rows, sum, rng, o);
  if (!split) return leaf;
  const left = rows.filter((r) => X[r][split.feature] <= split.threshold);
  const right = rows.filter((r) => X[r][split.feature] > split.threshold);
  return {
    leaf: false,
    feature: split.feature,
    threshold: split.threshold,
    left: grow(X, y, left, depth + 1, rng, o),
    right: grow(X, y, right, depth + 1, rng, o),
    n,
  };
}

function bestSplit(X: readonly (readonly number[])[], y: readonly number[], rows: number[], total: number, rng: () => number, o: Required<ForestOptions>): Split | null {
  const d = X[0].length;
  const features = Array.from({ length: d }, (_, i) => i);
  const n = rows.length;
  const minLeaf = o.minSamplesLeaf;
  let best: Split | null = null;
  let varying = 0;
  // Draw features one at a time (a lazy Fisher–Yates shuffle) until maxFeatures varying ones
  // have been examined or none are left.
  for (let k = 0; k < d && varying < o.maxFeatures; k++) {
    const j = k + Math.floor(rng() * (d - k));
    [features[k], features[j]] = [features[j], features[k]];
    const f = features[k];
    const sorted = rows.slice().sort((a, b) => X[a][f] - X[b][f]);
    if (X[sorted[0]][f] === X[sorted[n - 1]][f]) continue;
    varying++;
    // Maximizing sumL²/nL + sumR²/nR is minimizing the children's squared error.
    const base = (total * total) / n;
    let sumL = 0;
    for (let i = 0; i < n - 1; i++) {
      sumL += y[sorted[i]];
      const nL = i + 1;
      const v = X[sorted[i]][f];
      const next = X[sorted[i + 1]][f];
      if (v === next || nL < minLeaf || n - nL < minLeaf) continue;
      const sumR = total - sumL;
      const gain = (sumL * sumL) / nL + (sumR * sumR) / (n - nL) - base;
      if (best === null || gain > best.gain) {
        // The midpoint, unless rounding puts it on the upper value (adjacent doubles).
        const mid = v + (next - v) / 2;
        best = { feature: f, threshold: mid < next ? mid : v, gain };
      }
    }
  }
  return best !== null && best.gain > 0 ? best : null;
}
