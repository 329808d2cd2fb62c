package dev.ember.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.RandomOp;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.backend.cpu.CpuTesting.Layout;
import dev.ember.tensor.DType;
import dev.ember.tensor.Philox;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The random fill reproduces its documented recipe bit for bit, on any layout and thread count. */
class CpuRandomTest {
  private static final long SEED = 0x1234_5678_9ABC_DEF0L;

  /** Element i of the documented recipe, written out independently of the implementation. */
  static double expected(RandomOp op, DType dt, long offset, int i, double a, double b) {
    if (dt == DType.FLOAT32) {
      int[] w = Philox.block(SEED, offset + i / 4);
      int q = i % 4;
      if (op == RandomOp.UNIFORM) {
        return (float) (a + (b - a) * Philox.toFloat(w[q]));
      }
      int p = q / 2;
      double u1 = 1 - Philox.toFloat(w[2 * p]);
      double u2 = Philox.toFloat(w[2 * p + 1]);
      double r = Math.sqrt(-2 * StrictMath.log(u1));
      double t = 2 * Math.PI * u2;
      return (float) (a + b * (q % 2 == 0 ? r * StrictMath.cos(t) : r * StrictMath.sin(t)));
    }
    int[] w = Philox.block(SEED, offset + i / 2);
    if (op == RandomOp.UNIFORM) {
      int h = 2 * (i % 2);
      return a + (b - a) * Philox.toDouble(w[h], w[h + 1]);
    }
    double u1 = 1 - Philox.toDouble(w[0], w[1]);
    double u2 = Philox.toDouble(w[2], w[3]);
    double r = Math.sqrt(-2 * StrictMath.log(u1));
    double t = 2 * Math.PI * u2;
    return a + b * (i % 2 == 0 ? r * StrictMath.cos(t) : r * StrictMath.sin(t));
  }

  @Test
  void followsTheRecipeOnEveryLayout() {
    Random rnd = new Random(41);
    int[][] shapes = {{}, {0}, {7}, {3, 5}, {2, 3, 1701}};
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (RandomOp op : RandomOp.values()) {
        for (int[] shape : shapes) {
          for (Layout l : Layout.values()) {
            long offset = rnd.nextInt(1000);
            View dst = CpuTesting.view(dt, shape, l, rnd);
            CpuRandom.random(op, dst, SEED, offset, -1.5, 2.5);
            int[] i = {0};
            CpuTesting.forEach(shape, idx -> {
              double e = expected(op, dt, offset, i[0]++, -1.5, 2.5);
              assertEquals(Double.doubleToLongBits(e),
                  Double.doubleToLongBits(CpuTesting.get(dst, idx)),
                  op + " " + dt + " " + l + " element " + (i[0] - 1));
            });
            assertTrue(CpuTesting.untouchedOutside(dst));
          }
        }
      }
    }
  }

  @Test
  void doesNotDependOnThreadCount() {
    int before = Parallel.numThreads();
    try {
      float[][] out = new float[3][];
      for (int t = 1; t <= 3; t++) {
        Parallel.setNumThreads(t);
        View v = View.allocate(DType.FLOAT32, new int[] {100_003});
        CpuRandom.random(RandomOp.NORMAL, v, SEED, 7, 0, 1);
        out[t - 1] = (float[]) v.array();
      }
      assertArrayEquals(out[0], out[1]);
      assertArrayEquals(out[0], out[2]);
    } finally {
      Parallel.setNumThreads(before);
    }
  }

  @Test
  void momentsAreRight() {
    int n = 1 << 20;
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      View v = View.allocate(dt, new int[] {n});
      CpuRandom.random(RandomOp.NORMAL, v, SEED, 0, 3, 2);
      double sum = 0;
      double sq = 0;
      for (int i = 0; i < n; i++) {
        double x = CpuLoops.getDouble(v.array(), dt, i);
        sum += x;
        sq += x * x;
      }
      double mean = sum / n;
      assertEquals(3, mean, 0.01);
      assertEquals(2, Math.sqrt(sq / n - mean * mean), 0.01);
      CpuRandom.random(RandomOp.UNIFORM, v, SEED, 0, -1, 3);
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      sum = 0;
      for (int i = 0; i < n; i++) {
        double x = CpuLoops.getDouble(v.array(), dt, i);
        min = Math.min(min, x);
        max = Math.max(max, x);
        sum += x;
      }
      assertTrue(min >= -1 && max < 3, min + " " + max);
      assertEquals(1, sum / n, 0.01);
    }
  }
}
