import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { fanova, treeVarianceDecomposition, type Dimension, type FanovaTrial } from './fanova.ts';
import type { TreeNode } from './forest.ts';

const leaf = (value: number): TreeNode => ({ leaf: true, value, n: 1 });
const split = (feature: number, threshold: number, left: TreeNode, right: TreeNode): TreeNode => ({ leaf: false, feature, threshold, left, right, n: 2 });
const near = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);

test('exact decomposition of a hand-built tree', () => {
  // On [0,1]²: x1 < 0.5 -> 0; else x2 < 0.5 -> 1, else 3. By hand: mean 1, V = 0.5·1 + 0.25·0 +
  // 0.25·4 = 1.5; a1 = (0, 2) so V1 = 1; a2 = (0.5, 1.5) so V2 = 0.25; V12 = 1.5 - 1 - 0.25 = 0.25.
  const tree = split(0, 0.5, leaf(0), split(1, 0.5, leaf(1), leaf(3)));
  const d = treeVarianceDecomposition(tree, [[0, 1], [0, 1]], [[0, 1]]);
  near(d.mean, 1, 1e-12, 'mean');
  near(d.total, 1.5, 1e-12, 'V');
  near(d.main[0], 1, 1e-12, 'V1');
  near(d.main[1], 0.25, 1e-12, 'V2');
  near(d.pairs[0], 0.25, 1e-12, 'V12');
  // Marginals: a1 = 0 on [0, 0.5], 2 on (0.5, 1]; a2 = 0.5 and 1.5.
  assert.deepEqual(d.marginals[0].edges, [0, 0.5, 1]);
  assert.deepEqual([...d.marginals[0].values], [0, 2]);
  assert.deepEqual([...d.marginals[1].values], [0.5, 1.5]);
  // Bounds that cut the space unevenly change the weights: on x1 in [0, 2] the left leaf holds
  // a quarter of x1's range and the right subtree three quarters.
  const e = treeVarianceDecomposition(tree, [[0, 2], [0, 1]], [[0, 1]]);
  near(e.mean, 0.75 * 2, 1e-12, 'mean on [0,2]x[0,1]');
  near(e.main[0], 0.25 * 0.75 * 4, 1e-12, 'V1 on [0,2]x[0,1]'); // Bernoulli(3/4) times 2
});

test('a three-way checkerboard has no main effects or pairwise interactions', () => {
  // f = x1 XOR x2 XOR x3 on [0,1]³ (halves): all its variance is the three-way interaction.
  const build = (k: number, parity: number): TreeNode => (k === 3 ? leaf(parity) : split(k, 0.5, build(k + 1, parity), build(k + 1, 1 - parity)));
  const d = treeVarianceDecomposition(build(0, 0), [[0, 1], [0, 1], [0, 1]], [[0, 1], [0, 2], [1, 2]]);
  near(d.total, 0.25, 1e-12, 'V');
  for (const v of [...d.main, ...d.pairs]) near(v, 0, 1e-12, 'lower-order term');
});

function uniformTrials(n: number, seed: string, f: (x: number[]) => number, dims = 3): FanovaTrial[] {
  const rng = seedrandom.alea(seed);
  return Array.from({ length: n }, () => {
    const x = Array.from({ length: dims }, () => rng());
    return { params: Object.fromEntries(x.map((v, i) => [`x${i + 1}`, v])), value: f(x) };
  });
}
const unitCube: Dimension[] = ['x1', 'x2', 'x3'].map((name) => ({ name, scale: 'linear', low: 0, high: 1 }));

test('fANOVA recovers the analytic decomposition of a*x1 + b*x2 + c*x1*x2 (tolerance 0.05)', () => {
  // With x uniform on [0,1]: f1 = (a + c/2)(x1 - 1/2), V1 = (a + c/2)²/12; V2 = (b + c/2)²/12;
  // f12 = c (x1 - 1/2)(x2 - 1/2), V12 = c²/144; x3 explains nothing.
  const [a, b, c] = [1, 2, 3];
  const V1 = (a + c / 2) ** 2 / 12;
  const V2 = (b + c / 2) ** 2 / 12;
  const V12 = c ** 2 / 144;
  const V = V1 + V2 + V12;
  const trials = uniformTrials(400, 'synthetic', ([x1, x2]) => a * x1 + b * x2 + c * x1 * x2);
  const r = fanova(trials, unitCube, { seed: 1 });
  assert.equal(r.nTrees, 32);
  assert.equal(r.nTreesUsed, 32);
  assert.equal(r.seed, 1);
  assert.match(r.method, /fANOVA/);
  assert.deepEqual(r.dimensions, ['x1', 'x2', 'x3']);
  near(r.main[0].fraction, V1 / V, 0.05, 'x1 (0.325)');
  near(r.main[1].fraction, V2 / V, 0.05, 'x2 (0.636)');
  near(r.main[2].fraction, 0, 0.05, 'x3');
  const pair = (p: string, q: string) => r.pairs.find((x) => x.names[0] === p && x.names[1] === q)!.fraction;
  near(pair('x1', 'x2'), V12 / V, 0.05, 'x1·x2 (0.039)');
  near(pair('x1', 'x3'), 0, 0.05, 'x1·x3');
  near(pair('x2', 'x3'), 0, 0.05, 'x2·x3');
  assert.ok(r.oobR2 > 0.9, `out-of-bag R² ${r.oobR2}`);
  // Marginal of x1: a1(x1) = E[f | x1] = 1 + 2.5 x1; trees are coarse at the edges, so check inside.
  const m1 = r.marginals[0];
  assert.deepEqual(m1.x.length, 25);
  m1.x.forEach((x, p) => {
    if (p >= 3 && p <= 21) near(m1.mean[p], 1 + 2.5 * (x as number), 0.12, `a1(${x})`);
  });
  const sum = r.main.reduce((s, m) => s + m.fraction, 0) + r.pairs.reduce((s, p) => s + p.fraction, 0) + r.higherOrder;
  near(sum, 1, 1e-9, 'main + pairs + higher order');
});

test('fANOVA measures log, 1 - log and categorical dimensions as they were sampled', () => {
  // lr log-uniform on [1e-6, 1e-2]: log10 lr is uniform on [-6, -2], variance 16/12.
  // momentum = 1 - log-uniform on [0.01, 1]: 2 log10(1 - m) is uniform on [-4, 0], variance 16/12.
  // act uniform over three choices contributing 0, 0, 3: variance 2. Additive, so the fractions
  // are 4/3, 4/3 and 2 over 14/3. A linear measure on lr would put almost all of lr's range
  // near 1e-2 and find it nearly unimportant.
  const rng = seedrandom.alea('log space');
  const acts = ['tanh', 'sigmoid', 'relu'];
  const trials: FanovaTrial[] = Array.from({ length: 400 }, () => {
    const lr = 10 ** (-6 + 4 * rng());
    const momentum = 1 - 10 ** (-2 + 2 * rng());
    const act = acts[Math.floor(rng() * 3)];
    return { params: { lr, momentum, act }, value: Math.log10(lr) + 2 * Math.log10(1 - momentum) + (act === 'relu' ? 3 : 0) };
  });
  const space: Dimension[] = [
    { name: 'lr', scale: 'log', low: 1e-6, high: 1e-2 },
    { name: 'momentum', scale: 'log1m', low: 0, high: 0.99 },
    { name: 'act', scale: 'categorical', choices: acts },
  ];
  const r = fanova(trials, space, { seed: 'log' });
  near(r.main[0].fraction, 4 / 14, 0.05, 'lr');
  near(r.main[1].fraction, 4 / 14, 0.05, 'momentum');
  near(r.main[2].fraction, 6 / 14, 0.05, 'act');
  for (const p of r.pairs) near(p.fraction, 0, 0.05, p.names.join('·'));
  // Marginal curves come back in the space's units: log-spaced learning rates, the choices.
  const lr = r.marginals[0].x as number[];
  near(lr[0], 1e-6, 1e-15, 'first lr');
  near(lr[24], 1e-2, 1e-12, 'last lr');
  near(lr[12], 1e-4, 1e-12, 'middle lr (geometric mean)');
  assert.deepEqual(r.marginals[2].x, acts);
  near(r.marginals[2].mean[2] - r.marginals[2].mean[0], 3, 0.15, 'relu - tanh marginal');
  assert.deepEqual(fanova(trials, space, { seed: 'log', nTrees: 2, marginalPoints: 0 }).marginals, []);
});

test('fANOVA is deterministic for a seed, and checks its input', () => {
  const trials = uniformTrials(60, 'det', ([x1, x2, x3]) => Math.sin(6 * x1) + x2 * x3);
  const one = fanova(trials, unitCube, { seed: 5, nTrees: 8 });
  assert.deepEqual(fanova(trials, unitCube, { seed: 5, nTrees: 8 }), one);
  assert.notDeepEqual(fanova(trials, unitCube, { seed: 6, nTrees: 8 }).main, one.main);
  const bad = [...trials, { params: { x1: 0.5, x2: 1.5, x3: 0.1 }, value: 1 }];
  assert.throws(() => fanova(bad, unitCube, { seed: 5 }), /trial 60, x2 = 1.5 lies outside \[0, 1\]/);
  assert.throws(() => fanova([...trials, { params: { x1: 0.5, x2: 0.5, x3: 0.1 }, value: NaN }], unitCube, { seed: 5 }), /trial 60 has a non-finite metric/);
  assert.throws(() => fanova(trials, [{ name: 'x1', scale: 'categorical', choices: ['a'] }], { seed: 5 }), /trial 0, x1 = .* is not one of a/);
  // A constant metric has no variance to share out.
  const flat = fanova(trials.map((t) => ({ ...t, value: 2 })), unitCube, { seed: 5, nTrees: 4 });
  assert.equal(flat.nTreesUsed, 0);
  assert.ok(Number.isNaN(flat.main[0].fraction));
});
