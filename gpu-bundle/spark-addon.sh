#!/usr/bin/env bash
# The GPU bundle's Spark add-on: what a host with the GPU bundle needs besides it to run Ember's
# Spark training there (TrainJob on an embedded local[N] Spark, any --device), cut into parts that
# fit the lent GPU machine's carry of 64 MiB per call. Spark's jars are ~350 MB; carried one part
# per call (the machine keeps its files between calls while it is warm), the add-on is assembled
# there, beside the bundle.
#
#   gpu-bundle/spark-addon.sh <bundle-dir> [out-dir]     (out-dir default: .lease-spark)
#
# Needs: a bundle made by gpu-bundle/build.sh (its lib/ is reused: the add-on leaves out the jars
# the bundle has), the examples module packaged (./mvnw -q -pl examples -am package -DskipTests,
# which fills examples/target/lib), and a JDK 17 with its jmods (jlink).
#
# Makes out-dir/ember-spark.tar.NN, each at most PART_MIB (default 60) MiB, and
# out-dir/SHA256SUMS. Assembled on the target,
#
#   cat ember-spark.tar.* | tar xf - -C <bundle-dir>
#
# it adds to the bundle:
#   spark/runtime/          a jlinked Java 17 runtime with the modules Spark and Hadoop load
#                           (java.se, jdk.unsupported, jdk.management, jdk.security.auth,
#                           jdk.zipfs, jdk.incubator.vector, jdk.crypto.ec)
#   spark/lib/              the examples jar and its runtime jars, less the ones the bundle's lib/
#                           has and less what a local Spark never loads here: RocksDB's JNI jar
#                           (70 MiB, Spark's optional disk store) and the native-code jars of
#                           other platforms than Linux x86-64
#   bin/ember-spark-train   dev.ember.examples.TrainJob on local[2] (SPARK_MASTER overrides) with
#                           Spark's JVM flags; its arguments are TrainJob's, e.g.
#                           ember-spark-train --device cuda:0 --network mlp --epochs 1 --model-out /tmp/m
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUNDLE=${1:?usage: gpu-bundle/spark-addon.sh <bundle-dir> [out-dir]}
OUT=${2:-$ROOT/.lease-spark}
PART_MIB=${PART_MIB:-60}
[ -f "$BUNDLE/.ember-gpu-bundle" ] || { echo "spark-addon.sh: $BUNDLE is not a GPU bundle (gpu-bundle/build.sh)" >&2; exit 1; }
BUNDLE=$(cd "$BUNDLE" && pwd)
LIB=$ROOT/examples/target/lib
MAIN_JAR=$ROOT/examples/target/ember-examples.jar
[ -d "$LIB" ] && [ -f "$MAIN_JAR" ] || { echo "spark-addon.sh: package the examples first: ./mvnw -q -pl examples -am package -DskipTests" >&2; exit 1; }

JDK_BIN=${JAVA_HOME:+$JAVA_HOME/bin/}
JDK_HOME=$("${JDK_BIN}java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')
[ -d "$JDK_HOME/jmods" ] || { echo "spark-addon.sh: $JDK_HOME/jmods missing (Debian/Ubuntu: apt-get install openjdk-17-jmods)" >&2; exit 1; }

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/spark/lib" "$STAGE/bin"

"${JDK_BIN}jlink" --module-path "$JDK_HOME/jmods" \
  --add-modules java.se,jdk.unsupported,jdk.management,jdk.security.auth,jdk.zipfs,jdk.incubator.vector,jdk.crypto.ec \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$STAGE/spark/runtime"

left_out=()
for jar in "$LIB"/*.jar; do
  name=$(basename "$jar")
  if [ -e "$BUNDLE/lib/$name" ]; then
    continue
  fi
  case "$name" in
    rocksdbjni-*|*-osx-*|*-windows-*|*-linux-aarch_64*|*-linux-riscv64*|*-linux-s390_64*|*-linux-ppcle_64*)
      left_out+=("$name"); continue ;;
  esac
  cp "$jar" "$STAGE/spark/lib/"
done
cp "$MAIN_JAR" "$STAGE/spark/lib/"

cat > "$STAGE/bin/ember-spark-train" <<'EOF'
#!/usr/bin/env bash
# Ember's Spark training job (dev.ember.examples.TrainJob) on an embedded Spark, local[2] unless
# SPARK_MASTER says otherwise, with the add-on's runtime; arguments are TrainJob's:
#   ember-spark-train --device cuda:0 --network mlp --epochs 1 --model-out /tmp/model [--data DIR|subset]
# EMBER_JAVA_OPTS adds JVM options (default heap: -Xmx8g).
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# OpenCL drivers replace the JVM's signal handlers: Ember opens OpenCL only with libjsig preloaded.
export LD_PRELOAD="$HERE/spark/runtime/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
exec "$HERE/spark/runtime/bin/java" -Xmx8g ${EMBER_JAVA_OPTS:-} \
  --add-modules jdk.incubator.vector @SPARK_JVM_FLAGS@ \
  -Dspark.master="${SPARK_MASTER:-local[2]}" \
  -cp "$HERE/spark/lib/*:$HERE/lib/*" dev.ember.examples.TrainJob "$@"
EOF
# Spark's JVM flags (the --add-opens its launcher sets) come from the one list, pom.xml's
# spark.jvm.flags, as in benchmarks/run-spark-workload.sh.
spark_flags=$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$ROOT/pom.xml")
[ -n "$spark_flags" ] || { echo "spark-addon.sh: no spark.jvm.flags in $ROOT/pom.xml" >&2; exit 1; }
sed -i "s|@SPARK_JVM_FLAGS@|$spark_flags|" "$STAGE/bin/ember-spark-train"
chmod +x "$STAGE/bin/ember-spark-train"

{
  echo "Ember GPU bundle Spark add-on, for the bundle of commit $(sed -n 's/^commit: //p' "$BUNDLE/BUILD-INFO")"
  echo "made from commit: $(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown), $(date -u +%FT%TZ)"
  echo "left out: ${left_out[*]:-nothing}"
} > "$STAGE/spark/ADDON-INFO"

rm -rf "$OUT"
mkdir -p "$OUT"
tar cf - -C "$STAGE" spark bin | split -b "${PART_MIB}m" -d - "$OUT/ember-spark.tar."
(cd "$OUT" && sha256sum ember-spark.tar.* > SHA256SUMS)
echo "spark-addon.sh: $(du -sh "$STAGE/spark/runtime" | cut -f1) runtime, $(ls "$STAGE/spark/lib" | wc -l) jars ($(du -sh "$STAGE/spark/lib" | cut -f1)), in $(ls "$OUT"/ember-spark.tar.* | wc -l) parts under $OUT"
