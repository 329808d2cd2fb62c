#!/usr/bin/python3
"""Ember's ConvBenchmark next to PyTorch's torch_conv.py, as a Markdown table.

Usage: conv_table.py RESULTS_DIR   (written by run-conv-benchmark.sh: conv.json and
conv-timeout4.json from JMH, the second with OPENBLAS_THREAD_TIMEOUT=4; torch-conv.json from
torch_conv.py; load.txt with the load average before and after)
"""
import json
import os
import sys

# JMH method -> torch_conv.py key, with what it measures.
ROWS = [
    ("conv1Forward", "conv1_forward", "Conv2d(1->32, 3x3, pad 1) forward, (64, 1, 28, 28)"),
    ("pool1Forward", "pool1_forward", "MaxPool 2 forward, (64, 32, 28, 28)"),
    ("conv2Forward", "conv2_forward", "Conv2d(32->64, 3x3, pad 1) forward, (64, 32, 14, 14)"),
    ("pool2Forward", "pool2_forward", "MaxPool 2 forward, (64, 64, 14, 14)"),
    ("featuresForward", "features_forward", "conv-relu-pool-conv-relu-pool forward"),
    ("featuresForwardBackward", "features_forward_backward",
     "the same, forward + backward (weights and biases)"),
]


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def scores(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {r["benchmark"].rsplit(".", 1)[1]:
                median([x for fork in r["primaryMetric"]["rawData"] for x in fork])
                for r in json.load(f)}


def main():
    d = sys.argv[1]
    jmh = scores(os.path.join(d, "conv.json"))
    quiet = scores(os.path.join(d, "conv-timeout4.json"))
    with open(os.path.join(d, "torch-conv.json")) as f:
        torch = json.load(f)
    load = ""
    if os.path.exists(os.path.join(d, "load.txt")):
        with open(os.path.join(d, "load.txt")) as f:
            load = " Load average before / after: " + " / ".join(
                line.split("load average:")[1].strip() for line in f if "load average" in line) + "."
    print("W2's layers at batch 64, float32, 2 threads; milliseconds per call, the median of the "
          "measurement rounds; PyTorch %s with OMP_WAIT_POLICY=PASSIVE.%s\n" % (torch["torch"], load))
    print("| operation | PyTorch ms | Ember ms | Ember speed / PyTorch | Ember ms, "
          "OPENBLAS_THREAD_TIMEOUT=4 | speed / PyTorch |")
    print("|---|---|---|---|---|---|")

    def fmt(v):
        return "%.2f" % v if v else "-"

    for method, key, what in ROWS:
        t = torch["ms"].get(key)
        e = jmh.get(method)
        q = quiet.get(method)
        print("| %s | %s | %s | %s | %s | %s |" % (
            what, fmt(t), fmt(e), "%.2fx" % (t / e) if e and t else "-", fmt(q),
            "%.2fx" % (t / q) if q and t else "-"))


if __name__ == "__main__":
    main()
