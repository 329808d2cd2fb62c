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


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
    print(f"Machine: {machine()}. Date: {datetime.date.today()}. Seeds 1, 2, 3: median (min–max).\n")
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


if __name__ == "__main__":
    main()
