// The engine on random valid cells (cells/random.ts): compiled forward against the reference
// evaluator, and gradients against finite differences, on both routes of the fused loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { randomCell } from '../random.ts';
import { compileModel } from './model.ts';
import { nativeStatus } from './native.ts';
import { gradCheck, maxDiff, randomMultiHotBatch, randomTokenBatch, reference } from './testing.ts';

const CELLS = 12;
const skipC = nativeStatus.loaded ? false : `C kernels unavailable: ${nativeStatus.reason}`;

for (let n = 0; n < CELLS; n++) {
  // Some cells keep dead nodes: the engine must compute them and give them zero gradient.
  const cell = randomCell(seedrandom(`engine-random-${n}`), { keepDead: n % 4 === 3 });
  const layers = n % 3 === 2 ? 2 : 1;
  for (const kernels of ['js', 'c'] as const) {
    const skip = kernels === 'c' && skipC;
    test(`[${kernels}] random cell ${n} (${cell.nodes.length} nodes, ${cell.states.length} states, ${layers} layers): forward equals the reference`, { skip }, () => {
      const model = compileModel(cell, { kernels, hidden: 5, vocab: 6, layers, initScale: 1.5, seed: n });
      const batch = randomTokenBatch(`rf-${n}`, 4, 2, 6);
      const got = model.predict(batch);
      const want = reference(model, cell, batch);
      for (let l = 0; l < layers; l++) {
        const scale = Math.max(1, ...want.hidden[l].map(Math.abs));
        assert.ok(maxDiff(got.hidden[l], want.hidden[l]) < 4e-6 * scale, `layer ${l} outputs differ by ${maxDiff(got.hidden[l], want.hidden[l])} (scale ${scale})`);
      }
    });
    // Every cell on the JavaScript route; a third of them on the C route (each C program costs a compile).
    if (kernels === 'c' && n % 3 !== 0) continue;
    test(`[${kernels}] random cell ${n}: gradients equal finite differences`, { skip }, () => {
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
    });
  }
}
