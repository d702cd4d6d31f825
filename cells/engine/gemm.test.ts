import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemmJs } from './gemm.ts';

// Naive triple loop over explicit indices, the definition of op(A) * op(B).
function naive(tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number, A: Float64Array, lda: number, B: Float64Array, ldb: number, beta: number, C: Float64Array, ldc: number) {
  const out = Float64Array.from(C);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? A[k * lda + i] : A[i * lda + k]) * (tB ? B[j * ldb + k] : B[k * ldb + j]);
      out[i * ldc + j] = alpha * s + beta * C[i * ldc + j];
    }
  return out;
}

test('gemmJs matches the definition for every transpose combination, alpha and beta', () => {
  const M = 5, N = 7, K = 3;
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  for (const tA of [false, true])
    for (const tB of [false, true])
      for (const [alpha, beta] of [[1, 0], [0.5, 1], [2, -0.25]]) {
        const lda = tA ? M : K, ldb = tB ? K : N;
        const A = Float64Array.from({ length: (tA ? K : M) * lda }, rnd);
        const B = Float64Array.from({ length: (tB ? N : K) * ldb }, rnd);
        const C = Float64Array.from({ length: M * N }, rnd);
        const want = naive(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, N);
        const got = Float64Array.from(C);
        gemmJs(tA, tB, M, N, K, alpha, A, 0, lda, B, 0, ldb, beta, got, 0, N);
        for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-12, `tA=${tA} tB=${tB} i=${i}`);
      }
});

test('gemmJs honours offsets and leading dimensions (a block inside larger buffers)', () => {
  const A = new Float32Array([9, 9, 1, 2, 9, 3, 4]); // 2x2 block at offset 2, lda 3
  const B = new Float32Array([5, 6, 7, 8]);
  const C = new Float32Array([0, 0, 0, 0, -1, -1]); // written at offset 1 with ldc 3? use ldc 2 at offset 2
  gemmJs(false, false, 2, 2, 2, 1, A, 2, 3, B, 0, 2, 0, C, 2, 2);
  assert.deepEqual(Array.from(C), [0, 0, 1 * 5 + 2 * 7, 1 * 6 + 2 * 8, 3 * 5 + 4 * 7, 3 * 6 + 4 * 8]);
});
