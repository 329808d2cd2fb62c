#!/usr/bin/env python3
"""PyTorch reference for workloads W1-W3 (../shared/WORKLOADS.md), the figures Ember is compared with.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 workloads_reference.py w1 1 [data_dir]

Prints one JSON line: workload, seed, test accuracy, training samples/s over the whole run and over its second half (the training loop only:
shuffle, gather, forward, backward, step, with the data already in memory), epochs, peak resident memory. Exactly the
workloads' definitions: Fashion-MNIST pixels / 255, Adam(lr 1e-3), cross-entropy, reshuffled every
epoch, last partial batch kept, PyTorch's default initialization. torch.set_num_threads(2).
With LOSSES=N in the environment the line adds the training loss of the first N steps.
"""

import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data",
                    "fashion-mnist")


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        _, (h, _) = self.lstm(x.view(-1, 28, 28))
        return self.fc(h[-1])


def network(w):
    if w == "w1":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                             nn.ReLU(), nn.Linear(128, 10)), 128, 5
    if w == "w2":
        return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10)), 64, 1
    if w == "w3":
        return Lstm(), 128, 1
    raise SystemExit("unknown workload " + w)


def load(data):
    """Fashion-MNIST from data: train images (N, 28, 28) / 255, labels int64, and the test pair."""
    xtr = torch.from_numpy(idx(os.path.join(data, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255)
    ytr = torch.from_numpy(idx(os.path.join(data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xte = torch.from_numpy(idx(os.path.join(data, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255)
    yte = torch.from_numpy(idx(os.path.join(data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    return xtr, ytr, xte, yte


def main():
    w, seed = sys.argv[1], int(sys.argv[2])
    data = sys.argv[3] if len(sys.argv) > 3 else DATA
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    xtr, ytr, xte, yte = load(data)
    xtr, xte = xtr.unsqueeze(1), xte.unsqueeze(1)
    model, batch, epochs = network(w)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss()
    n = xtr.shape[0]
    train_s = 0.0
    marks = []  # (seconds of training so far, samples so far) after each step
    losses = []
    n_losses = int(os.environ.get("LOSSES", "0"))
    seen = 0
    for _ in range(epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            idx_b = perm[i:i + batch]
            xb, yb = xtr[idx_b], ytr[idx_b]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            if len(losses) < n_losses:
                losses.append(loss.item())
            seen += len(idx_b)
            marks.append((train_s + time.perf_counter() - t0, seen))
        train_s += time.perf_counter() - t0
    half_t, half_n = marks[len(marks) // 2 - 1]
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, xte.shape[0], 1000):
            correct += (model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
    result = {"system": "pytorch " + torch.__version__, "workload": w, "seed": seed,
              "accuracy": correct / xte.shape[0], "samples_per_s": n * epochs / train_s,
              "second_half_samples_per_s": (seen - half_n) / (train_s - half_t),
              "epochs": epochs,
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if losses:
        result["losses"] = losses
    print(json.dumps(result))


if __name__ == "__main__":
    main()
