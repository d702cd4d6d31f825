// The engine on random valid cells (cells/random.ts): compiled forward against the reference
// evaluator, and gradients against finite differences, on both routes of the fused loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { randomCell } from '../random.ts';
import type { Cell } from '../graph.ts';
import { compileModel } from './compile.ts';
import { nativeStatus } from './native.ts';
import { gradCheck, maxDiff, randomMultiHotBatch, randomTokenBatch, reference } from './testing.ts';

const CELLS = 12;
const skipC = nativeStatus.loaded ? false : `C kernels unavailable: ${nativeStatus.reason}`;

function forwardMatches(cell: Cell, n: number, layers: number, kernels: 'js' | 'c'): void {
  const model = compileModel(cell, { kernels, hidden: 5, vocab: 6, layers, initScale: 1.5, seed: n });
  const batch = randomTokenBatch(`rf-${n}`, 4, 2, 6);
  const got = model.predict(batch);
  const want = reference(model, cell, batch);
  for (let l = 0; l < layers; l++) {
    const scale = Math.max(1, ...want.hidden[l].map(Math.abs));
    assert.ok(maxDiff(got.hidden[l], want.hidden[l]) < 4e-6 * scale, `layer ${l} outputs differ by ${maxDiff(got.hidden[l], want.hidden[l])} (scale ${scale})`);
  }
}

function gradientMatches(cell: Cell, n: number, layers: number, kernels: 'js' | 'c'): void {
  const multihot = n % 5 === 4;
  const model = compileModel(cell, { kernels, hidden: 3, vocab: 4, layers, dtype: 'float64', initScale: 1.5, seed: n, input: multihot ? 'multihot' : 'tokens' });
  const batch = multihot ? randomMultiHotBatch(`rg-${n}`, 3, 2, 4, { maskProb: 0.8 }) : randomTokenBatch(`rg-${n}`, 3, 2, 4, { maskProb: 0.8 });
  const r = gradCheck(
    model,
    () => {
      model.resetState();
      return model.evaluateBatch(batch).objective;
    },
    () => {
      model.resetState();
      model.lossAndGradient(batch);
    },
  );
  assert.ok(r.worst < 1e-5, `worst relative error ${r.worst} at ${r.at}`);
}

for (let n = 0; n < CELLS; n++) {
  // Some cells keep dead nodes: the engine must compute them and give them zero gradient.
  const cell = randomCell(seedrandom(`engine-random-${n}`), { keepDead: n % 4 === 3 });
  const layers = n % 3 === 2 ? 2 : 1;
  const what = `random cell ${n} (${cell.nodes.length} nodes, ${cell.states.length} states, ${layers} layers)`;
  // Every cell on the JavaScript route; on the C route, where each program costs a compile, half
  // of them forward and a third of them backward.
  test(`[js] ${what}: forward equals the reference`, () => forwardMatches(cell, n, layers, 'js'));
  test(`[js] ${what}: gradients equal finite differences`, () => gradientMatches(cell, n, layers, 'js'));
  if (n % 2 === 0) test(`[c] ${what}: forward equals the reference`, { skip: skipC }, () => forwardMatches(cell, n, layers, 'c'));
  if (n % 3 === 0) test(`[c] ${what}: gradients equal finite differences`, { skip: skipC }, () => gradientMatches(cell, n, layers, 'c'));
}
