// Gradients of the compiled engine (float64 mode) against central finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCell } from '../validate.ts';
import type { Batch } from './batch.ts';
import { compileModel } from './compile.ts';
import type { ModelOptionsInput } from './options.ts';
import { gradCheck, randomMultiHotBatch, randomTokenBatch } from './testing.ts';
import type { Cell } from '../graph.ts';
import { ZOO } from '../zoo/index.ts';
import { nativeStatus } from './native.ts';

// Both routes of the fused loops: generated JavaScript, and generated C when the addon is built.
const ROUTES = ['js', 'c'] as const;
const skipC = nativeStatus.loaded ? false : `C kernels unavailable: ${nativeStatus.reason}`;

function check(cell: Cell, opts: Partial<ModelOptionsInput>, batch: Batch, tol = 1e-6) {
  const model = compileModel(cell, { hidden: 4, vocab: 5, dtype: 'float64', initScale: 2, seed: 3, ...opts });
  assert.equal(model.route(batch.B), opts.kernels ?? 'js');
  const objective = () => {
    model.resetState();
    return model.evaluateBatch(batch).objective;
  };
  const r = gradCheck(model, objective, () => {
    model.resetState();
    model.lossAndGradient(batch);
  });
  assert.ok(r.worst < tol, `worst relative error ${r.worst} at ${r.at}`);
  assert.ok(r.checked > 0);
}

// One hand-built cell per op type, each small enough to check every parameter.
const OP_CELLS: Record<string, unknown> = {
  tanh: { states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 'n', op: 'tanh', in: ['a'] }], outputs: { h: 'n' } },
  sigmoid: { states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'], biasInit: 0.5 }, { id: 'n', op: 'sigmoid', in: ['a'] }], outputs: { h: 'n' } },
  relu: { states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 'n', op: 'relu', in: ['a'] }], outputs: { h: 'n' } },
  // Both signs occur at initScale 2 (forward.test.ts checks it with the same model), so both slopes are checked.
  leaky_relu: { states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 'n', op: 'leaky_relu', in: ['a'] }], outputs: { h: 'n' } },
  identity: { states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'], bias: false }, { id: 'n', op: 'identity', in: ['a'] }, { id: 'm', op: 'tanh', in: ['n'] }], outputs: { h: 'm' } },
  add: { states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x'] }, { id: 'n', op: 'tanh', in: ['h'] }, { id: 's', op: 'add', in: ['a', 'n'] }], outputs: { h: 's' } },
  sub: { states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['h'] }, { id: 'n', op: 'tanh', in: ['x'] }, { id: 's', op: 'sub', in: ['n', 'a'] }, { id: 't', op: 'tanh', in: ['s'] }], outputs: { h: 't' } },
  mul: { states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 'g', op: 'sigmoid', in: ['a'] }, { id: 's', op: 'mul', in: ['g', 'h'] }, { id: 'u', op: 'mul', in: ['x', 'x'] }, { id: 'v', op: 'add', in: ['s', 'u'] }], outputs: { h: 'v' } },
  diag: { states: ['h', 'c'], nodes: [{ id: 'p', op: 'diag', in: ['c'] }, { id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 's', op: 'add', in: ['a', 'p'] }, { id: 'c2', op: 'tanh', in: ['s'] }, { id: 'h2', op: 'sigmoid', in: ['c2'] }], outputs: { h: 'h2', c: 'c2' } },
  one: { states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 'z', op: 'sigmoid', in: ['a'] }, { id: 'o', op: 'one' }, { id: 'y', op: 'sub', in: ['o', 'z'] }, { id: 'm', op: 'mul', in: ['y', 'h'] }, { id: 'n', op: 'tanh', in: ['x'] }, { id: 'k', op: 'mul', in: ['z', 'n'] }, { id: 'r', op: 'add', in: ['m', 'k'] }], outputs: { h: 'r' } },
  // Two states that take the same new value (h' = c').
  shared: { states: ['h', 'c'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h', 'c'] }, { id: 'n', op: 'tanh', in: ['a'] }], outputs: { h: 'n', c: 'n' } },
  // A linear node reading a node computed in the same step, and one reading the same source twice.
  chained: { states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 'r', op: 'sigmoid', in: ['a'] }, { id: 'm', op: 'mul', in: ['r', 'h'] }, { id: 'b', op: 'linear', in: ['m', 'x', 'm'], diagOffset: 0.5 }, { id: 'n', op: 'tanh', in: ['b'] }], outputs: { h: 'n' } },
};

for (const kernels of ROUTES) {
  const skip = kernels === 'c' && skipC;
  for (const [name, json] of Object.entries(OP_CELLS)) {
    test(`[${kernels}] gradient of op '${name}' equals finite differences (tokens, masked)`, { skip }, () => {
      check(parseCell(json), { kernels }, randomTokenBatch(`op-${name}`, 4, 3, 5, { maskProb: 0.7 }));
    });
  }

  test(`[${kernels}] gradient of a two-layer model with the sigmoid (multi-hot) head equals finite differences`, { skip }, () => {
    check(parseCell(OP_CELLS.one), { kernels, layers: 2, input: 'multihot', lossNorm: 'token' }, randomMultiHotBatch('mh', 3, 2, 5, { maskProb: 0.8 }));
  });

  test(`[${kernels}] gradient of a two-layer model with two states equals finite differences`, { skip }, () => {
    check(parseCell(OP_CELLS.diag), { kernels, layers: 2, hidden: 3 }, randomTokenBatch('two', 5, 2, 5));
  });
}

// Every zoo cell on the JavaScript route; on the C route (a compile each) the cells whose shapes
// differ most: two-gate and four-gate, peepholes, coupled gates, gates reading gates, MUT1's x-only gate.
const C_ZOO = new Set(['gru', 'lstm', 'mut1', 'greff-vanilla', 'greff-cifg', 'greff-fgr']);
for (const kernels of ROUTES) {
  for (const [key, cell] of Object.entries(ZOO)) {
    if (kernels === 'c' && !C_ZOO.has(key)) continue;
    test(`[${kernels}] gradient of zoo cell ${key} equals finite differences`, { skip: kernels === 'c' && skipC }, () => {
      check(cell, { kernels, hidden: 3, vocab: 4, seed: key }, randomTokenBatch(`zoo-${key}`, 3, 2, 4, { maskProb: 0.8 }));
    });
  }
}

for (const kernels of ROUTES) {
  test(`[${kernels}] gradient with dropout and input noise (draws replayed) equals finite differences`, { skip: kernels === 'c' && skipC }, () => {
    const model = compileModel(parseCell(OP_CELLS.mul), { kernels, hidden: 4, vocab: 5, layers: 2, dtype: 'float64', dropout: 0.4, inputNoise: 0.3, initScale: 2, seed: 3 });
    assert.equal(model.route(3), kernels);
    const batch = randomTokenBatch('drop', 4, 3, 5, { maskProb: 0.8 });
    // Replaying the generators' state gives every evaluation the same masks and noise.
    const saved = model.randomState();
    const run = () => {
      model.setRandomState(saved);
      model.resetState();
      return model.lossAndGradient(batch).objective;
    };
    const r = gradCheck(model, run, run);
    // Inverted dropout scales kept values by 1/0.6: finite differences get a little noisier.
    assert.ok(r.worst < 1e-5, `worst relative error ${r.worst} at ${r.at}`);
    // And the masks are really there: without replay the next objective differs.
    model.setRandomState(saved);
    const a = model.lossAndGradient(batch).objective;
    assert.notEqual(model.lossAndGradient(batch).objective, a);
  });
}
