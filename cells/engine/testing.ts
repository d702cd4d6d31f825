// Helpers shared by the engine's tests: seeded random batches and a finite-difference gradient
// check. Not used by the engine itself.
import seedrandom from 'seedrandom';
import type { MultiHotBatch, TokenBatch } from './batch.ts';
import { evaluateSequence, type Params, type Vectors } from '../evaluate.ts';
import { paramSpecs, type Cell } from '../graph.ts';
import type { Model } from './model.ts';

export function randomTokenBatch(seed: string, T: number, B: number, V: number, opts: { maskProb?: number; carry?: boolean } = {}): TokenBatch {
  const rng = seedrandom(seed);
  const n = T * B;
  const mask = Float32Array.from({ length: n }, () => (rng() < (opts.maskProb ?? 1) ? 1 : 0));
  if (!mask.some((m) => m > 0)) mask[0] = 1;
  return {
    kind: 'tokens',
    T,
    B,
    inputs: Int32Array.from({ length: n }, () => Math.floor(rng() * V)),
    targets: Int32Array.from({ length: n }, () => Math.floor(rng() * V)),
    mask,
    carry: opts.carry ?? false,
  };
}

export function randomMultiHotBatch(seed: string, T: number, B: number, V: number, opts: { maskProb?: number; carry?: boolean } = {}): MultiHotBatch {
  const rng = seedrandom(seed);
  const n = T * B;
  const mask = Float32Array.from({ length: n }, () => (rng() < (opts.maskProb ?? 1) ? 1 : 0));
  if (!mask.some((m) => m > 0)) mask[0] = 1;
  return {
    kind: 'multihot',
    T,
    B,
    inputs: Float32Array.from({ length: n * V }, () => (rng() < 0.3 ? 1 : 0)),
    targets: Float32Array.from({ length: n * V }, () => (rng() < 0.3 ? 1 : 0)),
    mask,
    carry: opts.carry ?? false,
  };
}

/**
 * Compares the model's gradient of the objective with central finite differences, parameter by
 * parameter (float64 models only), after jittering the parameters. `objective` runs the model
 * forward from the same initial state each time. Returns the worst error, |analytic - numeric| / max(1e-3, |analytic| + |numeric|),
 * and the parameter where it occurs.
 */
export function gradCheck(model: Model, objective: () => number, analytic: () => void, eps = 1e-5): { worst: number; at: string; checked: number } {
  if (!(model.params instanceof Float64Array)) throw new Error('gradCheck needs a float64 model');
  // Jitter every parameter first: biases start at exactly 0, which with a zero input puts a relu
  // exactly on its kink, where central differences and the one-sided derivative disagree.
  const rng = seedrandom('gradCheck');
  for (let i = 0; i < model.params.length; i++) model.params[i] += 0.1 * (rng() - 0.5);
  analytic();
  const g = Float64Array.from(model.grads);
  const p = model.params;
  let worst = 0, at = '', checked = 0;
  for (const [name, v] of model.views) {
    for (let i = v.offset; i < v.offset + v.size; i++) {
      const keep = p[i];
      p[i] = keep + eps;
      const up = objective();
      p[i] = keep - eps;
      const down = objective();
      p[i] = keep;
      const num = (up - down) / (2 * eps);
      const err = Math.abs(g[i] - num) / Math.max(1e-3, Math.abs(g[i]) + Math.abs(num));
      checked++;
      if (err > worst) {
        worst = err;
        at = `${name}[${i - v.offset}] analytic ${g[i]} numeric ${num}`;
      }
    }
  }
  return { worst, at, checked };
}

/** The model's hidden outputs and logits recomputed with the reference evaluator. */
export function reference(model: Model, cell: Cell, batch: TokenBatch): { hidden: Float64Array[]; logits: Float64Array } {
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
export function referenceNll(logits: Float64Array, batch: TokenBatch, V: number): number {
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

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}
