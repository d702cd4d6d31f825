import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, bestOfTrials, orderingAgreement, spearman, type TrialResult } from './rank.ts';

test('averageRanks and spearman: ties share ranks; rho is 1, -1, and the textbook value', () => {
  assert.deepEqual(averageRanks([3, 1, 2, 2]), [4, 1, 2.5, 2.5]);
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // 1 - 6 sum d^2 / (n (n^2 - 1)) with d = (0, -2, 1, 1, 0): 1 - 36/120 = 0.7.
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [1, 4, 2, 3, 5]) - 0.7) < 1e-12);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])), 'undefined for a constant side');
  assert.throws(() => spearman([1], [1, 2]), RangeError);
});

test('bestOfTrials: the test value of the best validation trial; a cell without one ranks last', () => {
  const r: TrialResult[] = [
    { variant: 'a', trial: 0, valid: 0.5, test: 0.4 },
    { variant: 'a', trial: 1, valid: 0.7, test: 0.6 },
    { variant: 'a', trial: 2, valid: 0.7, test: 0.9 },
    { variant: 'b', trial: 0, valid: Number.NaN, test: Number.NaN },
  ];
  assert.deepEqual([...bestOfTrials(r, ['a', 'b'], 'maximize')], [['a', 0.6], ['b', -Infinity]], 'ties: the lower trial');
  assert.deepEqual([...bestOfTrials(r, ['a'], 'minimize')], [['a', 0.4]]);
  assert.deepEqual([...bestOfTrials(r, ['a'], 'maximize', new Set([0, 2]))], [['a', 0.9]]);
});

test('orderingAgreement: the same order gives an interval above 0, the reverse below, and the interval is reproducible', () => {
  const paper = new Map([['w', 0.1], ['x', 0.3], ['y', 0.5], ['z', 0.9]]);
  const results = (flip: boolean): TrialResult[] =>
    [...paper].flatMap(([variant, v], i) => Array.from({ length: 8 }, (_, t) => ({ variant, trial: t, valid: (flip ? 1 - v : v) + 0.01 * ((t * 7 + i) % 5), test: flip ? 1 - v : v })));
  const same = orderingAgreement(results(false), paper, { direction: 'maximize', seed: 's' });
  assert.equal(same.rho, 1);
  assert.ok(same.low > 0, `${same.low}`);
  const reverse = orderingAgreement(results(true), paper, { direction: 'maximize', seed: 's' });
  assert.equal(reverse.rho, -1);
  assert.ok(reverse.high < 0);
  assert.deepEqual(orderingAgreement(results(false), paper, { direction: 'maximize', seed: 's' }), same);
  assert.deepEqual(same.variants, ['w', 'x', 'y', 'z']);
});
