package dev.ember.gpu.opencl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Whether OpenCL may be opened in this JVM without losing the JVM's signal handlers.
 *
 * <p>The JVM handles SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGUSR2 itself: a null dereference in
 * compiled code, a safepoint poll and an integer division by zero all arrive as signals that its
 * handler turns into exceptions or pauses. OpenCL drivers are native libraries that may install
 * their own handlers for the same signals, replacing the JVM's. PoCL does, measured with {@code
 * -Xcheck:jni} here: listing its devices already replaces five of them (with LLVM 15's crash
 * handler and PoCL's SIGFPE handler). A JVM in that state can die of a signal it would have
 * handled, with no error report (the kernel logs {@code segfault at 14}, the exit status is 139).
 *
 * <p>The JDK's remedy is signal chaining: with {@code libjsig.so} preloaded, a native library's
 * {@code sigaction} no longer replaces the JVM's handler; the JVM keeps it and passes on only the
 * signals that are not its own. So on Linux Ember opens OpenCL only in a JVM that has {@code
 * libjsig.so} loaded ({@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}), or when {@code
 * -Dember.opencl.allowUnchainedSignals=true} accepts the risk. Elsewhere (no {@code
 * /proc/self/maps}) nothing is checked.
 */
public final class SignalChaining {
  /** The system property that opens OpenCL without signal chaining. */
  static final String ALLOW_PROPERTY = "ember.opencl.allowUnchainedSignals";

  private SignalChaining() {}

  /** Why OpenCL must not be opened in this JVM, or null if it may be. */
  public static String problem() {
    String maps;
    try {
      maps = Files.readString(Path.of("/proc/self/maps"));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      maps = null;
    }
    return problem(System.getProperty("os.name", ""), maps,
        Boolean.getBoolean(ALLOW_PROPERTY), System.getProperty("java.home"));
  }

  /**
   * {@link #problem()} for a JVM on {@code os} whose mapped files are {@code maps} (the text of
   * {@code /proc/self/maps}, null where there is none), with {@link #ALLOW_PROPERTY} {@code
   * allowed}, running from {@code javaHome}.
   */
  static String problem(String os, String maps, boolean allowed, String javaHome) {
    if (allowed || maps == null || !os.toLowerCase(Locale.ROOT).contains("linux")
        || maps.contains("/libjsig.so")) {
      return null;
    }
    return "OpenCL is not opened in this JVM: OpenCL drivers may replace the JVM's handlers for"
        + " SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGUSR2 (PoCL's LLVM does as soon as its devices"
        + " are listed), and the JVM can then die of a null check or safepoint with no error"
        + " report. Start the JVM with the JDK's signal-chaining library preloaded: "
        + remedy(javaHome) + ", or set -D" + ALLOW_PROPERTY + "=true to open OpenCL anyway";
  }

  /** How to start this JVM with signal chaining. */
  static String remedy() {
    return remedy(System.getProperty("java.home"));
  }

  private static String remedy(String javaHome) {
    return "LD_PRELOAD=" + javaHome + "/lib/libjsig.so (Spark executors:"
        + " spark.executorEnv.LD_PRELOAD)";
  }

  /**
   * Whether an OpenCL driver is registered with the ICD loader: a {@code .icd} file in {@code
   * OCL_ICD_VENDORS} or {@code /etc/OpenCL/vendors}.
   */
  static boolean driversInstalled() {
    String dir = System.getenv("OCL_ICD_VENDORS");
    Path vendors = Path.of(dir != null && !dir.isBlank() ? dir : "/etc/OpenCL/vendors");
    if (!Files.isDirectory(vendors)) {
      return dir != null && dir.endsWith(".icd") && Files.isRegularFile(Path.of(dir));
    }
    try (Stream<Path> files = Files.list(vendors)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith(".icd"));
    } catch (IOException | SecurityException e) {
      return false;
    }
  }
}
