#ifndef CS_GEMM_H
#define CS_GEMM_H
int cs_gemm_s(int transA, int transB, int M, int N, int K, float alpha, const float *A, long lda,
              const float *B, long ldb, float beta, float *C, long ldc);
int cs_gemm_d(int transA, int transB, int M, int N, int K, double alpha, const double *A, long lda,
              const double *B, long ldb, double beta, double *C, long ldc);
const char *cs_gemm_arch(void);
/* Frees the calling thread's packing buffers (they are per thread and grow on demand). */
void cs_gemm_free_scratch(void);
#endif
