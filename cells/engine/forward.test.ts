// The compiled forward pass (float32, fast activations) against the float64 reference evaluator
// (cells/evaluate.ts), for every zoo cell, one and two layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZOO } from '../zoo/index.ts';
import { evaluateSequence, type Params, type Vectors } from '../evaluate.ts';
import { paramSpecs, type Cell } from '../graph.ts';
import { compileModel, type Model } from './model.ts';
import { randomTokenBatch } from './testing.ts';
import type { TokenBatch } from '../../tasks/batch.ts';
import { nativeStatus } from './native.ts';

/** The model's hidden outputs and logits recomputed with the reference evaluator. */
function reference(model: Model, cell: Cell, batch: TokenBatch): { hidden: Float64Array[]; logits: Float64Array } {
  const { H, V, L } = model;
  const w = model.getWeights();
  const { T, B } = batch;
  const hidden = Array.from({ length: L }, () => new Float64Array(T * B * H));
  const logits = new Float64Array(T * B * V);
  for (let b = 0; b < B; b++) {
    let xs: Float64Array[] = Array.from({ length: T }, (_, t) => Float64Array.from(w.embed.subarray(batch.inputs[t * B + b] * H, (batch.inputs[t * B + b] + 1) * H)));
    for (let l = 0; l < L; l++) {
      const params: Params = {};
      for (const s of paramSpecs(cell, H)) params[s.name] = Float64Array.from(w[`layer${l}/${s.name}`]);
      const zero: Vectors = Object.fromEntries(cell.states.map((s) => [s, new Float64Array(H)]));
      const states = evaluateSequence(cell, params, H, xs, zero);
      xs = states.map((s) => s.h);
      xs.forEach((h, t) => hidden[l].set(h, (t * B + b) * H));
    }
    xs.forEach((h, t) => {
      for (let v = 0; v < V; v++) {
        let s = w['out.b'][v];
        for (let j = 0; j < H; j++) s += w['out.W'][v * H + j] * h[j];
        logits[(t * B + b) * V + v] = s;
      }
    });
  }
  return { hidden, logits };
}

/** Softmax cross-entropy summed over the scored positions, from reference logits. */
function referenceNll(logits: Float64Array, batch: TokenBatch, V: number): number {
  let nll = 0;
  for (let r = 0; r < batch.T * batch.B; r++) {
    if (!batch.mask[r]) continue;
    const row = logits.subarray(r * V, (r + 1) * V);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
    nll += lse - row[batch.targets[r]];
  }
  return nll;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}

for (const kernels of ['js', 'c'] as const) {
  const skip = kernels === 'c' && !nativeStatus.loaded ? `C kernels unavailable: ${nativeStatus.reason}` : false;
  for (const [key, cell] of Object.entries(ZOO)) {
    test(`[${kernels}] compiled forward equals the reference evaluator: ${key}`, { skip }, () => {
      for (const layers of [1, 2]) {
        const model = compileModel(cell, { kernels, hidden: 5, vocab: 6, layers, initScale: 2, seed: key });
        assert.equal(model.route(4, 2), kernels);
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
