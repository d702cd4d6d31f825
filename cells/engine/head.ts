// The output heads: the loss over the logits of one batch, and its gradient with respect to the
// logits. Small monomorphic functions so that V8 optimises each on its own.
//
// softmaxHead: softmax cross-entropy against a target token per row (tokens).
// sigmoidHead: a sigmoid per unit with binary cross-entropy, summed over units (multi-hot; the
// NLL per time step of the music task).
//
// Both add the output bias to the logits in place, skip rows whose mask is 0, and, when `dz` is
// given, write d(objective)/d(logits) scaled by `mask * scale` (scale = 1 / normaliser).
import type { Real } from './gemm.ts';

export interface HeadStats {
  nll: number;
  /** Tokens: correct argmax predictions; multi-hot: true positives (logit > 0 and target 1). */
  correct: number;
  /** Tokens: scored positions; multi-hot: TP + FP + FN. */
  total: number;
}

export function softmaxHead(
  z: Real, dz: Real | null, bias: Real, targets: Int32Array, mask: Float32Array,
  rows: number, V: number, scale: number, exp: (x: number) => number,
): HeadStats {
  let nll = 0, correct = 0, total = 0;
  for (let r = 0; r < rows; r++) {
    const m = mask[r];
    const o = r * V;
    if (m === 0) {
      if (dz) dz.fill(0, o, o + V);
      continue;
    }
    const y = targets[r];
    if (!(y >= 0 && y < V)) throw new Error(`target token ${y} at position ${r} is outside the vocabulary 0..${V - 1}`);
    let max = -Infinity, arg = 0;
    for (let v = 0; v < V; v++) {
      const zv = z[o + v] + bias[v];
      z[o + v] = zv;
      if (zv > max) {
        max = zv;
        arg = v;
      }
    }
    // A NaN logit must surface as a NaN loss, not be skipped by the comparisons above.
    if (Number.isNaN(z[o + y]) || Number.isNaN(max)) max = NaN;
    let sum = 0;
    if (dz) {
      for (let v = 0; v < V; v++) {
        const e = exp(z[o + v] - max);
        dz[o + v] = e;
        sum += e;
      }
    } else {
      for (let v = 0; v < V; v++) sum += exp(z[o + v] - max);
    }
    nll += m * (Math.log(sum) + max - z[o + y]);
    if (arg === y) correct += m;
    total += m;
    if (dz) {
      const k = (m * scale) / sum;
      for (let v = 0; v < V; v++) dz[o + v] *= k;
      dz[o + y] -= m * scale;
    }
  }
  return { nll, correct, total };
}

export function sigmoidHead(
  z: Real, dz: Real | null, bias: Real, targets: Float32Array, mask: Float32Array,
  rows: number, V: number, scale: number, exp: (x: number) => number,
): HeadStats {
  let nll = 0, tp = 0, wrong = 0;
  for (let r = 0; r < rows; r++) {
    const m = mask[r];
    const o = r * V;
    if (m === 0) {
      if (dz) dz.fill(0, o, o + V);
      continue;
    }
    let rowNll = 0;
    for (let v = 0; v < V; v++) {
      const x = z[o + v] + bias[v];
      z[o + v] = x;
      const y = targets[o + v];
      // softplus(x) - y x, and the sigmoid, from one exp of -|x|.
      const e = exp(-Math.abs(x));
      rowNll += (x > 0 ? x : 0) - y * x + Math.log1p(e);
      if (dz) dz[o + v] = m * scale * ((x >= 0 ? 1 / (1 + e) : e / (1 + e)) - y);
      const on = x > 0, want = y > 0.5;
      if (on && want) tp += m;
      else if (on !== want) wrong += m;
    }
    nll += m * rowNll;
  }
  return { nll, correct: tp, total: tp + wrong };
}
