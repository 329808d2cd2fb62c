#!/usr/bin/python3
"""Ember's ConvBenchmark next to PyTorch's torch_conv.py, as a Markdown table.

Usage: conv_table.py RESULTS_DIR   (written by run-conv-benchmark.sh: conv.json from JMH,
torch-conv.json from torch_conv.py, load.txt with the load average before and after)
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


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "conv.json")) as f:
        jmh = {r["benchmark"].rsplit(".", 1)[1]:
               median([x for fork in r["primaryMetric"]["rawData"] for x in fork])
               for r in json.load(f)}
    with open(os.path.join(d, "torch-conv.json")) as f:
        torch = json.load(f)
    load = ""
    if os.path.exists(os.path.join(d, "load.txt")):
        with open(os.path.join(d, "load.txt")) as f:
            load = " Load average before / after: " + " / ".join(
                line.split("load average:")[1].strip() for line in f if "load average" in line) + "."
    print("W2's layers at batch 64, float32, 2 threads; milliseconds per call, the median of the "
          "measurement rounds; PyTorch %s with OMP_WAIT_POLICY=PASSIVE.%s\n" % (torch["torch"], load))
    print("| operation | Ember ms | PyTorch ms | Ember speed / PyTorch |")
    print("|---|---|---|---|")
    for method, key, what in ROWS:
        e = jmh.get(method)
        t = torch["ms"].get(key)
        ratio = "%.2fx" % (t / e) if e and t else "-"
        print("| %s | %s | %s | %s |" % (what, "%.2f" % e if e else "-", "%.2f" % t if t else "-",
                                       ratio))


if __name__ == "__main__":
    main()
