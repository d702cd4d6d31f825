// Kernel micro-benchmarks: GEMM GFLOP/s (native and JS) on the reference shape and on the shapes
// the engine calls for a cell of width H (one step's projections, the all-steps input projection,
// the backward products and the weight gradients), beside OpenBLAS on the same shapes
// (gemm_reference.py, through numpy) and the machine's FLOP limit (a loop of independent FMAs);
// and ns per element of the activations. Times are CPU time (process.cpuUsage; the reference:
// its thread's), less sensitive than wall time to the other processes of a shared machine; the
// best of several repetitions is kept.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gemmJs, type Gemm } from '../cells/engine/gemm.ts';
import { gemm as gemmNative, nativeStatus, compileC } from '../cells/engine/native.ts';
import { fastExp, fastSigmoid, fastTanh } from '../cells/engine/fastmath.ts';

export interface GemmShape {
  label: string;
  tA: boolean;
  tB: boolean;
  M: number;
  N: number;
  K: number;
}

export interface GemmResult extends GemmShape {
  /** packed: op(B) packed once beforehand, as a layer pass does for its per-step products. */
  kernel: 'native' | 'packed' | 'js';
  gflops: number;
  usPerCall: number;
}

/**
 * The reference shape of issue 3 and, per H, the products of a GRU and an LSTM layer (B = 32,
 * T = 35): the per-step products (NN: W^T forward, W backward; the C route packs them once per
 * pass, timed as `packed`); the all-steps input projection reads W (NT); the weight gradients
 * read dG transposed (TN).
 */
export function engineShapes(hidden: number[]): GemmShape[] {
  const out: GemmShape[] = [{ label: 'reference 32x384x128', tA: false, tB: false, M: 32, N: 384, K: 128 }];
  for (const H of hidden) {
    const TB = 32 * 35;
    out.push(
      { label: `H=${H} GRU step h->gates`, tA: false, tB: false, M: 32, N: 2 * H, K: H },
      { label: `H=${H} GRU step rh->cand`, tA: false, tB: false, M: 32, N: H, K: H },
      { label: `H=${H} LSTM step h->gates`, tA: false, tB: false, M: 32, N: 4 * H, K: H },
      { label: `H=${H} GRU x->gates, all`, tA: false, tB: true, M: TB, N: 3 * H, K: H },
      { label: `H=${H} LSTM x->gates, all`, tA: false, tB: true, M: TB, N: 4 * H, K: H },
      { label: `H=${H} GRU step dgates->dh`, tA: false, tB: false, M: 32, N: H, K: 2 * H },
      { label: `H=${H} LSTM step dgates->dh`, tA: false, tB: false, M: 32, N: H, K: 4 * H },
      { label: `H=${H} GRU dgates->dx, all`, tA: false, tB: false, M: TB, N: H, K: 3 * H },
      { label: `H=${H} GRU dW_x, all`, tA: true, tB: false, M: 3 * H, N: H, K: TB },
      { label: `H=${H} LSTM dW_h, all`, tA: true, tB: false, M: 4 * H, N: H, K: TB },
    );
  }
  return out;
}

export interface ReferenceResult {
  /** The BLAS numpy uses, and the OpenBLAS kernel asked for. */
  blas?: string;
  core?: string;
  /** Why there is no reference (no python3, no numpy). */
  error?: string;
  results: { gflops: number; us_per_call: number }[];
}

/** OpenBLAS on the same shapes through numpy (bench/gemm_reference.py), one thread, CPU time. */
export function benchReference(shapes: GemmShape[], budget: number): ReferenceResult {
  const script = fileURLToPath(new URL('./gemm_reference.py', import.meta.url));
  const r = spawnSync('python3', [script, String(budget)], { input: JSON.stringify(shapes), encoding: 'utf8', timeout: 1_800_000 });
  if (r.error) return { error: `python3: ${r.error.message}`, results: [] };
  try {
    const out = JSON.parse(r.stdout) as ReferenceResult;
    return out.error ? { ...out, results: [] } : out;
  } catch {
    return { error: `gemm_reference.py failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(-300)}`, results: [] };
  }
}

// Sixteen independent accumulators hide the FMA latency; the vector width is the widest the
// compiler targets under -march=native, as in native/src/gemm.c.
const C_PEAK = `
#if defined(__AVX512F__)
#define VB 64
#elif defined(__AVX__)
#define VB 32
#else
#define VB 16
#endif
typedef float vf __attribute__((vector_size(VB)));
CS_KERNEL(fma_peak) {
  vf a[16], y = (vf){0} + (float)sc[1], x = (vf){0} + (float)sc[2];
  for (int j = 0; j < 16; j++) a[j] = (vf){0} + (float)j;
  for (int64_t i = 0; i < (int64_t)sc[0]; i++) {
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) a[j] = a[j] * y + x;
  }
  vf s = a[0];
  for (int j = 1; j < 16; j++) s += a[j];
  double r = 0;
  for (int l = 0; l < VB / 4; l++) r += s[l];
  return r;
}
CS_KERNEL(fma_lanes) { return VB / 4; }
`;

/** The FLOP limit of one core in float32 (GFLOP/s, CPU time): a loop of independent FMAs; NaN without the addon. */
export function benchPeak(budget: number): number {
  if (!nativeStatus.loaded) return NaN;
  const lib = compileC(C_PEAK);
  const peak = lib.fn('fma_peak');
  const lanes = lib.fn('fma_lanes')(new Float64Array(0));
  const iters = 1e6;
  const sc = new Float64Array([iters, 0.9999, 1e-4]);
  const sec = timeCalls(() => void peak(sc), budget, 5);
  return (iters * 16 * 2 * lanes) / sec / 1e9;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Best CPU time per call over `reps` batches of calls sized to about `budget` seconds each. */
function timeCalls(fn: () => void, budget: number, reps: number): number {
  let n = 1;
  for (;;) {
    const t0 = cpuSeconds();
    for (let i = 0; i < n; i++) fn();
    const t = cpuSeconds() - t0;
    if (t > budget / 4 || n > 1e7) break;
    n *= 2;
  }
  n = Math.max(1, Math.round(n * 4));
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = cpuSeconds();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, (cpuSeconds() - t0) / n);
  }
  return best;
}

// The product by an operand packed once (a layer pass's per-step products), B is K x N. The
// panels start at a 64-byte boundary, as in the generated passes.
const C_PACKED = `
#define ALIGNED(p) ((float *)(((uintptr_t)(p) + 63) & ~(uintptr_t)63))
CS_KERNEL(pack) { cs_spack(0, (int)sc[1], (int)sc[0], buf[0], (long)sc[0], ALIGNED(buf[1])); return 0; }
CS_KERNEL(packed) {
  return cs_sgemm_packed(0, (int)sc[2], (int)sc[0], (int)sc[1], 1.0f, buf[0], (long)sc[1], ALIGNED(buf[1]), 0.0f, buf[2], (long)sc[0]);
}
`;

/** The packed product as a Gemm for NN shapes: packs B on the first call of each shape only. */
function packedGemm(): (s: GemmShape, A: Float32Array, B: Float32Array, C: Float32Array) => () => void {
  const lib = compileC(C_PACKED);
  const pack = lib.fn('pack'), packed = lib.fn('packed');
  return (s, A, B, C) => {
    const sc = new Float64Array([s.N, s.K, s.M]);
    const Bp = new Float32Array(s.K * Math.ceil(s.N / 32) * 32 + 16);
    pack(sc, B, Bp);
    return () => void packed(sc, A, Bp, C);
  };
}

export function benchGemm(shapes: GemmShape[], opts: { js: boolean; budget: number }): GemmResult[] {
  const out: GemmResult[] = [];
  const kernels: ['native' | 'js', Gemm][] = [];
  if (nativeStatus.loaded) kernels.push(['native', gemmNative]);
  if (opts.js || !nativeStatus.loaded) kernels.push(['js', gemmJs]);
  const withPacked = nativeStatus.loaded ? packedGemm() : null;
  for (const s of shapes) {
    const lda = s.tA ? s.M : s.K, ldb = s.tB ? s.K : s.N;
    const A = new Float32Array(s.M * s.K).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    const B = new Float32Array(s.K * s.N).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
    const C = new Float32Array(s.M * s.N);
    for (const [kernel, g] of kernels) {
      if (kernel === 'js' && 2 * s.M * s.N * s.K > 5e7) continue; // minutes in plain JS
      const sec = timeCalls(() => g(s.tA, s.tB, s.M, s.N, s.K, 1, A, 0, lda, B, 0, ldb, 0, C, 0, s.N), opts.budget, 3);
      out.push({ ...s, kernel, gflops: (2 * s.M * s.N * s.K) / sec / 1e9, usPerCall: sec * 1e6 });
    }
    if (withPacked && / step /.test(s.label) && !s.tA && !s.tB) {
      const sec = timeCalls(withPacked(s, A, B, C), opts.budget, 3);
      out.push({ ...s, kernel: 'packed', gflops: (2 * s.M * s.N * s.K) / sec / 1e9, usPerCall: sec * 1e6 });
    }
  }
  return out;
}

export interface ElementwiseResult {
  fn: string;
  nsPerElement: number;
}

const C_ACT = `
CS_KERNEL(tanh_f32) { const float *x = buf[0]; float *y = buf[1]; for (int64_t i = 0; i < len[0]; i++) y[i] = cs_tanhf(x[i]); return 0; }
CS_KERNEL(sigmoid_f32) { const float *x = buf[0]; float *y = buf[1]; for (int64_t i = 0; i < len[0]; i++) y[i] = cs_sigmoidf(x[i]); return 0; }
CS_KERNEL(exp_f32) { const float *x = buf[0]; float *y = buf[1]; for (int64_t i = 0; i < len[0]; i++) y[i] = cs_expf(x[i]); return 0; }
CS_KERNEL(libm_tanhf) { const float *x = buf[0]; float *y = buf[1]; for (int64_t i = 0; i < len[0]; i++) y[i] = tanhf(x[i]); return 0; }
`;

/** ns per element over a Float32Array of n values in [-10, 10] (input and output in cache). */
export function benchElementwise(budget: number): ElementwiseResult[] {
  const n = 4096;
  const x = new Float32Array(n).map((_, i) => (i / n) * 20 - 10);
  const y = new Float32Array(n);
  const cases: [string, () => void][] = [
    ['Math.tanh (JS)', () => { for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]); }],
    ['fastTanh (JS)', () => { for (let i = 0; i < n; i++) y[i] = fastTanh(x[i]); }],
    ['1/(1+Math.exp(-x)) (JS)', () => { for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i])); }],
    ['fastSigmoid (JS)', () => { for (let i = 0; i < n; i++) y[i] = fastSigmoid(x[i]); }],
    ['Math.exp (JS)', () => { for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]); }],
    ['fastExp (JS)', () => { for (let i = 0; i < n; i++) y[i] = fastExp(x[i]); }],
  ];
  if (nativeStatus.loaded) {
    const lib = compileC(C_ACT);
    const none = new Float64Array(0);
    for (const name of ['tanh_f32', 'sigmoid_f32', 'exp_f32', 'libm_tanhf']) {
      const f = lib.fn(name);
      cases.push([`${name === 'libm_tanhf' ? 'libm tanhf' : `cs_${name.replace('_f32', 'f')}`} (C, compileC)`, () => void f(none, x, y)]);
    }
  }
  return cases.map(([fn, body]) => ({ fn, nsPerElement: (timeCalls(body, budget, 5) / n) * 1e9 }));
}
