#!/usr/bin/env python3
"""cuBLAS through PyTorch 2.x: square GEMM throughput on a CUDA GPU, the reference of Ember's
GpuGemmBenchmark (same sizes, same sampling, same JSON fields).

    python3 torch_gpu_gemm.py [device=cuda:0] [sizes=1024,4096,8192] [dtypes=fp32,tf32,bf16] \
        [seconds per sample=0.25] [samples=5]

fp32: float32 with torch.backends.cuda.matmul.allow_tf32 = False (true FP32 arithmetic); tf32:
float32 operands with allow_tf32 = True (tensor cores, TF32 inputs, FP32 accumulation); bf16:
bfloat16 operands and result. Each size: a correctness check of a 16 x 16 corner against float64
(a dtype-sized tolerance), 3 warm-up products, one timed product to pick how many fill a sample,
then the samples, each ended by torch.cuda.synchronize(). GFLOP/s counts 2 n^3 per product; one
JSON line per size and dtype with the median and best sample.

Exits with status 2 and "no CUDA device" where torch has no CUDA device.
"""

import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from torch_gpu_workloads import cuda_device  # noqa: E402

CORNER = 16
WARMUP = 3
# Relative to sum_k |a_ik b_kj|: a few units of each dtype's rounding of the inputs / of the sum.
TOLERANCE = {"fp32": 4 * 2.0**-23, "tf32": 4 * 2.0**-10, "bf16": 4 * 2.0**-7}


def products(a, b, reps, dev):
    torch.cuda.synchronize(dev)
    t0 = time.perf_counter()
    for _ in range(reps):
        torch.matmul(a, b)
    torch.cuda.synchronize(dev)
    return time.perf_counter() - t0


def check(a, b, dtype, n):
    """The corner of a @ b against float64 on the host; raises on a wrong product."""
    m = min(CORNER, n)
    c = torch.matmul(a, b)[:m, :m].double().cpu()
    ra = a[:m].double().cpu()
    rb = b[:, :m].double().cpu()
    ref = ra @ rb
    bound = (ra.abs() @ rb.abs()) * TOLERANCE[dtype] * (n ** 0.5 if dtype == "fp32" else 1.0)
    # bf16 also rounds the result itself to 8 bits.
    if dtype == "bf16":
        bound = bound + ref.abs() * 2.0**-8
    bad = (c - ref).abs() > bound
    if bad.any():
        i, j = [int(v) for v in bad.nonzero()[0]]
        raise SystemExit(f"GEMM {dtype} n={n} is wrong at [{i}][{j}]: {c[i, j].item()} vs "
                         f"float64 {ref[i, j].item()} (tolerance {bound[i, j].item():.3g})")


def measure(dev, n, dtype, sample_s, samples):
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
    tdtype = torch.bfloat16 if dtype == "bf16" else torch.float32
    gen = torch.Generator(device="cpu").manual_seed(n)
    a = torch.randn(n, n, generator=gen).to(dev, tdtype)
    b = torch.randn(n, n, generator=gen).to(dev, tdtype)
    check(a, b, dtype, n)
    for _ in range(WARMUP):
        products(a, b, 1, dev)
    once = products(a, b, 1, dev)
    reps = max(1, min(10_000, round(sample_s / once)))
    gflops = sorted(2.0 * n**3 * reps / products(a, b, reps, dev) / 1e9 for _ in range(samples))
    del a, b
    torch.cuda.empty_cache()
    return {"system": "pytorch " + torch.__version__, "op": "gemm", "dtype": dtype, "n": n,
            "device": str(dev), "device_name": torch.cuda.get_device_name(dev),
            "implemented": True, "gflops": round(statistics.median(gflops), 1),
            "best_gflops": round(gflops[-1], 1), "reps_per_sample": reps, "samples": samples,
            "checked": True, "allow_tf32": torch.backends.cuda.matmul.allow_tf32}


def main():
    args = sys.argv[1:]
    if args and args[0] in ("-h", "--help"):
        raise SystemExit(__doc__)
    dev = cuda_device(args[0] if args else "cuda:0")
    sizes = [int(s) for s in (args[1] if len(args) > 1 else "1024,4096,8192").split(",")]
    dtypes = (args[2] if len(args) > 2 else "fp32,tf32,bf16").split(",")
    sample_s = float(args[3]) if len(args) > 3 else 0.25
    samples = int(args[4]) if len(args) > 4 else 5
    for dtype in dtypes:
        if dtype not in TOLERANCE:
            raise SystemExit(f"dtype must be fp32, tf32 or bf16, got {dtype}")
    print(f"GEMM on {dev}: {torch.cuda.get_device_name(dev)}, torch {torch.__version__}",
          file=sys.stderr)
    for dtype in dtypes:
        for n in sizes:
            print(json.dumps(measure(dev, n, dtype, sample_s, samples)), flush=True)


if __name__ == "__main__":
    main()
