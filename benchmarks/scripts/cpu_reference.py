#!/usr/bin/python3
"""The references of the CPU kernel benchmarks, measured on the same machine in the same run.

NumPy (its BLAS is OpenBLAS through Debian's libblas.so.3 alternative) for float32 matmul, and
NumPy and PyTorch for the memory-bound operators. Run by run-cpu-benchmarks.sh, which sets
OPENBLAS_NUM_THREADS and OMP_NUM_THREADS per thread count (BLAS reads them at load time), and
OMP_WAIT_POLICY=PASSIVE (PyTorch's fastest setting on 2 cores, see shared/WORKLOADS.md).

Usage: cpu_reference.py THREADS  -> prints one JSON object: {"matmul": {n: ms}, "elementwise": ...}
"""
import json
import sys
import time

import numpy as np


def best_ms(fn, min_time=1.0, repeats=5):
    """Median over `repeats` rounds of the mean time per call, each round running >= min_time/5 s."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    calls = max(1, int(min_time / repeats / once))
    rounds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        rounds.append((time.perf_counter() - t0) / calls * 1e3)
    rounds.sort()
    return rounds[len(rounds) // 2]


def main():
    threads = int(sys.argv[1])
    rng = np.random.default_rng(1)
    out = {"threads": threads, "numpy": np.__version__, "matmul": {}, "elementwise": {}}
    for n in (256, 512, 1024, 2048):
        a = rng.random((n, n), dtype=np.float32)
        b = rng.random((n, n), dtype=np.float32)
        out["matmul"][str(n)] = best_ms(lambda: a @ b, min_time=3.0)

    import torch
    torch.set_num_threads(threads)
    out["torch"] = torch.__version__
    for size in (1 << 20, 1 << 24):
        x = rng.standard_normal(size, dtype=np.float32)
        y = rng.standard_normal(size, dtype=np.float32)
        dst = np.empty_like(x)
        tx = torch.from_numpy(x)
        ty = torch.from_numpy(y)
        rows = x.reshape(-1, 1024)
        trows = tx.view(-1, 1024)

        def np_softmax():
            e = np.exp(rows - rows.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)

        res = {
            "numpy_copy": best_ms(lambda: np.copyto(dst, x)),
            "numpy_add": best_ms(lambda: x + y),
            "numpy_mul": best_ms(lambda: x * y),
            "numpy_relu": best_ms(lambda: np.maximum(x, 0)),
            "numpy_softmax": best_ms(np_softmax),
            "numpy_sum": best_ms(lambda: x.sum()),
            "torch_add": best_ms(lambda: tx + ty),
            "torch_mul": best_ms(lambda: tx * ty),
            "torch_relu": best_ms(lambda: torch.relu(tx)),
            "torch_softmax": best_ms(lambda: torch.softmax(trows, 1)),
            "torch_sum": best_ms(lambda: tx.sum()),
        }
        out["elementwise"][str(size)] = res
    print(json.dumps(out))


if __name__ == "__main__":
    main()
