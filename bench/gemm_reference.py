#!/usr/bin/env python3
"""OpenBLAS's float32 GEMM (through numpy) on the shapes bench/kernels.ts times, as the reference
beside ours. Reads a JSON list of {"tA", "tB", "M", "N", "K"} on stdin; prints one JSON object
{"blas", "core", "results": [{"gflops", "us_per_call"}, ...]} in the same order.

One thread (OPENBLAS_NUM_THREADS=1), times in CPU time of this thread (time.thread_time), best
of several repetitions, as kernels.ts does. numpy's OpenBLAS picks its kernel at run time and
takes the AVX2 one (Haswell) on CPUs it does not know, such as AMD Zen 5, and the environment
may pin it (OPENBLAS_CORETYPE): where the CPU has AVX-512, OPENBLAS_CORETYPE=SkylakeX is set
(GEMM_REFERENCE_CORETYPE overrides it), so that the reference is OpenBLAS's best kernel on this
machine, not a handicapped one."""
import json
import os
import sys


def has_avx512() -> bool:
    try:
        with open('/proc/cpuinfo') as f:
            return ' avx512f' in f.read()
    except OSError:
        return False


os.environ['OPENBLAS_NUM_THREADS'] = '1'
if os.environ.get('GEMM_REFERENCE_CORETYPE'):
    os.environ['OPENBLAS_CORETYPE'] = os.environ['GEMM_REFERENCE_CORETYPE']
elif has_avx512():
    os.environ['OPENBLAS_CORETYPE'] = 'SkylakeX'

os.environ.pop('OPENBLAS_L2_SIZE', None)  # pinned on some machines; OpenBLAS reads the real cache size

import time  # noqa: E402

try:
    import numpy as np  # noqa: E402
except ImportError:
    print(json.dumps({'error': 'numpy is not installed'}))
    sys.exit(0)


def blas_name() -> str:
    try:
        cfg = np.show_config(mode='dicts')
        b = cfg['Build Dependencies']['blas']
        return f"{b.get('name', '?')} {b.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        return 'numpy BLAS'


def core() -> str:
    # scipy-openblas exposes openblas_get_corename through numpy's config only in recent builds.
    return os.environ.get('OPENBLAS_CORETYPE', 'auto')


def bench(tA: bool, tB: bool, M: int, N: int, K: int, budget: float, reps: int) -> dict:
    a = (np.arange(M * K, dtype=np.float32) * 7919 % 1000 / 1000 - 0.5).astype(np.float32)
    b = (np.arange(K * N, dtype=np.float32) * 104729 % 1000 / 1000 - 0.5).astype(np.float32)
    A = a.reshape((K, M)).T if tA else a.reshape((M, K))
    B = b.reshape((N, K)).T if tB else b.reshape((K, N))
    C = np.empty((M, N), dtype=np.float32)
    n = 1
    while True:
        t0 = time.thread_time()
        for _ in range(n):
            np.matmul(A, B, out=C)
        if time.thread_time() - t0 > budget / 4 or n > 1e7:
            break
        n *= 2
    n *= 4
    best = float('inf')
    for _ in range(reps):
        t0 = time.thread_time()
        for _ in range(n):
            np.matmul(A, B, out=C)
        best = min(best, (time.thread_time() - t0) / n)
    return {'gflops': 2 * M * N * K / best / 1e9, 'us_per_call': best * 1e6}


def main() -> None:
    shapes = json.load(sys.stdin)
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 0.15
    out = [bench(bool(s['tA']), bool(s['tB']), int(s['M']), int(s['N']), int(s['K']), budget, 3) for s in shapes]
    print(json.dumps({'blas': blas_name(), 'core': core(), 'results': out}))


main()
