import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holm, holmVerdicts } from './holm.ts';

const near = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => (Number.isNaN(v) && Number.isNaN(b[i])) || Math.abs(v - b[i]) < 1e-12);

test('Holm adjustment, worked by hand', () => {
  // Sorted: 0.005 (x4 = 0.02), 0.01 (x3 = 0.03), 0.03 (x2 = 0.06), 0.04 (x1 = 0.04, raised to the
  // running maximum 0.06). Back in input order:
  const adj = holm([0.01, 0.04, 0.03, 0.005]);
  assert.ok(near(adj, [0.03, 0.06, 0.06, 0.02]), String(adj));
  // R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") = 0.05 0.08 0.09 0.09 0.09
  assert.ok(near(holm([0.01, 0.02, 0.03, 0.04, 0.05]), [0.05, 0.08, 0.09, 0.09, 0.09]));
  // Capped at 1, monotone in the sorted order.
  assert.ok(near(holm([0.5, 0.9]), [1, 1]));
  assert.ok(near(holm([]), []));
  // NaN (a test that could not run) passes through and does not count towards m.
  assert.ok(near(holm([0.02, NaN, 0.01]), [0.02, NaN, 0.02]));
  assert.throws(() => holm([0.1, 1.2]), /index 1 is 1.2/);
});

test('Holm verdicts say which significant results the correction removes', () => {
  const { verdicts, anyChanged, alpha } = holmVerdicts([0.01, 0.04, 0.03, 0.005]);
  assert.equal(alpha, 0.05);
  assert.equal(anyChanged, true);
  assert.deepEqual(verdicts.map((v) => v.significant), [true, true, true, true]);
  assert.deepEqual(verdicts.map((v) => v.significantHolm), [true, false, false, true]);
  assert.deepEqual(verdicts.map((v) => v.changed), [false, true, true, false]);
  assert.equal(holmVerdicts([0.001, 0.2]).anyChanged, false);
  assert.equal(holmVerdicts([0.02, 0.03], 0.1).anyChanged, false);
});
