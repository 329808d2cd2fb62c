#!/usr/bin/env bash
# Ember's portable GPU bundle: one folder that runs the GPU tests and the GPU benchmarks on a
# Linux x86-64 host with a GPU driver (NVIDIA's for CUDA; any OpenCL ICD for OpenCL) and no JDK.
#
#   gpu-bundle/build.sh [out-dir]        (default: target/ember-gpu-bundle)
#
# Needs on the build host: a JDK 17 with its jmods (jlink, jdeps, jar, javap; JAVA_HOME or the
# PATH), and Maven Central or a filled ~/.m2. It builds the modules with the repository's wrapper
# (package, not install: nothing stale from ~/.m2 can end up in the bundle), then assembles:
#
#   out-dir/
#     bin/ember-env          the Java runtime and the CUDA and OpenCL devices Ember sees (or why none)
#     bin/ember-gpu-tests    gpu-kernels' tests (dev.ember.gpu.** and the op conformance suites),
#                            through the JUnit console launcher; exits non-zero on a failure.
#                            Arguments go to the launcher (e.g. --include-classname 'dev\.ember\.gpu\..*');
#                            EMBER_JAVA_OPTS goes to the JVM (e.g. -Dember.golden.filter='^add').
#     bin/ember-gpu-bench    a benchmark program: w1|w2|w3 ... (TrainWorkload), jmh ... (JMH's
#                            runner over the benchmarks module), or a main class of the benchmarks
#                            module by simple or full name; no arguments lists them
#     runtime/               a jlinked Java 17 runtime (only the modules jdeps finds, compressed)
#     lib/                   Ember's jars (tensor-engine, gpu-kernels, test-data, benchmarks) and
#                            their runtime dependencies without Spark, Scala or Hadoop
#     test-lib/              gpu-kernels' test classes, tensor-engine's test-jar (golden/ops.json),
#                            junit-platform-console-standalone
#     BUILD-INFO             commit, date, JDK, the jlinked modules and the jar list
#
# Copy the folder anywhere (tar, scp) and run its bin/ scripts from any directory; they use only
# runtime/ and need no JAVA_HOME. gpu-bundle/verify.sh [out-dir] runs it so (no JDK on the PATH,
# empty environment, scratch directory): devices, a W1 smoke run per device, then the tests. Trimmed to stay under EMBER_BUNDLE_MAX_MIB (default 60) MiB:
# the build fails if the folder is larger. Aparapi's JNI jar is repacked with its Linux x86-64
# library only (it ships Windows, macOS and ARM ones too, 19 MiB); JCuda's native libraries for
# APIs that gpu-kernels does not reference (checked with jdeps) are left out likewise.
#
# The runtime is the build host's JDK's (jlink takes its jmods): its native code needs the build
# host's glibc or newer on the target (BUILD-INFO records the highest GLIBC_ symbol version used).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/target/ember-gpu-bundle}
MAX_MIB=${EMBER_BUNDLE_MAX_MIB:-60}
MARKER=.ember-gpu-bundle

JDK_BIN=${JAVA_HOME:+$JAVA_HOME/bin/}
for tool in java jlink jdeps jar javap; do
  command -v "${JDK_BIN}$tool" >/dev/null || { echo "build.sh: ${JDK_BIN}$tool not found (a JDK 17 is needed)" >&2; exit 1; }
done
JDK_HOME=$("${JDK_BIN}java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p')
JDK_VERSION=$("${JDK_BIN}java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[ "$JDK_VERSION" = 17 ] || { echo "build.sh: JDK 17 needed (the project's release), found $JDK_VERSION at $JDK_HOME" >&2; exit 1; }
[ -d "$JDK_HOME/jmods" ] || { echo "build.sh: $JDK_HOME/jmods missing (Debian/Ubuntu: apt-get install openjdk-17-jmods)" >&2; exit 1; }

# The out folder is replaced; refuse to delete a folder this script did not make.
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
if [ -e "$OUT" ]; then
  if [ -f "$OUT/$MARKER" ] || [ -z "$(ls -A "$OUT")" ]; then
    rm -rf "$OUT"
  else
    echo "build.sh: $OUT exists and is not a bundle this script made; not touching it" >&2
    exit 1
  fi
fi

cd "$ROOT"
VERSION=$(sed -n '0,/<version>/s/.*<version>\(.*\)<\/version>.*/\1/p' pom.xml)
JUNIT_VERSION=$(sed -n 's/.*<junit.version>\(.*\)<\/junit.version>.*/\1/p' pom.xml)
# JUnit 5.x.y ships with platform 1.x.y (the console launcher's version); from JUnit 6 on they match.
case "$JUNIT_VERSION" in
  5.*) PLATFORM_VERSION=1.${JUNIT_VERSION#5.} ;;
  *) PLATFORM_VERSION=$JUNIT_VERSION ;;
esac

echo "== building the modules (package, tests compiled, not run)"
# Each module's runtime dependencies land in its own target/bundle-deps (a relative
# outputDirectory is taken per module); only the GPU-side modules' are used below.
rm -rf tensor-engine/target/bundle-deps gpu-kernels/target/bundle-deps test-data/target/bundle-deps \
  benchmarks/target/bundle-deps
./mvnw -q -B -ntp package -DskipTests -pl benchmarks -am \
  dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/bundle-deps
./mvnw -q -B -ntp dependency:copy \
  -Dartifact=org.junit.platform:junit-platform-console-standalone:"$PLATFORM_VERSION" \
  -DoutputDirectory="$OUT/test-lib"

echo "== collecting jars into $OUT"
mkdir -p "$OUT/bin" "$OUT/lib" "$OUT/test-lib"
touch "$OUT/$MARKER"
for m in tensor-engine gpu-kernels test-data benchmarks; do
  cp "$m/target/ember-$m-$VERSION.jar" "$OUT/lib/"
done
# tensor-engine, gpu-kernels and test-data depend on nothing Spark-related: all of theirs.
for m in tensor-engine gpu-kernels test-data; do
  for j in "$m"/target/bundle-deps/*.jar; do
    case "$(basename "$j")" in
      ember-*) ;; # the reactor's own jars, copied above
      *) cp "$j" "$OUT/lib/" ;;
    esac
  done
done
# benchmarks also depends on Ember's Spark stages and Spark (whose managed versions make Hadoop,
# Avro, Parquet... runtime-scoped): take only JMH and what JMH needs.
for j in benchmarks/target/bundle-deps/*.jar; do
  case "$(basename "$j")" in
    jmh-core-*|jopt-simple-*|commons-math3-*) cp "$j" "$OUT/lib/" ;;
  esac
done
# gpu-kernels' test classes (it makes no test-jar) and tensor-engine's test-jar.
"${JDK_BIN}jar" --create --file "$OUT/test-lib/ember-gpu-kernels-$VERSION-tests.jar" \
  -C gpu-kernels/target/test-classes .
cp "tensor-engine/target/ember-tensor-engine-$VERSION-tests.jar" "$OUT/test-lib/"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Aparapi's JNI jar, with its Linux x86-64 library only.
for j in "$OUT"/lib/aparapi-jni-*.jar; do
  mkdir "$WORK/jni"
  (cd "$WORK/jni" && "${JDK_BIN}jar" --extract --file "$j")
  rm -rf "$WORK"/jni/win "$WORK"/jni/osx
  find "$WORK/jni/linux" -type f ! -name 'libaparapi_x86_64.so' -delete
  [ -f "$WORK/jni/linux/libaparapi_x86_64.so" ] || { echo "build.sh: no linux/libaparapi_x86_64.so in $j" >&2; exit 1; }
  rm "$j"
  "${JDK_BIN}jar" --create --file "$j" --manifest "$WORK/jni/META-INF/MANIFEST.MF" \
    -C "$WORK/jni" .
  rm -rf "$WORK/jni"
done

# JCuda's natives: one library per JCuda API; keep those whose Java package (jcuda.driver,
# jcuda.runtime, jcuda.nvrtc, jcuda.nvptxcompiler) gpu-kernels or benchmarks reference.
GPU_PKGS=$("${JDK_BIN}jdeps" -verbose:package --ignore-missing-deps --multi-release 17 \
  -cp "$OUT/lib/*" "$OUT/lib/ember-gpu-kernels-$VERSION.jar" "$OUT/lib/ember-benchmarks-$VERSION.jar" \
  "$OUT/test-lib/ember-gpu-kernels-$VERSION-tests.jar" 2>/dev/null \
  | awk '$2 == "->" {print $3}' | grep '^jcuda' | sort -u || true)
for j in "$OUT"/lib/jcuda-natives-*.jar; do
  mkdir "$WORK/jc"
  (cd "$WORK/jc" && "${JDK_BIN}jar" --extract --file "$j")
  for lib in "$WORK"/jc/lib/*.so; do
    case "$(basename "$lib")" in
      libJCudaDriver-*) pkg=jcuda.driver ;;
      libJCudaRuntime-*) pkg=jcuda.runtime ;;
      libJNvrtc-*) pkg=jcuda.nvrtc ;;
      libJNvPTXCompiler-*) pkg=jcuda.nvptxcompiler ;;
      *) pkg=keep ;;
    esac
    # The driver library is always kept: JCuda's own classes load it for any CUDA use.
    if [ "$pkg" != keep ] && [ "$pkg" != jcuda.driver ] && ! grep -qx "$pkg" <<<"$GPU_PKGS"; then
      echo "   leaving out $(basename "$lib") (nothing references $pkg)"
      rm "$lib"
    fi
  done
  rm "$j"
  "${JDK_BIN}jar" --create --file "$j" --manifest "$WORK/jc/META-INF/MANIFEST.MF" -C "$WORK/jc" .
  rm -rf "$WORK/jc"
done

echo "== jlink"
# jdeps over everything the scripts put on the class path; Spark, which benchmarks' Spark program
# references but the bundle never runs, is missing on purpose (--ignore-missing-deps).
MODULES=$("${JDK_BIN}jdeps" --print-module-deps --ignore-missing-deps --multi-release 17 \
  -cp "$OUT/lib/*:$OUT/test-lib/*" "$OUT"/lib/*.jar "$OUT"/test-lib/*.jar)
# java.desktop (AWT/Swing, 9 MiB) is left out: only Aparapi's and BCEL's GUI tools
# (InstructionViewer, MultiPassKernelSwingWorker, GraphicalVerifier) and commons-math3's 2-D
# geometry use it, none of which Ember runs. jdk.incubator.vector: the CPU backend's SIMD kernels;
# jdk.management, jdk.unsupported: JMH's and JUnit's optional uses (thread and memory beans,
# sun.misc.Unsafe) that jdeps cannot see; jdk.zipfs: the jar file system (a service provider, so
# invisible to jdeps) that JUnit's class-path scan opens the test jar with.
MODULES=$(tr ',' '\n' <<<"$MODULES,jdk.incubator.vector,jdk.management,jdk.unsupported,jdk.zipfs" \
  | grep -vx 'java.desktop' | sort -u | paste -sd, -)
"${JDK_BIN}jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$OUT/runtime"

echo "== scripts"
MAINS=$(cd "$WORK" && mkdir bench && cd bench && "${JDK_BIN}jar" --extract \
  --file "$OUT/lib/ember-benchmarks-$VERSION.jar" && find . -name '*.class' ! -name '*$*' \
  | sed 's|^\./||; s|\.class$||; s|/|.|g' | sort)
# Programs that need a class the bundle lacks (Spark's, for SparkWorkload) are not offered.
UNRUNNABLE=$("${JDK_BIN}jdeps" -verbose:class --multi-release 17 -cp "$OUT/lib/*" \
  "$OUT/lib/ember-benchmarks-$VERSION.jar" 2>/dev/null | awk '/not found/ {print $1}' \
  | sed 's/\$.*//' | sort -u)
# The benchmark programs (classes with a main), listed once so the run script needs no JDK tools.
# shellcheck disable=SC2086
"${JDK_BIN}javap" -public -cp "$OUT/lib/ember-benchmarks-$VERSION.jar" $MAINS 2>/dev/null \
  | awk '/ class /{for (i = 1; i <= NF; i++) if ($i == "class") c = $(i + 1)}
         /public static void main\(java.lang.String\[\]\)/{print c}' | sort -u \
  | { grep -vxF -f <(echo "$UNRUNNABLE") || true; } >"$OUT/lib/benchmark-programs.txt"
[ -s "$OUT/lib/benchmark-programs.txt" ] || { echo "build.sh: no benchmark program found" >&2; exit 1; }
cp "$ROOT/gpu-bundle/bin/"* "$OUT/bin/"
chmod +x "$OUT"/bin/*

GLIBC=$(find "$OUT/runtime" -name '*.so' -exec objdump -T {} + 2>/dev/null \
  | grep -o 'GLIBC_[0-9.]*' | sort -V | tail -1 || true)
{
  echo "Ember GPU bundle $VERSION"
  echo "commit: $(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -sm)"
  echo "jdk: $("${JDK_BIN}java" -version 2>&1 | head -1) ($JDK_HOME)"
  echo "runtime modules: $MODULES"
  echo "runtime needs glibc: ${GLIBC:-unknown (objdump missing)} or newer"
  echo "junit console: $PLATFORM_VERSION (JUnit $JUNIT_VERSION)"
  echo "jars:"
  (cd "$OUT" && ls lib/*.jar test-lib/*.jar | sed 's/^/  /')
} >"$OUT/BUILD-INFO"

# The smoke check: the bundled runtime starts and sees the Ember classes.
LD_PRELOAD="$OUT/runtime/lib/libjsig.so" "$OUT/runtime/bin/java" -cp "$OUT/lib/*" \
  dev.ember.gpu.DeviceReport >/dev/null

SIZE_KIB=$(du -sk "$OUT" | cut -f1)
echo "== $OUT: $(du -sh "$OUT" | cut -f1) ($((SIZE_KIB / 1024)) MiB; limit $MAX_MIB MiB)"
if [ "$SIZE_KIB" -gt $((MAX_MIB * 1024)) ]; then
  echo "build.sh: the bundle is $((SIZE_KIB / 1024)) MiB, over the $MAX_MIB MiB limit:" >&2
  (cd "$OUT" && du -sk runtime lib/* test-lib/* | sort -n | tail -8) >&2
  exit 1
fi
