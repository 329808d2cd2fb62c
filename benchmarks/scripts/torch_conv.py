#!/usr/bin/python3
"""PyTorch reference for ConvBenchmark: W2's convolution and pooling layers at batch 64.

W2 (shared/WORKLOADS.md): Conv2d(1->32, 3x3, pad 1) -> ReLU -> MaxPool 2 -> Conv2d(32->64, 3x3,
pad 1) -> ReLU -> MaxPool 2 on 28x28 images. Times the same operations as ConvBenchmark: each
layer's forward, and the whole feature extractor forward and forward+backward (the input does not
require grad, as in training; the backward reaches both convolutions' weights and biases).

Run with Debian's python (torch 1.13), 2 threads and passive OpenMP waiting, the settings of the
W2 reference figure:

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 benchmarks/scripts/torch_conv.py [THREADS]

Prints one JSON object of milliseconds per call (median of 9 rounds of >= 0.2 s each).
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def median_ms(fn, round_s=0.2, rounds=9):
    for _ in range(3):
        fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    calls = max(1, int(round_s / once))
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        out.append((time.perf_counter() - t0) / calls * 1e3)
    out.sort()
    return out[len(out) // 2]


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    conv1 = torch.nn.Conv2d(1, 32, 3, padding=1)
    conv2 = torch.nn.Conv2d(32, 64, 3, padding=1)
    x = torch.rand(64, 1, 28, 28)
    h1 = torch.relu(conv1(x)).detach()
    p1 = F.max_pool2d(h1, 2).detach()
    h2 = torch.relu(conv2(p1)).detach()

    def features(inp):
        h = F.max_pool2d(torch.relu(conv1(inp)), 2)
        return F.max_pool2d(torch.relu(conv2(h)), 2)

    g = torch.randn(64, 64, 7, 7)

    def train_step():
        for p in (conv1.weight, conv1.bias, conv2.weight, conv2.bias):
            p.grad = None
        features(x).backward(g)

    with torch.no_grad():
        res = {
            "conv1_forward": median_ms(lambda: conv1(x)),
            "pool1_forward": median_ms(lambda: F.max_pool2d(h1, 2)),
            "conv2_forward": median_ms(lambda: conv2(p1)),
            "pool2_forward": median_ms(lambda: F.max_pool2d(h2, 2)),
            "features_forward": median_ms(lambda: features(x)),
        }
    res["features_forward_backward"] = median_ms(train_step)
    print(json.dumps({"torch": torch.__version__, "threads": threads, "ms": res}))


if __name__ == "__main__":
    main()
