import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramSpecs } from './graph.ts';
import { evaluateSequence, evaluateStep, randomParams, zeroParams } from './evaluate.ts';
import { parseCell } from './validate.ts';

const v = (...a: number[]) => Float64Array.from(a);

// Exercises the ops the zoo does not use (relu, identity, linear without bias, diagOffset).
const cell = parseCell({
  states: ['h'],
  nodes: [
    { id: 'a', op: 'linear', in: ['x', 'h'], bias: false, diagOffset: 1 },
    { id: 'r', op: 'relu', in: ['a'] },
    { id: 'i', op: 'identity', in: ['r'] },
    { id: 'd', op: 'diag', in: ['h'] },
    { id: 's', op: 'sub', in: ['i', 'd'] },
  ],
  outputs: { h: 's' },
});

test('relu, identity, sub, diag and a linear without bias, by hand', () => {
  const p = {
    'a.W0': v(1, 2, 3, 4),
    'a.W1': v(-1, 0, 0, 1),
    'd.p': v(0.5, 2),
  };
  const x = v(1, -1);
  const h = v(2, 3);
  // a = [1-2, 3-4] + [-2, 3] = [-3, 2]; relu -> [0, 2]; d = [1, 6]; s = [-1, -4]
  const r = evaluateStep(cell, p, 2, x, { h });
  assert.deepEqual([...r.values.a], [-3, 2]);
  assert.deepEqual([...r.values.r], [0, 2]);
  assert.deepEqual([...r.next.h], [-1, -4]);
  assert.equal(r.values.x, x);
  assert.equal(r.values.h, h);
});

test('zeroParams puts diagOffset on the weight diagonals and nothing else', () => {
  const p = zeroParams(cell, 2);
  assert.deepEqual([...p['a.W0']], [1, 0, 0, 1]);
  assert.deepEqual([...p['d.p']], [0, 0]);
  assert.deepEqual(Object.keys(p).sort(), paramSpecs(cell, 2).map((s) => s.name).sort());
});

test('randomParams is deterministic per seed and within scale', () => {
  const a = randomParams(cell, 3, 7, 0.1);
  assert.deepEqual(a, randomParams(cell, 3, 7, 0.1));
  assert.notDeepEqual(a, randomParams(cell, 3, 8, 0.1));
  for (const t of Object.values(a)) for (const x of t) assert.ok(Math.abs(x) <= 0.1);
});

test('missing or misshapen parameters and states are reported by name', () => {
  const p = randomParams(cell, 2, 1);
  assert.throws(() => evaluateStep(cell, { ...p, 'd.p': v(1) }, 2, v(0, 0), { h: v(0, 0) }), /parameter 'd\.p' has length 1, expected 2/);
  const { ['a.W1']: _, ...missing } = p;
  assert.throws(() => evaluateStep(cell, missing, 2, v(0, 0), { h: v(0, 0) }), /missing parameter 'a\.W1'/);
  assert.throws(() => evaluateStep(cell, p, 2, v(0, 0), {}), /missing state 'h'/);
  assert.throws(() => evaluateStep(cell, p, 2, v(0), { h: v(0, 0) }), /input 'x' has length 1/);
});

test('evaluateSequence chains steps', () => {
  const p = randomParams(cell, 2, 3);
  const xs = [v(1, 0), v(0, 1), v(-1, 1)];
  const seq = evaluateSequence(cell, p, 2, xs, { h: v(0.1, 0.2) });
  let h: Float64Array = v(0.1, 0.2);
  for (let t = 0; t < xs.length; t++) {
    h = evaluateStep(cell, p, 2, xs[t], { h }).next.h;
    assert.deepEqual(seq[t].h, h);
  }
});

test('leaky_relu keeps 0.01 of a negative input (PyTorch default slope) and passes the rest', () => {
  const leaky = parseCell({ states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'], bias: false }, { id: 'r', op: 'leaky_relu', in: ['a'] }], outputs: { h: 'r' } });
  // a = x + h with identity weights = [-3, 2, 0]
  const eye = v(1, 0, 0, 0, 1, 0, 0, 0, 1);
  const r = evaluateStep(leaky, { 'a.W0': eye, 'a.W1': eye }, 3, v(-1, 1, 0), { h: v(-2, 1, 0) });
  assert.deepEqual([...r.next.h], [-0.03, 2, 0]);
});
