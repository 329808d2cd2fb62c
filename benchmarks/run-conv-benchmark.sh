#!/usr/bin/env bash
# W2's convolution and pooling layers at batch 64: Ember (ConvBenchmark, JMH) next to PyTorch
# (scripts/torch_conv.py) on the same machine, in the same run, and a Markdown table of both.
#
#   benchmarks/run-conv-benchmark.sh            # ~3 minutes
#
# Needs a JDK 17+ and Debian's /usr/bin/python3 with python3-torch (1.13). Both sides get 2
# threads; PyTorch with OMP_WAIT_POLICY=PASSIVE, its fastest setting on 2 cores (see
# shared/WORKLOADS.md). Ember runs twice: as the environment has it, and with
# OPENBLAS_THREAD_TIMEOUT=4, OpenBLAS's counterpart of that setting (its idle threads otherwise spin
# for 2^28 cycles after every GEMM, taking a core from the engine's own threads between products).
# Results go to benchmarks/results/conv-<date>/.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests
out=benchmarks/results/conv-$(date +%F)
mkdir -p "$out"
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2
uptime > "$out/load.txt"
java -jar benchmarks/target/benchmarks.jar ConvBenchmark -rf json -rff "$out/conv.json"
OPENBLAS_THREAD_TIMEOUT=4 java -jar benchmarks/target/benchmarks.jar ConvBenchmark -rf json \
  -rff "$out/conv-timeout4.json"
/usr/bin/python3 benchmarks/scripts/torch_conv.py 2 > "$out/torch-conv.json"
uptime >> "$out/load.txt"
/usr/bin/python3 benchmarks/scripts/conv_table.py "$out" | tee "$out/table.md"
