// Matrix product, row-major: C[M x N] = alpha * op(A) * op(B) + beta * C, where op(A) is A
// (M x K, leading dimension lda) or A transposed (stored K x M), likewise for B (K x N or N x K).
// Offsets let callers address one step's rows inside a buffer that holds all T steps.
//
// This is the portable JavaScript kernel, and the reference that a native kernel must match.
// It works on Float32Array and Float64Array alike (the float64 mode is for gradient checks).

export type Real = Float32Array | Float64Array;

export type Gemm = (
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Real,
  aOff: number,
  lda: number,
  B: Real,
  bOff: number,
  ldb: number,
  beta: number,
  C: Real,
  cOff: number,
  ldc: number,
) => void;

export const gemmJs: Gemm = (transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) => {
  for (let i = 0; i < M; i++) {
    const c0 = cOff + i * ldc;
    if (beta === 0) C.fill(0, c0, c0 + N);
    else if (beta !== 1) for (let j = 0; j < N; j++) C[c0 + j] *= beta;
  }
  if (!transB) {
    // i-k-j order: the innermost loop walks rows of B and C contiguously.
    for (let i = 0; i < M; i++) {
      const c0 = cOff + i * ldc;
      for (let k = 0; k < K; k++) {
        const a = alpha * (transA ? A[aOff + k * lda + i] : A[aOff + i * lda + k]);
        if (a === 0) continue;
        const b0 = bOff + k * ldb;
        for (let j = 0; j < N; j++) C[c0 + j] += a * B[b0 + j];
      }
    }
  } else {
    // B is stored N x K: each C entry is a dot product of two contiguous rows when A is not transposed.
    for (let i = 0; i < M; i++) {
      const c0 = cOff + i * ldc;
      for (let j = 0; j < N; j++) {
        const b0 = bOff + j * ldb;
        let s = 0;
        if (!transA) {
          const a0 = aOff + i * lda;
          for (let k = 0; k < K; k++) s += A[a0 + k] * B[b0 + k];
        } else {
          for (let k = 0; k < K; k++) s += A[aOff + k * lda + i] * B[b0 + k];
        }
        C[c0 + j] += alpha * s;
      }
    }
  }
};
