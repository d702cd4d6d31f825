import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { countLeaves, fitForest, predictForest, predictTree, type TreeNode } from './forest.ts';

function leavesOf(node: TreeNode): Array<Extract<TreeNode, { leaf: true }>> {
  return node.leaf ? [node] : [...leavesOf(node.left), ...leavesOf(node.right)];
}

test('a single tree without bootstrap fits a step function exactly, splitting at the midpoint', () => {
  const X = [[0], [1], [2], [3], [4], [5]];
  const y = [1, 1, 1, 7, 7, 7];
  const f = fitForest(X, y, { seed: 1, nTrees: 1, bootstrap: false });
  const t = f.trees[0];
  assert.ok(!t.leaf);
  assert.equal(t.feature, 0);
  assert.equal(t.threshold, 2.5);
  assert.equal(countLeaves(t), 2);
  assert.equal(predictTree(t, [2.4]), 1);
  assert.equal(predictTree(t, [2.6]), 7);
  assert.ok(Number.isNaN(f.oobR2));
});

test('the forest learns a smooth function of one feature among two noise features', () => {
  const rng = seedrandom.alea('forest');
  const X = Array.from({ length: 300 }, () => [rng(), rng(), rng()]);
  const y = X.map(([a]) => Math.sin(2 * Math.PI * a));
  const f = fitForest(X, y, { seed: 2, nTrees: 16, minSamplesLeaf: 3 });
  assert.equal(f.trees.length, 16);
  assert.ok(f.oobR2 > 0.9, `out-of-bag R² ${f.oobR2}`);
  for (const a of [0.1, 0.25, 0.6, 0.75]) {
    const got = predictForest(f, [a, 0.5, 0.5]);
    assert.ok(Math.abs(got - Math.sin(2 * Math.PI * a)) < 0.15, `f(${a}) = ${got}`);
  }
  // minSamplesLeaf holds in every tree (n counts bootstrap rows, repeats included).
  for (const t of f.trees) for (const l of leavesOf(t)) assert.ok(l.n >= 3);
});

test('the forest is deterministic for a seed and validates its input', () => {
  const rng = seedrandom.alea('det');
  const X = Array.from({ length: 50 }, () => [rng(), rng()]);
  const y = X.map(([a, b]) => a * b);
  assert.deepEqual(fitForest(X, y, { seed: 'x', nTrees: 3 }), fitForest(X, y, { seed: 'x', nTrees: 3 }));
  assert.notDeepEqual(fitForest(X, y, { seed: 'y', nTrees: 3 }).trees, fitForest(X, y, { seed: 'x', nTrees: 3 }).trees);
  assert.throws(() => fitForest(X, y.slice(1), { seed: 1 }), /50 rows but 49 targets/);
  assert.throws(() => fitForest([[1], [NaN]], [1, 2], { seed: 1 }), /row 1 has a non-finite feature/);
  assert.throws(() => fitForest(X, y, { seed: 1, maxFeatures: 3 }), /exceeds the number of features/);
  assert.throws(() => fitForest(X, y, { seed: 1, nTrees: 0 }), /nTrees must be a positive integer/);
});
