/* Row-major GEMM for float and double: C = alpha * op(A) * op(B) + beta * C (see
 * cells/engine/gemm.ts for the contract). Written with GCC vector extensions so that one source
 * compiles to AVX-512, AVX2 or NEON code under -march=native. */
#include <stdint.h>
#include <stdlib.h>
#include "gemm.h"

#if defined(__AVX512F__)
#define VBYTES 64
#elif defined(__AVX__)
#define VBYTES 32
#else
#define VBYTES 16
#endif

/* AVX2 has 16 vector registers: a 6 x 2 tile (12 accumulators) leaves room for the operands.
 * AVX-512 and NEON have 32: an 8 x 2 tile. */
#if VBYTES == 32
#define MR 6
#else
#define MR 8
#endif
/* Cache blocks; -D overrides them for tuning. */
#ifndef KC_
#define KC_ 256
#endif
#ifndef MC_
#define MC_ 120
#endif
#ifndef NC_
#define NC_ 2048
#endif
/* Up to this many rows of C, op(B) is read in place when not transposed (gemm_impl.h). */
#ifndef DIRECT_B_MAX_M
#define DIRECT_B_MAX_M 64
#endif

#define T float
#define SUF s
#define NV (VBYTES / 4)
typedef float vfs __attribute__((vector_size(VBYTES)));
typedef int32_t vis __attribute__((vector_size(VBYTES)));
#define V vfs
#define MASK vis
#include "gemm_impl.h"
#undef T
#undef SUF
#undef NV
#undef V
#undef MASK

#define T double
#define SUF d
#define NV (VBYTES / 8)
typedef double vfd __attribute__((vector_size(VBYTES)));
typedef int64_t vid __attribute__((vector_size(VBYTES)));
#define V vfd
#define MASK vid
#include "gemm_impl.h"

const char *cs_gemm_arch(void) {
#if VBYTES == 64
  return "avx512";
#elif VBYTES == 32 && defined(__AVX2__)
  return "avx2";
#elif VBYTES == 32
  return "avx";
#elif defined(__ARM_NEON)
  return "neon";
#else
  return "sse/generic128";
#endif
}

void cs_gemm_free_scratch(void) {
  cs_gemm_free_s();
  cs_gemm_free_d();
}
