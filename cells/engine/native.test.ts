import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { gemmJs } from './gemm.ts';
import { compileC, gemm, nativeStatus } from './native.ts';

const skip = nativeStatus.loaded ? false : `native addon not loaded: ${nativeStatus.reason}`;

test('the native addon is loaded in CI (npm ci must build it)', () => {
  if (process.env.CI !== 'true' && !nativeStatus.loaded) {
    console.log(`# native addon absent outside CI: ${nativeStatus.reason}`);
    return;
  }
  assert.equal(nativeStatus.loaded, true, `native addon not loaded: ${nativeStatus.reason}`);
  assert.notEqual(gemm, gemmJs);
});

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

// One random case: every transpose combination, offsets and padded leading dimensions, odd sizes
// that leave partial register tiles, and sizes past the cache blocks (K > 256, N > 2048 rows).
function check(rng: () => number, Arr: Ctor, tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number, beta: number) {
  const ri = (n: number) => Math.floor(rng() * n);
  const lda = (tA ? M : K) + ri(3), ldb = (tB ? K : N) + ri(3), ldc = N + ri(3);
  const aOff = ri(5), bOff = ri(5), cOff = ri(5);
  const fill = (n: number) => {
    const a = new Arr(n);
    for (let i = 0; i < n; i++) a[i] = rng() * 2 - 1;
    return a;
  };
  const A = fill(aOff + (tA ? K : M) * lda), B = fill(bOff + (tB ? N : K) * ldb), C0 = fill(cOff + M * ldc + 3);
  const want = Float64Array.from(C0), got = new Arr(C0);
  gemmJs(tA, tB, M, N, K, alpha, Float64Array.from(A), aOff, lda, Float64Array.from(B), bOff, ldb, beta, want, cOff, ldc);
  gemm(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, got, cOff, ldc);
  const tol = Arr === Float32Array ? 2e-6 * Math.sqrt(K) * Math.max(1, Math.abs(alpha)) + 1e-6 : 1e-12 * K;
  for (let i = 0; i < got.length; i++) {
    const inside = i >= cOff && i < cOff + M * ldc && (i - cOff) % ldc < N;
    if (!inside) assert.equal(got[i], C0[i], `wrote outside C at ${i}`);
    else if (!(Math.abs(got[i] - want[i]) <= tol))
      assert.fail(`${Arr.name} tA=${tA} tB=${tB} ${M}x${N}x${K} alpha=${alpha} beta=${beta}: C[${i}] = ${got[i]}, want ${want[i]}`);
  }
}

test('native gemm equals gemmJs: random shapes, all transposes, offsets, alpha/beta, both precisions', { skip }, () => {
  const rng = seedrandom('native-gemm');
  const ri = (n: number) => 1 + Math.floor(rng() * n);
  for (const Arr of [Float32Array, Float64Array])
    for (const tA of [false, true])
      for (const tB of [false, true])
        for (let rep = 0; rep < 6; rep++) {
          const [alpha, beta] = [[1, 0], [1, 1], [0.5, -0.25], [-2, 0.75], [1, 0], [0.3, 1]][rep];
          check(rng, Arr, tA, tB, ri(40), ri(70), ri(45), alpha, beta);
        }
});

test('native gemm on the engine shapes and past the cache blocks (K > 256, M > 120, N > 2048)', { skip }, () => {
  const rng = seedrandom('native-gemm-big');
  for (const Arr of [Float32Array, Float64Array]) {
    check(rng, Arr, false, true, 32, 96, 32, 1, 0); // one step, x/h projections (W stored [out][in])
    check(rng, Arr, false, false, 32, 64, 192, 1, 1); // backward into h
    check(rng, Arr, true, false, 130, 37, 300, 1, 1); // weight gradient over all steps
    check(rng, Arr, false, false, 3, 2100, 5, 1, 0.5);
    check(rng, Arr, false, false, 33, 75, 300, 1, 0.5); // B read in place (small M), ragged last panel, two K blocks
    check(rng, Arr, false, true, 64, 97, 300, -1, 1); // B transposed in registers, two K blocks
    check(rng, Arr, false, false, 250, 70, 530, 1, 0.5); // A read in place past MC, ragged rows, three equal K slices
    check(rng, Arr, true, true, 133, 45, 513, 0.5, 0); // A's columns read in place, ragged rows and columns
  }
});

test('native gemm: beta = 0 overwrites C without reading it (NaN in C is ignored), alpha = 0 and K = 0 scale C', { skip }, () => {
  const A = new Float32Array([1, 2, 3, 4]), B = new Float32Array([1, 0, 0, 1]);
  const C = new Float32Array([NaN, NaN, NaN, Infinity]);
  gemm(false, false, 2, 2, 2, 1, A, 0, 2, B, 0, 2, 0, C, 0, 2);
  assert.deepEqual(Array.from(C), [1, 2, 3, 4]);
  gemm(false, false, 2, 2, 2, 0, A, 0, 2, B, 0, 2, 2, C, 0, 2);
  assert.deepEqual(Array.from(C), [2, 4, 6, 8]);
  gemm(false, false, 2, 2, 0, 1, A, 0, 2, B, 0, 2, 0.5, C, 0, 2);
  assert.deepEqual(Array.from(C), [1, 2, 3, 4]);
  // NaN in an operand propagates, as in gemmJs.
  A[0] = NaN;
  gemm(false, false, 2, 2, 2, 1, A, 0, 2, B, 0, 2, 0, C, 0, 2);
  assert.ok(Number.isNaN(C[0]) && Number.isNaN(C[1]) && C[2] === 3 && C[3] === 4);
});

test('native gemm rejects operands too small for the sizes and offsets instead of touching memory', { skip }, () => {
  const A = new Float32Array(6), B = new Float32Array(6), C = new Float32Array(4);
  assert.throws(() => gemm(false, false, 2, 2, 3, 1, A, 1, 3, B, 0, 2, 0, C, 0, 2), RangeError);
  assert.throws(() => gemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 1, 2, 0, C, 0, 2), RangeError);
  assert.throws(() => gemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 1, 2), RangeError);
  assert.throws(() => gemm(false, false, 2, 2, 3, 1, A, 0, 2, B, 0, 2, 0, C, 0, 2), RangeError); // lda < K
  assert.throws(() => gemm(false, false, 2, 2, -1, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2), TypeError);
  gemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2); // exactly fits
});

test('native gemm with mixed float32/float64 operands falls back to gemmJs', { skip }, () => {
  const A = new Float64Array([1, 2]), B = new Float32Array([3, 4]), C = new Float32Array(1);
  gemm(false, true, 1, 1, 2, 1, A, 0, 2, B, 0, 2, 0, C, 0, 1);
  assert.equal(C[0], 11);
});

test('the addon works in worker threads, each with its own buffers, and survives their exit', { skip }, async () => {
  const { Worker } = await import('node:worker_threads');
  // Plain JS in the worker (no tsx there): it loads the addon binary itself.
  const code = `
    const { parentPort } = require('node:worker_threads');
    const addon = require(${JSON.stringify(nativeStatus.path)});
    const n = 70, A = new Float32Array(n * n).fill(1), C = new Float32Array(n * n);
    addon.gemm(false, true, n, n, n, 1, A, 0, n, A, 0, n, 0, C, 0, n);
    parentPort.postMessage({ loaded: true, c: C[n * n - 1] });`;
  for (let round = 0; round < 2; round++) {
    const results = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<{ loaded: boolean; c: number }>((resolve, reject) => {
            const w = new Worker(code, { eval: true });
            w.once('message', (m) => void w.terminate().then(() => resolve(m)));
            w.once('error', reject);
          }),
      ),
    );
    for (const r of results) assert.deepEqual(r, { loaded: true, c: 70 });
  }
  // The main thread's addon still works after the workers' environments were torn down.
  const C = new Float32Array(1);
  gemm(false, false, 1, 1, 1, 1, new Float32Array([3]), 0, 1, new Float32Array([4]), 0, 1, 0, C, 0, 1);
  assert.equal(C[0], 12);
});

test('CELLSEARCH_NO_NATIVE=1 gives the JavaScript kernel and says why', () => {
  const code = `import('./cells/engine/native.ts').then(async (m) => { const g = await import('./cells/engine/gemm.ts'); console.log(JSON.stringify({ ...m.nativeStatus, js: m.gemm === g.gemmJs })); })`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, CELLSEARCH_NO_NATIVE: '1' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const st = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(st.loaded, false);
  assert.equal(st.js, true);
  assert.match(st.reason, /CELLSEARCH_NO_NATIVE/);
});

const kernels = `
CS_KERNEL(act) {
  const float *x = (const float *)buf[0];
  float *t = (float *)buf[1], *s = (float *)buf[2], *e = (float *)buf[3];
  int64_t n = len[0];
  for (int64_t i = 0; i < n; i++) { t[i] = cs_tanhf(x[i]); s[i] = cs_sigmoidf(x[i]); e[i] = cs_expf(x[i]); }
  return (double)n;
}
CS_KERNEL(mm) {
  /* C (M x N, at offset sc[3]) = A (M x K) * B^T (B stored N x K) through the addon's GEMM. */
  int M = (int)sc[0], N = (int)sc[1], K = (int)sc[2];
  return cs_sgemm(0, 1, M, N, K, 1.0f, (const float *)buf[0], K, (const float *)buf[1], K, 0.0f, (float *)buf[2] + (int64_t)sc[3], N);
}
CS_KERNEL(axpy) {
  double *y = (double *)buf[0];
  const double *x = (const double *)buf[1];
  for (int64_t i = 0; i < len[0]; i++) y[i] += sc[0] * x[i];
  return sc[1];
}
`;

test('compileC compiles, caches by content and calls kernels with typed arrays and scalars', { skip }, () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'cellsearch-cc-test-'));
  const lib = compileC(kernels, { cacheDir });
  const y = new Float64Array([1, 2, 3]);
  assert.equal(lib.fn('axpy')(new Float64Array([2, 42]), y, new Float64Array([1, 1, 1])), 42);
  assert.deepEqual(Array.from(y), [3, 4, 5]);
  const again = compileC(kernels, { cacheDir });
  assert.equal(again.path, lib.path);
  assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.so')).length, 1);
  assert.throws(() => lib.fn('missing'), /no function missing/);
  // Generated code reaches the addon's GEMM.
  const rng = seedrandom('compileC-gemm');
  const [M, N, K] = [5, 19, 7];
  const A = Float32Array.from({ length: M * K }, () => rng() - 0.5), B = Float32Array.from({ length: N * K }, () => rng() - 0.5);
  const got = new Float32Array(2 + M * N), want = new Float32Array(2 + M * N);
  assert.equal(lib.fn('mm')(new Float64Array([M, N, K, 2]), A, B, got), 0);
  gemmJs(false, true, M, N, K, 1, A, 0, K, B, 0, K, 0, want, 2, N);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-6, `C[${i}]`);
  assert.throws(() => compileC('CS_KERNEL(bad) { return undefined_name; }', { cacheDir }), /failed[\s\S]*undefined_name/);
});

test('C prelude cs_tanhf / cs_sigmoidf / cs_expf are float32-accurate and propagate NaN and Inf', { skip }, () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'cellsearch-cc-test-'));
  const act = compileC(kernels, { cacheDir }).fn('act');
  const xs: number[] = [];
  for (let x = -110; x <= 95; x += 0.0137) xs.push(x);
  xs.push(0, -0, 1e-30, -1e-30, 88.7, -87.5, -103, NaN, Infinity, -Infinity);
  const x = Float32Array.from(xs), n = x.length;
  const t = new Float32Array(n), s = new Float32Array(n), e = new Float32Array(n);
  assert.equal(act(new Float64Array(0), x, t, s, e), n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (Number.isNaN(v)) {
      assert.ok(Number.isNaN(t[i]) && Number.isNaN(s[i]) && Number.isNaN(e[i]), 'NaN must propagate');
      continue;
    }
    assert.ok(Math.abs(t[i] - Math.tanh(v)) < 5e-7, `tanh(${v}) = ${t[i]}`);
    assert.ok(Math.abs(s[i] - 1 / (1 + Math.exp(-v))) < 3e-7, `sigmoid(${v}) = ${s[i]}`);
    const w = Math.fround(Math.exp(v));
    if (w === Infinity || w === 0) assert.equal(e[i], w, `exp(${v}) = ${e[i]}`);
    else if (w >= 1.2e-38) assert.ok(Math.abs(e[i] - w) <= 3e-7 * w, `exp(${v}) = ${e[i]}, want ${w}`);
    else assert.ok(Math.abs(e[i] - w) <= 2 ** -149 * 2, `subnormal exp(${v}) = ${e[i]}, want ${w}`);
  }
});
