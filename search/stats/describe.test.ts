import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxStats, describe, quantileSorted, topFraction } from './describe.ts';

test('describe: hand-worked summary with one outlier', () => {
  const s = describe([5, 1, 100, 3, 2, 4, 7, 6, 9, 8], { direction: 'minimize' });
  assert.equal(s.n, 10);
  assert.equal(s.nonFinite, 0);
  assert.equal(s.mean, 14.5);
  assert.ok(Math.abs(s.sd - 30.152390728873666) < 1e-12); // NumPy std(ddof=1)
  assert.equal(s.min, 1);
  assert.equal(s.max, 100);
  assert.equal(s.best, 1);
  // Type-7 quartiles: h = 9 * 0.25 = 2.25 -> 3 + 0.25 = 3.25; h = 6.75 -> 7.75.
  assert.equal(s.q1, 3.25);
  assert.equal(s.median, 5.5);
  assert.equal(s.q3, 7.75);
  assert.equal(s.iqr, 4.5);
  // Fences at 3.25 - 6.75 = -3.5 and 7.75 + 6.75 = 14.5: 100 is the only outlier.
  assert.equal(s.whiskerLow, 1);
  assert.equal(s.whiskerHigh, 9);
  assert.deepEqual(s.outliers, [100]);
  assert.equal(describe([5, 1, 100], { direction: 'maximize' }).best, 100);
});

test('describe leaves out and counts diverged (non-finite) trials', () => {
  const s = describe([2, NaN, 4, Infinity, 6], { direction: 'minimize' });
  assert.equal(s.n, 3);
  assert.equal(s.nonFinite, 2);
  assert.equal(s.mean, 4);
  assert.equal(s.max, 6);
  assert.throws(() => describe([NaN], { direction: 'minimize' }), RangeError);
  assert.ok(Number.isNaN(describe([3], { direction: 'minimize' }).sd));
});

test('quartiles agree with NumPy percentile (type 7), ties and negatives', () => {
  const b = boxStats([2.5, -1, 0.3, 7, 4.4, 4.4, 3]);
  assert.ok(Math.abs(b.q1 - 1.4) < 1e-12);
  assert.equal(b.median, 3);
  assert.equal(b.q3, 4.4);
  assert.deepEqual(b.outliers, []);
  assert.equal(quantileSorted([4], 0.3), 4);
  assert.equal(quantileSorted([0, 10], 0.3), 3);
});

test('topFraction ranks by validation and reports test, keeping at least one trial', () => {
  const trials = Array.from({ length: 30 }, (_, i) => ({ id: i, valid: (i * 7) % 30, test: 1000 + ((i * 7) % 30) + i / 100 }));
  const top = topFraction(trials, 0.1, { by: 'valid', report: 'test', direction: 'minimize' });
  assert.equal(top.k, 3); // 0.1 * 30 is 3, not 4, despite floating point
  assert.deepEqual(top.trials.map((t) => t.valid), [0, 1, 2]);
  assert.deepEqual(top.values, top.trials.map((t) => t.test));
  assert.equal(top.summary?.n, 3);
  const best = topFraction(trials, 0.1, { by: 'valid', report: 'test', direction: 'maximize' });
  assert.deepEqual(best.trials.map((t) => t.valid), [29, 28, 27]);
  assert.equal(topFraction(trials.slice(0, 4), 0.1, { by: 'valid', report: 'test', direction: 'minimize' }).k, 1);
  assert.equal(topFraction(trials.slice(0, 11), 0.1, { by: 'valid', report: 'test', direction: 'minimize' }).k, 2);
});

test('topFraction ranks diverged trials last and breaks ties by input order', () => {
  const trials = [
    { valid: NaN, test: 0 },
    { valid: 5, test: 1 },
    { valid: 5, test: 2 },
    { valid: Infinity, test: 3 },
    { valid: 9, test: 4 },
  ];
  const top = topFraction(trials, 0.6, { by: 'valid', report: 'test', direction: 'maximize' });
  assert.deepEqual(top.values, [4, 1, 2]);
  const all = topFraction(trials, 1, { by: 'valid', report: 'test', direction: 'minimize' });
  assert.deepEqual(all.values, [1, 2, 4, 0, 3]);
  assert.throws(() => topFraction(trials, 0, { by: 'valid', report: 'test', direction: 'minimize' }), RangeError);
  assert.throws(() => topFraction([], 0.1, { by: 'valid', report: 'test', direction: 'minimize' } as never), RangeError);
});
