#!/usr/bin/env bash
# Trains workloads W1-W3 (../shared/WORKLOADS.md) with Ember and with PyTorch, side by side in one
# run on this machine, seeds 1-3 each, and writes a Markdown table.
#
#   benchmarks/run-workloads.sh [w1 w2 w3]      # ~15 minutes on 2 cores for all three
#   REPEAT=3 benchmarks/run-workloads.sh w1     # each seed 3 times: more pairs against the noise
#   RNG=philox benchmarks/run-workloads.sh      # Ember's own draws for the seeds (see below)
#
# A seed is the same start in both systems: Ember draws what PyTorch draws after
# torch.manual_seed(seed) (Generator.Engine.MT19937: the same initial weights and shuffles);
# RNG=philox has Ember draw its seeds from its default Philox generator instead.
# Needs a JDK 17+ and, for the reference, Debian's python3 with python3-torch (/usr/bin/python3).
# PyTorch runs in its fastest configuration here: 2 threads, OMP_WAIT_POLICY=PASSIVE; Ember in its
# own: OPENBLAS_NUM_THREADS=1, so that each GEMM is split over Ember's two threads instead of
# OpenBLAS's, whose idle workers spin on sched_yield between calls (Gemm's doc). Data: the
# full Fashion-MNIST in ../shared/data/fashion-mnist (override with DATA=...). Results go to
# benchmarks/results/workloads-<date>/ (results.jsonl, table.md), or OUT=folder. Ember and PyTorch
# alternate run by run, so each Ember run has a PyTorch run beside it in time: the table also
# gives the median of these paired ratios, which a shared machine's drifting load moves less.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-../shared/data/fashion-mnist}
workloads=${*:-w1 w2 w3}
./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests
out=${OUT:-benchmarks/results/workloads-$(date +%F)}
mkdir -p "$out"
: > "$out/results.jsonl"
export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE
for w in $workloads; do
  for seed in $(for r in $(seq "${REPEAT:-1}"); do echo 1 2 3; done); do
    OPENBLAS_NUM_THREADS=1 java -Dember.bench.rng="${RNG:-mt19937}" --add-modules jdk.incubator.vector -Xmx8g -cp benchmarks/target/benchmarks.jar \
      dev.ember.benchmarks.workloads.TrainWorkload "$w" "$seed" "$data" 2>/dev/null | tee -a "$out/results.jsonl"
    /usr/bin/python3 benchmarks/scripts/workloads_reference.py "$w" "$seed" "$data" | tee -a "$out/results.jsonl"
  done
done
/usr/bin/python3 benchmarks/scripts/workloads_table.py "$out/results.jsonl" | tee "$out/table.md"
