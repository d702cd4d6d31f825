#ifndef CS_GEMM_H
#define CS_GEMM_H
int cs_gemm_s(int transA, int transB, int M, int N, int K, float alpha, const float *A, long lda,
              const float *B, long ldb, float beta, float *C, long ldc);
int cs_gemm_d(int transA, int transB, int M, int N, int K, double alpha, const double *A, long lda,
              const double *B, long ldb, double beta, double *C, long ldc);
/* op(B) packed once for many products (gemm_impl.h): dst holds K * ceil(N / NR) * NR values,
 * NR <= 32 floats or 16 doubles; cs_gemm_packed_* multiply by it. */
void cs_gemm_pack_b_s(int transB, int K, int N, const float *B, long ldb, float *dst);
void cs_gemm_pack_b_d(int transB, int K, int N, const double *B, long ldb, double *dst);
int cs_gemm_packed_s(int transA, int M, int N, int K, float alpha, const float *A, long lda, const float *Bp,
                     float beta, float *C, long ldc);
int cs_gemm_packed_d(int transA, int M, int N, int K, double alpha, const double *A, long lda, const double *Bp,
                     double beta, double *C, long ldc);
const char *cs_gemm_arch(void);
/* Frees the calling thread's packing buffers (they are per thread and grow on demand). */
void cs_gemm_free_scratch(void);
#endif
