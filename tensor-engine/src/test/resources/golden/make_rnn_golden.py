#!/usr/bin/env python3
"""Writes rnn.json, the PyTorch reference cases of Ember's recurrent layers (RnnGoldenTest).

Rerun (from this folder; needs PyTorch 1.13, installed for Debian's python, not pyenv's):

    /usr/bin/python3 make_rnn_golden.py

Each case builds a torch.nn.RNN / LSTM / GRU (or RNNCell / LSTMCell / GRUCell) with the given
options, draws its weights, an input and initial states from one seeded generator, runs it, and
backpropagates loss = sum(output * u_output) + sum(h_n * u_h) [+ sum(c_n * u_c)] for random
upstream tensors u. The file holds the options, the state dict (the exact keys of torch's
state_dict()), the inputs, the upstream tensors, the outputs and the gradients of the input, of the
initial states and of every parameter (keyed like the state dict). Tensors are {"dtype", "shape",
"values"}, values flat in row-major order, written as the shortest decimal that reads back to the
exact float32 / float64 value. The file is reproducible bit for bit.
"""

import json
import os

import numpy as np
import torch

assert torch.__version__.startswith("1.13"), \
    "rnn.json is the reference of torch 1.13, got " + torch.__version__

torch.set_num_threads(1)
GEN = torch.Generator().manual_seed(20240611)
NAMES = {torch.float32: "float32", torch.float64: "float64"}


def enc(t):
    t = t.detach()
    flat = t.reshape(-1).tolist()
    if t.dtype == torch.float32:
        values = [float(repr(np.float32(v))) for v in flat]
    else:
        values = [float(v) for v in flat]
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "values": values}


def rand(shape, dtype, scale=1.0):
    return (torch.randn(shape, generator=GEN, dtype=torch.float64) * scale).to(dtype)


def layer_case(cid, kind, input_size, hidden, layers=1, bias=True, batch_first=False,
               bidirectional=False, nonlinearity="tanh", seq=5, batch=3, unbatched=False,
               with_h0=True, dtype=torch.float64):
    cls = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind]
    kwargs = dict(num_layers=layers, bias=bias, batch_first=batch_first,
                  bidirectional=bidirectional)
    if kind == "RNN":
        kwargs["nonlinearity"] = nonlinearity
    m = cls(input_size, hidden, **kwargs).to(dtype)
    with torch.no_grad():
        for p in m.parameters():
            # Wider than torch's U(-1/sqrt(H), 1/sqrt(H)), so that every weight matters.
            p.copy_(rand(p.shape, dtype, 0.5))
    d = 2 if bidirectional else 1
    if unbatched:
        x_shape = (seq, input_size)
        h_shape = (d * layers, hidden)
    else:
        x_shape = (batch, seq, input_size) if batch_first else (seq, batch, input_size)
        h_shape = (d * layers, batch, hidden)
    x = rand(x_shape, dtype).requires_grad_()
    h0 = rand(h_shape, dtype, 0.5).requires_grad_() if with_h0 else None
    c0 = rand(h_shape, dtype, 0.5).requires_grad_() if (with_h0 and kind == "LSTM") else None
    if kind == "LSTM":
        out, (hn, cn) = m(x, (h0, c0)) if with_h0 else m(x)
    else:
        out, hn = m(x, h0) if with_h0 else m(x)
        cn = None
    u_out = rand(out.shape, dtype)
    u_h = rand(hn.shape, dtype)
    loss = (out * u_out).sum() + (hn * u_h).sum()
    u_c = None
    if cn is not None:
        u_c = rand(cn.shape, dtype)
        loss = loss + (cn * u_c).sum()
    loss.backward()
    sd = m.state_dict()
    named = dict(m.named_parameters())
    c = {
        "id": cid, "kind": kind,
        "options": {"input_size": input_size, "hidden_size": hidden, "num_layers": layers,
                    "bias": bias, "batch_first": batch_first, "bidirectional": bidirectional,
                    "nonlinearity": nonlinearity},
        "state_dict": {k: enc(v) for k, v in sd.items()},
        "input": enc(x),
        "h0": enc(h0) if h0 is not None else None,
        "c0": enc(c0) if c0 is not None else None,
        "upstream": {"output": enc(u_out), "h_n": enc(u_h), "c_n": enc(u_c) if u_c is not None else None},
        "output": enc(out), "h_n": enc(hn), "c_n": enc(cn) if cn is not None else None,
        "grads": {"input": enc(x.grad), "h0": enc(h0.grad) if h0 is not None else None,
                  "c0": enc(c0.grad) if c0 is not None else None,
                  "params": {k: enc(named[k].grad) for k in sd.keys()}},
    }
    return c


def cell_case(cid, kind, input_size, hidden, bias=True, nonlinearity="tanh", batch=3,
              unbatched=False, dtype=torch.float64):
    if kind == "RNNCell":
        m = torch.nn.RNNCell(input_size, hidden, bias=bias, nonlinearity=nonlinearity)
    else:
        m = {"LSTMCell": torch.nn.LSTMCell, "GRUCell": torch.nn.GRUCell}[kind](
            input_size, hidden, bias=bias)
    m = m.to(dtype)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(rand(p.shape, dtype, 0.5))
    x_shape = (input_size,) if unbatched else (batch, input_size)
    h_shape = (hidden,) if unbatched else (batch, hidden)
    x = rand(x_shape, dtype).requires_grad_()
    h0 = rand(h_shape, dtype, 0.5).requires_grad_()
    c0 = rand(h_shape, dtype, 0.5).requires_grad_() if kind == "LSTMCell" else None
    if kind == "LSTMCell":
        hn, cn = m(x, (h0, c0))
    else:
        hn, cn = m(x, h0), None
    u_h = rand(hn.shape, dtype)
    loss = (hn * u_h).sum()
    u_c = None
    if cn is not None:
        u_c = rand(cn.shape, dtype)
        loss = loss + (cn * u_c).sum()
    loss.backward()
    sd = m.state_dict()
    named = dict(m.named_parameters())
    return {
        "id": cid, "kind": kind,
        "options": {"input_size": input_size, "hidden_size": hidden, "bias": bias,
                    "nonlinearity": nonlinearity},
        "state_dict": {k: enc(v) for k, v in sd.items()},
        "input": enc(x), "h0": enc(h0), "c0": enc(c0) if c0 is not None else None,
        "upstream": {"h_n": enc(u_h), "c_n": enc(u_c) if u_c is not None else None},
        "h_n": enc(hn), "c_n": enc(cn) if cn is not None else None,
        "grads": {"input": enc(x.grad), "h0": enc(h0.grad),
                  "c0": enc(c0.grad) if c0 is not None else None,
                  "params": {k: enc(named[k].grad) for k in sd.keys()}},
    }


def main():
    f32 = torch.float32
    cases = []
    for kind in ("LSTM", "GRU", "RNN"):
        cases.append(layer_case(kind.lower() + "_2layer_bidir_batchfirst", kind, 5, 4, layers=2,
                                batch_first=True, bidirectional=True))
        cases.append(layer_case(kind.lower() + "_1layer_zero_states", kind, 3, 6, with_h0=False))
        cases.append(layer_case(kind.lower() + "_unbatched_nobias_2layer", kind, 4, 3, layers=2,
                                bias=False, unbatched=True, seq=4))
        cases.append(layer_case(kind.lower() + "_float32_2layer_bidir", kind, 6, 8, layers=2,
                                bidirectional=True, dtype=f32))
    cases.append(layer_case("rnn_relu_2layer_bidir", "RNN", 5, 4, layers=2, bidirectional=True,
                            nonlinearity="relu"))
    cases.append(layer_case("lstm_seq1_bidir_unbatched", "LSTM", 3, 2, bidirectional=True, seq=1,
                            unbatched=True))
    for kind in ("LSTMCell", "GRUCell", "RNNCell"):
        cases.append(cell_case(kind.lower() + "_batched", kind, 5, 4))
        cases.append(cell_case(kind.lower() + "_unbatched_nobias", kind, 3, 2, bias=False,
                               unbatched=True))
    cases.append(cell_case("rnncell_relu", "RNNCell", 5, 4, nonlinearity="relu"))
    out = {"torch_version": torch.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
