/* Blocked GEMM body, included once per element type by gemm.c with these macros defined:
 *   T      element type (float or double)
 *   V      GCC vector type of T, VBYTES wide
 *   NV     lanes of V
 *   MR     rows of the register tile; NR = 2 * NV columns
 *   SUF    name suffix (s or d)
 * Layout (BLIS): C is cut into NC-wide column blocks and KC-deep slices of K; each KC x NC slice
 * of op(B) is packed into NR-wide micro-panels (or, for few rows of C, read in place), op(A) is
 * read in place MR rows at a time, and the micro-kernel keeps an MR x NR tile of C in registers
 * for the whole KC loop. */

#define NR (2 * NV)
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SUF)

typedef T CAT(VU, SUF) __attribute__((vector_size(VBYTES), aligned(sizeof(T)), may_alias));
#define VU CAT(VU, SUF)

/* op(A)[i][k] for the MC x KC block starting at (i0, k0), into MR-tall panels, zero-padded. */
static void FN(pack_a)(int trans, const T *A, long lda, int i0, int k0, int mc, int kc, T *dst) {
  for (int ip = 0; ip < mc; ip += MR) {
    int mr = mc - ip < MR ? mc - ip : MR;
    for (int k = 0; k < kc; k++) {
      T *d = dst + (long)ip * kc + (long)k * MR;
      if (!trans) {
        const T *s = A + (long)(i0 + ip) * lda + (k0 + k);
        for (int i = 0; i < mr; i++) d[i] = s[(long)i * lda];
      } else {
        const T *s = A + (long)(k0 + k) * lda + (i0 + ip);
        for (int i = 0; i < mr; i++) d[i] = s[i];
      }
      for (int i = mr; i < MR; i++) d[i] = 0;
    }
  }
}

/* In-register transpose of an NV x NV block (r[i] = row i): log2(NV) stages; each swaps the
 * off-diagonal h x h blocks of row pairs (i, i + h) with two-source shuffles. */
static inline void FN(transpose)(V r[NV]) {
#pragma GCC unroll 8
  for (int h = NV / 2; h >= 1; h /= 2) {
    MASK lo, hi;
#pragma GCC unroll 16
    for (int l = 0; l < NV; l++) {
      lo[l] = (l & h) ? l - h + NV : l;
      hi[l] = (l & h) ? l + NV : l + h;
    }
#pragma GCC unroll 16
    for (int i = 0; i < NV; i++) {
      if (i & h) continue;
      V a = r[i], b = r[i + h];
      r[i] = __builtin_shuffle(a, b, lo);
      r[i + h] = __builtin_shuffle(a, b, hi);
    }
  }
}

/* op(B)[k][j] for the KC x NC slice starting at (k0, j0), into NR-wide panels, zero-padded. */
static void FN(pack_b)(int trans, const T *B, long ldb, int k0, int j0, int kc, int nc, T *dst) {
  for (int jp = 0; jp < nc; jp += NR) {
    int nr = nc - jp < NR ? nc - jp : NR;
    T *panel = dst + (long)jp * kc;
    if (!trans) {
      for (int k = 0; k < kc; k++) {
        const T *s = B + (long)(k0 + k) * ldb + (j0 + jp);
        T *d = panel + (long)k * NR;
        if (nr == NR) {
          for (int j = 0; j < NR; j++) d[j] = s[j];
        } else {
          for (int j = 0; j < nr; j++) d[j] = s[j];
          for (int j = nr; j < NR; j++) d[j] = 0;
        }
      }
    } else {
      /* B stored N x K. Full panels: NV x NV blocks transposed in registers. The rest: contiguous
       * writes, NR source rows read in step (they stay in L1). */
      const T *s = B + (long)(j0 + jp) * ldb + k0;
      int kdone = 0;
      if (nr == NR) {
        for (; kdone + NV <= kc; kdone += NV) {
          for (int half = 0; half < 2; half++) {
            V r[NV];
#pragma GCC unroll 16
            for (int j = 0; j < NV; j++) r[j] = *(const VU *)(s + (long)(half * NV + j) * ldb + kdone);
            FN(transpose)(r);
#pragma GCC unroll 16
            for (int k = 0; k < NV; k++) *(VU *)(panel + (long)(kdone + k) * NR + half * NV) = r[k];
          }
        }
      }
      for (int k = kdone; k < kc; k++) {
        T *d = panel + (long)k * NR;
        for (int j = 0; j < nr; j++) d[j] = s[(long)j * ldb + k];
        for (int j = nr; j < NR; j++) d[j] = 0;
      }
    }
  }
}

/* acc = Ap (MR x kc panel) * Bp (kc x NR panel); then C = alpha * acc + beta * C on the mr x nr
 * valid part. beta == 0 overwrites C without reading it (BLAS semantics: NaN in C is ignored). */
/* op(A)[i][k] of the panel is Ap[i * ai + k * ak]: a packed panel (ai = 1, ak = MR), rows of A
 * itself (ai = lda, ak = 1) or columns of a transposed A (ai = 1, ak = lda). Always inlined, so
 * each wrapper below gets code specialised for its constant strides. */
static inline __attribute__((always_inline)) void FN(micro)(int kc, const T *restrict Ap, long ai, long ak,
                                                            const T *restrict Bp, long ldbp, T alpha, T beta,
                                                            T *restrict C, long ldc, int mr, int nr) {
  V c0[MR], c1[MR];
  for (int i = 0; i < MR; i++) { c0[i] = (V){0}; c1[i] = (V){0}; }
  for (int k = 0; k < kc; k++) {
    /* Bp is a packed panel (ldbp = NR) or, for small M, rows of B itself (ldbp = ldb). */
    V b0 = *(const VU *)(Bp + (long)k * ldbp);
    V b1 = *(const VU *)(Bp + (long)k * ldbp + NV);
    const T *a = Ap + (long)k * ak;
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      c0[i] += a[i * ai] * b0;
      c1[i] += a[i * ai] * b1;
    }
  }
  if (mr == MR && nr == NR) {
    for (int i = 0; i < MR; i++) {
      VU *p0 = (VU *)(C + (long)i * ldc), *p1 = (VU *)(C + (long)i * ldc + NV);
      if (beta == 0) { *p0 = alpha * c0[i]; *p1 = alpha * c1[i]; }
      else if (beta == 1) { *p0 += alpha * c0[i]; *p1 += alpha * c1[i]; }
      else { *p0 = alpha * c0[i] + beta * *p0; *p1 = alpha * c1[i] + beta * *p1; }
    }
  } else {
    T tile[MR * NR] __attribute__((aligned(VBYTES)));
    for (int i = 0; i < MR; i++) { *(V *)(tile + i * NR) = c0[i]; *(V *)(tile + i * NR + NV) = c1[i]; }
    for (int i = 0; i < mr; i++) {
      T *c = C + (long)i * ldc;
      const T *t = tile + i * NR;
      if (beta == 0) for (int j = 0; j < nr; j++) c[j] = alpha * t[j];
      else if (beta == 1) for (int j = 0; j < nr; j++) c[j] += alpha * t[j];
      else for (int j = 0; j < nr; j++) c[j] = alpha * t[j] + beta * c[j];
    }
  }
}

/* The micro-kernels the loops call, one per way of reading A. Kept out of line: inlined into the
 * blocked loops, GCC spilled the B vectors to the stack and reloaded them for every FMA, which
 * halved the speed of every product with more than 64 rows. */
static __attribute__((noinline)) void FN(kern_packed)(int kc, const T *restrict Ap, const T *restrict Bp, long ldbp,
                                                        T alpha, T beta, T *restrict C, long ldc, int mr, int nr) {
  FN(micro)(kc, Ap, 1, MR, Bp, ldbp, alpha, beta, C, ldc, mr, nr);
}

static __attribute__((noinline)) void FN(kern_rows)(int kc, const T *restrict A, long lda, const T *restrict Bp, long ldbp,
                                                      T alpha, T beta, T *restrict C, long ldc, int mr, int nr) {
  FN(micro)(kc, A, lda, 1, Bp, ldbp, alpha, beta, C, ldc, mr, nr);
}

static __attribute__((noinline)) void FN(kern_cols)(int kc, const T *restrict A, long lda, const T *restrict Bp, long ldbp,
                                                      T alpha, T beta, T *restrict C, long ldc, int mr, int nr) {
  FN(micro)(kc, A, 1, lda, Bp, ldbp, alpha, beta, C, ldc, mr, nr);
}

static T *FN(scratch)(T **buf, size_t *cap, size_t n) {
  if (*cap < n) {
    free(*buf);
    *buf = aligned_alloc(64, ((n * sizeof(T) + 63) / 64) * 64);
    *cap = *buf ? n : 0;
  }
  return *buf;
}

/* Scratch is per thread: the addon can be loaded in several worker_threads at once. */
static _Thread_local T *FN(bufA), *FN(bufB);
static _Thread_local size_t FN(capA), FN(capB);

void FN(cs_gemm_free_)(void) {
  free(FN(bufA));
  free(FN(bufB));
  FN(bufA) = FN(bufB) = NULL;
  FN(capA) = FN(capB) = 0;
}

/* The K slices: equal, of at most KC_ (no thin last slice). They, hence the order in which each
 * C entry's sum is accumulated, depend on K only: not on M, N, the transposes or which path
 * below reads the operands (B packed here, packed before, or read in place). */
static int FN(slice)(int K) {
  int nk = (K + KC_ - 1) / KC_;
  return (K + nk - 1) / nk;
}

/* C = alpha * op(A) * op(B) + beta * C; op(B) from B, or, when pre is set, packed before by
 * cs_gemm_pack_b (B and transB are then unused). */
static int FN(gemm)(int transA, int transB, int M, int N, int K, T alpha, const T *A, long lda,
                    const T *B, long ldb, const T *pre, T beta, T *C, long ldc) {
  if (M <= 0 || N <= 0) return 0;
  if (K <= 0 || alpha == 0) {
    for (int i = 0; i < M; i++) {
      T *c = C + (long)i * ldc;
      if (beta == 0) for (int j = 0; j < N; j++) c[j] = 0;
      else if (beta != 1) for (int j = 0; j < N; j++) c[j] *= beta;
    }
    return 0;
  }
  int kc_max = FN(slice)(K);
  long npad = (long)((N + NR - 1) / NR) * NR;
  int nc_max = N < NC_ ? N : NC_;
  int mc_max = M < MC_ ? M : MC_;
  T *pb = FN(scratch)(&FN(bufB), &FN(capB), (size_t)kc_max * ((nc_max + NR - 1) / NR) * NR);
  T *pa = FN(scratch)(&FN(bufA), &FN(capA), (size_t)kc_max * ((mc_max + MR - 1) / MR) * MR);
  if (!pa || !pb) return -1;
  for (int jc = 0; jc < N; jc += NC_) {
    int nc = N - jc < NC_ ? N - jc : NC_;
    for (int pc = 0; pc < K; pc += kc_max) {
      int kc = K - pc < kc_max ? K - pc : kc_max;
      T bet = pc == 0 ? beta : 1;
      /* When few row panels share B (the per-step products, M = batch), packing B costs as much
       * as it saves: the full-width panels read B's rows in place; only a ragged last panel is
       * packed (at its own offset in the buffer, where the micro-kernel expects it). */
      int direct = !pre && !transB && M <= DIRECT_B_MAX_M;
      int nfull = direct ? (nc / NR) * NR : 0;
      if (!pre && nfull < nc) FN(pack_b)(transB, B, ldb, pc, jc + nfull, kc, nc - nfull, pb + (long)nfull * kc);
      for (int ic = 0; ic < M; ic += MC_) {
        int mc = M - ic < MC_ ? M - ic : MC_;
        /* A is read in place, MR rows (or, transposed, MR-wide column runs) at a time, whatever
         * M: its MC x KC block stays in L2 across the column panels, and packing it (a strided
         * gather when not transposed) cost more than it saved. Only a ragged last panel is
         * packed, zero-padded, at the start of the buffer. */
        int mfull = (mc / MR) * MR;
        if (mfull < mc) FN(pack_a)(transA, A, lda, ic + mfull, pc, mc - mfull, kc, pa);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          const T *bp = pre ? pre + (long)pc * npad + (long)(jc + jr) * kc
                        : jr < nfull ? B + (long)pc * ldb + jc + jr : pb + (long)jr * kc;
          long ldbp = jr < nfull ? ldb : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            T *c = C + (long)(ic + ir) * ldc + jc + jr;
            if (ir >= mfull)
              FN(kern_packed)(kc, pa + (long)(ir - mfull) * kc, bp, ldbp, alpha, bet, c, ldc, mr, nr);
            else if (transA)
              FN(kern_cols)(kc, A + (long)pc * lda + ic + ir, lda, bp, ldbp, alpha, bet, c, ldc, mr, nr);
            else
              FN(kern_rows)(kc, A + (long)(ic + ir) * lda + pc, lda, bp, ldbp, alpha, bet, c, ldc, mr, nr);
          }
        }
      }
    }
  }
  return 0;
}

int FN(cs_gemm_)(int transA, int transB, int M, int N, int K, T alpha, const T *A, long lda,
                 const T *B, long ldb, T beta, T *C, long ldc) {
  return FN(gemm)(transA, transB, M, N, K, alpha, A, lda, B, ldb, NULL, beta, C, ldc);
}

/* op(B) (K x N) packed whole, as the blocked loop reads it: the K slices in order, each slice's
 * NR-wide panels (kc x NR, zero-padded) in column order, K * ceil(N / NR) * NR values. For an
 * operand that many products share (the recurrent weights across the T steps of a pass): each
 * product then reads contiguous panels instead of packing, or striding through, B again. */
void FN(cs_gemm_pack_b_)(int transB, int K, int N, const T *B, long ldb, T *dst) {
  if (K <= 0 || N <= 0) return;
  int kc_max = FN(slice)(K);
  long npad = (long)((N + NR - 1) / NR) * NR;
  for (int pc = 0; pc < K; pc += kc_max) {
    int kc = K - pc < kc_max ? K - pc : kc_max;
    FN(pack_b)(transB, B, ldb, pc, 0, kc, N, dst + (long)pc * npad);
  }
}

/* C = alpha * op(A) * Bp + beta * C, Bp from cs_gemm_pack_b with the same K and N. */
int FN(cs_gemm_packed_)(int transA, int M, int N, int K, T alpha, const T *A, long lda, const T *Bp, T beta, T *C,
                        long ldc) {
  return FN(gemm)(transA, 0, M, N, K, alpha, A, lda, NULL, 0, Bp, beta, C, ldc);
}

#undef NR
#undef VU
#undef FN
