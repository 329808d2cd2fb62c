#!/usr/bin/env python3
"""Writes optim.json, the PyTorch reference behind Ember's optimizer, scheduler and clipping tests.

Rerun (from this folder; needs PyTorch 1.13, installed for Debian's python, not pyenv's):

    /usr/bin/python3 make_optim_golden.py

The committed optim.json was produced by torch 1.13.0a0 (the version is recorded in the file and
asserted below: the defaults, the schedulers' recursive forms and the state layout are 1.13's).

Sections (read by dev.ember.optim.OptimGoldenTest):

* "optimizers": for each case, an optimizer name and its constructor options (PyTorch keyword
  names), optional parameter groups ({"params": [indices], overrides...}), the initial parameters,
  one coefficient tensor per parameter, the indices of "frozen" parameters (left out of the loss,
  so their grad stays None and the optimizer must skip them), and the parameters after each of
  STEPS steps. The gradient at every step is that of

      loss = sum_i sum(c_i * sin(p_i) + p_i * p_i * 0.5)     (i not frozen)

  taken with autograd at the current parameters (Ember's test computes it the same way).
* "schedulers": for each case, the optimizer (SGD or Adam) with its group learning rates, the
  scheduler (a small spec, nested for SequentialLR / ChainedScheduler), and after construction and
  after each step the groups' lr (and momentum or beta1 for OneCycleLR), plus get_last_lr().
  ReduceLROnPlateau cases carry the metric fed to each step.
* "clip": clip_grad_norm_ (p = 1, 2, inf, ...) and clip_grad_value_ on given gradients (a null
  gradient is a parameter without grad): the returned total norm and the clipped gradients.

Tensors are {"dtype", "shape", "values"}, values flat in row-major order, float32 values as the
shortest decimal that reads back to the exact float32. Inputs come from one seeded generator,
rounded to three decimals; the file is reproducible bit for bit.
"""

import json
import math
import os

import numpy as np
import torch
from torch.nn.utils import clip_grad_norm_, clip_grad_value_
from torch.optim import lr_scheduler as S

assert torch.__version__.startswith("1.13"), \
    "optim.json is the reference of torch 1.13, got " + torch.__version__

GEN = torch.Generator().manual_seed(4321)
STEPS = 5
SCHED_STEPS = 30
f32, f64 = torch.float32, torch.float64
DTYPE_NAMES = {f32: "float32", f64: "float64"}


def rn(*shape, dtype=f32, scale=1.0):
    x = torch.randn(shape, generator=GEN, dtype=f64) * scale
    return (torch.round(x * 1000) / 1000).to(dtype)


def enc_value(v, dtype):
    f = float(v)
    if dtype == f32:
        return float(repr(np.float32(f)))
    return f


def enc(t):
    if t is None:
        return None
    t = t.detach()
    return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape),
            "values": [enc_value(v, t.dtype) for v in t.reshape(-1).tolist()]}


# ------------------------------------------------------------------------------------------------
# Optimizers

OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}

OPT_CASES = []


def enc_options(options):
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items()}


def opt_case(label, name, options, dtype=f32, shapes=((3, 4), (5,), (2, 1, 3)), groups=None,
             frozen=()):
    params = [rn(*s, dtype=dtype).requires_grad_() for s in shapes]
    coefs = [rn(*s, dtype=dtype, scale=2.0) for s in shapes]
    initial = [enc(p) for p in params]
    if groups is None:
        opt = OPTIMIZERS[name](params, **options)
    else:
        opt = OPTIMIZERS[name](
            [dict({k: v for k, v in g.items() if k != "params"},
                  params=[params[i] for i in g["params"]]) for g in groups], **options)
    steps = []
    for _ in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = sum((c * torch.sin(p) + p * p * 0.5).sum()
                   for i, (p, c) in enumerate(zip(params, coefs)) if i not in frozen)
        loss.backward()
        opt.step()
        steps.append([enc(p) for p in params])
    for i in frozen:
        assert torch.equal(params[i].detach(), torch.tensor(initial[i]["values"], dtype=dtype)
                           .reshape(params[i].shape)), "frozen parameter changed"
    OPT_CASES.append({
        "label": label, "optimizer": name, "options": enc_options(options),
        "groups": None if groups is None else [enc_options(g) for g in groups],
        "params": initial, "coefs": [enc(c) for c in coefs], "frozen": list(frozen),
        "steps": steps})


opt_case("sgd_plain", "SGD", {"lr": 0.1})
opt_case("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9})
opt_case("sgd_dampening_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1,
                                     "weight_decay": 0.01})
opt_case("sgd_nesterov_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True,
                                    "weight_decay": 0.1})
opt_case("sgd_maximize", "SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True})
opt_case("sgd_wd_no_momentum", "SGD", {"lr": 0.1, "weight_decay": 0.2})
opt_case("sgd_nesterov_f64", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, dtype=f64)
opt_case("sgd_frozen", "SGD", {"lr": 0.1, "momentum": 0.9}, frozen=(1,))
opt_case("sgd_groups", "SGD", {"lr": 0.1, "momentum": 0.9},
         groups=[{"params": [0, 2]}, {"params": [1], "lr": 0.01, "momentum": 0.5}])
opt_case("adam_defaults", "Adam", {})
opt_case("adam_betas_eps", "Adam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-6})
opt_case("adam_wd_amsgrad", "Adam", {"lr": 0.05, "betas": (0.9, 0.5), "weight_decay": 0.1,
                                     "amsgrad": True})
opt_case("adam_maximize", "Adam", {"lr": 0.05, "maximize": True})
opt_case("adam_amsgrad_f64", "Adam", {"lr": 0.05, "betas": (0.9, 0.5), "amsgrad": True,
                                      "weight_decay": 0.05}, dtype=f64)
opt_case("adam_groups", "Adam", {"lr": 0.05},
         groups=[{"params": [0], "lr": 0.01}, {"params": [1, 2], "betas": (0.5, 0.9)}])
opt_case("adam_frozen", "Adam", {"lr": 0.05}, frozen=(0, 2))
opt_case("adamw_defaults", "AdamW", {})
opt_case("adamw_wd_amsgrad", "AdamW", {"lr": 0.05, "betas": (0.9, 0.5), "weight_decay": 0.1,
                                       "amsgrad": True})
opt_case("adamw_maximize_no_wd", "AdamW", {"lr": 0.05, "maximize": True, "weight_decay": 0})
opt_case("adamw_f64", "AdamW", {"lr": 0.05, "weight_decay": 0.3}, dtype=f64)
opt_case("rmsprop_defaults", "RMSprop", {})
opt_case("rmsprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9})
opt_case("rmsprop_centered_wd", "RMSprop", {"lr": 0.01, "centered": True, "weight_decay": 0.1})
opt_case("rmsprop_all", "RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.5,
                                    "maximize": True, "eps": 1e-4})
opt_case("rmsprop_centered_f64", "RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.3},
         dtype=f64)
opt_case("adagrad_defaults", "Adagrad", {})
opt_case("adagrad_all", "Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1,
                                    "initial_accumulator_value": 0.1})
opt_case("adagrad_maximize", "Adagrad", {"lr": 0.1, "eps": 1e-5, "maximize": True})
opt_case("adagrad_f64", "Adagrad", {"lr": 0.1, "lr_decay": 0.01}, dtype=f64)

# ------------------------------------------------------------------------------------------------
# Schedulers: a spec is {"type": ..., args...}; nested specs for the composites.

SCHED_CASES = []


def build(spec, opt):
    t = spec["type"]
    a = {k: v for k, v in spec.items() if k not in ("type", "schedulers")}
    if t == "SequentialLR":
        return S.SequentialLR(opt, [build(s, opt) for s in spec["schedulers"]], **a)
    if t == "ChainedScheduler":
        return S.ChainedScheduler([build(s, opt) for s in spec["schedulers"]])
    return getattr(S, t)(opt, **a)


def sched_case(label, spec, lrs=(0.1, 0.01), optimizer="SGD", opt_options=None, metrics=None):
    opt_options = dict(opt_options or {})
    params = [torch.zeros(2, requires_grad=True) for _ in lrs]
    opt = OPTIMIZERS[optimizer]([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)],
                                **opt_options)
    sched = build(spec, opt)

    def record():
        r = {"lr": [g["lr"] for g in opt.param_groups]}
        if "momentum" in opt.defaults:
            r["momentum"] = [g["momentum"] for g in opt.param_groups]
        if "betas" in opt.defaults:
            r["beta1"] = [g["betas"][0] for g in opt.param_groups]
        if isinstance(sched, S.ReduceLROnPlateau):
            # 1.13's ReduceLROnPlateau has no get_last_lr(), only _last_lr after a step.
            if hasattr(sched, "_last_lr"):
                r["last_lr"] = list(sched._last_lr)
        else:
            r["last_lr"] = list(sched.get_last_lr())
        return r

    records = [record()]
    for i in range(SCHED_STEPS):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
        records.append(record())
    SCHED_CASES.append({"label": label, "optimizer": optimizer, "opt_options": opt_options,
                        "lrs": list(lrs), "scheduler": spec, "metrics": metrics,
                        "records": records})


sched_case("step", {"type": "StepLR", "step_size": 7, "gamma": 0.5})
sched_case("step_default_gamma", {"type": "StepLR", "step_size": 3}, lrs=(1.0,))
sched_case("multistep", {"type": "MultiStepLR", "milestones": [3, 8, 8, 20], "gamma": 0.3})
sched_case("exponential", {"type": "ExponentialLR", "gamma": 0.9})
sched_case("cosine_past_tmax", {"type": "CosineAnnealingLR", "T_max": 10, "eta_min": 0.001})
sched_case("cosine_7", {"type": "CosineAnnealingLR", "T_max": 7}, lrs=(0.5,))
sched_case("linear", {"type": "LinearLR", "start_factor": 0.25, "end_factor": 0.9,
                      "total_iters": 6})
sched_case("linear_defaults", {"type": "LinearLR"})
sched_case("onecycle_sgd_cos", {"type": "OneCycleLR", "max_lr": 0.5, "total_steps": 30},
           opt_options={"momentum": 0.9})
sched_case("onecycle_adam_linear_three", {"type": "OneCycleLR", "max_lr": [0.1, 0.2],
                                          "total_steps": 30, "anneal_strategy": "linear",
                                          "three_phase": True, "pct_start": 0.25,
                                          "div_factor": 10.0, "final_div_factor": 100.0,
                                          "base_momentum": 0.8, "max_momentum": 0.9},
           optimizer="Adam")
sched_case("onecycle_epochs_no_momentum", {"type": "OneCycleLR", "max_lr": 0.3, "epochs": 3,
                                           "steps_per_epoch": 11, "cycle_momentum": False})
sched_case("sequential_warmup_exp", {"type": "SequentialLR", "milestones": [5], "schedulers": [
    {"type": "LinearLR", "start_factor": 0.1, "total_iters": 5},
    {"type": "ExponentialLR", "gamma": 0.9}]})
sched_case("sequential_three", {"type": "SequentialLR", "milestones": [4, 12], "schedulers": [
    {"type": "LinearLR", "start_factor": 0.5, "end_factor": 1.0, "total_iters": 4},
    {"type": "StepLR", "step_size": 4, "gamma": 0.5},
    {"type": "CosineAnnealingLR", "T_max": 8, "eta_min": 0.0001}]})
sched_case("chained_linear_exp", {"type": "ChainedScheduler", "schedulers": [
    {"type": "LinearLR", "start_factor": 0.2, "end_factor": 1.0, "total_iters": 4},
    {"type": "ExponentialLR", "gamma": 0.95}]})
sched_case("chained_step_multistep", {"type": "ChainedScheduler", "schedulers": [
    {"type": "StepLR", "step_size": 5, "gamma": 0.5},
    {"type": "MultiStepLR", "milestones": [3, 9], "gamma": 0.1}]})

PLATEAU_METRICS = [round(1.0 / (1 + 0.15 * (i // 6)) + 0.001 * ((i * 7) % 3), 4)
                   for i in range(SCHED_STEPS)]
RISING_METRICS = [round(0.5 + 0.04 * (i // 4) - 0.01 * (i % 4 == 3), 4) for i in range(SCHED_STEPS)]
sched_case("plateau_min_rel", {"type": "ReduceLROnPlateau", "patience": 2},
           metrics=PLATEAU_METRICS)
sched_case("plateau_max_abs_cooldown", {"type": "ReduceLROnPlateau", "mode": "max",
                                        "threshold": 0.05, "threshold_mode": "abs",
                                        "cooldown": 2, "patience": 1, "factor": 0.5,
                                        "min_lr": [0.01, 0.003]},
           metrics=RISING_METRICS)
sched_case("plateau_eps_skip", {"type": "ReduceLROnPlateau", "patience": 0, "factor": 0.5,
                                "min_lr": 0.0999999999, "eps": 1e-8},
           lrs=(0.1, 0.5), metrics=[1.0] * SCHED_STEPS)
sched_case("plateau_min_abs", {"type": "ReduceLROnPlateau", "threshold": 0.02,
                               "threshold_mode": "abs", "patience": 3, "factor": 0.2},
           metrics=PLATEAU_METRICS)

# ------------------------------------------------------------------------------------------------
# Gradient clipping

CLIP_CASES = []


def clip_case(label, grads, max_norm=None, norm_type=2.0, clip_value=None):
    params = []
    for g in grads:
        p = torch.zeros(g.shape if g is not None else (2,), dtype=g.dtype if g is not None else f32,
                        requires_grad=True)
        p.grad = None if g is None else g.clone()
        params.append(p)
    case = {"label": label, "grads": [enc(g) for g in grads]}
    if clip_value is not None:
        clip_grad_value_(params, clip_value)
        case["clip_value"] = clip_value
    else:
        total = clip_grad_norm_(params, max_norm, norm_type=norm_type)
        case.update({"max_norm": max_norm,
                     "norm_type": "inf" if norm_type == math.inf else norm_type,
                     "total_norm": float(total)})
    case["clipped"] = [enc(p.grad) for p in params]
    CLIP_CASES.append(case)


clip_case("l2_clipped", [rn(3, 4, scale=3.0), rn(5, scale=3.0)], max_norm=1.0)
clip_case("l2_not_clipped", [rn(3, 4), rn(5)], max_norm=100.0)
clip_case("l1", [rn(3, 4), rn(5), rn(2, 2)], max_norm=2.0, norm_type=1.0)
clip_case("inf", [rn(3, 4, scale=2.0), rn(5)], max_norm=0.5, norm_type=math.inf)
clip_case("inf_single", [rn(7, scale=2.0)], max_norm=0.5, norm_type=math.inf)
clip_case("p3", [rn(4, 3), rn(6)], max_norm=0.7, norm_type=3.0)
clip_case("l2_none_grad", [rn(3, 4, scale=3.0), None, rn(2, scale=3.0)], max_norm=1.5)
clip_case("l2_f64", [rn(3, 4, dtype=f64, scale=3.0), rn(5, dtype=f64)], max_norm=1.0)
clip_case("value", [rn(3, 4, scale=2.0), None, rn(5, scale=2.0)], clip_value=0.8)

# ------------------------------------------------------------------------------------------------

out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim.json")
with open(out_path, "w") as f:
    json.dump({"torch_version": torch.__version__, "steps": STEPS, "optimizers": OPT_CASES,
               "schedulers": SCHED_CASES, "clip": CLIP_CASES}, f, separators=(",", ":"),
              allow_nan=False)
    f.write("\n")
print("wrote %d optimizer, %d scheduler and %d clipping cases to %s (%d bytes)" % (
    len(OPT_CASES), len(SCHED_CASES), len(CLIP_CASES), out_path, os.path.getsize(out_path)))
