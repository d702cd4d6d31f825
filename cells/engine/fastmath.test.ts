import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastExp, fastSigmoid, fastTanh } from './fastmath.ts';

function grid(lo: number, hi: number, step: number): number[] {
  const xs: number[] = [];
  for (let x = lo; x <= hi; x += step) xs.push(x);
  return xs;
}

test('fastTanh is within 4e-7 of Math.tanh, odd, and bounded by 1', () => {
  let worst = 0;
  for (const x of [...grid(-12, 12, 1.7e-4), 1e-30, 5e-4, 7.9053, 7.9054, 30, 1e300]) {
    const t = fastTanh(x);
    worst = Math.max(worst, Math.abs(t - Math.tanh(x)));
    assert.equal(fastTanh(-x), -t);
    assert.ok(Math.abs(t) <= 1);
  }
  assert.ok(worst < 4e-7, `max error ${worst}`);
  assert.equal(fastTanh(0), 0);
});

test('fastSigmoid is within 2e-7 of 1 / (1 + exp(-x))', () => {
  let worst = 0;
  for (const x of grid(-40, 40, 3.1e-4)) worst = Math.max(worst, Math.abs(fastSigmoid(x) - 1 / (1 + Math.exp(-x))));
  assert.ok(worst < 2e-7, `max error ${worst}`);
  assert.equal(fastSigmoid(0), 0.5);
});

test('fastExp has relative error below 1e-8 over the whole float64 range, and the right limits at both ends', () => {
  let worst = 0;
  for (const x of [...grid(-745, 709.78, 7.3e-3), ...grid(-1, 1, 1e-4), 709.78, -708.4, 1e-20, -1e-20]) {
    const w = Math.exp(x);
    if (w < 1e-300) continue; // near the subnormal end only absolute error is meaningful
    worst = Math.max(worst, Math.abs(fastExp(x) - w) / w);
  }
  assert.ok(worst < 1e-8, `max relative error ${worst}`);
  for (const x of [-740, -744.4, -745]) assert.ok(Math.abs(fastExp(x) - Math.exp(x)) <= 2 * Number.MIN_VALUE, `exp(${x})`);
  assert.equal(fastExp(0), 1);
  assert.equal(fastExp(710), Infinity);
  assert.equal(fastExp(-746), 0);
});

test('NaN propagates and infinities give the limits', () => {
  for (const f of [fastTanh, fastSigmoid, fastExp]) assert.ok(Number.isNaN(f(NaN)), `${f.name}(NaN)`);
  assert.equal(fastTanh(Infinity), 1);
  assert.equal(fastTanh(-Infinity), -1);
  assert.equal(fastSigmoid(Infinity), 1);
  assert.equal(fastSigmoid(-Infinity), 0);
  assert.equal(fastExp(Infinity), Infinity);
  assert.equal(fastExp(-Infinity), 0);
});
