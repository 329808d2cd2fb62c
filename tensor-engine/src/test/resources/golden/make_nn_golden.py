#!/usr/bin/env python3
"""Writes nn.json, the PyTorch reference cases behind Ember's nn layer and loss tests (NnGoldenTest).

Rerun from this folder with Debian's python (torch 1.13):  /usr/bin/python3 make_nn_golden.py

Each case has a name (the Java test maps it to the same computation), "inputs" (tensors, some with
"grad": true) and "outputs": the forward results and, for every input marked grad, the gradient of
sum(output * cotangent) where the cotangent "cot" is also recorded. Tensors are {"dtype", "shape",
"values"} like ops.json. Float64 throughout, so the comparison can be tight; inputs are rounded to
3 decimals so the file is short and reproducible.
"""

import json
import os

import torch
import torch.nn.functional as F

assert torch.__version__.startswith("1.13"), torch.__version__
torch.set_default_dtype(torch.float64)
GEN = torch.Generator().manual_seed(2024)


def rn(*shape, scale=1.0):
    x = torch.randn(shape, generator=GEN, dtype=torch.float64) * scale
    return torch.round(x * 1000) / 1000


def enc(t):
    t = t.detach()
    if t.dtype == torch.bool:
        vals = [bool(v) for v in t.reshape(-1).tolist()]
    elif t.dtype in (torch.int64, torch.int32):
        vals = [int(v) for v in t.reshape(-1).tolist()]
    else:
        vals = [repr(float(v)) if v != v or v in (float("inf"), float("-inf")) else float(v)
                for v in t.reshape(-1).tolist()]
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "values": vals}


CASES = []


def case(name, fn, grads=(), **inputs):
    """fn(**inputs) returns a dict of named outputs; the first is differentiated."""
    leaves = {}
    for k, v in inputs.items():
        if k in grads:
            v = v.clone().requires_grad_(True)
        leaves[k] = v
    outs = fn(**leaves)
    first = next(iter(outs.values()))
    rec = {"name": name, "inputs": {k: enc(v) for k, v in inputs.items()}, "outputs": {}}
    if grads:
        cot = rn(*first.shape)
        (first * cot).sum().backward()
        rec["inputs"]["cot"] = enc(cot)
        for k in grads:
            rec["outputs"]["grad_" + k] = enc(leaves[k].grad)
    for k, v in outs.items():
        rec["outputs"][k] = enc(v)
    CASES.append(rec)


# ---- layers
case("linear", lambda x, w, b: {"y": F.linear(x, w, b)}, grads=("x", "w", "b"),
     x=rn(4, 5), w=rn(3, 5), b=rn(3))
case("linear3d_nobias", lambda x, w: {"y": F.linear(x, w)}, grads=("x", "w"),
     x=rn(2, 3, 5), w=rn(4, 5))
case("elu", lambda x: {"y": F.elu(x, 0.7)}, grads=("x",), x=rn(3, 4, scale=2))
case("layer_norm", lambda x, w, b: {"y": F.layer_norm(x, [3, 4], w, b, 1e-5)},
     grads=("x", "w", "b"), x=rn(2, 3, 4), w=rn(3, 4), b=rn(3, 4))


def bn_train(x, w, b, rm, rv, x2):
    rm, rv = rm.clone(), rv.clone()
    y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5)
    F.batch_norm(x2, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5)
    ye = F.batch_norm(x2, rm, rv, w, b, training=False, momentum=0.1, eps=1e-5)
    return {"y": y, "running_mean": rm, "running_var": rv, "y_eval": ye}


case("batch_norm_1d", bn_train, grads=("x", "w", "b"), x=rn(6, 3), w=rn(3), b=rn(3),
     rm=rn(3), rv=rn(3).abs() + 0.5, x2=rn(6, 3))
case("batch_norm_1d_3d", bn_train, grads=("x", "w", "b"), x=rn(4, 3, 5), w=rn(3), b=rn(3),
     rm=rn(3), rv=rn(3).abs() + 0.5, x2=rn(4, 3, 5))
case("batch_norm_2d", bn_train, grads=("x", "w", "b"), x=rn(4, 3, 2, 2), w=rn(3), b=rn(3),
     rm=rn(3), rv=rn(3).abs() + 0.5, x2=rn(4, 3, 2, 2))


def bn_module_cumulative(x, x2):
    m = torch.nn.BatchNorm1d(3, momentum=None)
    m(x)
    m(x2)
    return {"running_mean": m.running_mean, "running_var": m.running_var,
            "num_batches_tracked": m.num_batches_tracked}


case("batch_norm_cumulative", bn_module_cumulative, x=rn(5, 3), x2=rn(5, 3))
case("embedding_padding", lambda idx, w: {"y": F.embedding(idx, w, padding_idx=1)},
     grads=("w",), idx=torch.tensor([[0, 1, 4], [1, 3, 3]]), w=rn(5, 4))

# ---- losses: value for each reduction, gradient of the "none" form
for red in ("none", "mean", "sum"):
    sfx = "_" + red
    case("mse" + sfx, lambda x, t: {"loss": F.mse_loss(x, t, reduction=red)}, grads=("x",),
         x=rn(3, 4), t=rn(3, 4))
    case("l1" + sfx, lambda x, t: {"loss": F.l1_loss(x, t, reduction=red)}, grads=("x",),
         x=rn(3, 4), t=rn(3, 4))
    case("smooth_l1" + sfx, lambda x, t: {"loss": F.smooth_l1_loss(x, t, reduction=red, beta=0.5)},
         grads=("x",), x=rn(3, 4), t=rn(3, 4))
    case("huber" + sfx, lambda x, t: {"loss": F.huber_loss(x, t, reduction=red, delta=0.7)},
         grads=("x",), x=rn(3, 4), t=rn(3, 4))
    tgt = torch.tensor([0, 3, 2, 1, 2])
    case("cross_entropy" + sfx, lambda x, t: {"loss": F.cross_entropy(x, t, reduction=red)},
         grads=("x",), x=rn(5, 4, scale=3), t=tgt)
    case("cross_entropy_weight_ignore" + sfx,
         lambda x, t, w: {"loss": F.cross_entropy(x, t, weight=w, ignore_index=2, reduction=red)},
         grads=("x",), x=rn(5, 4, scale=3), t=tgt, w=rn(4).abs() + 0.2)
    case("cross_entropy_smoothing" + sfx,
         lambda x, t, w: {"loss": F.cross_entropy(x, t, weight=w, ignore_index=2, reduction=red,
                                                  label_smoothing=0.1)},
         grads=("x",), x=rn(5, 4, scale=3), t=tgt, w=rn(4).abs() + 0.2)
    case("cross_entropy_smoothing_noweight" + sfx,
         lambda x, t: {"loss": F.cross_entropy(x, t, ignore_index=2, reduction=red,
                                               label_smoothing=0.2)},
         grads=("x",), x=rn(5, 4, scale=3), t=tgt)
    case("cross_entropy_probs" + sfx,
         lambda x, t, w: {"loss": F.cross_entropy(x, t, weight=w, reduction=red,
                                                  label_smoothing=0.1)},
         grads=("x", "t"), x=rn(3, 4), t=torch.softmax(rn(3, 4), 1), w=rn(4).abs() + 0.2)
    case("cross_entropy_kdim" + sfx, lambda x, t: {"loss": F.cross_entropy(x, t, reduction=red)},
         grads=("x",), x=rn(2, 3, 4), t=torch.tensor([[0, 2, 1, 1], [2, 2, 0, 1]]))
    case("nll_weight_ignore" + sfx,
         lambda x, t, w: {"loss": F.nll_loss(x, t, weight=w, ignore_index=0, reduction=red)},
         grads=("x",), x=torch.log_softmax(rn(5, 4), 1), t=tgt, w=rn(4).abs() + 0.2)
    case("bce" + sfx,
         lambda x, t, w: {"loss": F.binary_cross_entropy(x, t, weight=w, reduction=red)},
         grads=("x",), x=torch.sigmoid(rn(3, 4)), t=torch.rand(3, 4, generator=GEN).round(),
         w=rn(4).abs())
    case("bce_logits" + sfx,
         lambda x, t, w, pw: {"loss": F.binary_cross_entropy_with_logits(
             x, t, weight=w, pos_weight=pw, reduction=red)},
         grads=("x",), x=torch.cat([rn(2, 4, scale=3), torch.tensor([[50., -50., 30., -30.]])]),
         t=torch.rand(3, 4, generator=GEN).round(), w=rn(4).abs(), pw=rn(4).abs() + 0.5)

case("cross_entropy_unbatched", lambda x, t: {"loss": F.cross_entropy(x, t)}, grads=("x",),
     x=rn(4), t=torch.tensor(2))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": CASES}, f, separators=(",", ":"))
print("wrote", len(CASES), "cases to", out)
