#!/usr/bin/env bash
# Runs the CPU kernel benchmarks and their references side by side, and writes a Markdown table.
#
#   benchmarks/run-cpu-benchmarks.sh            # everything (~20 minutes on 2 cores)
#
# Needs: a JDK 17+, and for the references Debian's python3 with python3-numpy and python3-torch
# (/usr/bin/python3). Results go to benchmarks/results/cpu-<date>/ (raw JMH JSON, reference JSON,
# table.md). Native BLAS is whatever libblas.so.3 the system has (Debian: OpenBLAS); "java" and
# "scalar" force Ember's own GEMM (SIMD with jdk.incubator.vector, or scalar) as on a machine
# without native BLAS.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests
jar=benchmarks/target/benchmarks.jar
out=benchmarks/results/cpu-$(date +%F)
mkdir -p "$out"
for t in 1 2; do
  export OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t OMP_WAIT_POLICY=PASSIVE
  for blas in native java scalar; do
    # -jvmArgsAppend on the command line replaces the annotation's, so the module flag is repeated.
    java -jar "$jar" MatmulBenchmark -p threads=$t \
      -jvmArgsAppend "--add-modules jdk.incubator.vector -Xmx8g -Dember.blas=$blas" \
      -rf json -rff "$out/matmul-$blas-$t.json"
  done
  java -jar "$jar" ElementwiseBenchmark -p threads=$t -rf json -rff "$out/elementwise-$t.json"
  /usr/bin/python3 benchmarks/scripts/cpu_reference.py "$t" > "$out/reference-$t.json"
  # Optimizer steps over W1's parameters (not in table.md yet: compare the two JSON files).
  java -jar "$jar" OptimizerBenchmark -p threads=$t -rf json -rff "$out/optimizer-$t.json"
  /usr/bin/python3 benchmarks/scripts/optim_reference.py "$t" > "$out/optim-reference-$t.json"
done
java -jar "$jar" NetlibJavaBlasBenchmark -rf json -rff "$out/netlib-java.json"
/usr/bin/python3 benchmarks/scripts/cpu_table.py "$out" | tee "$out/table.md"
