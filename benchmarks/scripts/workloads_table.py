#!/usr/bin/env python3
"""Markdown table of run-workloads.sh's results.jsonl: per workload and system, the median and
min-max over seeds of test accuracy and training samples/s, peak memory, and Ember's speed as a
multiple of PyTorch's (ratio of the medians) against the target of issue 3."""

import datetime
import json
import os
import platform
import statistics
import sys

TARGET = {"w1": 1.0, "w2": 0.7, "w3": 0.7}


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} vCPU, {platform.system()} {platform.release()}"


def fmt(values, spec):
    return f"{statistics.median(values):{spec}} ({min(values):{spec}}–{max(values):{spec}})"


def times(ratios):
    return f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}–{max(ratios):.2f}x)"


def paired_ratios(rows, w, key):
    """Each Ember run of w against the PyTorch run of the same seed that follows it."""
    ratios = []
    for i, r in enumerate(rows[:-1]):
        nxt = rows[i + 1]
        if (r["workload"] == w and r["system"] == "ember" and nxt["workload"] == w
                and nxt["system"].startswith("pytorch") and nxt["seed"] == r["seed"]):
            ratios.append(r[key] / nxt[key])
    return ratios


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
    runs = max(sum(1 for r in rows if r["system"] == "ember" and r["workload"] == w)
               for w in ("w1", "w2", "w3"))
    each = f", each run {runs // 3} times" if runs > 3 else ""
    print(f"Machine: {machine()}. Date: {datetime.date.today()}. Seeds 1, 2, 3{each}:"
          " median (min–max).\n")
    print("| workload | system | test accuracy | train samples/s, whole run | second half of the run |"
          " peak memory | speed vs PyTorch, whole run (target) | second half |")
    print("|---|---|---|---|---|---|---|---|")
    for w in ("w1", "w2", "w3"):
        by = {}
        for r in rows:
            if r["workload"] == w:
                by.setdefault("ember" if r["system"] == "ember" else "pytorch", []).append(r)
        if not by:
            continue
        med = {k: statistics.median(r["samples_per_s"] for r in v) for k, v in by.items()}
        med2 = {k: statistics.median(r["second_half_samples_per_s"] for r in v)
                for k, v in by.items()}
        for system in ("ember", "pytorch"):
            rs = by.get(system)
            if not rs:
                continue
            acc = fmt([r["accuracy"] for r in rs], ".4f")
            sps = fmt([r["samples_per_s"] for r in rs], ",.0f")
            sps2 = fmt([r["second_half_samples_per_s"] for r in rs], ",.0f")
            if system == "ember":
                mem = f"heap {max(r['peak_heap_mib'] for r in rs):,.0f} MiB"
                ratio = (f"{med['ember'] / med['pytorch']:.2f}x (≥ {TARGET[w]}x)"
                         if "pytorch" in med else "")
                ratio2 = f"{med2['ember'] / med2['pytorch']:.2f}x" if "pytorch" in med2 else ""
                name = "Ember"
            else:
                mem = f"RSS {max(r['peak_rss_mib'] for r in rs):,.0f} MiB"
                ratio = ratio2 = ""
                name = rs[0]["system"].replace("pytorch", "PyTorch") + ", 2 threads, passive"
            print(f"| {w.upper()} | {name} | {acc} | {sps} | {sps2} | {mem} | {ratio} | {ratio2} |")
    notes = []
    for w in ("w1", "w2", "w3"):
        whole = paired_ratios(rows, w, "samples_per_s")
        half = paired_ratios(rows, w, "second_half_samples_per_s")
        if whole:
            notes.append(f"{w.upper()} {times(whole)} over the whole run, {times(half)} over the"
                         f" second half ({len(whole)} pairs)")
    if notes:
        print("\nSpeed vs PyTorch, each Ember run against the PyTorch run beside it: "
              + "; ".join(notes) + ".")


if __name__ == "__main__":
    main()
