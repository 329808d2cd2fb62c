#!/usr/bin/python3
"""PyTorch's reference for OptimizerBenchmark: one optimizer step over workload W1's parameters.

The MLP 784-256-128-10 has 235,146 float32 parameters in 6 tensors; gradients are set once, then
torch.optim.Adam (default, single-tensor path as in 1.13; also foreach=True) and SGD with momentum
0.9 are timed per step, as the median of 5 rounds of the mean.

Usage: OMP_WAIT_POLICY=PASSIVE optim_reference.py THREADS  -> one JSON object, microseconds
"""
import json
import sys
import time

import torch


def median_us(fn, rounds=5, per_round=0.4):
    fn()
    t0 = time.perf_counter()
    fn()
    calls = max(1, int(per_round / max(time.perf_counter() - t0, 1e-7)))
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t0) / calls * 1e6)
    times.sort()
    return times[len(times) // 2]


def params():
    g = torch.Generator().manual_seed(7)
    ps = []
    for shape in [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]:
        p = (torch.randn(shape, generator=g) * 0.05).requires_grad_()
        p.grad = torch.randn(shape, generator=g)
        ps.append(p)
    return ps


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    out = {"threads": threads, "torch": torch.__version__, "us": {}}
    for name, make in [
        ("adamStep", lambda ps: torch.optim.Adam(ps, lr=1e-3)),
        ("adamForeach", lambda ps: torch.optim.Adam(ps, lr=1e-3, foreach=True)),
        ("sgdMomentumStep", lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9)),
    ]:
        opt = make(params())
        out["us"][name] = round(median_us(opt.step), 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
