package dev.ember.backend.cpu;

import static dev.ember.backend.cpu.CpuTesting.assertClose;
import static dev.ember.backend.cpu.CpuTesting.forEach;
import static dev.ember.backend.cpu.CpuTesting.get;
import static dev.ember.backend.cpu.CpuTesting.getLong;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.UnaryOp;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.backend.cpu.CpuTesting.Layout;
import dev.ember.tensor.DType;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Elementwise kernels against scalar references, on every layout the engine distinguishes. */
class CpuElementwiseTest {
  /** Shapes that exercise 0-d, empty, tile-packed short runs, long runs and several tiles. */
  static final int[][] SHAPES = {
    {}, {0}, {7}, {3, 4}, {2, 3, 5}, {4, 1, 3}, {150, 3}, {3, 300}, {2, 2, 1100}, {3, 0, 2}
  };
  static final Layout[] DST_LAYOUTS = {
    Layout.CONTIGUOUS, Layout.NEGATIVE, Layout.MIXED, Layout.TRANSPOSED
  };

  /** A random input: any layout, sometimes broadcast from a smaller shape. */
  static View input(DType dtype, int[] shape, Random rnd) {
    Layout layout = Layout.values()[rnd.nextInt(Layout.values().length)];
    if (shape.length > 0 && rnd.nextInt(3) == 0) {
      int[] small = shape.clone();
      for (int d = 0; d < small.length; d++) {
        if (rnd.nextBoolean()) {
          small[d] = 1;
        }
      }
      // Leading size-1 dims may also be missing from the base, as with broadcasting.
      int drop = 0;
      while (drop < small.length && small[drop] == 1 && rnd.nextBoolean()) {
        drop++;
      }
      int[] base = Arrays.copyOfRange(small, drop, small.length);
      return CpuTesting.expand(CpuTesting.view(dtype, base, layout, rnd), shape);
    }
    return CpuTesting.view(dtype, shape, layout, rnd);
  }

  static double refUnary(UnaryOp op, double x, double p0, double p1) {
    return switch (op) {
      case NEG -> -x;
      case ABS -> Math.abs(x);
      case SIGN -> Math.signum(x);
      case EXP -> Math.exp(x);
      case LOG -> Math.log(x);
      case LOG1P -> Math.log1p(x);
      case EXPM1 -> Math.expm1(x);
      case SQRT -> Math.sqrt(x);
      case RSQRT -> 1 / Math.sqrt(x);
      case RECIPROCAL -> 1 / x;
      case SIN -> Math.sin(x);
      case COS -> Math.cos(x);
      case TANH -> Math.tanh(x);
      case SIGMOID -> 1 / (1 + Math.exp(-x));
      case RELU -> Double.isNaN(x) ? x : x > 0 ? x : 0;
      case LEAKY_RELU -> x >= 0 ? x : p0 * x;
      case GELU -> 0.5 * x * (1 + CpuElementwise.erf(x * Math.sqrt(0.5)));
      case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI)
          * (x + 0.044715 * x * x * x)));
      case SILU -> x / (1 + Math.exp(-x));
      case SOFTPLUS -> p0 * x > p1 ? x : Math.log1p(Math.exp(p0 * x)) / p0;
      case ERF -> CpuElementwise.erf(x);
      case CLAMP -> Double.isNaN(x) ? x
          : Math.min(Math.max(x, Double.isNaN(p0) ? Double.NEGATIVE_INFINITY : p0),
              Double.isNaN(p1) ? Double.POSITIVE_INFINITY : p1);
      case POW_SCALAR -> Math.pow(x, p0);
      case FLOOR -> Math.floor(x);
      case CEIL -> Math.ceil(x);
      case ROUND -> Math.rint(x);
      case LOGICAL_NOT -> x == 0 ? 1 : 0;
      case ISNAN -> Double.isNaN(x) ? 1 : 0;
      case ISINF -> Double.isInfinite(x) ? 1 : 0;
    };
  }

  @Test
  void unaryFloatingEveryOpAndLayout() {
    Random rnd = new Random(1);
    double[][] params = {{0.1, 0}, {2, 20}, {-1.5, 2.5}, {Double.NaN, 1}, {0.5, Double.NaN}};
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (UnaryOp op : UnaryOp.values()) {
        for (int[] shape : SHAPES) {
          for (Layout dl : DST_LAYOUTS) {
            double[] p = params[rnd.nextInt(params.length)];
            View src = input(dt, shape, rnd);
            View dst = CpuTesting.view(op.producesBool() ? DType.BOOL : dt, shape, dl, rnd);
            CpuElementwise.unary(op, dst, src, p[0], p[1]);
            String what = op + " " + dt + " " + Arrays.toString(shape) + " " + dl;
            forEach(shape, idx -> assertClose(dst.dtype(), refUnary(op, get(src, idx), p[0], p[1]),
                get(dst, idx), what + " at " + Arrays.toString(idx)));
            assertTrue(CpuTesting.untouchedOutside(dst), what);
          }
        }
      }
    }
  }

  @Test
  void unaryIntegerOps() {
    Random rnd = new Random(2);
    UnaryOp[] ops = {UnaryOp.NEG, UnaryOp.ABS, UnaryOp.SIGN, UnaryOp.RELU, UnaryOp.CLAMP,
        UnaryOp.POW_SCALAR, UnaryOp.FLOOR, UnaryOp.CEIL, UnaryOp.ROUND, UnaryOp.LOGICAL_NOT,
        UnaryOp.ISNAN, UnaryOp.ISINF};
    for (DType dt : new DType[] {DType.INT64, DType.INT32}) {
      for (UnaryOp op : ops) {
        for (int[] shape : SHAPES) {
          View src = input(dt, shape, rnd);
          View dst = CpuTesting.view(op.producesBool() ? DType.BOOL : dt, shape, Layout.MIXED, rnd);
          double p0 = op == UnaryOp.POW_SCALAR ? 3 : -2.5;
          CpuElementwise.unary(op, dst, src, p0, 4.5);
          forEach(shape, idx -> {
            long x = getLong(src, idx);
            long expected = switch (op) {
              case NEG -> -x;
              case ABS -> Math.abs(x);
              case SIGN -> Long.signum(x);
              case RELU -> Math.max(x, 0);
              case CLAMP -> Math.min(Math.max(x, -2), 4);
              case POW_SCALAR -> x * x * x;
              case LOGICAL_NOT -> x == 0 ? 1 : 0;
              case ISNAN, ISINF -> 0;
              default -> x;
            };
            assertEquals(expected, getLong(dst, idx), op + " " + dt + " " + x);
          });
        }
      }
    }
  }

  @Test
  void unarySpecialValues() {
    float[] x = {Float.NaN, -0f, 0f, 2.5f, -2.5f, 3.5f, Float.NEGATIVE_INFINITY, -1f};
    // PyTorch's sign: (x > 0) - (x < 0), so NaN and both zeros give +0.
    assertArrayEquals(new float[] {0f, 0f, 0f, 1, -1, 1, -1, -1},
        unaryF32(UnaryOp.SIGN, x, 0, 0));
    assertArrayEquals(new float[] {Float.NaN, -0f, 0f, 2, -2, 4, Float.NEGATIVE_INFINITY, -1},
        unaryF32(UnaryOp.ROUND, x, 0, 0));
    assertArrayEquals(new float[] {Float.NaN, 0f, 0f, 2.5f, 0, 3.5f, 0, 0},
        unaryF32(UnaryOp.RELU, x, 0, 0));
    // Clamping compares, so -0 (equal to the bound 0) passes through.
    assertArrayEquals(new float[] {Float.NaN, -0f, 0, 2.5f, 0, 3f, 0, 0},
        unaryF32(UnaryOp.CLAMP, x, 0, 3));
    assertArrayEquals(new float[] {Float.NaN, -0f, 0f, 2.5f, -2.5f, 3f, Float.NEGATIVE_INFINITY,
        -1}, unaryF32(UnaryOp.CLAMP, x, Double.NaN, 3));
    // min > max: everything becomes max, as min(max(x, lo), hi).
    assertArrayEquals(new float[] {Float.NaN, 1, 1, 1, 1, 1, 1, 1},
        unaryF32(UnaryOp.CLAMP, x, 2, 1));
    // pow keeps its own special cases: pow(-0, 0.5) = +0, pow(-inf, 0.5) = +inf.
    float[] half = unaryF32(UnaryOp.POW_SCALAR, x, 0.5, 0);
    assertEquals(0f, half[1]);
    assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(half[1]));
    assertEquals(Float.POSITIVE_INFINITY, half[6]);
    float[] sq = unaryF32(UnaryOp.POW_SCALAR, x, 2, 0);
    assertEquals(6.25f, sq[3]);
    assertTrue(Float.isNaN(sq[0]));
    assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, unaryF32(UnaryOp.POW_SCALAR, x, 0, 0));
    // softplus: above the threshold (beta x > threshold) it is x itself.
    float[] sp = unaryF32(UnaryOp.SOFTPLUS, new float[] {30f, 1f}, 1, 20);
    assertEquals(30f, sp[0]);
    assertEquals((float) Math.log1p(Math.E), sp[1], 1e-6f);
  }

  private static float[] unaryF32(UnaryOp op, float[] x, double p0, double p1) {
    float[] out = new float[x.length];
    int[] shape = {x.length};
    CpuElementwise.unary(op, new View(out, DType.FLOAT32, 0, shape, new int[] {1}),
        new View(x, DType.FLOAT32, 0, shape, new int[] {1}), p0, p1);
    return out;
  }

  @Test
  void unaryRejectsFloatOnlyOpsOnIntegers() {
    View v = CpuTesting.view(DType.INT64, new int[] {3}, Layout.CONTIGUOUS, new Random(3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CpuElementwise.unary(UnaryOp.EXP, v, v, 0, 0));
    assertTrue(e.getMessage().contains("EXP") && e.getMessage().contains("int64"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> CpuElementwise.unary(UnaryOp.POW_SCALAR, v, v, -1, 0));
  }

  /** erf against values from mpmath (50 digits), relative error below 1e-15. */
  @Test
  void erfIsAccurate() {
    double[][] table = {
      {0.0, 0.0},
      {1e-10, 1.1283791670955126e-10},
      {0.1, 0.1124629160182849},
      {0.3, 0.32862675945912745},
      {0.46875, 0.49261347321793797},
      {0.9, 0.7969082124228322},
      {0.5, 0.5204998778130465},
      {1.0, 0.8427007929497149},
      {2.0, 0.9953222650189527},
      {3.5, 0.9999992569016276},
      {4.0, 0.9999999845827421},
      {4.5, 0.9999999998033839},
      {5.0, 0.9999999999984626},
      {6.0, 1.0},
      {-0.75, -0.7111556336535151},
    };
    for (double[] row : table) {
      double actual = CpuElementwise.erf(row[0]);
      assertEquals(row[1], actual, Math.abs(row[1]) * 1e-15, "erf(" + row[0] + ")");
    }
    assertEquals(1.0, CpuElementwise.erf(Double.POSITIVE_INFINITY));
    assertEquals(-1.0, CpuElementwise.erf(Double.NEGATIVE_INFINITY));
    assertTrue(Double.isNaN(CpuElementwise.erf(Double.NaN)));
  }

  static double refBinary(BinaryOp op, double a, double b) {
    return switch (op) {
      case ADD -> a + b;
      case SUB -> a - b;
      case MUL -> a * b;
      case DIV -> a / b;
      case POW -> Math.pow(a, b);
      case MAXIMUM -> Math.max(a, b);
      case MINIMUM -> Math.min(a, b);
      case RELU_GRAD -> b <= 0 ? 0 : a;
      case GELU_GRAD -> a * CpuElementwise.geluGrad(b);
      case GELU_TANH_GRAD -> a * CpuElementwise.geluTanhGrad(b);
      case SILU_GRAD -> a * CpuElementwise.siluGrad(b);
      case EQ -> a == b ? 1 : 0;
      case NE -> a != b ? 1 : 0;
      case LT -> a < b ? 1 : 0;
      case LE -> a <= b ? 1 : 0;
      case GT -> a > b ? 1 : 0;
      case GE -> a >= b ? 1 : 0;
      case LOGICAL_AND -> a != 0 && b != 0 ? 1 : 0;
      case LOGICAL_OR -> a != 0 || b != 0 ? 1 : 0;
      case LOGICAL_XOR -> (a != 0) != (b != 0) ? 1 : 0;
    };
  }

  @Test
  void binaryEveryOpDtypeAndLayout() {
    Random rnd = new Random(4);
    for (DType dt : DType.values()) {
      for (BinaryOp op : BinaryOp.values()) {
        if (op.floatingOnly() && !dt.isFloatingPoint()
            || op == BinaryOp.POW && dt == DType.BOOL) {
          continue;
        }
        for (int[] shape : SHAPES) {
          for (Layout dl : DST_LAYOUTS) {
            View a = input(dt, shape, rnd);
            View b = input(dt, shape, rnd);
            if (op == BinaryOp.POW && !dt.isFloatingPoint()) {
              forEach(b.shape(), idx -> CpuTesting.set(b, idx, Math.abs(get(b, idx)) % 6));
            }
            View dst = CpuTesting.view(op.producesBool() ? DType.BOOL : dt, shape, dl, rnd);
            CpuElementwise.binary(op, dst, a, b);
            String what = op + " " + dt + " " + Arrays.toString(shape) + " " + dl;
            forEach(shape, idx -> {
              double expected = refBinary(op, get(a, idx), get(b, idx));
              if (dst.dtype() == DType.INT32) {
                expected = (int) (long) expected;
              } else if (dst.dtype() == DType.BOOL) {
                expected = expected != 0 ? 1 : 0;
              }
              assertClose(dst.dtype(), expected, get(dst, idx), what);
            });
            assertTrue(CpuTesting.untouchedOutside(dst), what);
          }
        }
      }
    }
  }

  /** A broadcast Java number on either side (the one-input kernels for scalars). */
  @Test
  void binaryWithScalarOperand() {
    Random rnd = new Random(10);
    BinaryOp[] ops = {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAXIMUM,
        BinaryOp.MINIMUM, BinaryOp.POW, BinaryOp.LT};
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (BinaryOp op : ops) {
        for (int[] shape : SHAPES) {
          for (boolean right : new boolean[] {true, false}) {
            View tensor = input(dt, shape, rnd);
            View number = CpuTesting.expand(CpuTesting.view(dt, new int[0], Layout.MIXED, rnd),
                shape);
            View dst = CpuTesting.view(op.producesBool() ? DType.BOOL : dt, shape, Layout.MIXED,
                rnd);
            View a = right ? tensor : number;
            View b = right ? number : tensor;
            CpuElementwise.binary(op, dst, a, b);
            forEach(shape, idx -> assertClose(dst.dtype(), refBinary(op, get(a, idx), get(b, idx)),
                get(dst, idx), op + " " + dt + (right ? " x op s" : " s op x")));
            assertTrue(CpuTesting.untouchedOutside(dst));
          }
        }
      }
    }
  }

  @Test
  void binarySemantics() {
    float[] a = {Float.NaN, 1, -0f, 3};
    float[] b = {1, Float.NaN, 0f, 2};
    float[] max = new float[4];
    float[] min = new float[4];
    int[] shape = {4};
    int[] unit = {1};
    CpuElementwise.binary(BinaryOp.MAXIMUM, new View(max, DType.FLOAT32, 0, shape, unit),
        new View(a, DType.FLOAT32, 0, shape, unit), new View(b, DType.FLOAT32, 0, shape, unit));
    CpuElementwise.binary(BinaryOp.MINIMUM, new View(min, DType.FLOAT32, 0, shape, unit),
        new View(a, DType.FLOAT32, 0, shape, unit), new View(b, DType.FLOAT32, 0, shape, unit));
    assertTrue(Float.isNaN(max[0]) && Float.isNaN(max[1]) && Float.isNaN(min[0])
        && Float.isNaN(min[1]));
    assertEquals(3f, max[3]);
    assertEquals(2f, min[3]);
    long[] base = {2, 3};
    long[] exp = {10, -1};
    long[] out = new long[2];
    int[] two = {2};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CpuElementwise.binary(BinaryOp.POW, new View(out, DType.INT64, 0, two, unit),
            new View(base, DType.INT64, 0, two, unit), new View(exp, DType.INT64, 0, two, unit)));
    assertTrue(e.getMessage().contains("Integers to negative integer powers are not allowed"));
    assertEquals(1024, out[0]);
  }

  @Test
  void inPlaceBinaryOnSameView() {
    Random rnd = new Random(5);
    for (int[] shape : SHAPES) {
      for (Layout l : DST_LAYOUTS) {
        View t = CpuTesting.view(DType.FLOAT32, shape, l, rnd);
        View other = input(DType.FLOAT32, shape, rnd);
        View before = CpuTesting.view(DType.FLOAT32, shape, Layout.CONTIGUOUS, rnd);
        CpuElementwise.copy(before, t);
        CpuElementwise.binary(BinaryOp.MUL, t, t, other);
        forEach(shape, idx -> assertEquals((float) (get(before, idx) * get(other, idx)),
            (float) get(t, idx)));
      }
    }
  }

  @Test
  void whereEveryDtype() {
    Random rnd = new Random(6);
    for (DType dt : DType.values()) {
      for (int[] shape : SHAPES) {
        View c = input(DType.BOOL, shape, rnd);
        View a = input(dt, shape, rnd);
        View b = input(dt, shape, rnd);
        View dst = CpuTesting.view(dt, shape, Layout.MIXED, rnd);
        CpuElementwise.where(dst, c, a, b);
        forEach(shape, idx -> assertEquals(get(c, idx) != 0 ? get(a, idx) : get(b, idx),
            get(dst, idx), "where " + dt));
        assertTrue(CpuTesting.untouchedOutside(dst));
      }
    }
  }

  @Test
  void copyBetweenEveryPairOfDtypes() {
    Random rnd = new Random(7);
    for (DType from : DType.values()) {
      for (DType to : DType.values()) {
        for (int[] shape : SHAPES) {
          for (Layout dl : DST_LAYOUTS) {
            View src = input(from, shape, rnd);
            View dst = CpuTesting.view(to, shape, dl, rnd);
            CpuElementwise.copy(dst, src);
            forEach(shape, idx -> {
              double x = get(src, idx);
              double expected = switch (to) {
                case FLOAT32 -> (float) x;
                case FLOAT64 -> x;
                case INT64, INT32 -> (long) x;
                case BOOL -> x != 0 ? 1 : 0;
              };
              assertEquals(expected, get(dst, idx), from + " -> " + to);
            });
            assertTrue(CpuTesting.untouchedOutside(dst), from + " -> " + to);
          }
        }
      }
    }
  }

  @Test
  void copyConversions() {
    float[] src = {Float.NaN, -2.7f, 2.7f, 0f, -0f};
    int[] shape = {5};
    int[] unit = {1};
    long[] l = new long[5];
    byte[] z = new byte[5];
    CpuElementwise.copy(new View(l, DType.INT64, 0, shape, unit),
        new View(src, DType.FLOAT32, 0, shape, unit));
    CpuElementwise.copy(new View(z, DType.BOOL, 0, shape, unit),
        new View(src, DType.FLOAT32, 0, shape, unit));
    assertArrayEquals(new long[] {0, -2, 2, 0, 0}, l);
    assertArrayEquals(new byte[] {1, 1, 1, 0, 0}, z);
  }

  @Test
  void fillEveryDtype() {
    Random rnd = new Random(8);
    for (DType dt : DType.values()) {
      for (int[] shape : SHAPES) {
        for (Layout dl : DST_LAYOUTS) {
          View dst = CpuTesting.view(dt, shape, dl, rnd);
          CpuElementwise.fill(dst, 2.75);
          double expected = switch (dt) {
            case FLOAT32, FLOAT64 -> 2.75;
            case INT64, INT32 -> 2;
            case BOOL -> 1;
          };
          forEach(shape, idx -> assertEquals(expected, get(dst, idx)));
          assertTrue(CpuTesting.untouchedOutside(dst));
        }
      }
    }
  }

  /** Large enough to run on several threads and through every path of the engine. */
  @Test
  void largeBroadcastAddMatchesReference() {
    Random rnd = new Random(9);
    int[] shape = {300, 7, 129};
    View a = CpuTesting.view(DType.FLOAT32, shape, Layout.MIXED, rnd);
    View b = CpuTesting.expand(CpuTesting.view(DType.FLOAT32, new int[] {7, 1}, Layout.CONTIGUOUS,
        rnd), shape);
    View dst = CpuTesting.view(DType.FLOAT32, shape, Layout.TRANSPOSED, rnd);
    CpuElementwise.binary(BinaryOp.ADD, dst, a, b);
    forEach(shape, idx -> assertEquals((float) (get(a, idx) + get(b, idx)), (float) get(dst, idx)));
  }
}
