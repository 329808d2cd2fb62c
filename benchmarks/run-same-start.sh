#!/usr/bin/env bash
# W1-W3 from the same start in both systems, step by step. Ember's workload trainer draws, by
# default, what PyTorch's reference script draws for a seed (Generator.Engine.MT19937: the same
# initial weights and the same shuffles, bit for bit), so the two losses differ only by the two
# systems' arithmetic. This prints the training loss of both at steps 1 to 100 and the test
# accuracy: it separates a gap in the training step from the luck of a seed's draws. About
# 2 minutes on 2 cores for W1, 12 for all three.
#
#   benchmarks/run-same-start.sh [w1 w2 w3]        (default: w1)
#   SEEDS="4 5 6" STEPS=200 benchmarks/run-same-start.sh w1
#
# Needs a JDK 17+ and Debian's python3 with python3-torch (/usr/bin/python3). Data: the full
# Fashion-MNIST in ../shared/data/fashion-mnist (DATA=... overrides). Results go to
# benchmarks/results/same-start-<date>/ (results.jsonl, table.md), or OUT=folder.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-../shared/data/fashion-mnist}
workloads=${*:-w1}
steps=${STEPS:-100}
./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests
out=${OUT:-benchmarks/results/same-start-$(date +%F)}
mkdir -p "$out"
: > "$out/results.jsonl"
export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE
for w in $workloads; do
  for seed in ${SEEDS:-1 2 3}; do
    OPENBLAS_NUM_THREADS=1 java -Dember.bench.rng=mt19937 -Dember.bench.losses="$steps" \
      --add-modules jdk.incubator.vector -Xmx8g -cp benchmarks/target/benchmarks.jar \
      dev.ember.benchmarks.workloads.TrainWorkload "$w" "$seed" "$data" 2>/dev/null \
      | tee -a "$out/results.jsonl"
    LOSSES=$steps /usr/bin/python3 benchmarks/scripts/workloads_reference.py "$w" "$seed" "$data" \
      | tee -a "$out/results.jsonl"
  done
done
/usr/bin/python3 - "$out/results.jsonl" <<'PY' | tee "$out/table.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["workload"], r["system"].split()[0], r["seed"]): r for r in rows}
print("From the same start (PyTorch's initial weights and shuffles for the seed): training loss"
      " at a step, Ember / PyTorch; the first step where they differ by more than 1e-4 (relative);"
      " test accuracy.\n")
for w in sorted({r["workload"] for r in rows}):
    seeds = sorted({r["seed"] for r in rows if r["workload"] == w})
    n = len(by[(w, "ember", seeds[0])]["losses"])
    marks = [m for m in (1, 10, 50, 100, 200, 500) if m < n] + [n]
    print(f"| {w} seed | " + " | ".join(f"step {m}" for m in marks)
          + " | first step apart | accuracy |")
    print("|---|" + "---|" * (len(marks) + 2))
    for s in seeds:
        e, p = by[(w, "ember", s)], by[(w, "pytorch", s)]
        apart = next((i + 1 for i, (a, b) in enumerate(zip(e["losses"], p["losses"]))
                      if abs(a - b) > 1e-4 * abs(b)), None)
        cells = [f"{e['losses'][m - 1]:.5f} / {p['losses'][m - 1]:.5f}" for m in marks]
        print(f"| {s} | " + " | ".join(cells)
              + f" | {apart if apart else f'none in {n}'} | {e['accuracy']:.4f} / {p['accuracy']:.4f} |")
    acc = {k: statistics.median(by[(w, k, s)]["accuracy"] for s in seeds) for k in ("ember", "pytorch")}
    print(f"\n{w}: median test accuracy Ember {acc['ember']:.4f}, PyTorch {acc['pytorch']:.4f}"
          f" ({(acc['ember'] - acc['pytorch']) * 100:+.2f} points).\n")
PY
