#!/usr/bin/env bash
# Runs a built GPU bundle the way a host without a JDK would: from an empty scratch directory,
# with an empty environment (no JAVA_HOME) and a PATH from which every JDK command is removed.
# Then ember-env, and ember-gpu-tests with the given launcher arguments; exits with the tests'
# status. A benchmark smoke run (W1, one epoch of the subset) on each OpenCL/CUDA device it can
# name is reported, not judged: it needs every kernel W1 uses.
#
#   gpu-bundle/verify.sh [bundle-dir] [ember-gpu-tests arguments...]
#   EMBER_JAVA_OPTS='-Dember.golden.filter=^add' gpu-bundle/verify.sh target/ember-gpu-bundle
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUNDLE=$(cd "${1:-$ROOT/target/ember-gpu-bundle}" && pwd)
shift || true
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
mkdir "$SCRATCH/path" "$SCRATCH/run"
# A PATH of links to the system's commands, less anything that lives in a JDK.
for f in /usr/local/bin/* /usr/bin/* /bin/*; do
  [ -x "$f" ] || continue
  case "$(readlink -f "$f")" in */jvm/*|*/jdk*/*|*/java-*/*) continue ;; esac
  n=$(basename "$f")
  case "$n" in java|javac|jar|jlink|jdeps|jshell|mvn|mvnDebug) continue ;; esac
  [ -e "$SCRATCH/path/$n" ] || ln -s "$f" "$SCRATCH/path/$n"
done
ENVS=(PATH="$SCRATCH/path" HOME="$HOME")
[ -z "${EMBER_JAVA_OPTS:-}" ] || ENVS+=(EMBER_JAVA_OPTS="$EMBER_JAVA_OPTS")
clean() {
  (cd "$SCRATCH/run" && env -i "${ENVS[@]}" "$@")
}
if clean bash -c 'command -v java'; then
  echo "verify.sh: a java is still on the PATH" >&2
  exit 1
fi
echo "== ember-env (no JDK on the PATH, no JAVA_HOME, from $SCRATCH/run)"
clean "$BUNDLE/bin/ember-env"
for dev in opencl:0 cuda:0; do
  echo "== ember-gpu-bench w1 1 subset 1 $dev (smoke run, not judged)"
  if out=$(clean "$BUNDLE/bin/ember-gpu-bench" w1 1 subset 1 "$dev" 2>&1); then
    echo "$out" | tail -1
  else
    echo "$out" | grep -m1 -E 'Exception|Error' || echo "$out" | tail -3
  fi
done
echo "== ember-gpu-tests $*"
details=(--details=summary)
case " $* " in *" --details"*) details=() ;; esac
status=0
clean "$BUNDLE/bin/ember-gpu-tests" "${details[@]+"${details[@]}"}" "$@" || status=$?
echo "== ember-gpu-tests exit status: $status"
exit "$status"
