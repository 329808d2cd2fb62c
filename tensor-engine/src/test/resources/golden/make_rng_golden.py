#!/usr/bin/env python3
"""Writes rng.json, the PyTorch reference behind Ember's Mersenne Twister generator
(Generator.Engine.MT19937, checked by dev.ember.tensor.Mt19937GoldenTest).

Rerun (from this folder; needs PyTorch 1.13, installed for Debian's python, not pyenv's):

    /usr/bin/python3 make_rng_golden.py

Sections:

* "streams": for a seed, a sequence of draws from one generator seeded with torch.manual_seed
  (the global generator, as a PyTorch script uses it), each with its arguments and values: rand
  and uniform_ (float32, float64), randint, randperm, randn / normal_ (the scalar path below 16
  elements with its cached second sample, normal_fill at 16 and more), bernoulli_(p) and dropout
  (a 53-bit uniform per element against 1 - p). The sequence checks the state's progression, not
  only each draw.
* "modules": torch.manual_seed(seed), then a list of modules built in order with PyTorch's default
  initialization; every parameter's values.
* "w1": torch.manual_seed(seed), W1's network (../shared/WORKLOADS.md), then two epochs'
  torch.randperm(60000), as benchmarks/scripts/workloads_reference.py draws them; each tensor as
  a digest of its bits (sum over i of (i + 1) * bits[i] mod 2^61 - 1, float32 bits as unsigned
  32-bit integers) and its first values.
"""

import json
import os

import numpy as np
import torch
import torch.nn as nn

assert torch.__version__.startswith("1.13"), "rng.json is the reference of torch 1.13, got " + torch.__version__

P = (1 << 61) - 1


def values(t):
    t = t.detach().reshape(-1)
    if t.dtype == torch.float32:
        return [float(v) for v in t.numpy()]  # float32 widened exactly; repr reads back exactly
    return t.tolist()


def digest(t):
    t = t.detach().reshape(-1).contiguous()
    if t.dtype == torch.float32:
        bits = t.numpy().view(np.uint32).astype(object)
    else:
        bits = t.numpy().astype(object)
    return sum((i + 1) * int(b) for i, b in enumerate(bits)) % P


def stream(seed, ops):
    torch.manual_seed(seed)
    out = []
    for op in ops:
        kind = op["op"]
        dt = {"float32": torch.float32, "float64": torch.float64}.get(op.get("dtype"))
        if kind == "rand":
            t = torch.rand(op["n"], dtype=dt)
        elif kind == "uniform":
            t = torch.empty(op["n"], dtype=dt).uniform_(op["from"], op["to"])
        elif kind == "randn":
            t = torch.randn(op["n"], dtype=dt)
        elif kind == "normal":
            t = torch.empty(op["n"], dtype=dt).normal_(op["mean"], op["std"])
        elif kind == "randint":
            t = torch.randint(op["low"], op["high"], (op["n"],))
        elif kind == "randperm":
            t = torch.randperm(op["n"])
        elif kind == "bernoulli_":
            t = torch.empty(op["n"], dtype=dt).bernoulli_(op["p"])
        elif kind == "dropout":
            t = torch.nn.functional.dropout(torch.ones(op["n"], dtype=dt), op["p"], True)
        else:
            raise ValueError(kind)
        out.append(dict(op, values=values(t)))
    return {"seed": seed, "ops": out}


def modules(seed):
    torch.manual_seed(seed)
    mods = [("Linear", [5, 4], nn.Linear(5, 4)),
            ("Conv2d", [2, 3, 3], nn.Conv2d(2, 3, 3)),
            ("LSTM", [3, 4], nn.LSTM(3, 4)),
            ("GRU", [3, 2], nn.GRU(3, 2)),
            ("Conv1d", [2, 2, 2], nn.Conv1d(2, 2, 2)),
            ("Embedding", [6, 3], nn.Embedding(6, 3)),
            ("Linear", [3, 2], nn.Linear(3, 2))]
    return {"seed": seed,
            "modules": [{"type": k, "args": a,
                         "params": {n: values(p) for n, p in m.named_parameters()}}
                        for k, a, m in mods]}


def w1(seed):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                        nn.ReLU(), nn.Linear(128, 10))
    tensors = {n: p for n, p in net.named_parameters()}
    for e in range(2):
        tensors["perm%d" % e] = torch.randperm(60000)
    return {"seed": seed,
            "tensors": {n: {"digest": digest(t), "first": values(t[:8] if t.dim() == 1 else t[0, :8])}
                        for n, t in tensors.items()}}


def main():
    ops = [
        {"op": "rand", "dtype": "float32", "n": 20},
        {"op": "uniform", "dtype": "float32", "n": 10, "from": -0.3, "to": 0.3},
        {"op": "rand", "dtype": "float64", "n": 6},
        {"op": "uniform", "dtype": "float64", "n": 5, "from": -2.5, "to": 7.0},
        {"op": "randint", "n": 12, "low": 0, "high": 10},
        {"op": "randint", "n": 6, "low": -(1 << 40), "high": 1 << 45},
        {"op": "randperm", "n": 1},
        {"op": "randperm", "n": 17},
        {"op": "randn", "dtype": "float32", "n": 3},
        {"op": "randn", "dtype": "float32", "n": 4},
        {"op": "randn", "dtype": "float64", "n": 5},
        {"op": "randn", "dtype": "float32", "n": 16},
        {"op": "normal", "dtype": "float32", "n": 37, "mean": 1.5, "std": 0.25},
        {"op": "normal", "dtype": "float64", "n": 21, "mean": -1.0, "std": 2.0},
        {"op": "rand", "dtype": "float32", "n": 700},  # crosses the 624-word twist
        {"op": "randperm", "n": 300},
        {"op": "bernoulli_", "dtype": "float32", "n": 40, "p": 0.3},
        {"op": "dropout", "dtype": "float32", "n": 50, "p": 0.37},
        {"op": "dropout", "dtype": "float64", "n": 20, "p": 0.5},
        {"op": "rand", "dtype": "float32", "n": 3},
    ]
    seeds = [0, 1, 2, 123456789, (1 << 40) + 7]
    golden = {"torch": torch.__version__,
              "streams": [stream(s, ops) for s in seeds],
              "modules": [modules(s) for s in (1, 3)],
              "w1": [w1(s) for s in (1, 2, 3)]}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "rng.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
