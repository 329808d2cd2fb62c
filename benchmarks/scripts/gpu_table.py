#!/usr/bin/env python3
"""Markdown table of run-gpu-benchmarks.sh's results folder (workloads.jsonl, gemm.jsonl,
run.json): per workload and system the median and min-max over seeds of test accuracy, training
samples/s (whole run and its second half) and peak device memory; per GEMM size and dtype the
GFLOP/s of both sides; and Ember's ratios to PyTorch against the targets of issue 5 (speed judged
on the second half of the run, after the warm-up).

    python3 gpu_table.py benchmarks/results/gpu-<date>

Standard library only.
"""

import datetime
import json
import os
import statistics
import sys

SPEED_TARGET = {"w1": 2.0, "w2": 1.0, "w3": 0.7}
MEMORY_TARGET = {"w2": 1.2}  # Ember's peak device memory at most this multiple of PyTorch's
GEMM_TARGET = {"fp32": 0.7, "tf32": 0.4, "bf16": 0.4}


def lines(path):
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip().startswith("{")]


def fmt(values, spec):
    return f"{statistics.median(values):{spec}} ({min(values):{spec}}–{max(values):{spec}})"


def side(r):
    """ember, ember-graph (trained through a StepGraph) or pytorch."""
    return r["system"] if r["system"] in ("ember", "ember-graph") else "pytorch"


def verdict(ratio, target, at_most=False):
    ok = ratio <= target if at_most else ratio >= target
    return f"{ratio:.2f}x ({'≤' if at_most else '≥'} {target}x: {'met' if ok else 'missed'})"


def workloads(rows):
    errors = [r for r in rows if "error" in r]
    rows = [r for r in rows if "error" not in r]
    print("| workload | system | device | test accuracy | train samples/s, whole run |"
          " second half | peak device memory MiB | speed vs PyTorch, second half (target) |"
          " whole run | memory vs PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for w in ("w1", "w2", "w3"):
        by = {}
        for r in rows:
            if r["workload"] == w:
                by.setdefault(side(r), []).append(r)
        if not by:
            continue
        med = {k: statistics.median(r["samples_per_s"] for r in v) for k, v in by.items()}
        med2 = {k: statistics.median(r["second_half_samples_per_s"] for r in v)
                for k, v in by.items()}
        mem = {k: statistics.median(r.get("peak_device_mib", float("nan")) for r in v)
               for k, v in by.items()}
        for system in ("ember", "ember-graph", "pytorch"):
            rs = by.get(system)
            if not rs:
                continue
            acc = fmt([r["accuracy"] for r in rs], ".4f")
            sps = fmt([r["samples_per_s"] for r in rs], ",.0f")
            sps2 = fmt([r["second_half_samples_per_s"] for r in rs], ",.0f")
            peak = (fmt([r["peak_device_mib"] for r in rs], ",.1f")
                    if all("peak_device_mib" in r for r in rs) else "—")
            device = rs[0].get("device", "cpu")  # its name is in the header
            ratio = ratio_all = ratio_mem = ""
            if system != "pytorch" and "pytorch" in by:
                ratio = verdict(med2[system] / med2["pytorch"], SPEED_TARGET[w])
                ratio_all = f"{med[system] / med['pytorch']:.2f}x"
                if mem["pytorch"] > 0:
                    m = mem[system] / mem["pytorch"]
                    ratio_mem = (verdict(m, MEMORY_TARGET[w], at_most=True) if w in MEMORY_TARGET
                                 else f"{m:.2f}x")
            name = {"ember": "Ember", "ember-graph": "Ember, step graph"}.get(system) or \
                rs[0]["system"].replace("pytorch", "PyTorch") + " eager"
            print(f"| {w.upper()} | {name} | {device} | {acc} | {sps} | {sps2} | {peak} | {ratio} |"
                  f" {ratio_all} | {ratio_mem} |")
    for r in errors:
        print(f"| {r['name']} | failed | | {r['error']} | | | | | | |")


def gemm(rows):
    print("| GEMM n | dtype | Ember GFLOP/s (best) | PyTorch GFLOP/s (best) |"
          " Ember vs PyTorch (target) |")
    print("|---|---|---|---|---|")
    cells = {}
    for r in rows:
        if "error" not in r:
            cells[(r["n"], r["dtype"], side(r))] = r
    keys = sorted({(n, d) for n, d, _ in cells}, key=lambda k: (list(GEMM_TARGET).index(k[1]), k[0]))
    for n, dtype in keys:
        e, p = cells.get((n, dtype, "ember")), cells.get((n, dtype, "pytorch"))

        def show(r):
            if r is None:
                return "—"
            if not r.get("implemented", True):
                return "not implemented"
            spec = ",.0f" if r["gflops"] >= 100 else ".2f"
            return f"{r['gflops']:{spec}} ({r['best_gflops']:{spec}})"

        ratio = ""
        if e is not None and not e.get("implemented", True):
            ratio = f"not implemented (target ≥ {GEMM_TARGET[dtype]}x)"
        elif e is not None and p is not None:
            ratio = verdict(e["gflops"] / p["gflops"], GEMM_TARGET[dtype])
        print(f"| {n} | {dtype.upper()} | {show(e)} | {show(p)} | {ratio} |")
    for r in rows:
        if "error" in r:
            print(f"| {r['name']} | failed | {r['error']} | | |")


def main():
    folder = sys.argv[1]
    run = (lines(os.path.join(folder, "run.json")) or [{}])[0]
    w = lines(os.path.join(folder, "workloads.jsonl"))
    g = lines(os.path.join(folder, "gemm.jsonl"))
    names = sorted({r["device_name"] for r in w + g if "device_name" in r})
    print(f"Date: {datetime.date.today()}. Device {run.get('device', '?')}:"
          f" {'; '.join(names) or 'unknown'}. Data: {run.get('data', '?')}."
          " Seeds: median (min–max).")
    if run.get("smoke"):
        print("\n**Smoke test** (no NVIDIA GPU on this machine): Ember's side only, small sizes;"
              " the figures say nothing about GPU speed.")
    elif not run.get("pytorch"):
        print("\nEmber's side only (no PyTorch with CUDA in this run): no ratios.")
    print()
    if w:
        workloads(w)
        print()
    if g:
        gemm(g)


if __name__ == "__main__":
    main()
