#!/usr/bin/env python3
"""PyTorch's side of run-same-start.sh: W1 (../shared/WORKLOADS.md) from seed s, exactly as
workloads_reference.py trains it, writing the start it drew so that Ember can train from the same
one: the initial weights (OUT/init_s.npz, PyTorch's state-dict keys) and each epoch's shuffle
(OUT/perm_s.npz, "perm": epochs x 60,000 int64).

    /usr/bin/python3 same_start_reference.py SEED OUT [data_dir]

Prints one JSON line: the training loss at steps 1, 2, 5, 10, 50, 100, 500, 1000, 2000 and the
last, and the test accuracy.
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

from workloads_reference import DATA, load

MARKS = (1, 2, 5, 10, 50, 100, 500, 1000, 2000)


def main():
    seed, out = int(sys.argv[1]), sys.argv[2]
    data = sys.argv[3] if len(sys.argv) > 3 else DATA
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    xtr, ytr, xte, yte = load(data)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                          nn.ReLU(), nn.Linear(128, 10))
    np.savez(os.path.join(out, f"init_{seed}.npz"),
             **{k: v.detach().numpy().copy() for k, v in model.state_dict().items()})
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss()
    n = xtr.shape[0]
    perms, losses, step = [], {}, 0
    for _ in range(5):
        perm = torch.randperm(n)
        perms.append(perm.numpy().copy())
        for i in range(0, n, 128):
            b = perm[i:i + 128]
            opt.zero_grad()
            loss = loss_fn(model(xtr[b]), ytr[b])
            loss.backward()
            opt.step()
            step += 1
            if step in MARKS:
                losses[str(step)] = loss.item()
    losses[str(step)] = loss.item()
    np.savez(os.path.join(out, f"perm_{seed}.npz"), perm=np.stack(perms).astype(np.int64))
    model.eval()
    with torch.no_grad():
        accuracy = (model(xte).argmax(1) == yte).double().mean().item()
    print(json.dumps({"system": "pytorch " + torch.__version__, "workload": "w1", "seed": seed,
                      "start": "pytorch", "losses": losses, "accuracy": round(accuracy, 4)}))


if __name__ == "__main__":
    main()
