#!/usr/bin/env bash
# The GPU figures of issue 5: workloads W1-W3 (../shared/WORKLOADS.md, seeds 1-3) and square GEMM
# (n = 1024, 4096, 8192; FP32, TF32, BF16) with Ember and with PyTorch eager on the same GPU, in
# one run, and a Markdown table of the ratios against the issue's targets.
#
#   benchmarks/run-gpu-benchmarks.sh [device=cuda:0] [w1 w2 w3]
#
# cuda:N  both sides, where an NVIDIA GPU is present (nvidia-smi sees one) and `python3` has
#         PyTorch 2.x with CUDA (override with PYTHON=...). Where no GPU is present the script says
#         so and runs only Ember's side, as a smoke test, on opencl:0 (SMOKE_DEVICE=...).
# opencl:N  Ember's side only (PyTorch has no OpenCL backend), e.g. NVIDIA's OpenCL or PoCL.
#
# Smoke test (SMOKE=1, and always when the GPU is missing): seed 1, one epoch on the test-data
# subset, GEMM at n = 64, 256 - it checks the programs run and compute right, not the speed.
# Other settings: DATA (Fashion-MNIST folder, default ../shared/data/fashion-mnist), SEEDS
# ("1 2 3"), SIZES (1024,4096,8192), EPOCHS (- = each workload's own), JAR (a built
# benchmarks.jar: skips the Maven build, e.g. in the GPU bundle), JAVA (java).
# Results go to benchmarks/results/gpu-<date>/: workloads.jsonl, gemm.jsonl, one log per
# program, table.md. A program that fails leaves an "error" line in the JSON and the table; the
# script goes on with the next one.
set -uo pipefail
cd "$(dirname "$0")/.."
device=${1:-cuda:0}
shift || true
workloads=${*:-w1 w2 w3}
python=${PYTHON:-python3}
java=${JAVA:-java}
data=${DATA:-../shared/data/fashion-mnist}
seeds=${SEEDS:-1 2 3}
sizes=${SIZES:-1024,4096,8192}
epochs=${EPOCHS:--}
smoke=${SMOKE:-0}
torch=0

case "$device" in
  cuda*)
    if nvidia-smi -L >/dev/null 2>&1; then
      if "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
        torch=1
      else
        echo "warning: $python has no PyTorch with CUDA here: running Ember's side only" >&2
      fi
    else
      device=${SMOKE_DEVICE:-opencl:0}
      smoke=1
      echo "no NVIDIA GPU here (nvidia-smi finds none): no GPU figures from this machine." >&2
      echo "Running Ember's side only, as a smoke test on $device." >&2
    fi ;;
  opencl*)
    echo "device $device: Ember's side only (PyTorch has no OpenCL backend)" >&2 ;;
  *)
    echo "usage: $0 [cuda:N | opencl:N] [w1 w2 w3]" >&2
    exit 2 ;;
esac
if [ "$smoke" = 1 ]; then
  data=subset seeds=1 sizes=64,256 epochs=1
fi

if [ -z "${JAR:-}" ]; then
  ./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests || exit 1
  JAR=benchmarks/target/benchmarks.jar
fi
# Signal chaining: Ember opens OpenCL only in a JVM with the JDK's libjsig preloaded (OpenCL
# drivers replace the JVM's signal handlers otherwise; see dev.ember.gpu.opencl.SignalChaining).
java_home=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')
export LD_PRELOAD="$java_home/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
jvm=("$java" --add-modules jdk.incubator.vector -Xmx8g -cp "$JAR")

out=benchmarks/results/gpu-$(date +%F)
[ "$smoke" = 1 ] && out=$out-smoke
mkdir -p "$out"
: > "$out/workloads.jsonl"
: > "$out/gemm.jsonl"
{
  echo "{\"run\": \"gpu-benchmarks\", \"device\": \"$device\", \"smoke\": $smoke, \"pytorch\": $torch,"\
    "\"data\": \"$data\", \"date\": \"$(date -u +%FT%TZ)\"}"
} > "$out/run.json"
status=0

# run NAME FILE CMD...: appends CMD's JSON lines to FILE, its stderr to NAME.log; on failure an
# error line naming the log's last line.
run() {
  local name=$1 file=$2
  shift 2
  echo "== $name" >&2
  if ! "$@" 2> "$out/$name.log" | tee -a "$file"; then
    local why
    # The exception's message (a Java stack trace's first line, Python's last), else the last line.
    why=$(grep -m 1 -E '^Exception in thread|^Caused by' "$out/$name.log" | sed -E 's/^[^:]*: //')
    [ -n "$why" ] || why=$(grep -v '^WARNING' "$out/$name.log" | tail -n 1)
    why=$(printf '%s' "$why" | tr -d '"\\\000-\037' | cut -c1-300)
    echo "{\"system\": \"${name%%-*}\", \"name\": \"$name\", \"error\": \"$why\"}" | tee -a "$file"
    status=1
  fi
}

for w in $workloads; do
  for seed in $seeds; do
    run "ember-$w-$seed" "$out/workloads.jsonl" \
      "${jvm[@]}" dev.ember.benchmarks.workloads.TrainWorkload "$w" "$seed" "$data" "$epochs" "$device"
    if [ "$torch" = 1 ]; then
      run "pytorch-$w-$seed" "$out/workloads.jsonl" \
        "$python" benchmarks/scripts/torch_gpu_workloads.py "$w" "$seed" "$data" "$epochs" "$device"
    fi
  done
done
# The same workloads trained through a StepGraph (one launch per step on CUDA).
for w in $workloads; do
  for seed in $seeds; do
    run "ember-graph-$w-$seed" "$out/workloads.jsonl" \
      "${jvm[@]}" dev.ember.benchmarks.workloads.TrainWorkload "$w" "$seed" "$data" "$epochs" \
      "$device" graph
  done
done
run ember-gemm "$out/gemm.jsonl" \
  "${jvm[@]}" dev.ember.benchmarks.gpu.GpuGemmBenchmark "$device" "$sizes" fp32,tf32,bf16
if [ "$torch" = 1 ]; then
  run pytorch-gemm "$out/gemm.jsonl" \
    "$python" benchmarks/scripts/torch_gpu_gemm.py "$device" "$sizes" fp32,tf32,bf16
fi

# The table needs only the standard library: any python3 will do.
python3 benchmarks/scripts/gpu_table.py "$out" | tee "$out/table.md"
echo "results: $out" >&2
exit $status
