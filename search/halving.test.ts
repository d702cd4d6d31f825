import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promote, promotedCount, rungSteps } from './halving.ts';

test('rungSteps: the budget divided by powers of eta, ascending, ending at the budget', () => {
  assert.deepEqual(rungSteps(3000, { eta: 3, minSteps: 100 }), [111, 333, 1000, 3000]);
  assert.deepEqual(rungSteps(3000, { eta: 3, minSteps: 112 }), [333, 1000, 3000]);
  assert.deepEqual(rungSteps(300, { eta: 3, minSteps: 30 }), [33, 100, 300]);
  assert.deepEqual(rungSteps(100_000, { eta: 4, minSteps: 1000 }), [1563, 6250, 25000, 100000]);
  // Too small a budget to halve: one rung, the full budget.
  assert.deepEqual(rungSteps(50, { eta: 3, minSteps: 30 }), [50]);
  assert.deepEqual(rungSteps(1, { eta: 2, minSteps: 1 }), [1]);
  assert.deepEqual(rungSteps(3, { eta: 2, minSteps: 1 }), [1, 2, 3]);
  assert.throws(() => rungSteps(0, { eta: 3, minSteps: 1 }), /maxSteps/);
  assert.throws(() => rungSteps(100, { eta: 1, minSteps: 1 }));
});

test('rungSteps: strictly increasing for every budget and eta', () => {
  for (const eta of [2, 3, 4, 5]) {
    for (let max = 1; max <= 400; max++) {
      const r = rungSteps(max, { eta, minSteps: 1 });
      assert.equal(r[r.length - 1], max);
      for (let i = 1; i < r.length; i++) assert.ok(r[i] > r[i - 1], `${eta} ${max}: ${r}`);
      assert.ok(r[0] >= 1);
    }
  }
});

test('promotedCount: floor(n / eta), at least one of a non-empty rung', () => {
  assert.equal(promotedCount(0, 3), 0);
  assert.equal(promotedCount(1, 3), 1);
  assert.equal(promotedCount(2, 3), 1);
  assert.equal(promotedCount(3, 3), 1);
  assert.equal(promotedCount(8, 3), 2);
  assert.equal(promotedCount(9, 3), 3);
  assert.equal(promotedCount(12, 3), 4);
});

test('promote: the best 1/eta by value, returned in entry order', () => {
  const entries = [
    { key: 'a', value: 0.5 },
    { key: 'b', value: 0.9 },
    { key: 'c', value: 0.1 },
    { key: 'd', value: 1.2 },
    { key: 'e', value: 0.7 },
    { key: 'f', value: 0.3 },
  ];
  assert.deepEqual(promote(entries, 3), ['b', 'd']);
  assert.deepEqual(promote(entries, 2), ['b', 'd', 'e']);
});

test('promote: ties go to the earlier entry', () => {
  const entries = [
    { key: 'a', value: 0.5 },
    { key: 'b', value: 0.8 },
    { key: 'c', value: 0.8 },
    { key: 'd', value: 0.8 },
    { key: 'e', value: 0.2 },
    { key: 'f', value: 0.8 },
  ];
  assert.deepEqual(promote(entries, 3), ['b', 'c']);
  assert.deepEqual(promote([...entries].reverse(), 3), ['f', 'd']);
});

test('promote: a diverged or failed setting (null, NaN) never goes on and ranks below every value', () => {
  const entries = [
    { key: 'a', value: null },
    { key: 'b', value: 0.01 },
    { key: 'c', value: Number.NaN },
  ];
  assert.deepEqual(promote(entries, 3), ['b']);
  assert.deepEqual(promote([{ key: 'a', value: null }, { key: 'b', value: null }, { key: 'c', value: null }], 3), []);
  // A value of 0 (learned nothing) still outranks a divergence.
  assert.deepEqual(promote([{ key: 'x', value: null }, { key: 'y', value: 0 }], 3), ['y']);
});

test('promote: fewer than eta evaluations in a rung send their best on', () => {
  assert.deepEqual(promote([{ key: 'only', value: 0.3 }], 3), ['only']);
  assert.deepEqual(promote([{ key: 'a', value: 0.3 }, { key: 'b', value: 0.4 }], 3), ['b']);
  assert.deepEqual(promote([], 3), []);
});
