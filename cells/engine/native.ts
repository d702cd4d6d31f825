// The native kernels (native/: a Node-API addon built by `npm ci`), with a JavaScript fallback.
//
// `gemm` is the addon's matrix product when the addon loaded, else `gemmJs`; `nativeStatus` says
// which, and why not. The engine takes its products from here. `compileC` compiles C source at run
// time (cc -O3 -march=native, cached by content hash), loads it through the addon and returns
// callable kernels: the route for whole layer passes in C.
//
// Set CELLSEARCH_NO_NATIVE=1 to force the JavaScript kernels (to compare, or to rule the addon out).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { packageFile } from '../../package-files.ts';
import { gemmJs, type Gemm, type Real } from './gemm.ts';

type Handle = object & { readonly __native: unique symbol };

interface Addon {
  gemm: Gemm;
  dlopen(path: string): Handle;
  dlsym(lib: Handle, name: string): Handle;
  call(fn: Handle, scalars: Float64Array, ...buffers: ArrayBufferView[]): number;
  /** Vector ISA the kernel was compiled for: avx512, avx2, avx, neon or sse/generic128. */
  arch: string;
  /** The most buffers one `call` takes. Absent from addons built before layer passes moved to C
   * (they take 64 and hand compiled code only cs_sgemm / cs_dgemm, with another signature). */
  maxBuffers?: number;
}

export interface NativeStatus {
  loaded: boolean;
  /** Why the addon is not loaded (absent when it is). */
  reason?: string;
  /** Vector ISA of the loaded kernel. */
  arch?: string;
  /** The most buffers one call of a compileC kernel takes; absent: an addon too old for layer passes in C. */
  maxBuffers?: number;
  /** Path of the addon binary. */
  path: string;
}

const nativeDir = packageFile('native');
const addonPath = join(nativeDir, 'build', 'Release', 'cellsearch_native.node');

function loadAddon(): { addon?: Addon; status: NativeStatus } {
  if (process.env.CELLSEARCH_NO_NATIVE === '1')
    return { status: { loaded: false, reason: 'disabled by CELLSEARCH_NO_NATIVE=1', path: addonPath } };
  if (!existsSync(addonPath)) {
    let why = 'the addon was not built';
    try {
      const st = JSON.parse(readFileSync(join(nativeDir, 'build', 'status.json'), 'utf8')) as { reason?: string };
      if (st.reason) why = `the build failed: ${st.reason}`;
    } catch {
      why += ' (no native/build/status.json: the install script did not run)';
    }
    return { status: { loaded: false, reason: `${why}; run \`node native/install.mjs\` to build it`, path: addonPath } };
  }
  try {
    // process.dlopen is what require() does for a .node file, without setting up the CommonJS
    // loader, which a worker thread would do for this one file (a few ms of its start-up, issue 17).
    const loaded = { exports: {} as Addon };
    process.dlopen(loaded, addonPath);
    const addon = loaded.exports;
    return { addon, status: { loaded: true, arch: addon.arch, maxBuffers: addon.maxBuffers, path: addonPath } };
  } catch (e) {
    return { status: { loaded: false, reason: `loading ${addonPath} failed: ${(e as Error).message}`, path: addonPath } };
  }
}

const { addon, status } = loadAddon();

export const nativeStatus: Readonly<NativeStatus> = Object.freeze(status);

function sameKind(A: Real, B: Real, C: Real): boolean {
  return A.constructor === C.constructor && B.constructor === C.constructor;
}

/**
 * The matrix product (contract of `Gemm` in gemm.ts), native when the addon is loaded. Operands of
 * mixed precision, which the addon does not take, go to gemmJs. A call whose offsets or leading
 * dimensions reach past an array throws a RangeError (gemmJs would read undefined as NaN).
 */
export const gemm: Gemm = addon
  ? (tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) => {
      if (sameKind(A, B, C)) addon.gemm(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
      else gemmJs(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    }
  : gemmJs;

// ---------------------------------------------------------------------------------------------
// C compiled at run time.
// ---------------------------------------------------------------------------------------------

/**
 * Prepended to every source given to compileC. A kernel is declared `CS_KERNEL(name) { ... }`; it
 * receives `buf[i]` (the data pointer of the i-th buffer argument, cast it to float* / double* /
 * int32_t*), `len[i]` (its length in elements) and `sc[i]` (the scalars, doubles), and returns a
 * double. cs_sgemm / cs_dgemm are the addon's matrix product, cs_spack / cs_sgemm_packed (and
 * the d versions) its product by an operand packed once (a whole forward or backward pass runs in
 * one call). The cs_tanhf / cs_sigmoidf / cs_expf helpers are branch-free (GCC vectorises loops that
 * call them), float32-accurate and propagate NaN, since code is compiled without -ffast-math.
 */
export const C_PRELUDE = `#include <stdint.h>
#include <string.h>
#include <math.h>
#define CS_KERNEL(name) double name(void *const *buf, const int64_t *len, const double *sc)
/* The addon's GEMM, set by the addon when it loads the library: row-major
 * C = alpha * op(A) * op(B) + beta * C, pointers already offset (no bounds checks here). */
typedef int (*cs_sgemm_t)(int transA, int transB, int M, int N, int K, float alpha, const float *A, long lda,
                          const float *B, long ldb, float beta, float *C, long ldc);
typedef int (*cs_dgemm_t)(int transA, int transB, int M, int N, int K, double alpha, const double *A, long lda,
                          const double *B, long ldb, double beta, double *C, long ldc);
/* op(B) (K x N) packed once for many products: dst holds K * ceil(N / NR) * NR values (NR <= 32
 * floats, 16 doubles); cs_sgemm_packed multiplies by it (same K and N). */
typedef void (*cs_spack_t)(int transB, int K, int N, const float *B, long ldb, float *dst);
typedef void (*cs_dpack_t)(int transB, int K, int N, const double *B, long ldb, double *dst);
typedef int (*cs_sgemm_packed_t)(int transA, int M, int N, int K, float alpha, const float *A, long lda,
                                 const float *Bp, float beta, float *C, long ldc);
typedef int (*cs_dgemm_packed_t)(int transA, int M, int N, int K, double alpha, const double *A, long lda,
                                 const double *Bp, double beta, double *C, long ldc);
static cs_sgemm_t cs_sgemm;
static cs_dgemm_t cs_dgemm;
static cs_spack_t cs_spack;
static cs_dpack_t cs_dpack;
static cs_sgemm_packed_t cs_sgemm_packed;
static cs_dgemm_packed_t cs_dgemm_packed;
void cs_set_gemm(void *const *f) {
  cs_sgemm = (cs_sgemm_t)f[0];
  cs_dgemm = (cs_dgemm_t)f[1];
  cs_spack = (cs_spack_t)f[2];
  cs_dpack = (cs_dpack_t)f[3];
  cs_sgemm_packed = (cs_sgemm_packed_t)f[4];
  cs_dgemm_packed = (cs_dgemm_packed_t)f[5];
}
static inline float cs_tanhf(float x) {
  float c = x > 7.90531110763549805f ? 7.90531110763549805f : x;
  c = c < -7.90531110763549805f ? -7.90531110763549805f : c;
  float x2 = c * c;
  float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
  p = x2 * p + -8.60467152213735e-11f;
  p = x2 * p + 5.12229709037114e-08f;
  p = x2 * p + 1.48572235717979e-05f;
  p = x2 * p + 6.37261928875436e-04f;
  p = x2 * p + 4.89352455891786e-03f;
  p = c * p;
  float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
  q = x2 * q + 2.26843463243900e-03f;
  q = x2 * q + 4.89352518554385e-03f;
  return p / q;
}
static inline float cs_sigmoidf(float x) { return 0.5f + 0.5f * cs_tanhf(0.5f * x); }
static inline float cs_expf(float x) {
  /* exp(x) = 2^n exp(r), |r| <= ln2/2, degree-6 Taylor polynomial; 2^n is applied as two powers
   * of two built in the exponent bits, so that overflow to Inf and gradual underflow come out of
   * the product itself. The clamp only keeps n an int; NaN is put back at the end. Rounding by
   * the 1.5 * 2^23 trick and bit casts by memcpy keep the loop vectorisable. */
  float xc = x > 90.0f ? 90.0f : x;
  xc = xc < -110.0f ? -110.0f : xc;
  float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t ni = (int32_t)n, n1 = ni >> 1, n2 = ni - n1;
  int32_t i1 = (n1 + 127) << 23, i2 = (n2 + 127) << 23;
  float s1, s2;
  __builtin_memcpy(&s1, &i1, 4);
  __builtin_memcpy(&s2, &i2, 4);
  float y = p * s1 * s2;
  return x != x ? x : y;
}
`;

/** A kernel from compileC: returns what the C function returns. */
export type NativeFn = (scalars: Float64Array, ...buffers: ArrayBufferView[]) => number;

export interface NativeLib {
  /** The shared object (in the cache directory). */
  path: string;
  /** The function `name` declared with CS_KERNEL; throws if the library has no such symbol. */
  fn(name: string): NativeFn;
}

export interface CompileOptions {
  /** Where compiled libraries are kept (default: $CELLSEARCH_CC_CACHE or <tmpdir>/cellsearch-cc-<user>). */
  cacheDir?: string;
  /** The C compiler (default: $CC or cc). */
  cc?: string;
  /** Extra compiler flags (appended; they are part of the cache key). */
  flags?: string[];
}

export const C_FLAGS = ['-O3', '-march=native', '-fPIC', '-shared', '-std=gnu11', '-fno-math-errno'];

// GCC ignores `restrict` on local pointers (kernels take their arrays from buf[]), so a fused loop
// over more than a few arrays needs run-time alias checks, and past 10 of them GCC does not
// vectorise it at all. Allowing more checks vectorises such loops: 1.8x (H = 64) to 3.9x
// (H = 256) on the engine's GRU kernels (bench, CPU time). `#pragma GCC ivdep` on the inner loop
// in the generated code does better still (2.6x to 4.2x) and compiles faster.
const GCC_ONLY_FLAGS = ['--param=vect-max-version-for-alias-checks=200'];

// node:child_process and node:crypto are loaded on first use, not at import: every worker thread
// loads this module before it is ready to train, and these two were the largest builtins of its
// start-up (issue 17, bench/README.md); a model on the JavaScript route never needs them.
const childProcess = () => process.getBuiltinModule('node:child_process');
const crypto = () => process.getBuiltinModule('node:crypto');
const isGcc = new Map<string, boolean>();

function compilerFlags(cc: string): string[] {
  let gcc = isGcc.get(cc);
  if (gcc === undefined) {
    const r = childProcess().spawnSync(cc, ['--version'], { encoding: 'utf8' });
    gcc = r.status === 0 && /Free Software Foundation/.test(r.stdout) && !/clang/i.test(r.stdout);
    isGcc.set(cc, gcc);
  }
  return gcc ? [...C_FLAGS, ...GCC_ONLY_FLAGS] : C_FLAGS;
}

const loadedLibs = new Map<string, Handle>();

function defaultCacheDir(): string {
  if (process.env.CELLSEARCH_CC_CACHE) return process.env.CELLSEARCH_CC_CACHE;
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry: share the default name
  }
  return join(tmpdir(), `cellsearch-cc-${user}`);
}

/**
 * Compiles C source (C_PRELUDE is prepended) into a shared library, or reuses the one compiled
 * before from the same source, compiler and flags, and loads it. Throws when the addon is not
 * loaded (the reason is in the message) or when the compiler fails (its diagnostics are in it).
 * No -ffast-math: the engine's NaN checks must see NaN.
 */
export function compileC(source: string, options: CompileOptions = {}): NativeLib {
  if (!addon) throw new Error(`compileC needs the native addon: ${status.reason}`);
  const native = addon;
  const cc = options.cc ?? process.env.CC ?? 'cc';
  const flags = [...compilerFlags(cc), ...(options.flags ?? [])];
  const full = C_PRELUDE + source;
  const key = crypto().createHash('sha256').update(JSON.stringify([cc, flags, full])).digest('hex').slice(0, 32);
  const dir = options.cacheDir ?? defaultCacheDir();
  const so = join(dir, `k${key}.so`);
  let handle = loadedLibs.get(so);
  if (!handle) {
    if (!existsSync(so)) {
      mkdirSync(dir, { recursive: true });
      // Unique temporary names, then an atomic rename: workers compiling the same kernel at once
      // never see a half-written library.
      const tmp = join(dir, `k${key}.${process.pid}.${Math.random().toString(36).slice(2)}`);
      writeFileSync(`${tmp}.c`, full);
      const r = childProcess().spawnSync(cc, [...flags, '-o', `${tmp}.so`, `${tmp}.c`, '-lm'], { encoding: 'utf8' });
      if (r.error) throw new Error(`compileC: could not run ${cc}: ${r.error.message}`);
      if (r.status !== 0) throw new Error(`compileC: ${cc} failed (exit ${r.status}):\n${r.stderr}`);
      renameSync(`${tmp}.so`, so);
      renameSync(`${tmp}.c`, join(dir, `k${key}.c`));
    }
    handle = native.dlopen(so);
    loadedLibs.set(so, handle);
  }
  const lib = handle;
  return {
    path: so,
    fn(name: string): NativeFn {
      // A bound function forwards its arguments without the array a rest parameter would allocate.
      return native.call.bind(null, native.dlsym(lib, name)) as NativeFn;
    },
  };
}
