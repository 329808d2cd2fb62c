#!/usr/bin/env python3
"""Writes spec.json, the state-dict keys, shapes and parameter counts of torch.nn.Sequential
networks that NetworkTest builds from Network specs (the same layers, in the same order).

Rerun (from this folder; needs PyTorch 1.13, installed for Debian's python, not pyenv's):

    /usr/bin/python3 make_spec_golden.py

A spec's recurrent layer is torch's RNN/LSTM/GRU with batch_first=True; its "last hidden state"
selection has no parameters, so torch.nn.Sequential(nn.LSTM(...), nn.Linear(...)) has the keys
the spec must produce (the Sequential is not run here, only described).
"""

import json

import torch
from torch import nn

assert torch.__version__.startswith("1.13"), \
    "spec.json is the reference of torch 1.13, got " + torch.__version__

NETWORKS = {
    # W1 of WORKLOADS.md
    "w1": nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                        nn.ReLU(), nn.Linear(128, 10)),
    # W2
    "w2": nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10)),
    # W3
    "w3": nn.Sequential(nn.LSTM(28, 128, batch_first=True), nn.Linear(128, 10)),
    # every layer type with parameters or buffers, with non-default options
    "all": nn.Sequential(
        nn.Conv1d(4, 6, 3, 2, 1, 1, 2, bias=False),
        nn.Conv2d(3, 8, 5),
        nn.ConvTranspose2d(8, 4, 3, 2, 1, 1),
        nn.BatchNorm1d(6),
        nn.BatchNorm2d(8),
        nn.LayerNorm([4, 5]),
        nn.Embedding(100, 16, padding_idx=0),
        nn.RNN(16, 12, 2, batch_first=True),
        nn.GRU(12, 10, 2, batch_first=True, bidirectional=True),
        nn.LSTM(20, 7, 1, batch_first=True, bidirectional=True),
        nn.Linear(14, 3, bias=False)),
}

out = {}
for name, net in NETWORKS.items():
    out[name] = {
        "state": [[k, list(v.shape)] for k, v in net.state_dict().items()],
        "parameters": sum(p.numel() for p in net.parameters()),
    }
with open("spec.json", "w") as f:
    f.write("{\n" + ",\n".join(json.dumps(k) + ": " + json.dumps(v) for k, v in out.items())
            + "\n}\n")
