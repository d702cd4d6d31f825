// Helpers shared by the engine's tests: seeded random batches and a finite-difference gradient
// check. Not used by the engine itself.
import seedrandom from 'seedrandom';
import type { MultiHotBatch, TokenBatch } from '../../tasks/batch.ts';
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
 * parameter (float64 models only). `objective` runs the model forward from the same initial state
 * each time. Returns the worst error, |analytic - numeric| / max(1e-3, |analytic| + |numeric|),
 * and the parameter where it occurs.
 */
export function gradCheck(model: Model, objective: () => number, analytic: () => void, eps = 1e-5): { worst: number; at: string; checked: number } {
  if (!(model.params instanceof Float64Array)) throw new Error('gradCheck needs a float64 model');
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
