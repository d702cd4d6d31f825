// The compiled forward pass (float32, fast activations) against the float64 reference evaluator
// (cells/evaluate.ts), for every zoo cell, one and two layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZOO } from '../zoo/index.ts';
import { parseCell } from '../validate.ts';
import { compileModel } from './compile.ts';
import { maxDiff, randomTokenBatch, reference, referenceNll } from './testing.ts';
import { nativeStatus } from './native.ts';

for (const kernels of ['js', 'c'] as const) {
  const skip = kernels === 'c' && !nativeStatus.loaded ? `C kernels unavailable: ${nativeStatus.reason}` : false;
  for (const [key, cell] of Object.entries(ZOO)) {
    test(`[${kernels}] compiled forward equals the reference evaluator: ${key}`, { skip }, () => {
      for (const layers of [1, 2]) {
        const model = compileModel(cell, { kernels, hidden: 5, vocab: 6, layers, initScale: 2, seed: key });
        assert.equal(model.route(2), kernels);
        const batch = randomTokenBatch(`fw-${key}`, 4, 2, 6);
        const got = model.predict(batch);
        const want = reference(model, cell, batch);
        for (let l = 0; l < layers; l++) assert.ok(maxDiff(got.hidden[l], want.hidden[l]) < 2e-6, `layer ${l} outputs differ by ${maxDiff(got.hidden[l], want.hidden[l])}`);
        assert.ok(maxDiff(got.logits, want.logits) < 1e-5, `logits differ by ${maxDiff(got.logits, want.logits)}`);
        model.resetState();
        const stats = model.evaluateBatch(batch);
        const nll = referenceNll(want.logits, batch, model.V);
        assert.ok(Math.abs(stats.nll - nll) < 1e-4 * Math.abs(nll), `NLL ${stats.nll}, reference ${nll}`);
      }
    });
  }
}

// leaky_relu is in no zoo cell: its forward on both routes, with inputs of both signs.
for (const kernels of ['js', 'c'] as const) {
  const skip = kernels === 'c' && !nativeStatus.loaded ? `C kernels unavailable: ${nativeStatus.reason}` : false;
  test(`[${kernels}] compiled forward of leaky_relu equals the reference evaluator on both sides of 0`, { skip }, () => {
    const cell = parseCell({ states: ['h'], nodes: [{ id: 'a', op: 'linear', in: ['x', 'h'] }, { id: 'n', op: 'leaky_relu', in: ['a'] }], outputs: { h: 'n' } });
    const model = compileModel(cell, { kernels, hidden: 4, vocab: 5, initScale: 2, seed: 3 });
    const batch = randomTokenBatch('op-leaky_relu', 4, 3, 5);
    const got = model.predict(batch);
    const want = reference(model, cell, batch);
    assert.ok(maxDiff(got.hidden[0], want.hidden[0]) < 2e-6, `outputs differ by ${maxDiff(got.hidden[0], want.hidden[0])}`);
    assert.ok(got.hidden[0].some((v) => v < 0) && got.hidden[0].some((v) => v > 0), 'both slopes are exercised');
    assert.ok(maxDiff(got.logits, want.logits) < 1e-5);
  });
}
