package dev.ember.backend.cpu;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * General matrix multiply on the CPU, {@code C = alpha*op(A)*op(B) + beta*C}, on row-major
 * arrays with BLAS semantics.
 *
 * <p>The implementation is chosen once, when this class initializes, from the system property
 * {@code ember.blas}, and logged at INFO:
 *
 * <ul>
 *   <li>{@code auto} (the default): native BLAS if netlib's {@code NativeBLAS} loads, else the
 *       Java SIMD kernel if the module {@code jdk.incubator.vector} is in the boot layer (run the
 *       JVM with {@code --add-modules jdk.incubator.vector}), else the scalar Java kernel. Native
 *       BLAS is split over {@link Parallel}'s threads when the environment runs OpenBLAS on one
 *       thread ({@link #nativeThreadsFromEnvironment});
 *   <li>{@code native}: native BLAS, or every call fails with an {@link IllegalStateException}
 *       saying why it could not be loaded;
 *   <li>{@code native-split}: native BLAS, each call split into column (or row) blocks of C that
 *       {@link Parallel}'s threads multiply at the same time;
 *   <li>{@code java}: the best Java kernel, never native code;
 *   <li>{@code scalar}: the scalar Java kernel.
 * </ul>
 *
 * <p>Unsplit native BLAS runs on its own threads (OpenBLAS's count); the Java kernels and the
 * split native calls use {@link Parallel}.
 *
 * <p>Why the split: between calls, OpenBLAS's pthread workers wait for work by spinning on {@code
 * sched_yield} for about 0.1 s. A training step alternates GEMMs with Java work (elementwise
 * kernels, autograd, and in a young JVM the JIT compilers), and on a small machine the spinning
 * workers take a core from it: on 2 cores, W1's whole run is 15% faster with {@code
 * OPENBLAS_NUM_THREADS=1} and each GEMM split over Ember's two threads than with OpenBLAS's own
 * two threads (README, issue 3). Ember cannot set OpenBLAS's thread count from Java (netlib does
 * not expose {@code openblas_set_num_threads}), so it follows the environment the process was
 * started with.
 */
public final class Gemm {

  private static final System.Logger LOG = System.getLogger(Gemm.class.getName());
  private static final String PROPERTY = "ember.blas";
  private static final String VECTOR_MODULE = "jdk.incubator.vector";

  /** The implementations, each callable directly (tests run all that this machine has). */
  enum Impl {
    NATIVE("native BLAS (netlib JNIBLAS → libblas.so.3)"),
    NATIVE_SPLIT("native BLAS (netlib JNIBLAS → libblas.so.3), split over Ember's threads"),
    SIMD("Java SIMD (jdk.incubator.vector)"),
    SCALAR("Java scalar");

    final String description;

    Impl(String description) {
      this.description = description;
    }

    /** Why this implementation cannot run in this JVM, or null if it can; loads it on first use. */
    String unavailableReason() {
      return switch (this) {
        case NATIVE, NATIVE_SPLIT -> nativeFailure();
        case SIMD -> SimdHolder.FAILURE;
        case SCALAR -> null;
      };
    }

    private static String nativeFailure() {
      try {
        return NativeHolder.FAILURE;
      } catch (NoClassDefFoundError e) {
        // NativeHolder itself cannot be linked when netlib is missing from the class path.
        return "netlib (dev.ludovic.netlib:blas) is not on the class path (" + e + ")";
      }
    }
  }

  private static final Impl SELECTED;
  /** Set instead of {@link #SELECTED} when {@code ember.blas} cannot be honoured. */
  private static final String SELECTION_FAILURE;

  static {
    String value = System.getProperty(PROPERTY, "auto");
    String mode = value.trim().toLowerCase(Locale.ROOT);
    Impl selected = null;
    String failure = null;
    try {
      selected = select(mode, value);
    } catch (IllegalStateException e) {
      failure = e.getMessage();
    }
    SELECTED = selected;
    SELECTION_FAILURE = failure;
    if (failure != null) {
      LOG.log(Level.ERROR, "GEMM unavailable: {0}", failure);
    } else {
      LOG.log(Level.INFO, "GEMM uses {0} ({1}={2}){3}", selected.description, PROPERTY, value,
          passedOver(selected, mode));
    }
  }

  private Gemm() {}

  private static Impl select(String mode, String value) {
    return switch (mode) {
      case "auto" -> Impl.NATIVE.unavailableReason() != null ? bestJava()
          : nativeThreadsFromEnvironment() == 1 ? Impl.NATIVE_SPLIT : Impl.NATIVE;
      case "native", "native-split" -> {
        String why = Impl.NATIVE.unavailableReason();
        if (why != null) {
          throw new IllegalStateException(PROPERTY + "=" + mode
              + " but native BLAS is unavailable: " + why);
        }
        yield mode.equals("native") ? Impl.NATIVE : Impl.NATIVE_SPLIT;
      }
      case "java" -> bestJava();
      case "scalar" -> Impl.SCALAR;
      default -> throw new IllegalStateException(
          PROPERTY + " must be one of auto, native, native-split, java, scalar; got '" + value
              + "'");
    };
  }

  /**
   * The number of threads OpenBLAS takes from the environment, as its pthread build reads it (the
   * first positive of {@code OPENBLAS_NUM_THREADS}, {@code GOTO_NUM_THREADS}, {@code
   * OMP_NUM_THREADS}), or 0 when none is set. A reference (single-threaded) BLAS ignores these.
   */
  static int nativeThreadsFromEnvironment() {
    for (String name : new String[] {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
        "OMP_NUM_THREADS"}) {
      String v = System.getenv(name);
      if (v != null) {
        try {
          int n = Integer.parseInt(v.trim());
          if (n > 0) {
            return n;
          }
        } catch (NumberFormatException e) {
          // OpenBLAS reads such a value as 0, that is unset.
        }
      }
    }
    return 0;
  }

  private static Impl bestJava() {
    return Impl.SIMD.unavailableReason() == null ? Impl.SIMD : Impl.SCALAR;
  }

  /** For the log: why faster implementations that {@code mode} allows were passed over. */
  private static String passedOver(Impl selected, String mode) {
    StringBuilder sb = new StringBuilder();
    if (mode.equals("auto") && selected == Impl.NATIVE) {
      sb.append("; not split over Ember's threads, since the environment does not run OpenBLAS"
          + " on one thread (set OPENBLAS_NUM_THREADS=1 for that)");
    } else if (mode.equals("auto") && selected != Impl.NATIVE_SPLIT) {
      sb.append("; not native BLAS: ").append(Impl.NATIVE.unavailableReason());
    }
    if ((mode.equals("auto") || mode.equals("java")) && selected == Impl.SCALAR) {
      sb.append("; not Java SIMD: ").append(Impl.SIMD.unavailableReason());
    }
    return sb.toString();
  }

  /** Loaded on first use only, so that {@code ember.blas=java} never touches native code. */
  private static final class NativeHolder {
    static final BLAS INSTANCE;
    static final String FAILURE;

    static {
      BLAS blas = null;
      String failure = null;
      try {
        blas = NativeBLAS.getInstance();
      } catch (RuntimeException | LinkageError e) {
        // netlib swallows the cause and throws "Unable to load native implementation", so name
        // the usual causes here.
        failure = "netlib's NativeBLAS.getInstance() failed with " + e + ". Either its JNI"
            + " wrapper could not be loaded on this platform or the system BLAS it links,"
            + " libblas.so.3 (for example OpenBLAS), is missing; netlib logs the attempt at"
            + " WARNING as dev.ludovic.netlib.blas.InstanceBuilder";
      }
      INSTANCE = blas;
      FAILURE = failure;
    }
  }

  /**
   * Loads {@code VectorGemm} reflectively, after checking for its module: the main sources are
   * compiled without {@code jdk.incubator.vector}, and loading the class without the module in the
   * JVM would fail.
   */
  private static final class SimdHolder {
    static final JavaGemm.FloatKernel FLOAT;
    static final JavaGemm.DoubleKernel DOUBLE;
    static final String FAILURE;

    static {
      JavaGemm.FloatKernel floatKernel = null;
      JavaGemm.DoubleKernel doubleKernel = null;
      String failure = null;
      if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
        failure = "module " + VECTOR_MODULE + " is not in the boot layer (run the JVM with"
            + " --add-modules " + VECTOR_MODULE + ")";
      } else {
        try {
          Class<?> cls = Class.forName("dev.ember.backend.cpu.VectorGemm");
          floatKernel = (JavaGemm.FloatKernel) cls.getDeclaredField("FLOAT_KERNEL").get(null);
          doubleKernel = (JavaGemm.DoubleKernel) cls.getDeclaredField("DOUBLE_KERNEL").get(null);
        } catch (ReflectiveOperationException | LinkageError e) {
          failure = "dev.ember.backend.cpu.VectorGemm could not be loaded (" + e
              + "); it is built from tensor-engine/src/main/java-vector";
        }
      }
      FLOAT = floatKernel;
      DOUBLE = doubleKernel;
      FAILURE = failure;
    }
  }

  /** Makes the choice of implementation (the class's initialization) happen now. */
  static void load() {}

  /**
   * A short human name of the implementation {@link #sgemm} and {@link #dgemm} use, for example
   * {@code "Java SIMD (jdk.incubator.vector)"}.
   *
   * @throws IllegalStateException if {@code ember.blas} names an unknown or unavailable
   *     implementation
   */
  public static String implementation() {
    return selected().description;
  }

  private static Impl selected() {
    if (SELECTION_FAILURE != null) {
      throw new IllegalStateException(SELECTION_FAILURE);
    }
    return SELECTED;
  }

  private static void requireAvailable(Impl impl) {
    String why = impl.unavailableReason();
    if (why != null) {
      throw new IllegalStateException(impl.description + " is unavailable: " + why);
    }
  }

  /**
   * Single-precision GEMM: {@code C = alpha*op(A)*op(B) + beta*C} on row-major arrays.
   *
   * <p>C is {@code m x n} with element (i, j) at {@code c[cOff + i*ldc + j]}. op(A) is {@code m x
   * k} with element (i, p) at {@code a[aOff + i*lda + p]}, or at {@code a[aOff + p*lda + i]} when
   * {@code transA} (A is then stored {@code k x m}); op(B) is {@code k x n}, likewise. When {@code
   * beta == 0} C is only written, so NaN or infinity in it does not propagate; when {@code alpha
   * == 0} or {@code k == 0}, A and B are not read and C becomes {@code beta*C}. C must not overlap
   * A or B.
   *
   * @throws IllegalArgumentException if a dimension or offset is negative, a leading dimension is
   *     shorter than the stored row it spans, or an array is too short for its offset, leading
   *     dimension and shape
   * @throws NullPointerException if an array is null
   * @throws IllegalStateException if {@code ember.blas} names an unknown or unavailable
   *     implementation
   */
  public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff,
      int ldc) {
    sgemm(selected(), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff,
        ldc);
  }

  /**
   * {@link #sgemm(boolean, boolean, int, int, int, float, float[], int, int, float[], int, int,
   * float, float[], int, int)} on the given implementation.
   *
   * @throws IllegalStateException if {@code impl} cannot run in this JVM
   */
  static void sgemm(Impl impl, boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff,
      int ldc) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    Objects.requireNonNull(c, "c");
    checkArguments(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length,
        cOff, ldc);
    requireAvailable(impl);
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0 || alpha == 0f) {
      scale(m, n, beta, c, cOff, ldc);
      return;
    }
    switch (impl) {
      case NATIVE -> nativeSgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta,
          c, cOff, ldc);
      case NATIVE_SPLIT -> split(transA, transB, m, n, k, (rm, rn, rAOff, rBOff, rCOff) ->
          nativeSgemm(transA, transB, rm, rn, k, alpha, a, rAOff, lda, b, rBOff, ldb, beta, c,
              rCOff, ldc), aOff, lda, bOff, ldb, cOff, ldc);
      case SIMD -> JavaGemm.sgemm(SimdHolder.FLOAT, transA, transB, m, n, k, alpha, a, aOff, lda,
          b, bOff, ldb, beta, c, cOff, ldc);
      case SCALAR -> JavaGemm.sgemm(JavaGemm.SCALAR_FLOAT, transA, transB, m, n, k, alpha, a,
          aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }
  }

  /**
   * Double-precision GEMM: {@code C = alpha*op(A)*op(B) + beta*C} on row-major arrays, with the
   * layout and semantics of {@link #sgemm(boolean, boolean, int, int, int, float, float[], int,
   * int, float[], int, int, float, float[], int, int)}.
   *
   * @throws IllegalArgumentException if a dimension or offset is negative, a leading dimension is
   *     shorter than the stored row it spans, or an array is too short for its offset, leading
   *     dimension and shape
   * @throws NullPointerException if an array is null
   * @throws IllegalStateException if {@code ember.blas} names an unknown or unavailable
   *     implementation
   */
  public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
      double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c,
      int cOff, int ldc) {
    dgemm(selected(), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff,
        ldc);
  }

  /**
   * {@link #dgemm(boolean, boolean, int, int, int, double, double[], int, int, double[], int, int,
   * double, double[], int, int)} on the given implementation.
   *
   * @throws IllegalStateException if {@code impl} cannot run in this JVM
   */
  static void dgemm(Impl impl, boolean transA, boolean transB, int m, int n, int k, double alpha,
      double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c,
      int cOff, int ldc) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    Objects.requireNonNull(c, "c");
    checkArguments(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length,
        cOff, ldc);
    requireAvailable(impl);
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0 || alpha == 0d) {
      scale(m, n, beta, c, cOff, ldc);
      return;
    }
    switch (impl) {
      case NATIVE -> nativeDgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta,
          c, cOff, ldc);
      case NATIVE_SPLIT -> split(transA, transB, m, n, k, (rm, rn, rAOff, rBOff, rCOff) ->
          nativeDgemm(transA, transB, rm, rn, k, alpha, a, rAOff, lda, b, rBOff, ldb, beta, c,
              rCOff, ldc), aOff, lda, bOff, ldb, cOff, ldc);
      case SIMD -> JavaGemm.dgemm(SimdHolder.DOUBLE, transA, transB, m, n, k, alpha, a, aOff, lda,
          b, bOff, ldb, beta, c, cOff, ldc);
      case SCALAR -> JavaGemm.dgemm(JavaGemm.SCALAR_DOUBLE, transA, transB, m, n, k, alpha, a,
          aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }
  }

  // Row-major C = op(A)op(B) is column-major C' = op(B)'op(A)': swap the operands and m, n.
  private static void nativeSgemm(boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc) {
    NativeHolder.INSTANCE.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha, b, bOff,
        ldb, a, aOff, lda, beta, c, cOff, ldc);
  }

  private static void nativeDgemm(boolean transA, boolean transB, int m, int n, int k,
      double alpha, double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta,
      double[] c, int cOff, int ldc) {
    NativeHolder.INSTANCE.dgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha, b, bOff,
        ldb, a, aOff, lda, beta, c, cOff, ldc);
  }

  /** One block of C: rows or columns {@code [start, end)} of the whole product. */
  @FunctionalInterface
  private interface Block {
    void run(int m, int n, int aOff, int bOff, int cOff);
  }

  /** Below this many multiply-adds a GEMM runs on the calling thread. */
  static final long SPLIT_MIN_WORK = 1L << 18;
  /** The fewest rows or columns of C one thread gets. */
  private static final int SPLIT_GRAIN = 32;

  /**
   * Runs {@code block} on {@link Parallel}'s threads over blocks of C's columns, or of its rows
   * when C has more rows than columns. Each block is a GEMM over the whole k, so no partial sums
   * are added afterwards.
   */
  private static void split(boolean transA, boolean transB, int m, int n, int k, Block block,
      int aOff, int lda, int bOff, int ldb, int cOff, int ldc) {
    if ((long) m * n * k < SPLIT_MIN_WORK) {
      block.run(m, n, aOff, bOff, cOff);
    } else if (n >= m) {
      // Columns [s, e) of op(B): B's columns s.. (B is k x n), or its rows s.. (stored n x k).
      Parallel.forRange(n, SPLIT_GRAIN, (s, e) -> block.run(m, e - s, aOff,
          bOff + (transB ? s * ldb : s), cOff + s));
    } else {
      // Rows [s, e) of op(A): A's rows s.. (A is m x k), or its columns s.. (stored k x m).
      Parallel.forRange(m, SPLIT_GRAIN, (s, e) -> block.run(e - s, n,
          aOff + (transA ? s : s * lda), bOff, cOff + s * ldc));
    }
  }

  private static void checkArguments(boolean transA, boolean transB, int m, int n, int k,
      int aLength, int aOff, int lda, int bLength, int bOff, int ldb, int cLength, int cOff,
      int ldc) {
    checkDimension("m", m);
    checkDimension("n", n);
    checkDimension("k", k);
    checkMatrix("a", "A", aLength, aOff, lda, transA ? k : m, transA ? m : k,
        transA ? "m, as transA" : "k, as !transA");
    checkMatrix("b", "B", bLength, bOff, ldb, transB ? n : k, transB ? k : n,
        transB ? "k, as transB" : "n, as !transB");
    checkMatrix("c", "C", cLength, cOff, ldc, m, n, "n");
  }

  private static void checkDimension(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
  }

  /** Checks a {@code rows x cols} matrix stored row-major in {@code array} (named {@code x}). */
  private static void checkMatrix(String x, String matrix, int length, int off, int ld, int rows,
      int cols, String colsName) {
    if (off < 0) {
      throw new IllegalArgumentException(x + "Off must be >= 0, got " + off);
    }
    if (ld < cols) {
      throw new IllegalArgumentException("ld" + x + " must be >= " + cols + " (the row length of "
          + matrix + " as stored: " + colsName + "), got " + ld);
    }
    if (rows > 0 && cols > 0) {
      long needed = off + (long) (rows - 1) * ld + cols;
      if (needed > length) {
        throw new IllegalArgumentException(x + " is too short: " + matrix + " as stored is "
            + rows + "x" + cols + " with ld" + x + "=" + ld + " from " + x + "Off=" + off
            + ", needing " + needed + " elements, but " + x + ".length is " + length);
      }
    }
  }

  /** C = beta*C, writing zeros without reading C when {@code beta == 0}. */
  private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
    if (beta == 1f) {
      return;
    }
    for (int i = 0; i < m; i++) {
      int row = cOff + i * ldc;
      if (beta == 0f) {
        Arrays.fill(c, row, row + n, 0f);
      } else {
        for (int j = row; j < row + n; j++) {
          c[j] *= beta;
        }
      }
    }
  }

  private static void scale(int m, int n, double beta, double[] c, int cOff, int ldc) {
    if (beta == 1d) {
      return;
    }
    for (int i = 0; i < m; i++) {
      int row = cOff + i * ldc;
      if (beta == 0d) {
        Arrays.fill(c, row, row + n, 0d);
      } else {
        for (int j = row; j < row + n; j++) {
          c[j] *= beta;
        }
      }
    }
  }
}
