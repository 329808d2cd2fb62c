package dev.ember.backend.cpu;

import static dev.ember.backend.cpu.CpuTesting.forEach;
import static dev.ember.backend.cpu.CpuTesting.get;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.ReduceOp;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.backend.cpu.CpuTesting.Layout;
import dev.ember.tensor.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Reductions, scans and softmax against scalar references, on every layout and path. */
class CpuReduceTest {

  static DType outType(ReduceOp op, DType in) {
    return switch (op) {
      case SUM, PROD -> in.isFloatingPoint() ? in : DType.INT64;
      case ANY, ALL -> DType.BOOL;
      case ARGMAX, ARGMIN -> DType.INT64;
      case MAX, MIN -> in;
    };
  }

  /** Every sorted subset of the dims of an n-dim shape. */
  static List<int[]> subsets(int n) {
    List<int[]> out = new ArrayList<>();
    for (int mask = 0; mask < 1 << n; mask++) {
      int[] dims = new int[Integer.bitCount(mask)];
      for (int d = 0, k = 0; d < n; d++) {
        if ((mask & 1 << d) != 0) {
          dims[k++] = d;
        }
      }
      out.add(dims);
    }
    return out;
  }

  /** The reference reduction of {@code src} over {@code dims}, element by element in double. */
  static void check(ReduceOp op, View dst, View src, int[] dims, String what) {
    int[] shape = src.shape();
    int[] redShape = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      redShape[i] = shape[dims[i]];
    }
    forEach(dst.shape(), out -> {
      int[] idx = out.clone();
      double[] acc = {op == ReduceOp.PROD || op == ReduceOp.ALL ? 1 : 0, Double.NaN, -1};
      double[] sumAbs = {0};
      int[] count = {0};
      forEach(redShape, r -> {
        for (int i = 0; i < dims.length; i++) {
          idx[dims[i]] = r[i];
        }
        double x = get(src, idx);
        int pos = count[0]++;
        sumAbs[0] += Math.abs(x);
        switch (op) {
          case SUM -> acc[0] += x;
          case PROD -> acc[0] *= x;
          case ANY -> acc[0] = acc[0] != 0 || x != 0 ? 1 : 0;
          case ALL -> acc[0] = acc[0] != 0 && x != 0 ? 1 : 0;
          case MAX, MIN, ARGMAX, ARGMIN -> {
            boolean max = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
            boolean first = pos == 0;
            boolean better = max ? x > acc[1] : x < acc[1];
            if (first || !Double.isNaN(acc[1]) && (Double.isNaN(x) || better)) {
              acc[1] = x;
              acc[2] = pos;
            }
          }
        }
      });
      double expected = switch (op) {
        case MAX, MIN -> acc[1];
        case ARGMAX, ARGMIN -> acc[2];
        default -> acc[0];
      };
      if (dst.dtype() == DType.INT32) {
        expected = (int) expected;
      } else if (dst.dtype() == DType.BOOL) {
        expected = expected != 0 ? 1 : 0;
      }
      double actual = get(dst, out);
      String at = what + " at " + Arrays.toString(out);
      if (Double.isNaN(expected)) {
        assertTrue(Double.isNaN(actual), at);
      } else if (op == ReduceOp.SUM && src.dtype().isFloatingPoint()) {
        double tol = (src.dtype() == DType.FLOAT32 ? 1e-6 : 1e-14) * (sumAbs[0] + 1);
        assertEquals(expected, actual, tol, at);
      } else if (op == ReduceOp.PROD && src.dtype() == DType.FLOAT32) {
        assertEquals((float) expected, (float) actual, Math.abs(expected) * 1e-5, at);
      } else {
        CpuTesting.assertClose(dst.dtype(), expected, actual, at);
      }
    });
  }

  @Test
  void everyOpDtypeDimsAndLayout() {
    Random rnd = new Random(11);
    int[][] shapes = {{}, {5}, {3, 4}, {2, 3, 5}, {4, 1, 300}, {70, 2, 3}};
    for (DType dt : DType.values()) {
      for (ReduceOp op : ReduceOp.values()) {
        for (int[] shape : shapes) {
          for (int[] dims : subsets(shape.length)) {
            boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
            // Products of many elements overflow (and int64 wraps where the reference does not).
            if (arg && dims.length != 1 || op == ReduceOp.PROD
                && CpuTesting.numel(shape) > (dt.isFloatingPoint() ? 200 : 15)) {
              continue;
            }
            Layout sl = Layout.values()[rnd.nextInt(Layout.values().length)];
            View src = CpuTesting.view(dt, shape, sl, rnd);
            if (dt.isFloatingPoint() && rnd.nextInt(4) == 0) {
              sprinkleNaN(src, rnd);
            }
            int[] keep = shape.clone();
            for (int d : dims) {
              keep[d] = 1;
            }
            Layout dl = Layout.values()[rnd.nextInt(Layout.values().length)];
            View dst = CpuTesting.view(outType(op, dt), keep, dl, rnd);
            CpuReduce.reduce(op, dst, src, dims);
            String what = op + " " + dt + " " + Arrays.toString(shape) + " over "
                + Arrays.toString(dims) + " " + sl + " -> " + dl;
            check(op, dst, src, dims, what);
            assertTrue(CpuTesting.untouchedOutside(dst), what);
          }
        }
      }
    }
  }

  private static void sprinkleNaN(View v, Random rnd) {
    forEach(v.shape(), idx -> {
      if (rnd.nextInt(10) == 0) {
        CpuTesting.set(v, idx, Double.NaN);
      }
    });
  }

  /** Long rows (chunked, in parallel), long columns (grouped) and generic strided rows. */
  @Test
  void largePathsMatchReference() {
    Random rnd = new Random(12);
    int[][] shapes = {{3, 70_000}, {70_000, 3}, {9000, 40}, {2, 40_000, 3}};
    for (int[] shape : shapes) {
      for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MAX, ReduceOp.ARGMIN,
          ReduceOp.ANY}) {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT32}) {
          for (int[] dims : subsets(shape.length)) {
            if (op == ReduceOp.ARGMIN && dims.length != 1) {
              continue;
            }
            Layout l = rnd.nextBoolean() ? Layout.CONTIGUOUS : Layout.MIXED;
            View src = CpuTesting.view(dt, shape, l, rnd);
            int[] keep = shape.clone();
            for (int d : dims) {
              keep[d] = 1;
            }
            View dst = CpuTesting.view(outType(op, dt), keep, Layout.CONTIGUOUS, rnd);
            CpuReduce.reduce(op, dst, src, dims);
            check(op, dst, src, dims, op + " " + dt + " " + Arrays.toString(shape) + " "
                + Arrays.toString(dims) + " " + l);
          }
        }
      }
    }
  }

  @Test
  void emptyReductions() {
    View src = CpuTesting.view(DType.FLOAT32, new int[] {2, 0, 3}, Layout.CONTIGUOUS,
        new Random(13));
    for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.PROD, ReduceOp.ANY,
        ReduceOp.ALL}) {
      View dst = CpuTesting.view(outType(op, DType.FLOAT32), new int[] {2, 1, 3},
          Layout.CONTIGUOUS, new Random(14));
      CpuReduce.reduce(op, dst, src, new int[] {1});
      double expected = op == ReduceOp.PROD || op == ReduceOp.ALL ? 1 : 0;
      forEach(dst.shape(), idx -> assertEquals(expected, get(dst, idx), op.toString()));
    }
    for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN, ReduceOp.ARGMAX}) {
      View dst = CpuTesting.view(outType(op, DType.FLOAT32), new int[] {2, 1, 3},
          Layout.CONTIGUOUS, new Random(14));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> CpuReduce.reduce(op, dst, src, new int[] {1}));
      assertTrue(e.getMessage().contains("zero-size dimension"), e.getMessage());
    }
    // Reducing a non-empty dim of an empty tensor gives an empty result, even for max.
    View dst = CpuTesting.view(DType.FLOAT32, new int[] {2, 0, 1}, Layout.CONTIGUOUS,
        new Random(15));
    CpuReduce.reduce(ReduceOp.MAX, dst, src, new int[] {2});
  }

  @Test
  void argReductionsTakeFirstOccurrenceAndFirstNaN() {
    float[] x = {1, 5, 5, Float.NaN, 7, Float.NaN, -3, -3};
    assertEquals(3, argF32(ReduceOp.ARGMAX, x));
    assertEquals(3, argF32(ReduceOp.ARGMIN, x));
    float[] y = {1, 5, 5, 0, -3, -3};
    assertEquals(1, argF32(ReduceOp.ARGMAX, y));
    assertEquals(4, argF32(ReduceOp.ARGMIN, y));
  }

  private static long argF32(ReduceOp op, float[] x) {
    long[] out = new long[1];
    CpuReduce.reduce(op, new View(out, DType.INT64, 0, new int[] {1}, new int[] {1}),
        new View(x, DType.FLOAT32, 0, new int[] {x.length}, new int[] {1}), new int[] {0});
    return out[0];
  }

  /** A 16M-element float sum is within 1e-6 relative of the exact sum. */
  @Test
  void floatSumIsAccurate() {
    int n = 1 << 24;
    float[] x = new float[n];
    Random rnd = new Random(16);
    double exact = 0;
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextFloat();
      exact += x[i];
    }
    float[] out = new float[1];
    CpuReduce.reduce(ReduceOp.SUM, new View(out, DType.FLOAT32, 0, new int[] {1}, new int[] {1}),
        new View(x, DType.FLOAT32, 0, new int[] {n}, new int[] {1}), new int[] {0});
    assertEquals(exact, out[0], exact * 1e-6);
    // Down a column: one output per column of a (2^20, 16) matrix.
    float[] col = new float[16];
    CpuReduce.reduce(ReduceOp.SUM, new View(col, DType.FLOAT32, 0, new int[] {1, 16},
        new int[] {16, 1}), new View(x, DType.FLOAT32, 0, new int[] {n / 16, 16},
        new int[] {16, 1}), new int[] {0});
    double total = 0;
    for (float c : col) {
      total += c;
    }
    assertEquals(exact, total, exact * 1e-6);
  }

  /** Float sums come out bit for bit the same whatever the number of threads. */
  @Test
  void resultsDoNotDependOnThreadCount() {
    Random rnd = new Random(17);
    int[][] shapes = {{1, 300_000}, {300_000, 5}, {7, 40_001}, {40_001, 7}};
    int before = Parallel.numThreads();
    try {
      for (int[] shape : shapes) {
        for (int[] dims : subsets(2)) {
          View src = CpuTesting.view(DType.FLOAT32, shape, Layout.CONTIGUOUS, rnd);
          float[][] results = new float[3][];
          int[] threads = {1, 2, 3};
          for (int t = 0; t < threads.length; t++) {
            Parallel.setNumThreads(threads[t]);
            int[] keep = shape.clone();
            for (int d : dims) {
              keep[d] = 1;
            }
            View dst = View.allocate(DType.FLOAT32, keep);
            CpuReduce.reduce(ReduceOp.SUM, dst, src, dims);
            results[t] = (float[]) dst.array();
          }
          assertArrayEquals(results[0], results[1]);
          assertArrayEquals(results[0], results[2]);
        }
      }
    } finally {
      Parallel.setNumThreads(before);
    }
  }

  @Test
  void scanEveryDtypeDimAndLayout() {
    Random rnd = new Random(18);
    int[][] shapes = {{}, {0}, {6}, {3, 4}, {2, 3, 5}, {3, 1500}, {1100, 3}};
    for (DType dt : DType.values()) {
      for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.PROD}) {
        for (int[] shape : shapes) {
          for (int dim = 0; dim < Math.max(shape.length, 1); dim++) {
            Layout sl = Layout.values()[rnd.nextInt(Layout.values().length)];
            Layout dl = Layout.values()[rnd.nextInt(Layout.values().length)];
            View src = CpuTesting.view(dt, shape, sl, rnd);
            if (op == ReduceOp.PROD) {
              forEach(shape, idx -> CpuTesting.set(src, idx,
                  dt.isFloatingPoint() ? 1 + get(src, idx) / 1000 : Math.signum(get(src, idx))));
            }
            DType out = dt.isFloatingPoint() ? dt : DType.INT64;
            View dst = CpuTesting.view(out, shape, dl, rnd);
            CpuReduce.scan(op, dst, src, dim);
            int d = dim;
            String what = op + " " + dt + " " + Arrays.toString(shape) + " dim " + d;
            forEach(shape, idx -> {
              int[] j = idx.clone();
              double acc = op == ReduceOp.PROD ? 1 : 0;
              for (int k = 0; k <= (shape.length == 0 ? 0 : idx[d]); k++) {
                if (shape.length > 0) {
                  j[d] = k;
                }
                acc = op == ReduceOp.PROD ? acc * get(src, j) : acc + get(src, j);
              }
              double tol = dt == DType.FLOAT32 ? 1e-5 * (1 + Math.abs(acc)) : 1e-9;
              assertEquals(acc, get(dst, idx), tol, what);
            });
            assertTrue(CpuTesting.untouchedOutside(dst), what);
          }
        }
      }
    }
  }

  @Test
  void softmaxEveryDimAndLayout() {
    Random rnd = new Random(19);
    int[][] shapes = {{}, {0}, {6}, {3, 4}, {2, 3, 5}, {3, 1500}, {1100, 3}};
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (boolean log : new boolean[] {false, true}) {
        for (int[] shape : shapes) {
          for (int dim = 0; dim < Math.max(shape.length, 1); dim++) {
            Layout sl = Layout.values()[rnd.nextInt(Layout.values().length)];
            Layout dl = rnd.nextBoolean() ? sl : Layout.values()[rnd.nextInt(5)];
            View src = CpuTesting.view(dt, shape, sl, rnd);
            View dst = CpuTesting.view(dt, shape, dl, rnd);
            CpuReduce.softmax(dst, src, dim, log);
            int d = dim;
            String what = (log ? "log_softmax " : "softmax ") + dt + " "
                + Arrays.toString(shape) + " dim " + d + " " + sl + " -> " + dl;
            forEach(shape, idx -> {
              int[] j = idx.clone();
              int len = shape.length == 0 ? 1 : shape[d];
              double max = Double.NEGATIVE_INFINITY;
              for (int k = 0; k < len; k++) {
                if (shape.length > 0) {
                  j[d] = k;
                }
                max = Math.max(max, get(src, j));
              }
              double sum = 0;
              for (int k = 0; k < len; k++) {
                if (shape.length > 0) {
                  j[d] = k;
                }
                sum += Math.exp(get(src, j) - max);
              }
              double x = get(src, idx) - max;
              double expected = log ? x - Math.log(sum) : Math.exp(x) / sum;
              double tol = dt == DType.FLOAT32 ? 1e-5 * (1 + Math.abs(expected)) : 1e-12;
              assertEquals(expected, get(dst, idx), tol, what);
            });
            assertTrue(CpuTesting.untouchedOutside(dst), what);
          }
        }
      }
    }
  }

  @Test
  void softmaxOfAllMinusInfinityRowIsNaN() {
    float[] x = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 1, 2};
    float[] y = new float[4];
    CpuReduce.softmax(new View(y, DType.FLOAT32, 0, new int[] {2, 2}, new int[] {2, 1}),
        new View(x, DType.FLOAT32, 0, new int[] {2, 2}, new int[] {2, 1}), 1, false);
    assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[1]));
    assertEquals(1 / (1 + Math.E), y[2], 1e-6);
  }
}
