/* cellsearch native addon (Node-API, C): the matrix product of cells/engine/gemm.ts for float32
 * and float64, and dlopen/dlsym/call for C compiled at run time (cells/engine/native.ts). Every
 * index a call can touch is checked against the typed arrays' lengths before any memory is read,
 * so a wrong argument throws a RangeError instead of corrupting memory. */
#define NAPI_VERSION 8
#include <node_api.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "gemm.h"

#define CHECK(call) do { if ((call) != napi_ok) return throw_last(env); } while (0)

static napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "napi call failed");
  return NULL;
}

static napi_value type_error(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static napi_value range_error(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

typedef struct { napi_typedarray_type type; void *data; size_t length; } Arr;

static int get_arr(napi_env env, napi_value v, Arr *out) {
  /* Fails with napi_invalid_arg on anything but a typed array: no separate type check needed.
   * The arraybuffer and byte offset outputs are not asked for: creating that handle is costly. */
  if (napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, NULL, NULL) != napi_ok) return 0;
  return 1;
}

static int get_int(napi_env env, napi_value v, int64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  if (!(d == (double)(int64_t)d) || d < 0 || d > 2147483647.0) return 0;
  *out = (int64_t)d;
  return 1;
}

/* The last index touched by a rows x cols operand at off with leading dimension ld must be in range. */
static int fits(int64_t off, int64_t rows, int64_t cols, int64_t ld, size_t length) {
  if (rows == 0 || cols == 0) return 1;
  if (rows > 1 && ld < cols) return 0;
  return off + (rows - 1) * ld + cols <= (int64_t)length;
}

/* gemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) */
static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value a[16];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc != 16) return type_error(env, "gemm: expected 16 arguments");
  bool tA, tB;
  if (napi_get_value_bool(env, a[0], &tA) != napi_ok || napi_get_value_bool(env, a[1], &tB) != napi_ok)
    return type_error(env, "gemm: transA and transB must be booleans");
  int64_t M, N, K, aOff, lda, bOff, ldb, cOff, ldc;
  if (!get_int(env, a[2], &M) || !get_int(env, a[3], &N) || !get_int(env, a[4], &K) || !get_int(env, a[7], &aOff) ||
      !get_int(env, a[8], &lda) || !get_int(env, a[10], &bOff) || !get_int(env, a[11], &ldb) ||
      !get_int(env, a[14], &cOff) || !get_int(env, a[15], &ldc))
    return type_error(env, "gemm: sizes, offsets and leading dimensions must be integers in [0, 2^31)");
  double alpha, beta;
  if (napi_get_value_double(env, a[5], &alpha) != napi_ok || napi_get_value_double(env, a[12], &beta) != napi_ok)
    return type_error(env, "gemm: alpha and beta must be numbers");
  Arr A, B, C;
  if (!get_arr(env, a[6], &A) || !get_arr(env, a[9], &B) || !get_arr(env, a[13], &C))
    return type_error(env, "gemm: A, B and C must be typed arrays");
  if (A.type != C.type || B.type != C.type || (C.type != napi_float32_array && C.type != napi_float64_array))
    return type_error(env, "gemm: A, B and C must all be Float32Array or all Float64Array");
  if (!fits(aOff, tA ? K : M, tA ? M : K, lda, A.length)) return range_error(env, "gemm: A is too small for M, K, aOff, lda");
  if (!fits(bOff, tB ? N : K, tB ? K : N, ldb, B.length)) return range_error(env, "gemm: B is too small for K, N, bOff, ldb");
  if (!fits(cOff, M, N, ldc, C.length)) return range_error(env, "gemm: C is too small for M, N, cOff, ldc");
  int rc;
  if (C.type == napi_float32_array)
    rc = cs_gemm_s(tA, tB, (int)M, (int)N, (int)K, (float)alpha, (const float *)A.data + aOff, (long)lda,
                   (const float *)B.data + bOff, (long)ldb, (float)beta, (float *)C.data + cOff, (long)ldc);
  else
    rc = cs_gemm_d(tA, tB, (int)M, (int)N, (int)K, alpha, (const double *)A.data + aOff, (long)lda,
                   (const double *)B.data + bOff, (long)ldb, beta, (double *)C.data + cOff, (long)ldc);
  if (rc != 0) {
    napi_throw_error(env, NULL, "gemm: out of memory for packing buffers");
    return NULL;
  }
  return NULL;
}

static napi_value get_string(napi_env env, napi_value v, char *buf, size_t cap, const char *what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, cap, &len) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a string", what);
    return type_error(env, msg);
  }
  if (len + 1 >= cap) return range_error(env, "string too long");
  return v;
}

/* dlopen(path) -> external handle. The library stays loaded for the life of the process: code
 * compiled at run time is cached by content hash, so there are few libraries and no reason to
 * unload one whose functions may still be referenced. */
static napi_value Dlopen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc != 1) return type_error(env, "dlopen: expected a path");
  char path[4096];
  if (!get_string(env, a[0], path, sizeof path, "dlopen: path")) return NULL;
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    napi_throw_error(env, NULL, e ? e : "dlopen failed");
    return NULL;
  }
  /* Hand the library this addon's GEMM (see C_PRELUDE in cells/engine/native.ts). */
  void *set = dlsym(h, "cs_set_gemm");
  if (set) {
    void *fns[] = {(void *)cs_gemm_s, (void *)cs_gemm_d, (void *)cs_gemm_pack_b_s,
                   (void *)cs_gemm_pack_b_d, (void *)cs_gemm_packed_s, (void *)cs_gemm_packed_d};
    ((void (*)(void *const *))set)(fns);
  }
  napi_value out;
  CHECK(napi_create_external(env, h, NULL, NULL, &out));
  return out;
}

/* dlsym(handle, name) -> external function pointer (throws when the symbol is missing). */
static napi_value Dlsym(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc != 2) return type_error(env, "dlsym: expected (handle, name)");
  void *h;
  if (napi_get_value_external(env, a[0], &h) != napi_ok) return type_error(env, "dlsym: handle must come from dlopen");
  char name[512];
  if (!get_string(env, a[1], name, sizeof name, "dlsym: name")) return NULL;
  dlerror();
  void *f = dlsym(h, name);
  if (!f) {
    char msg[640];
    snprintf(msg, sizeof msg, "dlsym: no function %s in the library", name);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_external(env, f, NULL, NULL, &out));
  return out;
}

/* A whole layer pass is one call: every array of the layer, up to this many. */
#define MAX_BUFS 256
typedef double (*KernelFn)(void *const *bufs, const int64_t *lens, const double *scalars);

/* call(fn, scalars: Float64Array, ...buffers: TypedArray[]) -> number. The function receives the
 * data pointers of the buffers, their lengths in elements, and the scalars; what it returns
 * (a double) is returned. Generated code is trusted to stay within the lengths it is given. */
static napi_value Call(napi_env env, napi_callback_info info) {
  size_t argc = MAX_BUFS + 2;
  napi_value a[MAX_BUFS + 2];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 2) return type_error(env, "call: expected (fn, scalars, ...buffers)");
  if (argc > MAX_BUFS + 2) return range_error(env, "call: too many buffers (see maxBuffers)");
  void *f;
  if (napi_get_value_external(env, a[0], &f) != napi_ok) return type_error(env, "call: fn must come from dlsym");
  Arr sc;
  if (!get_arr(env, a[1], &sc) || sc.type != napi_float64_array) return type_error(env, "call: scalars must be a Float64Array");
  void *bufs[MAX_BUFS];
  int64_t lens[MAX_BUFS];
  size_t nb = argc - 2;
  for (size_t i = 0; i < nb; i++) {
    Arr b;
    if (!get_arr(env, a[i + 2], &b)) return type_error(env, "call: buffers must be typed arrays");
    bufs[i] = b.data;
    lens[i] = (int64_t)b.length;
  }
  double r = ((KernelFn)f)(bufs, lens, (const double *)sc.data);
  napi_value out;
  CHECK(napi_create_double(env, r, &out));
  return out;
}

/* Runs on the thread of the environment (main thread or worker) when it is torn down. */
static void free_scratch(void *arg) {
  (void)arg;
  cs_gemm_free_scratch();
}

NAPI_MODULE_INIT() {
  /* Packing buffers are thread-local: free them when a worker thread's environment ends. */
  if (napi_add_env_cleanup_hook(env, free_scratch, NULL) != napi_ok) return NULL;
  napi_property_descriptor props[] = {
    {"gemm", NULL, Gemm, NULL, NULL, NULL, napi_enumerable, NULL},
    {"dlopen", NULL, Dlopen, NULL, NULL, NULL, napi_enumerable, NULL},
    {"dlsym", NULL, Dlsym, NULL, NULL, NULL, napi_enumerable, NULL},
    {"call", NULL, Call, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  napi_value arch;
  if (napi_create_string_utf8(env, cs_gemm_arch(), NAPI_AUTO_LENGTH, &arch) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "arch", arch) != napi_ok) return NULL;
  napi_value max_bufs;
  if (napi_create_int32(env, MAX_BUFS, &max_bufs) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "maxBuffers", max_bufs) != napi_ok) return NULL;
  return exports;
}
