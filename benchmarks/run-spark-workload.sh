#!/usr/bin/env bash
# Workload W4 (../shared/WORKLOADS.md): W1's network trained through Ember's NeuralNetClassifier
# on a Fashion-MNIST DataFrame in an embedded local[2] Spark, against MLlib's
# MultilayerPerceptronClassifier on the same DataFrame, seeds 1-3, and the Markdown table.
#
#   benchmarks/run-spark-workload.sh    # SEEDS="1 2 3", MAX_ITER=25,50,100,200: ~30 min, 2 cores
#   SEEDS=1 MAX_ITER=100 SYNC_EVERY_EXTRA= benchmarks/run-spark-workload.sh          # ~4 min
#   SEEDS="1 2 3 4 5" MAX_ITER= SYNC_EVERY_EXTRA= benchmarks/run-spark-workload.sh   # Ember only
#
# Per seed, one JVM trains Ember with 2 workers, then with 1 (averaging once an epoch, W4's
# configuration), then with 2 workers, the learning rate scaled with the workers and a fresh Adam
# each round (ember-scaled), one JVM per value of SYNC_EVERY_EXTRA (default "10 40") trains Ember with 2
# workers averaging every that many batches, and one JVM fits MLlib once per MAX_ITER value.
# Spark is not in benchmarks.jar: its jars come from examples/target/lib (the examples module's
# package phase copies them there), with the JDK flags Spark needs on Java 17 (the parent pom's
# spark.jvm.flags). Native BLAS runs single-threaded, as Spark's docs advise when Spark already
# runs a task per core (both systems call OpenBLAS through netlib here).
# Data: the full Fashion-MNIST in ../shared/data/fashion-mnist (override with DATA=...).
# Results go to benchmarks/results/w4-<date>/ (results.jsonl, table.md, the load, Spark's logs).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-../shared/data/fashion-mnist}
seeds=${SEEDS:-1 2 3}
max_iter=${MAX_ITER-25,50,100,200}
sync_every_extra=${SYNC_EVERY_EXTRA-10 40}
./mvnw -q -B -ntp -pl benchmarks,examples -am package -DskipTests
spark_cp=$(ls examples/target/lib/*.jar | grep -v '/ember-' | paste -sd: -)
spark_flags=$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' pom.xml)
if [ -z "$spark_cp" ] || [ -z "$spark_flags" ]; then
  echo "no Spark jars in examples/target/lib or no spark.jvm.flags in pom.xml" >&2
  exit 1
fi
out=benchmarks/results/w4-$(date +%F)
mkdir -p "$out"
: > "$out/results.jsonl"
: > "$out/load.txt"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
run() {
  local log=$1
  shift
  echo "$(date +%T) start $*: $(uptime)" >> "$out/load.txt"
  # shellcheck disable=SC2086
  java --add-modules jdk.incubator.vector $spark_flags -Xmx8g \
    -cp "benchmarks/target/benchmarks.jar:$spark_cp" dev.ember.benchmarks.spark.SparkWorkload \
    --data "$data" "$@" 2>"$out/$log" | tee -a "$out/results.jsonl"
  echo "$(date +%T) end: $(uptime)" >> "$out/load.txt"
}
for seed in $seeds; do
  run "ember-$seed.log" --seeds "$seed" --systems ember,ember1,ember-scaled
  for k in $sync_every_extra; do
    run "ember-sync$k-$seed.log" --seeds "$seed" --systems ember --sync-every "$k"
  done
  if [ -n "$max_iter" ]; then
    run "mllib-$seed.log" --seeds "$seed" --systems mllib --max-iter "$max_iter"
  fi
done
/usr/bin/python3 benchmarks/scripts/w4_table.py "$out/results.jsonl" | tee "$out/table.md"
