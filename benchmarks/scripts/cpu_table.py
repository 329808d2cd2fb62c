#!/usr/bin/python3
"""Merges the JMH results and the reference measurements of one run into Markdown tables.

Usage: cpu_table.py RESULTS_DIR   (written by run-cpu-benchmarks.sh)
"""
import datetime
import json
import os
import platform
import subprocess
import sys

BYTES_PER_ELEMENT = {"arraycopy": 8, "add": 12, "mul": 12, "relu": 8, "softmax": 8, "sum": 4}


def load(path):
    with open(path) as f:
        return json.load(f)


def jmh_scores(path):
    """{(benchmark method, params tuple): median iteration time in ms}.

    The median of the measurement iterations rather than JMH's mean: on a shared 2-vCPU VM an
    iteration now and then runs while the other vCPU is taken away, and the median ignores it
    (the references report the median of their rounds too).
    """
    out = {}
    for r in load(path):
        method = r["benchmark"].rsplit(".", 1)[1]
        params = tuple(sorted(r.get("params", {}).items()))
        unit = r["primaryMetric"]["scoreUnit"]
        raw = sorted(v for fork in r["primaryMetric"]["rawData"] for v in fork)
        median = raw[len(raw) // 2] if len(raw) % 2 else (raw[len(raw) // 2 - 1] + raw[len(raw) // 2]) / 2
        out[(method, params)] = median * (1e-3 if unit.startswith("us") else 1.0)
    return out


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    return f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, {java}"


def main():
    d = sys.argv[1]
    print(f"Machine: {machine()}. Date: {datetime.date.today()}. Each figure is the median of its "
          "measurement rounds.\n")

    ref = {t: load(os.path.join(d, f"reference-{t}.json")) for t in (1, 2)}
    netlib = jmh_scores(os.path.join(d, "netlib-java.json"))
    print("float32 matmul, GFLOP/s (2n^3 / time); NumPy uses OpenBLAS; netlib Java is single-threaded.\n")
    print("| n | threads | NumPy (OpenBLAS) | Ember, native BLAS | Ember, Java SIMD | Ember, Java scalar "
          "| netlib Java BLAS | native / NumPy | Java SIMD / NumPy |")
    print("|---|---|---|---|---|---|---|---|---|")
    impls = {}
    for blas in ("native", "java", "scalar"):
        for t in (1, 2):
            p = os.path.join(d, f"matmul-{blas}-{t}.json")
            if os.path.exists(p):
                impls[(blas, t)] = jmh_scores(p)
    for n in (256, 512, 1024, 2048):
        flop = 2.0 * n ** 3
        for t in (1, 2):
            def g(ms):
                return flop / (ms * 1e-3) / 1e9 if ms else None
            numpy = g(ref[t]["matmul"][str(n)])
            row = [numpy]
            for blas in ("native", "java", "scalar"):
                key = ("matmul", (("n", str(n)), ("threads", str(t))))
                row.append(g(impls.get((blas, t), {}).get(key)))
            row.append(g(netlib.get(("sgemm", (("n", str(n)),)))) if t == 1 else None)
            cells = [f"{v:.1f}" if v else "—" for v in row]
            ratio_native = f"{row[1] / numpy:.0%}" if row[1] else "—"
            ratio_java = f"{row[2] / numpy:.0%}" if row[2] else "—"
            print(f"| {n} | {t} | " + " | ".join(cells) + f" | {ratio_native} | {ratio_java} |")

    print("\nMemory-bound operators on float32, GB/s (bytes read + written / time; softmax over rows "
          "of 1024). Ember allocates each result as a model does (from its pool); \"% of copy\" is "
          "against System.arraycopy of the same array in the same run.\n")
    print("| op | elements | threads | Ember | % of copy | NumPy | PyTorch |")
    print("|---|---|---|---|---|---|---|")
    for t in (1, 2):
        ember = jmh_scores(os.path.join(d, f"elementwise-{t}.json"))
        for size in (1 << 20, 1 << 24):
            def gbs(op, ms):
                return BYTES_PER_ELEMENT[op] * size / (ms * 1e-3) / 1e9 if ms else None
            params = (("size", str(size)), ("threads", str(t)))
            copy = gbs("arraycopy", ember.get(("arraycopy", params)))
            r = ref[t]["elementwise"][str(size)]
            for op in ("arraycopy", "add", "mul", "relu", "softmax", "sum"):
                e = gbs(op, ember.get((op, params)))
                np_key = "numpy_copy" if op == "arraycopy" else f"numpy_{op}"
                npv = gbs(op, r.get(np_key))
                tv = gbs(op, r.get(f"torch_{op}"))
                pct = f"{e / copy:.0%}" if e and copy else "—"
                fmt = lambda v: f"{v:.1f}" if v else "—"
                label = "copy (reference)" if op == "arraycopy" else op
                print(f"| {label} | {size:,} | {t} | {fmt(e)} | {pct} | {fmt(npv)} | {fmt(tv)} |")


if __name__ == "__main__":
    main()
