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

// ---------------------------------------------------------------------------------------------
// The same heads in C (compiled once through native.ts's compileC, cached), for the float32 and
// float64 buffers: the exp of every logit dominates the head, and C vectorises it. Same contract
// as the functions above; `dz` is always given (scratch when there is no backward pass).
// ---------------------------------------------------------------------------------------------

const HEAD_C = (real: 'float' | 'double') => `
typedef ${real} real;
#define EXP(x) ${real === 'float' ? 'cs_expf(x)' : 'exp(x)'}
/* buf: z, dz, bias, targets (int32), mask (float), out (double[3]); sc: rows, V, scale, withGrad.
 * Returns -1 - r when the target of row r is outside the vocabulary, else 0. */
CS_KERNEL(softmax_head) {
  real *restrict z = (real *)buf[0], *restrict dz = (real *)buf[1];
  const real *restrict bias = (const real *)buf[2];
  const int32_t *restrict tg = (const int32_t *)buf[3];
  const float *restrict mask = (const float *)buf[4];
  double *out = (double *)buf[5];
  const long rows = (long)sc[0], V = (long)sc[1];
  const double scale = sc[2];
  const int grad = sc[3] != 0;
  double nll = 0, correct = 0, total = 0;
  for (long r = 0; r < rows; r++) {
    const double m = mask[r];
    real *restrict zr = z + r * V, *restrict dr = dz + r * V;
    if (m == 0) {
      if (grad) for (long v = 0; v < V; v++) dr[v] = 0;
      continue;
    }
    const long y = tg[r];
    if (y < 0 || y >= V) return -1.0 - (double)r;
    for (long v = 0; v < V; v++) zr[v] += bias[v];
    real max = zr[0];
    long arg = 0;
    for (long v = 1; v < V; v++) if (zr[v] > max) { max = zr[v]; arg = v; }
    if (zr[y] != zr[y] || max != max) max = (real)NAN;
    double sum = 0;
    for (long v = 0; v < V; v++) {
      const real e = EXP(zr[v] - max);
      dr[v] = e;
      sum += e;
    }
    nll += m * (log(sum) + max - zr[y]);
    if (arg == y) correct += m;
    total += m;
    if (grad) {
      const real k = (real)(m * scale / sum);
      for (long v = 0; v < V; v++) dr[v] *= k;
      dr[y] -= (real)(m * scale);
    }
  }
  out[0] = nll; out[1] = correct; out[2] = total;
  return 0;
}
/* buf: z, dz, bias, targets (float rows), mask (float), out (double[3]); sc: rows, V, scale, withGrad. */
CS_KERNEL(sigmoid_head) {
  real *restrict z = (real *)buf[0], *restrict dz = (real *)buf[1];
  const real *restrict bias = (const real *)buf[2];
  const float *restrict tg = (const float *)buf[3];
  const float *restrict mask = (const float *)buf[4];
  double *out = (double *)buf[5];
  const long rows = (long)sc[0], V = (long)sc[1];
  const double scale = sc[2];
  const int grad = sc[3] != 0;
  double nll = 0, tp = 0, wrong = 0;
  for (long r = 0; r < rows; r++) {
    const double m = mask[r];
    real *restrict zr = z + r * V, *restrict dr = dz + r * V;
    const float *restrict tr = tg + r * V;
    if (m == 0) {
      if (grad) for (long v = 0; v < V; v++) dr[v] = 0;
      continue;
    }
    double rowNll = 0;
    const real ms = (real)(m * scale);
    for (long v = 0; v < V; v++) {
      const real x = zr[v] + bias[v];
      zr[v] = x;
      const real yv = tr[v];
      const real ax = x < 0 ? -x : x;
      const real e = EXP(-ax);
      rowNll += (double)((x > 0 ? x : 0) - yv * x) + log1p((double)e);
      if (grad) dr[v] = ms * ((x >= 0 ? 1 / (1 + e) : e / (1 + e)) - yv);
      const int on = x > 0, want = yv > 0.5f;
      if (on && want) tp += m;
      else if (on != want) wrong += m;
    }
    nll += m * rowNll;
  }
  out[0] = nll; out[1] = tp; out[2] = tp + wrong;
  return 0;
}
`;

export type HeadFn = (
  z: Real, dz: Real, bias: Real, targets: Int32Array | Float32Array, mask: Float32Array,
  rows: number, V: number, scale: number, withGrad: boolean,
) => HeadStats;

/** The C heads for one element type, or null when C kernels cannot be built here. */
export function nativeHeads(
  dtype: 'float32' | 'float64',
  compile: (src: string) => { fn(name: string): (sc: Float64Array, ...b: ArrayBufferView[]) => number },
): { softmax: HeadFn; sigmoid: HeadFn } | null {
  let lib;
  try {
    lib = compile(HEAD_C(dtype === 'float64' ? 'double' : 'float'));
  } catch {
    return null;
  }
  const sc = new Float64Array(4);
  const out = new Float64Array(3);
  const wrap = (name: string): HeadFn => {
    const fn = lib.fn(name);
    return (z, dz, bias, targets, mask, rows, V, scale, withGrad) => {
      sc[0] = rows;
      sc[1] = V;
      sc[2] = scale;
      sc[3] = withGrad ? 1 : 0;
      const rc = fn(sc, z, dz, bias, targets, mask, out);
      if (rc < 0) {
        const r = -1 - rc;
        throw new Error(`target token ${(targets as Int32Array)[r]} at position ${r} is outside the vocabulary 0..${V - 1}`);
      }
      return { nll: out[0], correct: out[1], total: out[2] };
    };
  };
  return { softmax: wrap('softmax_head'), sigmoid: wrap('sigmoid_head') };
}
