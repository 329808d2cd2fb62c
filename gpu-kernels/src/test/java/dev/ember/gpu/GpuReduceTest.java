package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.ReduceOp;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.TestViews;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reduce, scan and softmax primitives on opencl:0 against the CPU backend, through the SPI:
 * every op and dtype, every layout (transposed, padded, flipped, broadcast), reductions over
 * several non-adjacent dims, rows longer than a work group's lanes cover, empty and 0-d cases, and
 * the order rules (NaN and ties) that a tree reduction must keep.
 *
 * <p>The data are random with a seed taken per run and named in every failure: the GPU must
 * agree with the CPU whatever the values.
 */
class GpuReduceTest {
  private static final Device CL = GpuTesting.DEVICE;
  private static final DType[] DTYPES = DType.values();
  private static final ReduceOp[] OPS = ReduceOp.values();

  private final long seed = System.nanoTime();
  private final Random rnd = new Random(seed);

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeDevice();
  }

  // ---------------------------------------------------------------------------------------------
  // reduce

  @Test
  void everyOpDtypeDimSetAndLayout() {
    int[] shape = {3, 5, 7};
    int[][] dimSets = {{}, {0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}};
    try (var scope = Tensor.scope()) {
      for (DType dtype : DTYPES) {
        Tensor x = random(dtype, shape);
        for (Layout layout : Layout.values()) {
          Tensor g = layout.apply(x);
          for (ReduceOp op : OPS) {
            for (int[] dims : dimSets) {
              if (isArg(op) && dims.length != 1) {
                continue;
              }
              checkReduce(op, x, g, dims, dtype + " " + layout);
            }
          }
        }
      }
    }
  }

  @Test
  void largeTensorsOverEachDimAndBoth() {
    // 120,000 elements: many groups, rows across lanes, and columns (sums over dim 0).
    try (var scope = Tensor.scope()) {
      for (DType dtype : DTYPES) {
        Tensor x = random(dtype, 300, 400);
        for (Layout layout : new Layout[] {Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.FLIPPED}) {
          Tensor g = layout.apply(x);
          for (ReduceOp op : OPS) {
            // Float products of hundreds of values overflow, and whether inf meets 0 (NaN) then
            // depends on the order; longRowsOfAHundredThousand covers them with values near 1.
            if (op == ReduceOp.PROD && dtype.isFloatingPoint()) {
              continue;
            }
            for (int[] dims : new int[][] {{0}, {1}, {0, 1}}) {
              if (!isArg(op) || dims.length == 1) {
                checkReduce(op, x, g, dims, dtype + " " + layout);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void fewLongRowsOverNonAdjacentDims() {
    // 3 outputs of 60,000 elements each, from dims 0 and 2: rows cut into pieces (two launches).
    try (var scope = Tensor.scope()) {
      for (DType dtype : DTYPES) {
        Tensor x = random(dtype, 200, 3, 300);
        for (Layout layout : new Layout[] {Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.FLIPPED,
            Layout.BROADCAST}) {
          Tensor g = layout.apply(x);
          for (ReduceOp op : OPS) {
            if (!isArg(op) && !(op == ReduceOp.PROD && dtype.isFloatingPoint())) {
              checkReduce(op, x, g, new int[] {0, 2}, dtype + " " + layout);
            }
          }
        }
        // ARGMAX/ARGMIN of few long rows: the pieces' winners, then the first winner of those.
        Tensor y = random(dtype, 40_000, 3);
        for (Layout layout : new Layout[] {Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.FLIPPED}) {
          Tensor g = layout.apply(y);
          checkReduce(ReduceOp.ARGMAX, y, g, new int[] {0}, dtype + " " + layout);
          checkReduce(ReduceOp.ARGMIN, y, g, new int[] {0}, dtype + " " + layout);
        }
      }
    }
  }

  @Test
  void longRowsOfAHundredThousand() {
    try (var scope = Tensor.scope()) {
      for (DType dtype : DTYPES) {
        Tensor x = random(dtype, 100_000);
        Tensor g = x.to(CL);
        for (ReduceOp op : OPS) {
          if (op != ReduceOp.PROD) {
            checkReduce(op, x, g, new int[] {0}, dtype + " long row");
          }
        }
        // Two long rows side by side, reduced along the outer dim (columns of memory).
        Tensor y = random(dtype, 50_000, 2);
        checkReduce(ReduceOp.SUM, y, y.to(CL), new int[] {0}, dtype + " long columns");
        checkReduce(ReduceOp.ARGMAX, y, y.to(CL), new int[] {0}, dtype + " long columns");
      }
      // A product that neither overflows nor vanishes: values near 1.
      float[] v = new float[100_000];
      for (int i = 0; i < v.length; i++) {
        v[i] = 1 + (float) (rnd.nextGaussian() * 1e-3);
      }
      Tensor p = Tensor.of(v);
      checkReduce(ReduceOp.PROD, p, p.to(CL), new int[] {0}, "float32 long product");
    }
  }

  @Test
  void argmaxAndArgminTakeTheFirstNanElseTheFirstExtreme() {
    try (var scope = Tensor.scope()) {
      float nan = Float.NaN;
      assertArg(new float[] {1, 3, 3, 2}, 1, 0);
      assertArg(new float[] {2, nan, 5, nan}, 1, 1);
      assertArg(new float[] {4, 4, 4}, 0, 0);
      assertArg(new float[] {-0f, 0f, -1, 0f}, 0, 2);
      assertArg(new float[] {0f, -0f, 1, -0f}, 2, 0);
      // Ties and NaN across lanes and groups of a long row: the lowest index must win the tree.
      int n = 10_000;
      float[] row = new float[n];
      row[7000] = 5;
      row[3001] = 5;
      row[6000] = -5;
      row[2999] = -5;
      assertArg(row, 3001, 2999);
      row[9000] = nan;
      row[4000] = nan;
      assertArg(row, 4000, 4000);
      // The same across the pieces of a row reduced in two launches.
      float[] big = new float[100_000];
      big[70_000] = 5;
      big[30_001] = 5;
      big[60_000] = -5;
      big[20_999] = -5;
      assertArg(big, 30_001, 20_999);
      big[90_000] = nan;
      big[40_000] = nan;
      assertArg(big, 40_000, 40_000);
      // Integers and bool: the first of equal extremes.
      long[] ints = new long[n];
      ints[8000] = 9;
      ints[1234] = 9;
      ints[5000] = -9;
      ints[4321] = -9;
      Tensor li = Tensor.of(ints);
      assertEquals(1234, argOnCl(ReduceOp.ARGMAX, li));
      assertEquals(4321, argOnCl(ReduceOp.ARGMIN, li));
      boolean[] bools = new boolean[n];
      Arrays.fill(bools, true);
      bools[777] = false;
      bools[7777] = false;
      Tensor lb = Tensor.of(bools);
      assertEquals(0, argOnCl(ReduceOp.ARGMAX, lb));
      assertEquals(777, argOnCl(ReduceOp.ARGMIN, lb));
    }
  }

  @Test
  void maxAndMinPropagateNanAndOrderSignedZeros() {
    try (var scope = Tensor.scope()) {
      int n = 5000;
      for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] = rnd.nextGaussian();
        }
        v[4321] = Double.NaN;
        Tensor x = Tensor.of(v).to(dtype);
        for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN}) {
          checkReduce(op, x, x.to(CL), new int[] {0}, dtype + " NaN");
          assertTrue(Double.isNaN(reduceOnCl(op, x, 0).toDoubleArray()[0]), op + " of a NaN");
        }
        // -0 and +0 only: max is +0 and min is -0, whichever comes first (Java's Math.max/min).
        double[] zeros = new double[n];
        for (int i = 0; i < n; i++) {
          zeros[i] = rnd.nextBoolean() ? 0.0 : -0.0;
        }
        zeros[0] = -0.0;
        zeros[n - 1] = 0.0;
        Tensor z = Tensor.of(zeros).to(dtype);
        double max = reduceOnCl(ReduceOp.MAX, z, 0).toDoubleArray()[0];
        double min = reduceOnCl(ReduceOp.MIN, z, 0).toDoubleArray()[0];
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(max), dtype + "");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(min), dtype + "");
      }
    }
  }

  @Test
  void integerSumsAndProductsWrapLikeJavaLongs() {
    try (var scope = Tensor.scope()) {
      Tensor x = Tensor.of(new long[] {Long.MAX_VALUE, 1, Long.MAX_VALUE, 3});
      checkReduce(ReduceOp.SUM, x, x.to(CL), new int[] {0}, "int64 overflow");
      checkReduce(ReduceOp.PROD, x, x.to(CL), new int[] {0}, "int64 overflow");
      Tensor y = Tensor.of(new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, -7, Integer.MIN_VALUE});
      checkReduce(ReduceOp.SUM, y, y.to(CL), new int[] {0}, "int32 widening");
      checkReduce(ReduceOp.PROD, y, y.to(CL), new int[] {0}, "int32 widening");
      assertArrayEquals(new long[] {(long) Integer.MAX_VALUE * 2 - 7 + Integer.MIN_VALUE},
          reduceOnCl(ReduceOp.SUM, y, 0).toLongArray());
    }
  }

  @Test
  void emptyReductionsFillTheIdentityOrRefuse() {
    try (var scope = Tensor.scope()) {
      Tensor x = Tensor.zeros(DType.FLOAT32, CL, 3, 0, 2);
      Backend b = x.backend();
      assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0},
          run(b, ReduceOp.SUM, x, new int[] {1}).toFloatArray());
      assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1},
          run(b, ReduceOp.PROD, x, new int[] {1}).toFloatArray());
      assertArrayEquals(new boolean[] {false, false, false, false, false, false},
          run(b, ReduceOp.ANY, x, new int[] {1}).toBooleanArray());
      assertArrayEquals(new boolean[] {true, true, true, true, true, true},
          run(b, ReduceOp.ALL, x, new int[] {1}).toBooleanArray());
      assertArrayEquals(new long[] {0, 0}, run(b, ReduceOp.SUM, x.to(DType.INT32),
          new int[] {0, 1}).toLongArray());
      for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN, ReduceOp.ARGMAX,
          ReduceOp.ARGMIN}) {
        IllegalArgumentException gpu = assertThrows(IllegalArgumentException.class,
            () -> run(b, op, x, new int[] {1}));
        IllegalArgumentException cpu = assertThrows(IllegalArgumentException.class,
            () -> run(Backends.get(Device.CPU), op, x.to(Device.CPU), new int[] {1}));
        assertEquals(cpu.getMessage(), gpu.getMessage());
      }
      // Nothing kept: no output, nothing to do.
      assertEquals(0, run(b, ReduceOp.MAX, x, new int[] {0}).numel());
    }
  }

  @Test
  void zeroDimTensorsReduceToThemselves() {
    try (var scope = Tensor.scope()) {
      for (DType dtype : DTYPES) {
        Tensor x = random(dtype, 1).reshape();
        for (ReduceOp op : OPS) {
          if (!isArg(op)) {
            checkReduce(op, x, x.to(CL), new int[] {}, dtype + " 0-d");
            checkReduce(op, x, Layout.PADDED.apply(x), new int[] {}, dtype + " 0-d strided");
          }
        }
      }
    }
  }

  @Test
  void tensorOpsOnTheDevice() {
    try (var scope = Tensor.scope()) {
      Tensor x = random(DType.FLOAT32, 70, 50, 30);
      Tensor g = x.to(CL);
      // Sums of 2,100 floats of magnitude ~3 in another order: a few 1e-5 apart.
      assertClose(x.sum(new int[] {0, 2}, false), g.sum(new int[] {0, 2}, false), 2e-4, "sum");
      assertClose(x.amax(new int[] {1}, true), g.amax(new int[] {1}, true), 0, "amax");
      assertArrayEquals(x.argmin(2, false).toLongArray(), g.argmin(2, false).toLongArray());
      assertArrayEquals(x.any(new int[] {0, 1}, false).toBooleanArray(),
          g.any(new int[] {0, 1}, false).toBooleanArray());
      assertClose(x.cumsum(1), g.cumsum(1), 1e-6, "cumsum");
      assertClose(x.softmax(0), g.softmax(0), 1e-6, "softmax");
      assertClose(x.logSoftmax(2), g.logSoftmax(2), 1e-6, "logSoftmax");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // scan

  @Test
  void scansOfEveryDtypeDimAndLayout() {
    try (var scope = Tensor.scope()) {
      for (DType dtype : DTYPES) {
        Tensor x = random(dtype, 4, 6, 5);
        for (Layout layout : Layout.values()) {
          Tensor g = layout.apply(x);
          for (int dim = 0; dim < 3; dim++) {
            for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.PROD}) {
              checkScan(op, x, g, dim, dtype + " " + layout);
            }
          }
        }
        Tensor s = random(dtype, 1).reshape();
        checkScan(ReduceOp.SUM, s, s.to(CL), 0, dtype + " 0-d");
      }
      // A long line: float32 accumulates in double on both sides, in the same order.
      Tensor lon = random(DType.FLOAT32, 3, 100_000);
      checkScan(ReduceOp.SUM, lon, lon.to(CL), 1, "long lines");
      Backend gb = Backends.get(CL);
      Tensor dst = Tensor.empty(DType.FLOAT32, CL, 2);
      assertThrows(IllegalArgumentException.class,
          () -> gb.scan(ReduceOp.MAX, dst, Tensor.zeros(DType.FLOAT32, CL, 2), 0));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // softmax

  @Test
  void softmaxAndLogSoftmaxOfEveryLayout() {
    try (var scope = Tensor.scope()) {
      for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        Tensor x = random(dtype, 4, 6, 5);
        for (Layout layout : Layout.values()) {
          Tensor g = layout.apply(x);
          for (int dim = 0; dim < 3; dim++) {
            checkSoftmax(x, g, dim, dtype + " " + layout);
          }
        }
        Tensor s = random(dtype, 1).reshape();
        checkSoftmax(s, s.to(CL), 0, dtype + " 0-d");
        // Long lines, many short lines, and lines along an outer dim.
        Tensor lon = random(dtype, 3, 20_000);
        checkSoftmax(lon, lon.to(CL), 1, dtype + " long lines");
        Tensor many = random(dtype, 40_000, 3);
        checkSoftmax(many, many.to(CL), 1, dtype + " many lines");
        checkSoftmax(many, many.to(CL), 0, dtype + " outer dim");
        // Large logits, a NaN line, an infinite line, a -inf element.
        double[] v = {1000, 999, -1000, 5, Double.NaN, 1, 2, 3,
            Double.POSITIVE_INFINITY, 1, 2, 3, Double.NEGATIVE_INFINITY, 0, 1, 2};
        Tensor special = Tensor.of(v, 4, 4).to(dtype);
        checkSoftmax(special, special.to(CL), 1, dtype + " special");
      }
      Tensor ints = Tensor.zeros(DType.INT64, CL, 3);
      Backend gb = ints.backend();
      assertThrows(IllegalArgumentException.class, () -> gb.softmax(ints, ints, 0, false));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /** How the device copy of a contiguous host tensor is laid out (same values). */
  private enum Layout {
    CONTIGUOUS(x -> x.to(CL)),
    /** Dims stored in reverse order. */
    TRANSPOSED(x -> x.permute(reverse(x.dim())).contiguous().to(CL).permute(reverse(x.dim()))),
    /** Every dim steps over a gap, from a nonzero offset. */
    PADDED(GpuReduceTest::padded),
    /** Every dim flipped in place: negative strides. */
    FLIPPED(x -> TestViews.flipView(x.flip(all(x.dim())).to(CL), all(x.dim()))),
    /** Dim 0 broadcast from one row: stride 0. */
    BROADCAST(GpuReduceTest::broadcast);

    private final UnaryOperator<Tensor> make;

    Layout(UnaryOperator<Tensor> make) {
      this.make = make;
    }

    /** The device view (for BROADCAST: of x's row 0 expanded, whose host twin is host()). */
    Tensor apply(Tensor x) {
      return make.apply(x);
    }
  }

  private static int[] reverse(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = n - 1 - i;
    }
    return r;
  }

  private static int[] all(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }

  private static Tensor padded(Tensor x) {
    int n = x.dim();
    int[] big = new int[Math.max(n, 1)];
    for (int d = 0; d < n; d++) {
      big[d] = 2 * x.size(d) + 1;
    }
    if (n == 0) {
      big[0] = 3;
    }
    Tensor t = Tensor.zeros(x.dtype(), CL, big);
    Tensor v = t;
    if (n == 0) {
      v = t.select(0, 1);
    }
    for (int d = 0; d < n; d++) {
      v = v.slice(d, 1, 1 + 2 * x.size(d), 2);
    }
    v.copy_(x.to(CL));
    return v;
  }

  /**
   * Row 0 of x expanded over dim 0 (stride 0). The host reference must be the same broadcast:
   * {@link #host} gives it.
   */
  private static Tensor broadcast(Tensor x) {
    return host(Layout.BROADCAST, x).to(CL).select(0, 0).unsqueeze(0).expand(x.shape());
  }

  /** The host tensor a device layout holds the values of. */
  private static Tensor host(Layout layout, Tensor x) {
    if (layout != Layout.BROADCAST || x.dim() == 0) {
      return x;
    }
    return x.select(0, 0).unsqueeze(0).expand(x.shape()).contiguous();
  }

  private static boolean isArg(ReduceOp op) {
    return op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
  }

  private Tensor random(DType dtype, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    Tensor t = switch (dtype) {
      case FLOAT32 -> {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
          // Two decimals: ties for argmax/argmin and exact zeros for any/all come up.
          a[i] = Math.round(rnd.nextGaussian() * 300) / 100f;
        }
        yield Tensor.of(a);
      }
      case FLOAT64 -> {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
          a[i] = Math.round(rnd.nextGaussian() * 300) / 100.0;
        }
        yield Tensor.of(a);
      }
      case INT64 -> {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          a[i] = rnd.nextInt(21) - 10;
        }
        yield Tensor.of(a);
      }
      case INT32 -> {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
          a[i] = rnd.nextInt(21) - 10;
        }
        yield Tensor.of(a);
      }
      case BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = rnd.nextInt(8) != 0;
        }
        yield Tensor.of(a);
      }
    };
    return t.reshape(shape);
  }

  private static DType resultType(ReduceOp op, DType src) {
    return switch (op) {
      case SUM, PROD -> src.isFloatingPoint() ? src : DType.INT64;
      case ANY, ALL -> DType.BOOL;
      case ARGMAX, ARGMIN -> DType.INT64;
      case MAX, MIN -> src;
    };
  }

  private static int[] keepShape(int[] shape, int[] dims) {
    int[] s = shape.clone();
    for (int d : dims) {
      s[d] = 1;
    }
    return s;
  }

  private static Tensor run(Backend b, ReduceOp op, Tensor src, int[] dims) {
    Tensor dst = Tensor.empty(resultType(op, src.dtype()), b.device(),
        keepShape(src.shape(), dims));
    b.reduce(op, dst, src, dims);
    return dst;
  }

  private static Tensor reduceOnCl(ReduceOp op, Tensor x, int dim) {
    Tensor g = x.to(CL);
    return run(g.backend(), op, g, new int[] {dim}).to(Device.CPU);
  }

  private static long argOnCl(ReduceOp op, Tensor x) {
    return reduceOnCl(op, x, 0).toLongArray()[0];
  }

  private void assertArg(float[] v, long argmax, long argmin) {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      Tensor x = Tensor.of(v).to(dtype);
      assertEquals(argmax, argOnCl(ReduceOp.ARGMAX, x), "argmax " + dtype);
      assertEquals(argmin, argOnCl(ReduceOp.ARGMIN, x), "argmin " + dtype);
      checkReduce(ReduceOp.ARGMAX, x, x.to(CL), new int[] {0}, "argmax vs cpu " + dtype);
      checkReduce(ReduceOp.ARGMIN, x, x.to(CL), new int[] {0}, "argmin vs cpu " + dtype);
    }
  }

  /**
   * Reduces the device view and the host tensor (x, or for a broadcast layout its broadcast)
   * and compares: exactly, except float sums and products (1e-5 of the sum of magnitudes).
   */
  private void checkReduce(ReduceOp op, Tensor x, Tensor g, int[] dims, String what) {
    Layout layout = g.dim() > 0 && g.stride()[0] == 0 && g.size(0) > 1 ? Layout.BROADCAST
        : Layout.CONTIGUOUS;
    Tensor h = host(layout, x);
    String msg = op + " over " + Arrays.toString(dims) + " of " + what + " "
        + Arrays.toString(x.shape()) + " (seed " + seed + ")";
    Tensor want = run(Backends.get(Device.CPU), op, h, dims);
    Tensor got = run(g.backend(), op, g, dims).to(Device.CPU);
    assertEquals(want.dtype(), got.dtype(), msg);
    assertArrayEquals(want.shape(), got.shape(), msg);
    boolean approx = x.dtype().isFloatingPoint() && (op == ReduceOp.SUM || op == ReduceOp.PROD);
    if (!approx) {
      assertEqualValues(want, got, msg);
      return;
    }
    double[] w = want.to(DType.FLOAT64).toDoubleArray();
    double[] a = got.to(DType.FLOAT64).toDoubleArray();
    double[] scale = op == ReduceOp.SUM
        ? run(Backends.get(Device.CPU), ReduceOp.SUM, h.abs().to(DType.FLOAT64), dims)
            .toDoubleArray()
        : w;
    for (int i = 0; i < w.length; i++) {
      double tol = 1e-5 * Math.abs(scale[i]) + 1e-6;
      if (!(Math.abs(w[i] - a[i]) <= tol) && !(Double.isNaN(w[i]) && Double.isNaN(a[i]))
          && w[i] != a[i]) {
        fail(msg + ": element " + i + " is " + a[i] + ", the CPU gives " + w[i]);
      }
    }
  }

  private static void assertEqualValues(Tensor want, Tensor got, String msg) {
    switch (want.dtype()) {
      case FLOAT32 -> {
        float[] w = want.toFloatArray();
        float[] a = got.toFloatArray();
        for (int i = 0; i < w.length; i++) {
          assertEquals(Float.floatToIntBits(w[i]), Float.floatToIntBits(a[i]),
              () -> msg + ": " + Arrays.toString(a) + " vs the CPU's " + Arrays.toString(w));
        }
      }
      case FLOAT64 -> {
        double[] w = want.toDoubleArray();
        double[] a = got.toDoubleArray();
        for (int i = 0; i < w.length; i++) {
          assertEquals(Double.doubleToLongBits(w[i]), Double.doubleToLongBits(a[i]),
              () -> msg + ": " + Arrays.toString(a) + " vs the CPU's " + Arrays.toString(w));
        }
      }
      case INT64 -> assertArrayEquals(want.toLongArray(), got.toLongArray(), msg);
      case INT32 -> assertArrayEquals(want.toIntArray(), got.toIntArray(), msg);
      case BOOL -> assertArrayEquals(want.toBooleanArray(), got.toBooleanArray(), msg);
    }
  }

  private void checkScan(ReduceOp op, Tensor x, Tensor g, int dim, String what) {
    Tensor h = host(g.dim() > 0 && g.stride()[0] == 0 && g.size(0) > 1 ? Layout.BROADCAST
        : Layout.CONTIGUOUS, x);
    String msg = "scan " + op + " along " + dim + " of " + what + " (seed " + seed + ")";
    DType out = x.dtype().isFloatingPoint() ? x.dtype() : DType.INT64;
    Tensor want = Tensor.empty(out, Device.CPU, x.shape());
    Backends.get(Device.CPU).scan(op, want, h, dim);
    Tensor got = Tensor.empty(out, CL, x.shape());
    g.backend().scan(op, got, g, dim);
    // Both sides accumulate sequentially in the same type and order: the same bits.
    assertEqualValues(want, got.to(Device.CPU), msg);
  }

  private void checkSoftmax(Tensor x, Tensor g, int dim, String what) {
    Tensor h = host(g.dim() > 0 && g.stride()[0] == 0 && g.size(0) > 1 ? Layout.BROADCAST
        : Layout.CONTIGUOUS, x);
    for (boolean log : new boolean[] {false, true}) {
      String msg = (log ? "log_softmax" : "softmax") + " along " + dim + " of " + what
          + " (seed " + seed + ")";
      Tensor want = Tensor.empty(x.dtype(), Device.CPU, x.shape());
      Backends.get(Device.CPU).softmax(want, h, dim, log);
      Tensor got = Tensor.empty(x.dtype(), CL, x.shape());
      g.backend().softmax(got, g, dim, log);
      assertClose(want, got.to(Device.CPU), x.dtype() == DType.FLOAT32 ? 2e-6 : 1e-12, msg);
    }
  }

  /** Elementwise {@code |a - w| <= tol * (1 + |w|)}, NaN matching NaN. */
  private static void assertClose(Tensor want, Tensor got, double tol, String msg) {
    double[] w = want.to(DType.FLOAT64).toDoubleArray();
    double[] a = got.to(Device.CPU).to(DType.FLOAT64).toDoubleArray();
    assertEquals(w.length, a.length, msg);
    List<String> bad = new ArrayList<>();
    for (int i = 0; i < w.length && bad.size() < 5; i++) {
      boolean ok = w[i] == a[i] || Double.isNaN(w[i]) && Double.isNaN(a[i])
          || Math.abs(w[i] - a[i]) <= tol * (1 + Math.abs(w[i]));
      if (!ok) {
        bad.add("[" + i + "] " + a[i] + " vs " + w[i]);
      }
    }
    assertTrue(bad.isEmpty(), () -> msg + ": " + bad);
  }
}
