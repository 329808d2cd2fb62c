#!/usr/bin/env bash
# W1 from the same start in both systems: PyTorch trains W1 from seeds 1-3 and writes the initial
# weights and shuffles it drew (benchmarks/scripts/same_start_reference.py); Ember trains from
# those (dev.ember.benchmarks.workloads.SameStart). With the random streams the same, the losses
# differ only by the two systems' arithmetic: this separates a gap in the training step from
# the luck of a seed's draws. About 2 minutes on 2 cores.
#
#   benchmarks/run-same-start.sh
#   SEEDS="4 5 6" benchmarks/run-same-start.sh     other seeds (default 1 2 3)
#
# Needs a JDK 17+ and Debian's python3 with python3-torch (/usr/bin/python3). Data: the full
# Fashion-MNIST in ../shared/data/fashion-mnist (DATA=... overrides). Results go to
# benchmarks/results/same-start-<date>/ (results.jsonl, table.md, the start files), or OUT=folder.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-../shared/data/fashion-mnist}
./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests
out=${OUT:-benchmarks/results/same-start-$(date +%F)}
mkdir -p "$out/start"
: > "$out/results.jsonl"
export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE
for seed in ${SEEDS:-1 2 3}; do
  /usr/bin/python3 benchmarks/scripts/same_start_reference.py "$seed" "$out/start" "$data" \
    | tee -a "$out/results.jsonl"
  OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector -Xmx8g \
    -cp benchmarks/target/benchmarks.jar dev.ember.benchmarks.workloads.SameStart "$seed" \
    "$out/start" "$data" 2>/dev/null | tee -a "$out/results.jsonl"
done
# The start files are PyTorch's draws, rewritten by every run: only the results are kept.
rm -r "$out/start"
/usr/bin/python3 - "$out/results.jsonl" <<'PY' | tee "$out/table.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["system"].split()[0], r["seed"]): r for r in rows}
seeds = sorted({r["seed"] for r in rows})
marks = list(by[("ember", seeds[0])]["losses"])
print("W1 from PyTorch's start (its initial weights and shuffles), training loss at each step and"
      " test accuracy; Ember / PyTorch.\n")
print("| seed | " + " | ".join(f"step {m}" for m in marks) + " | accuracy |")
print("|---|" + "---|" * (len(marks) + 1))
for s in seeds:
    e, p = by[("ember", s)], by[("pytorch", s)]
    cells = [f"{e['losses'][m]:.5f} / {p['losses'][m]:.5f}" for m in marks]
    print(f"| {s} | " + " | ".join(cells) + f" | {e['accuracy']:.4f} / {p['accuracy']:.4f} |")
acc = {k: statistics.median(by[(k, s)]["accuracy"] for s in seeds) for k in ("ember", "pytorch")}
print(f"\nMedian test accuracy: Ember {acc['ember']:.4f}, PyTorch {acc['pytorch']:.4f}"
      f" ({(acc['ember'] - acc['pytorch']) * 100:+.2f} points).")
PY
