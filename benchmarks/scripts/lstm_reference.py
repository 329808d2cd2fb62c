#!/usr/bin/python3
"""PyTorch's time for the LSTM of workload W3, the reference of LstmBenchmark.

W3 (shared/WORKLOADS.md): the 28 rows of a 28x28 image as a sequence of 28 features ->
LSTM(hidden 128, 1 layer) -> last hidden state -> Linear 10; batch 128. Timed here as in
LstmBenchmark: forward and backward of the LSTM alone (input (28, 128, 28), loss = sum of the last
hidden state times a fixed random tensor, gradients of the weights only), and the whole training
step (LSTM + Linear + cross-entropy + Adam) for comparison with the workload's samples/s.

Run with Debian's python3 (torch 1.13) and OMP_WAIT_POLICY=PASSIVE (PyTorch's fastest setting on
2 cores, see shared/WORKLOADS.md); the script sets 2 threads unless given another count.

Usage: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 lstm_reference.py [THREADS]
  -> prints one JSON object with the median milliseconds per batch and the min-max over rounds.
"""
import json
import os
import sys
import time

import torch

assert torch.__version__.startswith("1.13"), "the reference is torch 1.13, got " + torch.__version__


def rounds_ms(fn, rounds=9, min_round_s=1.0):
    """Mean ms per call in each of `rounds` rounds of at least min_round_s (after a warm-up)."""
    for _ in range(5):
        fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-6)
    calls = max(1, int(min_round_s / once))
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        out.append((time.perf_counter() - t0) / calls * 1e3)
    return sorted(out)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    seq, batch, features, hidden = 28, 128, 28, 128
    lstm = torch.nn.LSTM(features, hidden)
    head = torch.nn.Linear(hidden, 10)
    x = torch.rand(seq, batch, features)
    w = torch.randn(batch, hidden)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)

    def lstm_fwd_bwd():
        lstm.zero_grad(set_to_none=True)
        out, (h, c) = lstm(x)
        (h[-1] * w).sum().backward()

    def lstm_fwd():
        with torch.no_grad():
            lstm(x)

    def train_step():
        opt.zero_grad(set_to_none=True)
        out, (h, c) = lstm(x)
        loss = torch.nn.functional.cross_entropy(head(h[-1]), y)
        loss.backward()
        opt.step()

    res = {"torch": torch.__version__, "threads": threads,
           "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
           "shape": {"seq": seq, "batch": batch, "features": features, "hidden": hidden}}
    for name, fn in (("lstm_forward_backward", lstm_fwd_bwd), ("lstm_forward_no_grad", lstm_fwd),
                     ("train_step", train_step)):
        r = rounds_ms(fn)
        res[name + "_ms"] = {"median": r[len(r) // 2], "min": r[0], "max": r[-1]}
    res["train_samples_per_s"] = batch / res["train_step_ms"]["median"] * 1e3
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
