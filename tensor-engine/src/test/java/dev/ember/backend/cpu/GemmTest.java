package dev.ember.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checks every GEMM implementation this JVM can run against a double-precision triple loop.
 *
 * <p>The scalar and SIMD kernels must be available (the build runs tests with {@code --add-modules
 * jdk.incubator.vector}); native BLAS is tested where it loads.
 */
class GemmTest {

  /** (m, n, k): empty, tiny, odd and prime sizes, edge tiles on every side, several k slices. */
  private static final int[][] SIZES = {
    {0, 0, 0}, {0, 5, 3}, {5, 0, 3}, {4, 6, 0}, {1, 1, 1}, {7, 5, 3}, {2, 3, 4}, {6, 16, 9},
    {13, 31, 11}, {33, 17, 65}, {100, 1, 100}, {1, 100, 1}, {129, 257, 63}, {37, 41, 801},
  };

  /** (alpha, beta), beta == 0 with C prefilled with NaN, which must not leak. */
  private static final double[][] SCALARS = {{1, 0}, {-0.5, 0}, {1, 1}, {0.75, -1.25}, {0, 2}};

  private static final boolean[] BOOLS = {false, true};

  /** Marks array elements outside the matrices; they must be neither used nor changed. */
  private static final double GUARD = -777.25;

  private final Random random = new Random(20240607);

  private static void assumeAvailable(Gemm.Impl impl) {
    String why = impl.unavailableReason();
    if (impl == Gemm.Impl.NATIVE || impl == Gemm.Impl.NATIVE_SPLIT) {
      assumeTrue(why == null, () -> "native BLAS not available: " + why);
    }
    assertNull(why, () -> impl + " must be available in the test JVM");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Gemm.Impl.class)
  void sgemmMatchesReference(Gemm.Impl impl) {
    assumeAvailable(impl);
    sweep(impl, false);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Gemm.Impl.class)
  void dgemmMatchesReference(Gemm.Impl impl) {
    assumeAvailable(impl);
    sweep(impl, true);
  }

  private void sweep(Gemm.Impl impl, boolean dbl) {
    for (int[] s : SIZES) {
      for (boolean tA : BOOLS) {
        for (boolean tB : BOOLS) {
          for (double[] ab : SCALARS) {
            check(impl, dbl, tA, tB, s[0], s[1], s[2], ab[0], ab[1], true);
          }
          check(impl, dbl, tA, tB, s[0], s[1], s[2], 1, 0, false);
        }
      }
    }
    // Several row blocks of C.
    for (boolean tA : BOOLS) {
      for (boolean tB : BOOLS) {
        check(impl, dbl, tA, tB, 300, 300, 300, 1, 0, false);
        check(impl, dbl, tA, tB, 300, 300, 300, 0.5, -1, true);
      }
    }
    // Columns of C in more than one packed B panel.
    check(impl, dbl, false, true, 3, 3000, 384, 1.5, 0.5, true);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Gemm.Impl.class)
  void splitsAcrossThreads(Gemm.Impl impl) {
    assumeAvailable(impl);
    int saved = Parallel.numThreads();
    try {
      for (int threads : new int[] {2, 3}) {
        Parallel.setNumThreads(threads);
        for (boolean dbl : BOOLS) {
          check(impl, dbl, false, false, 257, 130, 190, 1, 0, true);
          check(impl, dbl, true, true, 190, 257, 130, -2, 0.5, true);
          check(impl, dbl, true, false, 300, 70, 64, 1, 0, false);
          // Too few rows for one block per thread: the columns are split instead.
          check(impl, dbl, false, true, 5, 2000, 500, 1, 1, true);
        }
      }
    } finally {
      Parallel.setNumThreads(saved);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Gemm.Impl.class)
  void alphaZeroDoesNotReadAOrB(Gemm.Impl impl) {
    assumeAvailable(impl);
    float[] a = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
    float[] b = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
    float[] c = {1, 2, 3, 4};
    Gemm.sgemm(impl, false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, 3f, c, 0, 2);
    assertArrayEquals(new float[] {3, 6, 9, 12}, c);
    double[] da = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    double[] dc = {Double.NaN, 1, 2, Double.NaN};
    Gemm.dgemm(impl, true, true, 2, 2, 2, 0d, da, 0, 2, da, 0, 2, 0d, dc, 0, 2);
    assertTrue(Arrays.equals(new double[] {0, 0, 0, 0}, dc), Arrays.toString(dc));
  }

  @Test
  void selectedImplementationWorks() {
    String name = Gemm.implementation();
    assertTrue(Arrays.stream(Gemm.Impl.values()).anyMatch(i -> i.description.equals(name)), name);
    float[] a = {1, 2, 3, 4, 5, 6};
    float[] b = {7, 8, 9, 10, 11, 12};
    float[] c = new float[4];
    Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2);
    assertArrayEquals(new float[] {58, 64, 139, 154}, c);
    double[] dc = {1, 1, 1, 1};
    Gemm.dgemm(false, true, 2, 2, 3, 1d, new double[] {1, 2, 3, 4, 5, 6}, 0, 3,
        new double[] {1, 0, 0, 0, 1, 0}, 0, 3, 2d, dc, 0, 2);
    assertTrue(Arrays.equals(new double[] {3, 4, 6, 7}, dc), Arrays.toString(dc));
  }

  @Test
  void rejectsNegativeDimensions() {
    float[] x = new float[16];
    assertMessage("m must be >= 0, got -1",
        () -> Gemm.sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
    assertMessage("n must be >= 0, got -2",
        () -> Gemm.sgemm(false, false, 2, -2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
    assertMessage("k must be >= 0, got -3",
        () -> Gemm.dgemm(false, false, 2, 2, -3, 1d, new double[4], 0, 2, new double[4], 0, 2, 0d,
            new double[4], 0, 2));
  }

  @Test
  void rejectsBadOffsetsAndLeadingDimensions() {
    float[] x = new float[64];
    assertMessage("aOff must be >= 0, got -1",
        () -> Gemm.sgemm(false, false, 2, 2, 2, 1f, x, -1, 2, x, 0, 2, 0f, x, 0, 2));
    assertMessage("cOff must be >= 0, got -4",
        () -> Gemm.sgemm(false, false, 2, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, -4, 2));
    assertMessage("lda must be >= 5",
        () -> Gemm.sgemm(false, false, 2, 3, 5, 1f, x, 0, 4, x, 0, 3, 0f, x, 0, 3));
    assertMessage("lda must be >= 2",
        () -> Gemm.sgemm(true, false, 2, 3, 5, 1f, x, 0, 1, x, 0, 3, 0f, x, 0, 3));
    assertMessage("ldb must be >= 3",
        () -> Gemm.sgemm(false, false, 2, 3, 5, 1f, x, 0, 5, x, 0, 2, 0f, x, 0, 3));
    assertMessage("ldb must be >= 5",
        () -> Gemm.sgemm(false, true, 2, 3, 5, 1f, x, 0, 5, x, 0, 4, 0f, x, 0, 3));
    assertMessage("ldc must be >= 3",
        () -> Gemm.sgemm(false, false, 2, 3, 5, 1f, x, 0, 5, x, 0, 3, 0f, x, 0, 2));
  }

  @Test
  void rejectsArraysTooShort() {
    // A is 3x4 with lda 6 from offset 2: needs 2 + 2*6 + 4 = 18 elements.
    assertMessage("a is too short",
        () -> Gemm.sgemm(false, false, 3, 2, 4, 1f, new float[17], 2, 6, new float[8], 0, 2, 0f,
            new float[6], 0, 2));
    Gemm.sgemm(false, false, 3, 2, 4, 1f, new float[18], 2, 6, new float[8], 0, 2, 0f,
        new float[6], 0, 2);
    assertMessage("b is too short",
        () -> Gemm.dgemm(false, true, 3, 2, 4, 1d, new double[12], 0, 4, new double[7], 0, 4, 0d,
            new double[6], 0, 2));
    assertMessage("c is too short",
        () -> Gemm.sgemm(false, false, 3, 2, 4, 1f, new float[12], 0, 4, new float[8], 0, 2, 0f,
            new float[8], 3, 2));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Gemm.sgemm(false, false, 3, 2, 4, 1f, new float[17], 2, 6, new float[8], 0, 2, 0f,
            new float[6], 0, 2));
    assertTrue(e.getMessage().contains("needing 18 elements, but a.length is 17"), e.getMessage());
    assertThrows(NullPointerException.class,
        () -> Gemm.sgemm(false, false, 1, 1, 1, 1f, null, 0, 1, new float[1], 0, 1, 0f,
            new float[1], 0, 1));
  }

  @Test
  void emptyMatricesNeedNoStorage() {
    Gemm.sgemm(false, false, 0, 0, 0, 1f, new float[0], 0, 0, new float[0], 0, 0, 0f,
        new float[0], 0, 0);
    float[] c = {Float.NaN, Float.NaN};
    Gemm.sgemm(false, false, 1, 2, 0, 1f, new float[0], 0, 0, new float[0], 0, 2, 0f, c, 0, 2);
    assertArrayEquals(new float[] {0, 0}, c);
  }

  private static void assertMessage(String expected, Runnable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().startsWith(expected),
        () -> "expected a message starting with \"" + expected + "\", got: " + e.getMessage());
  }

  private static void assertArrayEquals(float[] expected, float[] actual) {
    assertTrue(Arrays.equals(expected, actual),
        () -> Arrays.toString(expected) + " != " + Arrays.toString(actual));
  }

  /** A matrix stored row-major inside a larger array that is filled with {@link #GUARD}. */
  private record Stored(double[] data, int off, int ld, int rows, int cols) {
    double at(int r, int c) {
      return data[off + r * ld + c];
    }
  }

  private Stored store(int rows, int cols, boolean padded, boolean dbl) {
    int off = padded ? 1 + random.nextInt(7) : 0;
    int ld = cols + (padded ? 1 + random.nextInt(5) : 0);
    double[] data = new double[off + rows * ld + (padded ? 3 : 0)];
    Arrays.fill(data, GUARD);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double v = random.nextDouble() * 2 - 1;
        data[off + r * ld + c] = dbl ? v : (float) v;
      }
    }
    return new Stored(data, off, ld, rows, cols);
  }

  private static float[] toFloats(double[] x) {
    float[] f = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      f[i] = (float) x[i];
    }
    return f;
  }

  /**
   * Runs one product and compares it with the reference, element by element, within a bound
   * scaled by the magnitude of the terms: |error| <= (k + 2) * eps * (|alpha| sum_p |a_ip b_pj|
   * + |beta c_ij|), which covers the rounding of any summation order.
   */
  private void check(Gemm.Impl impl, boolean dbl, boolean tA, boolean tB, int m, int n, int k,
      double alpha, double beta, boolean padded) {
    Stored a = store(tA ? k : m, tA ? m : k, padded, dbl);
    Stored b = store(tB ? n : k, tB ? k : n, padded, dbl);
    Stored c0 = store(m, n, padded, dbl);
    if (beta == 0) {
      for (int i = 0; i < m; i++) {
        Arrays.fill(c0.data(), c0.off() + i * c0.ld(), c0.off() + i * c0.ld() + n, Double.NaN);
      }
    }
    double[] got;
    if (dbl) {
      got = c0.data().clone();
      Gemm.dgemm(impl, tA, tB, m, n, k, alpha, a.data(), a.off(), a.ld(), b.data(), b.off(),
          b.ld(), beta, got, c0.off(), c0.ld());
    } else {
      float[] c = toFloats(c0.data());
      Gemm.sgemm(impl, tA, tB, m, n, k, (float) alpha, toFloats(a.data()), a.off(), a.ld(),
          toFloats(b.data()), b.off(), b.ld(), (float) beta, c, c0.off(), c0.ld());
      got = new double[c.length];
      for (int i = 0; i < c.length; i++) {
        got[i] = c[i];
      }
    }
    double eps = dbl ? Math.ulp(1d) : Math.ulp(1f);
    String what = impl + (dbl ? " dgemm" : " sgemm") + " transA=" + tA + " transB=" + tB + " m=" + m
        + " n=" + n + " k=" + k + " alpha=" + alpha + " beta=" + beta + " padded=" + padded;
    boolean[] inside = new boolean[got.length];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0;
        double mag = 0;
        for (int p = 0; p < k; p++) {
          double x = tA ? a.at(p, i) : a.at(i, p);
          double y = tB ? b.at(j, p) : b.at(p, j);
          sum += x * y;
          mag += Math.abs(x * y);
        }
        double expected = alpha * sum;
        mag *= Math.abs(alpha);
        if (beta != 0) {
          expected += beta * c0.at(i, j);
          mag += Math.abs(beta * c0.at(i, j));
        }
        int idx = c0.off() + i * c0.ld() + j;
        inside[idx] = true;
        double error = Math.abs(got[idx] - expected);
        if (!(error <= (k + 2) * eps * mag + Double.MIN_NORMAL)) {
          fail(what + ": C(" + i + ", " + j + ") = " + got[idx] + ", expected " + expected
              + " (error " + error + ", magnitude " + mag + ")");
        }
      }
    }
    for (int i = 0; i < got.length; i++) {
      if (!inside[i] && got[i] != GUARD) {
        fail(what + ": changed c[" + i + "], outside C, to " + got[i]);
      }
    }
  }
}
