#!/usr/bin/env python3
"""PyTorch 2.x on a CUDA GPU for workloads W1-W3 (../shared/WORKLOADS.md): the reference of Ember's
GPU runs (TrainWorkload with device cuda:0), eager mode.

    python3 torch_gpu_workloads.py w1 1 [data_dir | subset] [epochs, - = the workload's] [device=cuda:0]

Prints one JSON line: workload, seed, test accuracy, training samples/s over the whole run and over
its second half, epochs, and the peak of allocated device memory over the training loop
(torch.cuda.max_memory_allocated, reset before the model moves to the device; the test evaluation
is left out) with the memory the caching allocator reserved at its peak. The data loading is the
CPU reference's (workloads_reference.py): the data set stays in host memory as float32, each
step gathers its shuffled batch on the host and copies it to the device, as Ember's Trainer does.
The clock is read after torch.cuda.synchronize() (at the end of each epoch and at the half-way
step), so it counts the kernels, not only their launches.

Exits with status 2 and "no CUDA device" where torch has no CUDA device (a CPU-only build, no
driver, no GPU).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import json  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from workloads_reference import DATA, idx, network  # noqa: E402

# "subset": the test-data module's 6,000/1,000 images, the files TrainWorkload's "subset" reads.
SUBSET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test-data", "src",
                      "main", "resources", "dev", "ember", "testdata", "fashion-mnist")


def cuda_device(spec):
    """The torch.device for spec (cuda or cuda:N), or exit 2 saying why there is none."""
    if not spec.startswith("cuda"):
        raise SystemExit(f"device must be cuda or cuda:N, got {spec}")
    if not torch.cuda.is_available():
        built = torch.version.cuda
        why = "this torch build has no CUDA support" if built is None else \
            f"torch (CUDA {built}) finds no GPU or driver"
        print(f"no CUDA device: {why} (torch {torch.__version__}); "
              "run this on a GPU host with PyTorch 2.x", file=sys.stderr)
        raise SystemExit(2)
    dev = torch.device(spec)
    if dev.index is not None and dev.index >= torch.cuda.device_count():
        print(f"no CUDA device {spec}: {torch.cuda.device_count()} present", file=sys.stderr)
        raise SystemExit(2)
    return dev


def main():
    if len(sys.argv) < 3:
        raise SystemExit("usage: torch_gpu_workloads.py w1|w2|w3 seed [data_dir] [epochs] [device]")
    w, seed = sys.argv[1], int(sys.argv[2])
    data = sys.argv[3] if len(sys.argv) > 3 else DATA
    data = SUBSET if data == "subset" else data
    dev = cuda_device(sys.argv[5] if len(sys.argv) > 5 else "cuda:0")
    if not torch.__version__.startswith("2."):
        print(f"warning: the figures are meant for PyTorch 2.x, this is {torch.__version__}",
              file=sys.stderr)
    torch.manual_seed(seed)
    xtr = torch.from_numpy(idx(os.path.join(data, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255)
    ytr = torch.from_numpy(idx(os.path.join(data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xte = torch.from_numpy(idx(os.path.join(data, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255)
    yte = torch.from_numpy(idx(os.path.join(data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    xtr, xte = xtr.unsqueeze(1), xte.unsqueeze(1)
    model, batch, epochs = network(w)
    if len(sys.argv) > 4 and sys.argv[4] != "-":  # "-": the workload's own epochs
        epochs = int(sys.argv[4])
    torch.cuda.synchronize(dev)
    torch.cuda.reset_peak_memory_stats(dev)
    base = torch.cuda.memory_allocated(dev)
    model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss()
    n = xtr.shape[0]
    steps = epochs * ((n + batch - 1) // batch)
    half = steps // 2
    train_s = 0.0
    marks = []  # (seconds of training so far, samples so far) after each step
    seen = 0
    loss = None
    for _ in range(epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            idx_b = perm[i:i + batch]
            xb, yb = xtr[idx_b].to(dev), ytr[idx_b].to(dev)
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            seen += len(idx_b)
            if len(marks) == half - 1:
                torch.cuda.synchronize(dev)
            marks.append((train_s + time.perf_counter() - t0, seen))
        torch.cuda.synchronize(dev)
        train_s += time.perf_counter() - t0
    peak = (torch.cuda.max_memory_allocated(dev) - base) / 2**20
    reserved = torch.cuda.max_memory_reserved(dev) / 2**20
    half_t, half_n = marks[half - 1] if half > 0 else (0.0, 0)
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, xte.shape[0], 1000):
            pred = model(xte[i:i + 1000].to(dev)).argmax(1)
            correct += (pred == yte[i:i + 1000].to(dev)).sum().item()
    print(json.dumps({"system": "pytorch " + torch.__version__, "workload": w, "seed": seed,
                      "accuracy": correct / xte.shape[0], "samples_per_s": seen / train_s,
                      "second_half_samples_per_s": (seen - half_n) / (train_s - half_t),
                      "epochs": epochs, "last_loss": loss.item(),
                      "device": str(dev), "device_name": torch.cuda.get_device_name(dev),
                      "peak_device_mib": peak, "device_reserved_mib": reserved}))


if __name__ == "__main__":
    main()
