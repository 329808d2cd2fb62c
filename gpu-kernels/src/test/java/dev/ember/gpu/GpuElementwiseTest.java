package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.UnaryOp;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.lang.reflect.Method;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The elementwise primitives on opencl:0 against the CPU backend: every unary and binary op and
 * where, on every dtype the CPU accepts, over more elements than one launch dimension of 65,536
 * and in every operand layout (contiguous, transposed, broadcast, negative strides, strided
 * destinations), plus 0-element tensors and the errors the CPU raises.
 */
class GpuElementwiseTest {
  /** Rows and columns of the operands: 77,100 elements, many work groups. */
  private static final int R = 300;
  private static final int C = 257;

  private static final DType[] ALL = DType.values();
  private static final Set<UnaryOp> INTEGER_UNARY = EnumSet.of(UnaryOp.NEG, UnaryOp.ABS,
      UnaryOp.SIGN, UnaryOp.RELU, UnaryOp.CLAMP, UnaryOp.POW_SCALAR, UnaryOp.FLOOR, UnaryOp.CEIL,
      UnaryOp.ROUND, UnaryOp.LOGICAL_NOT, UnaryOp.ISNAN, UnaryOp.ISINF);

  /** How an operand of shape (R, C) is laid out in memory. */
  private enum Layout {
    CONTIGUOUS, TRANSPOSED, ROW_BROADCAST, COLUMN_BROADCAST, NEGATIVE
  }

  private final Random rnd = new Random(20261123L);
  private Backend cpu;
  private Backend gpu;

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeDevice();
    cpu = Backends.get(Device.CPU);
    gpu = Backends.get(GpuTesting.DEVICE);
  }

  @Test
  void everyUnaryOpOnEveryDtypeAndLayout() {
    for (DType dtype : ALL) {
      for (UnaryOp op : UnaryOp.values()) {
        boolean floating = dtype.isFloatingPoint();
        if (!floating && !INTEGER_UNARY.contains(op)) {
          continue;
        }
        double[][] params = params(op, floating);
        for (int k = 0; k < params.length; k++) {
          Layout in = Layout.values()[(op.ordinal() + k) % Layout.values().length];
          Layout out = k % 2 == 0 ? Layout.CONTIGUOUS : Layout.TRANSPOSED;
          if (op == UnaryOp.NEG && k == 0) {
            out = Layout.NEGATIVE;
          }
          checkUnary(op, dtype, in, out, params[k][0], params[k][1]);
        }
      }
    }
  }

  /** p0/p1 of an op: several for the ops that take them, to cover their special cases. */
  private static double[][] params(UnaryOp op, boolean floating) {
    return switch (op) {
      case LEAKY_RELU -> new double[][] {{0.01, 0}, {-0.5, 0}};
      case SOFTPLUS -> new double[][] {{1, 20}, {2.5, 3}, {0.5, 1}};
      case CLAMP -> floating
          ? new double[][] {{-1.5, 2.25}, {Double.NaN, 0.5}, {-0.25, Double.NaN}}
          : new double[][] {{-1.5, 2.25}, {Double.NaN, 7.5}, {-1e30, Double.NaN}};
      case POW_SCALAR -> floating
          ? new double[][] {{2, 0}, {1, 0}, {0, 0}, {3, 0}, {0.5, 0}, {-1.5, 0}}
          : new double[][] {{2, 0}, {0, 0}, {3, 0}, {13, 0}};
      default -> new double[][] {{0, 0}, {0, 0}};
    };
  }

  private void checkUnary(UnaryOp op, DType dtype, Layout in, Layout out, double p0, double p1) {
    try (var scope = Tensor.scope()) {
      Tensor[] src = operand(dtype, in, false);
      DType outType = op.producesBool() ? DType.BOOL : dtype;
      Tensor[] dst = destination(outType, out);
      cpu.unary(op, dst[0], src[0], p0, p1);
      gpu.unary(op, dst[1], src[1], p0, p1);
      assertSame(op + " " + dtype + " " + in + "->" + out + " p=" + p0 + "," + p1, dst[0],
          dst[1]);
    }
  }

  @Test
  void everyBinaryOpOnEveryDtypeAndLayout() {
    for (DType dtype : ALL) {
      for (BinaryOp op : BinaryOp.values()) {
        if (op.floatingOnly() && !dtype.isFloatingPoint()) {
          continue;
        }
        Layout[] layouts = Layout.values();
        for (int k = 0; k < layouts.length; k++) {
          Layout a = layouts[k];
          Layout b = layouts[(k + 1 + op.ordinal()) % layouts.length];
          Layout out = k % 2 == 0 ? Layout.CONTIGUOUS : Layout.TRANSPOSED;
          checkBinary(op, dtype, a, b, out);
        }
      }
    }
  }

  private void checkBinary(BinaryOp op, DType dtype, Layout la, Layout lb, Layout out) {
    try (var scope = Tensor.scope()) {
      boolean exponent = op == BinaryOp.POW && !dtype.isFloatingPoint();
      Tensor[] a = operand(dtype, la, false);
      Tensor[] b = operand(dtype, lb, exponent);
      Tensor[] dst = destination(op.producesBool() ? DType.BOOL : dtype, out);
      cpu.binary(op, dst[0], a[0], b[0]);
      gpu.binary(op, dst[1], a[1], b[1]);
      assertSame(op + " " + dtype + " " + la + "," + lb + "->" + out, dst[0], dst[1]);
    }
  }

  @Test
  void whereOnEveryDtypeAndLayout() {
    Layout[] layouts = Layout.values();
    for (DType dtype : ALL) {
      for (int k = 0; k < layouts.length; k++) {
        try (var scope = Tensor.scope()) {
          Tensor[] cond = operand(DType.BOOL, layouts[k], false);
          Tensor[] a = operand(dtype, layouts[(k + 1) % layouts.length], false);
          Tensor[] b = operand(dtype, layouts[(k + 2) % layouts.length], false);
          Tensor[] dst = destination(dtype, k % 2 == 0 ? Layout.NEGATIVE : Layout.CONTIGUOUS);
          cpu.where(dst[0], cond[0], a[0], b[0]);
          gpu.where(dst[1], cond[1], a[1], b[1]);
          assertSame("where " + dtype + " " + layouts[k], dst[0], dst[1]);
        }
      }
    }
  }

  @Test
  void inPlaceOpsThroughTheTensorApi() {
    try (var scope = Tensor.scope()) {
      Tensor x = Tensor.of(new float[] {1, -2, 3, -4, 5, -6}, 2, 3);
      Tensor z = Tensor.of(new float[] {1, 1, -1, -1, 1, 1}, 2, 3);
      Tensor y = x.to(GpuTesting.DEVICE);
      x.add_(x.transpose(0, 1).contiguous().transpose(0, 1)).mul_(z).relu_();
      y.add_(y.transpose(0, 1).contiguous().transpose(0, 1)).mul_(z.to(GpuTesting.DEVICE))
          .relu_();
      assertArrayEquals(x.toFloatArray(), y.toFloatArray());
      assertArrayEquals(new float[] {2, 0, 0, 8, 10, 0}, y.toFloatArray());
    }
  }

  @Test
  void emptyTensorsLaunchNothing() {
    try (var scope = Tensor.scope()) {
      for (DType dtype : ALL) {
        Tensor a = Tensor.zeros(dtype, GpuTesting.DEVICE, 0, 3);
        Tensor b = Tensor.zeros(dtype, GpuTesting.DEVICE, 1, 3).expand(0, 3);
        Tensor out = Tensor.empty(dtype, GpuTesting.DEVICE, 0, 3);
        Tensor bools = Tensor.empty(DType.BOOL, GpuTesting.DEVICE, 0, 3);
        gpu.binary(BinaryOp.ADD, out, a, b);
        gpu.binary(BinaryOp.LT, bools, a, b);
        gpu.unary(UnaryOp.NEG, out, a, 0, 0);
        gpu.unary(UnaryOp.ISNAN, bools, a, 0, 0);
        gpu.where(out, bools, a, b);
        assertEquals(0, out.to(Device.CPU).numel());
      }
    }
  }

  @Test
  void refusesWhatTheCpuRefuses() {
    try (var scope = Tensor.scope()) {
      Tensor i = Tensor.of(new long[] {2, 3, 4}).to(GpuTesting.DEVICE);
      Tensor out = Tensor.empty(DType.INT64, GpuTesting.DEVICE, 3);
      assertThrows(IllegalArgumentException.class, () -> gpu.unary(UnaryOp.EXP, out, i, 0, 0));
      assertThrows(IllegalArgumentException.class,
          () -> gpu.unary(UnaryOp.POW_SCALAR, out, i, -1, 0));
      assertThrows(IllegalArgumentException.class,
          () -> gpu.unary(UnaryOp.POW_SCALAR, out, i, 0.5, 0));
      assertThrows(IllegalArgumentException.class, () -> gpu.binary(BinaryOp.DIV, out, i, i));
      for (BinaryOp op : new BinaryOp[] {BinaryOp.GELU_GRAD, BinaryOp.GELU_TANH_GRAD,
          BinaryOp.SILU_GRAD}) {
        IllegalArgumentException g =
            assertThrows(IllegalArgumentException.class, () -> gpu.binary(op, out, i, i));
        assertTrue(g.getMessage().contains("floating point dtypes only"), g.getMessage());
      }
      Tensor e = Tensor.of(new long[] {1, -1, 2}).to(GpuTesting.DEVICE);
      IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
          () -> gpu.binary(BinaryOp.POW, out, i, e));
      assertTrue(x.getMessage().contains("negative integer powers"), x.getMessage());
      Tensor f = Tensor.of(new float[] {1, 2, 3}).to(GpuTesting.DEVICE);
      assertThrows(IllegalArgumentException.class, () -> gpu.binary(BinaryOp.ADD, out, i, f));
    }
  }

  @Test
  void specialFloatValuesMatchTheCpu() {
    float[] v = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f,
        0.5f, -0.5f, 2.5f, -2.5f, 3.5f, 9.05f, -9.2f, 20f, -20f, 88f, -88f, 100f, -100f,
        1e-30f, -1e-30f, 1e30f, -1e30f};
    try (var scope = Tensor.scope()) {
      for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        Tensor x = Tensor.of(v).to(dtype);
        int n = v.length;
        // every pair (v[i], v[j]) for the binary ops
        Tensor a = x.reshape(n, 1).expand(n, n).contiguous();
        Tensor b = x.reshape(1, n).expand(n, n).contiguous();
        for (UnaryOp op : UnaryOp.values()) {
          double[][] params = params(op, true);
          for (double[] p : params) {
            Tensor want = Tensor.empty(op.producesBool() ? DType.BOOL : dtype, Device.CPU, n);
            Tensor got = Tensor.empty(want.dtype(), GpuTesting.DEVICE, n);
            cpu.unary(op, want, x, p[0], p[1]);
            gpu.unary(op, got, x.to(GpuTesting.DEVICE), p[0], p[1]);
            assertSame(op + " " + dtype + " special values", want, got);
          }
        }
        for (BinaryOp op : BinaryOp.values()) {
          Tensor want = Tensor.empty(op.producesBool() ? DType.BOOL : dtype, Device.CPU, n, n);
          Tensor got = Tensor.empty(want.dtype(), GpuTesting.DEVICE, n, n);
          cpu.binary(op, want, a, b);
          gpu.binary(op, got, a.to(GpuTesting.DEVICE), b.to(GpuTesting.DEVICE));
          assertSame(op + " " + dtype + " special values", want, got);
        }
      }
    }
  }

  // --- operands ---------------------------------------------------------------------------------

  /**
   * The same (R, C) operand on the CPU ([0]) and on opencl:0 ([1]), with random values of {@code
   * dtype} (for floats some NaN, infinities and signed zeros too; for exponents 0..6).
   */
  private Tensor[] operand(DType dtype, Layout layout, boolean exponent) {
    int rows = layout == Layout.ROW_BROADCAST ? 1 : R;
    int cols = layout == Layout.COLUMN_BROADCAST ? 1 : C;
    boolean transposed = layout == Layout.TRANSPOSED;
    int[] baseShape = transposed ? new int[] {cols, rows} : new int[] {rows, cols};
    Tensor base = random(dtype, rows * cols, exponent).reshape(baseShape);
    Tensor onGpu = base.to(GpuTesting.DEVICE);
    return new Tensor[] {view(base, layout), view(onGpu, layout)};
  }

  /** An output of shape (R, C) on both devices, in a layout (written through the view). */
  private Tensor[] destination(DType dtype, Layout layout) {
    boolean transposed = layout == Layout.TRANSPOSED;
    int[] shape = transposed ? new int[] {C, R} : new int[] {R, C};
    Tensor c = Tensor.zeros(dtype, Device.CPU, shape);
    Tensor g = Tensor.zeros(dtype, GpuTesting.DEVICE, shape);
    return new Tensor[] {view(c, layout), view(g, layout)};
  }

  private static Tensor view(Tensor base, Layout layout) {
    return switch (layout) {
      case CONTIGUOUS -> base;
      case TRANSPOSED -> base.transpose(0, 1);
      case ROW_BROADCAST, COLUMN_BROADCAST -> base.expand(R, C);
      case NEGATIVE -> flipped(base);
    };
  }

  /**
   * A view of a contiguous (R, C) tensor with both dims reversed: negative strides, which no public
   * op makes (flip copies, as PyTorch), so through Tensor's package-private viewAs.
   */
  private static Tensor flipped(Tensor t) {
    int[] shape = t.shape();
    int[] strides = {-shape[1], -1};
    int offset = t.storageOffset() + (shape[0] - 1) * shape[1] + shape[1] - 1;
    try {
      Method viewAs = Tensor.class.getDeclaredMethod("viewAs", int[].class, int[].class,
          int.class);
      viewAs.setAccessible(true);
      return (Tensor) viewAs.invoke(t, shape, strides, offset);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot make a negative-stride view", e);
    }
  }

  private Tensor random(DType dtype, int n, boolean exponent) {
    switch (dtype) {
      case FLOAT32 -> {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = (float) floatValue();
        }
        return Tensor.of(v);
      }
      case FLOAT64 -> {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] = floatValue();
        }
        return Tensor.of(v);
      }
      case INT64 -> {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
          v[i] = exponent ? rnd.nextInt(7) : longValue();
        }
        return Tensor.of(v);
      }
      case INT32 -> {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
          v[i] = exponent ? rnd.nextInt(7) : (int) longValue();
        }
        return Tensor.of(v);
      }
      case BOOL -> {
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) {
          v[i] = rnd.nextBoolean();
        }
        return Tensor.of(v);
      }
    }
    throw new AssertionError(dtype);
  }

  /** Mostly in [-6, 6], where the functions vary; 1 in 50 a special value. */
  private double floatValue() {
    if (rnd.nextInt(50) == 0) {
      double[] special = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0,
          -0.0, 1.0, -1.0, 2.0, 0.5, 30.0, -30.0, 100.0, -100.0};
      return special[rnd.nextInt(special.length)];
    }
    return rnd.nextInt(4) == 0 ? Math.rint(rnd.nextGaussian() * 4) : rnd.nextGaussian() * 3;
  }

  /** Mostly small (so that ties and zeros occur); sometimes anywhere in the 64-bit range. */
  private long longValue() {
    return switch (rnd.nextInt(10)) {
      case 0 -> rnd.nextLong();
      case 1 -> rnd.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE;
      default -> rnd.nextInt(21) - 10;
    };
  }

  // --- comparison -------------------------------------------------------------------------------

  /**
   * The GPU result equals the CPU's: integers and bools exactly, floats within the conformance
   * suite's ELEMENTWISE tolerance (float32: rtol 1e-5, atol 1e-6; float64: 1e-12, 1e-14), NaN
   * where the CPU has NaN, infinities and zeros' signs alike.
   */
  private static void assertSame(String what, Tensor want, Tensor got) {
    assertEquals(want.dtype(), got.dtype(), what);
    Tensor g = got.to(Device.CPU);
    switch (want.dtype()) {
      case FLOAT32 -> close(what, toDoubles(want.toFloatArray()), toDoubles(g.toFloatArray()),
          1e-5, 1e-6);
      case FLOAT64 -> close(what, want.toDoubleArray(), g.toDoubleArray(), 1e-12, 1e-14);
      case INT64, INT32 -> assertArrayEquals(want.toLongArray(), g.toLongArray(), what);
      case BOOL -> assertArrayEquals(want.toBooleanArray(), g.toBooleanArray(), what);
    }
  }

  private static double[] toDoubles(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static void close(String what, double[] want, double[] got, double rtol, double atol) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      double w = want[i];
      double g = got[i];
      boolean ok;
      if (Double.isNaN(w) || Double.isNaN(g)) {
        ok = Double.isNaN(w) && Double.isNaN(g);
      } else if (Double.isInfinite(w) || Double.isInfinite(g) || w == 0 && g == 0) {
        ok = Double.compare(w, g) == 0;
      } else {
        ok = Math.abs(w - g) <= atol + rtol * Math.abs(w);
      }
      if (!ok) {
        fail(what + ": element " + i + " is " + g + ", the CPU has " + w);
      }
    }
  }
}
