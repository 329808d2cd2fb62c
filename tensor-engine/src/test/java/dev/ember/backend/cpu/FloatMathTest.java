package dev.ember.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.tensor.DType;
import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both {@link FloatMath} implementations against {@link StrictMath} in double, on special values,
 * range boundaries, dense sweeps and random floats; their results must not depend on where an
 * element lies in a call, and float32 softmax must come out the same on every path and thread
 * count.
 *
 * <p>The SIMD implementation must be available (the build runs tests with {@code --add-modules
 * jdk.incubator.vector}).
 */
class FloatMathTest {

  /**
   * Largest error allowed, in ulps of the exact result rounded to float: below 1 is a faithful
   * rounding, which {@link CpuElementwiseTest} relies on (it allows 1 ulp from the correctly
   * rounded result).
   */
  private static final double MAX_ULP = 1.0;
  /** ...or this absolute error, for results near or below the smallest normal float. */
  private static final double MAX_ABS_TINY = 1e-38;

  /** A FloatMath function and its reference. */
  private enum Fn {
    EXP(StrictMath::exp),
    TANH(StrictMath::tanh),
    SIGMOID(x -> 1 / (1 + StrictMath.exp(-x))),
    SILU(x -> x / (1 + StrictMath.exp(-x)));

    final DoubleUnaryOperator ref;

    Fn(DoubleUnaryOperator ref) {
      this.ref = ref;
    }

    void apply(FloatMath m, float[] x, int xo, float[] y, int yo, int n) {
      switch (this) {
        case EXP -> m.exp(x, xo, y, yo, n);
        case TANH -> m.tanh(x, xo, y, yo, n);
        case SIGMOID -> m.sigmoid(x, xo, y, yo, n);
        case SILU -> m.silu(x, xo, y, yo, n);
      }
    }

    float[] apply(FloatMath m, float[] x) {
      float[] y = new float[x.length];
      apply(m, x, 0, y, 0, x.length);
      return y;
    }
  }

  private static FloatMath impl(String name) {
    return name.equals("simd") ? FloatMath.simd() : FloatMath.scalar();
  }

  @Test
  void backendUsesSimdUnlessTurnedOff() {
    FloatMath simd = FloatMath.simd();
    boolean off = "false".equalsIgnoreCase(System.getProperty("ember.cpu.simd", "true").trim());
    assertSame(off ? FloatMath.scalar() : simd, FloatMath.get());
  }

  // ---------------------------------------------------------------------------------------------
  // Accuracy

  /** Every test input: boundaries, special values, sweeps and random floats. */
  private static float[] inputs() {
    float[] edges = {
      0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE,
      -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 0.625f,
      -0.625f, 9f, -9f, 9.02f, 20f, 87f, -87f, 88.7f, 88.72f, 88.7228f, 88.72284f, 88.7229f,
      88.73f, 89f, 89.5f, -87.3f, -87.33655f, -87.34f, -100f, -103.27893f, -103.9f, -103.972f,
      -103.97208f, -104f, -104.5f, 350f, -350f, 700f, -700f, 708f, -708f, 709.79f, -709.79f,
      710f, -710f, 1e10f, -1e10f, Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffc00000)
    };
    // Around the overflow and underflow thresholds of exp and the fast-path limit: every 13th
    // float of 40001.
    float[] thresholds = {88.72284f, -87.33655f, -103.97208f, 87f, -87f};
    int dense = 2_000_001;
    int near0 = 20_001;
    int random = 500_000;
    float[] v = new float[3 * edges.length + 40_001 * thresholds.length + dense + 2 * near0
        + 2 * random];
    int n = 0;
    for (float e : edges) {
      v[n++] = e;
      v[n++] = Math.nextUp(e);
      v[n++] = Math.nextDown(e);
    }
    for (float t : thresholds) {
      for (int i = -20_000; i <= 20_000; i++) {
        v[n++] = Float.intBitsToFloat(Float.floatToRawIntBits(t) + 13 * i);
      }
    }
    // A dense sweep of [-100, 100].
    for (int i = 0; i < dense; i++) {
      v[n++] = (float) (-100 + i * 1e-4);
    }
    // Near 0: +-1e-8 .. 1e-3, log-spaced.
    for (int i = 0; i < near0; i++) {
      float x = (float) Math.pow(10, -8 + 5.0 * i / (near0 - 1));
      v[n++] = x;
      v[n++] = -x;
    }
    Random rnd = new Random(42);
    for (int i = 0; i < random; i++) {
      v[n++] = Float.intBitsToFloat(rnd.nextInt());
      v[n++] = (rnd.nextFloat() - 0.5f) * 220;
    }
    return v;
  }

  private static final float[] INPUTS = inputs();

  /**
   * The error of {@code y} against the exact {@code ref} in ulps of ref rounded to float; an
   * infinite y counts as 2^128 (the first power of two past the largest float).
   */
  static double ulpError(float y, double ref) {
    if (Double.isNaN(ref) || Float.isNaN(y)) {
      return Double.isNaN(ref) && Float.isNaN(y) ? 0 : Double.POSITIVE_INFINITY;
    }
    float r = (float) ref;
    if (Float.isInfinite(r) && y == r) {
      return 0;
    }
    if (Double.isInfinite(ref)) {
      return Double.POSITIVE_INFINITY;
    }
    double yd = Float.isInfinite(y) ? Math.copySign(0x1p128, y) : y;
    double u = Float.isInfinite(r) ? Math.ulp(Float.MAX_VALUE) : Math.ulp(r);
    return Math.abs(yd - ref) / u;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"scalar", "simd"})
  void accurateEverywhere(String name) {
    FloatMath m = impl(name);
    for (Fn f : Fn.values()) {
      float[] y = f.apply(m, INPUTS);
      double worst = 0;
      float worstAt = 0;
      for (int i = 0; i < INPUTS.length; i++) {
        float x = INPUTS[i];
        double ref = f.ref.applyAsDouble(x);
        double err = ulpError(y[i], ref);
        if (err > MAX_ULP && !(Math.abs(y[i] - ref) <= MAX_ABS_TINY)) {
          fail(name + " " + f + "(" + x + ") = " + y[i] + ", exact " + ref + ": " + err + " ulp");
        }
        if (err > worst) {
          worst = err;
          worstAt = x;
        }
      }
      assertTrue(worst <= MAX_ULP, name + " " + f + ": " + worst + " ulp at " + worstAt);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"scalar", "simd"})
  void specialValues(String name) {
    FloatMath m = impl(name);
    float inf = Float.POSITIVE_INFINITY;
    float nan = Float.NaN;
    float[] x = {nan, -inf, inf, 0f, -0f, 88.73f, 89f, 1e30f, -104f, -1e30f};
    assertBits(new float[] {nan, 0f, inf, 1f, 1f, inf, inf, inf, 0f, 0f}, Fn.EXP.apply(m, x),
        name + " exp");
    float[] t = {nan, -inf, inf, 0f, -0f, 9.1f, -9.1f, 20f, -1e30f};
    assertBits(new float[] {nan, -1f, 1f, 0f, -0f, 1f, -1f, 1f, -1f}, Fn.TANH.apply(m, t),
        name + " tanh");
    float[] s = {nan, -inf, inf, 0f, -0f, 1e30f, -1e30f, -200f};
    assertBits(new float[] {nan, 0f, 1f, 0.5f, 0.5f, 1f, 0f, 0f}, Fn.SIGMOID.apply(m, s),
        name + " sigmoid");
    // silu(-inf) = -inf * 0 is NaN in PyTorch too.
    assertBits(new float[] {nan, nan, inf, 0f, -0f, 1e30f, -0f, -0f}, Fn.SILU.apply(m, s),
        name + " silu");
  }

  private static void assertBits(float[] expected, float[] actual, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
          what + " element " + i + ": expected " + expected[i] + ", got " + actual[i]);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Position independence

  /** Values of every kind side by side, so vectors mix fast-path and out-of-range lanes. */
  private static float[] mixed(int n, Random rnd) {
    float[] special = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 95f,
        -120f, 88.72f, -103.5f, 800f, -800f, 30f};
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextInt(6) == 0 ? special[rnd.nextInt(special.length)]
          : (float) (rnd.nextGaussian() * 10);
    }
    return x;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"scalar", "simd"})
  void resultsDoNotDependOnPositionOrSplit(String name) {
    FloatMath m = impl(name);
    Random rnd = new Random(7);
    int n = 1000;
    float[] x = mixed(n, rnd);
    for (Fn f : Fn.values()) {
      float[] whole = f.apply(m, x);
      // One element at a time (all tails), and random pieces at other offsets.
      float[] single = new float[n];
      for (int i = 0; i < n; i++) {
        f.apply(m, x, i, single, i, 1);
      }
      assertBits(whole, single, name + " " + f + " one by one");
      float[] xs = new float[n + 3];
      System.arraycopy(x, 0, xs, 3, n);
      float[] ys = new float[n + 5];
      for (int s = 0; s < n; ) {
        int len = Math.min(n - s, rnd.nextInt(40));
        f.apply(m, xs, 3 + s, ys, 5 + s, len);
        s += len;
      }
      assertBits(whole, Arrays.copyOfRange(ys, 5, n + 5), name + " " + f + " in pieces");
      float[] inPlace = x.clone();
      f.apply(m, inPlace, 0, inPlace, 0, n);
      assertBits(whole, inPlace, name + " " + f + " in place");
    }
  }

  /**
   * The SIMD exp's scalar twin, which takes tails and short ranges, against its vector lanes,
   * bit for bit: a sweep over the bit patterns of all floats (every 1009th, in order, so that most
   * vectors are all on the fast path or all on the wide one), whole against one by one.
   */
  @Test
  void simdExpScalarTwinMatchesTheVectorLanes() {
    FloatMath m = FloatMath.simd();
    int step = 1009;
    int n = (int) ((1L << 32) / step);
    float[] x = new float[n - n % 8];
    for (int i = 0; i < x.length; i++) {
      x[i] = Float.intBitsToFloat((int) ((long) i * step));
    }
    float[] lanes = new float[x.length];
    m.exp(x, 0, lanes, 0, x.length - x.length % 8);
    float[] twin = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      m.exp(x, i, twin, i, 1);
    }
    assertBits(lanes, twin, "exp, vector lanes against the scalar twin");
  }

  // ---------------------------------------------------------------------------------------------
  // Softmax kernels

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"scalar", "simd"})
  void softmaxKernelsFollowTheirContract(String name) {
    FloatMath m = impl(name);
    Random rnd = new Random(11);
    for (int n : new int[] {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 100, 1000, 4099}) {
      float[] x = new float[n + 2];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (rnd.nextGaussian() * 8);
      }
      if (n > 5) {
        x[2 + rnd.nextInt(n)] = Float.NEGATIVE_INFINITY;
        x[2 + rnd.nextInt(n)] = -150f;
      }
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        max = x[2 + i] > max ? x[2 + i] : max;
      }
      assertEquals(max, m.max(x, 2, n), name + " max " + n);
      float c = n == 0 ? 0f : max;
      float[] diff = new float[n];
      for (int i = 0; i < n; i++) {
        diff[i] = x[2 + i] - c;
      }
      float[] e = Fn.EXP.apply(m, diff);
      double[] parts = new double[FloatMath.SUM_PARTS];
      for (int i = 0; i < n; i++) {
        parts[i % FloatMath.SUM_PARTS] += e[i];
      }
      double sum = FloatMath.combine(parts, 0, 1);
      float[] y = new float[n + 1];
      assertEquals(sum, m.expSubSum(x, 2, c, y, 1, n), name + " expSubSum " + n);
      assertBits(e, Arrays.copyOfRange(y, 1, n + 1), name + " expSubSum values " + n);
      assertEquals(sum, m.sumExpSub(x, 2, c, n), name + " sumExpSub " + n);
      float s = 0.37f;
      float[] shifted = new float[n];
      for (int i = 0; i < n; i++) {
        shifted[i] = (x[2 + i] - c) - s;
      }
      m.shift(x, 2, c, s, y, 1, n);
      assertBits(shifted, Arrays.copyOfRange(y, 1, n + 1), name + " shift " + n);
    }
    float[] nan = {Float.NaN, Float.NaN};
    assertEquals(Float.NEGATIVE_INFINITY, m.max(nan, 0, 2), name + " max of NaNs");
    float[] withNan = {1f, Float.NaN, 2f, -3f, 0f, 0f, 0f, 0f, 0f, 0f, Float.NaN, 5f};
    assertEquals(5f, m.max(withNan, 0, withNan.length), name + " max skips NaN");
  }

  @Test
  void blockSumIsTheSameBitsInBothImplementationsAndAccurate() {
    Random rnd = new Random(11);
    for (int n : new int[] {0, 1, 7, 8, 9, 63, 1000, 1024, 1031}) {
      float[] x = new float[n + 5];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (rnd.nextGaussian() * 1e3);
      }
      float simd = FloatMath.simd().blockSum(x, 3, n);
      float scalar = FloatMath.scalar().blockSum(x, 3, n);
      assertEquals(Float.floatToIntBits(scalar), Float.floatToIntBits(simd), "n=" + n);
      double exact = 0;
      double abs = 0;
      for (int i = 3; i < 3 + n; i++) {
        exact += x[i];
        abs += Math.abs(x[i]);
      }
      assertEquals(exact, simd, 1e-6 * abs + 1e-30, "n=" + n);
    }
  }

  /**
   * ReLU's backward selects: {@code x <= 0} (both zeros, negatives, -inf) gives +0, anything else
   * (NaN included) passes g, in both implementations, at an offset, over lengths around the
   * vector width.
   */
  @Test
  void reluGradSelectsInBothImplementations() {
    Random rnd = new Random(13);
    float[] special = {0f, -0f, Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY,
        Float.MIN_VALUE, -Float.MIN_VALUE};
    for (int n : new int[] {0, 1, 7, 8, 9, 17, 1000}) {
      float[] g = new float[n + 3];
      float[] x = new float[n + 3];
      for (int i = 0; i < g.length; i++) {
        g[i] = rnd.nextInt(20) == 0 ? Float.NaN : (float) rnd.nextGaussian();
        x[i] = rnd.nextInt(4) == 0 ? special[rnd.nextInt(special.length)]
            : (float) rnd.nextGaussian();
      }
      for (FloatMath m : new FloatMath[] {FloatMath.scalar(), FloatMath.simd()}) {
        float[] y = new float[n + 3];
        Arrays.fill(y, 42f);
        m.reluGrad(g, x, y, 2, n);
        for (int i = 0; i < y.length; i++) {
          boolean in = i >= 2 && i < n + 2;
          float want = !in ? 42f : x[i] > 0 || Float.isNaN(x[i]) ? g[i] : 0f;
          assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(y[i]),
              m.getClass().getSimpleName() + " n=" + n + " i=" + i + " x=" + x[i]);
        }
      }
    }
  }

  /**
   * float32 softmax along the last dim (rows), an outer dim (lines side by side) and through
   * gathered blocks gives the same bits, on any number of threads.
   */
  @Test
  void softmaxSameBitsOnEveryPathAndThreadCount() {
    Random rnd = new Random(5);
    int lines = 200;
    int len = 515;
    float[] rows = new float[lines * len];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = rnd.nextInt(50) == 0 ? Float.NEGATIVE_INFINITY : (float) (rnd.nextGaussian() * 6);
    }
    // The same lines stored as columns: element k of line j at k * lines + j.
    float[] cols = new float[rows.length];
    for (int j = 0; j < lines; j++) {
      for (int k = 0; k < len; k++) {
        cols[k * lines + j] = rows[j * len + k];
      }
    }
    int before = Parallel.numThreads();
    try {
      for (boolean log : new boolean[] {false, true}) {
        float[] reference = null;
        for (int threads : new int[] {1, 2, 3}) {
          Parallel.setNumThreads(threads);
          float[] byRows = softmax(rows, new int[] {lines, len}, new int[] {len, 1}, 1, log);
          float[] byCols = softmax(cols, new int[] {len, lines}, new int[] {lines, 1}, 0, log);
          // A transposed view of the rows: lines neither contiguous nor side by side.
          float[] byBlocks = softmax(rows, new int[] {len, lines}, new int[] {1, len}, 0, log);
          float[] colsAsRows = new float[rows.length];
          float[] blocksAsRows = new float[rows.length];
          for (int j = 0; j < lines; j++) {
            for (int k = 0; k < len; k++) {
              colsAsRows[j * len + k] = byCols[k * lines + j];
              blocksAsRows[j * len + k] = byBlocks[k * lines + j];
            }
          }
          String what = (log ? "log_softmax" : "softmax") + " on " + threads + " threads";
          assertBits(byRows, colsAsRows, what + ", lines side by side vs rows");
          assertBits(byRows, blocksAsRows, what + ", gathered blocks vs rows");
          if (reference == null) {
            reference = byRows;
          } else {
            assertBits(reference, byRows, what + " vs 1 thread");
          }
        }
      }
    } finally {
      Parallel.setNumThreads(before);
    }
  }

  /** {@link CpuReduce#softmax} of {@code src} viewed with the given shape and strides. */
  private static float[] softmax(float[] src, int[] shape, int[] strides, int dim, boolean log) {
    View s = new View(src, DType.FLOAT32, 0, shape, strides);
    float[] out = new float[src.length];
    View d = new View(out, DType.FLOAT32, 0, shape, CpuLoops.contiguousStrides(shape));
    CpuReduce.softmax(d, s, dim, log);
    return out;
  }
}
