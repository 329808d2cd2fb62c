package dev.ember.backend.cpu;

import dev.ember.backend.RandomOp;
import dev.ember.backend.cpu.CpuLoops.Plan;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.tensor.DType;
import dev.ember.tensor.Philox;

/**
 * Random fills from the counter-based Philox4x32-10 generator: the exact recipe every backend
 * reproduces bit for bit.
 *
 * <p>Element {@code i} is the i-th element of dst in row-major order, whatever dst's strides.
 * {@code block(n)} is {@code Philox.block(seed, n)}: four 32-bit words {@code w[0..3]}. {@code
 * f(w)} is {@link Philox#toFloat}: {@code (w >>> 8) * 2^-24}, a float in [0, 1); {@code d(hi,
 * lo)} is {@link Philox#toDouble}: {@code ((hi << 21) | (lo >>> 11)) * 2^-53} (words unsigned), a
 * double in [0, 1). All arithmetic below is IEEE double with each operation rounded (no fused
 * multiply-add); {@code log}, {@code cos} and {@code sin} are {@link StrictMath}'s (fdlibm), and
 * {@code 2 pi} is the double {@code 2 * Math.PI}.
 *
 * <ul>
 *   <li>float32, {@link RandomOp#UNIFORM}: {@code w = block(offset + i / 4)[i % 4]}; {@code
 *       (float) (a + (b - a) * f(w))}.
 *   <li>float32, {@link RandomOp#NORMAL}: with {@code q = i % 4} and {@code w =
 *       block(offset + i / 4)}, the pair {@code p = q / 2} takes {@code u1 = 1 - f(w[2p])} (in
 *       (0, 1], so the log is finite) and {@code u2 = f(w[2p + 1])}; {@code r = sqrt(-2 log u1)},
 *       {@code t = 2 pi * u2}; {@code z = r cos t} for even {@code q}, {@code r sin t} for odd;
 *       {@code (float) (a + b * z)}.
 *   <li>float64, {@link RandomOp#UNIFORM}: {@code w = block(offset + i / 2)}, {@code h = 2 (i %
 *       2)}; {@code a + (b - a) * d(w[h], w[h + 1])}.
 *   <li>float64, {@link RandomOp#NORMAL}: {@code w = block(offset + i / 2)}; {@code u1 = 1 -
 *       d(w[0], w[1])}, {@code u2 = d(w[2], w[3])}; {@code z} as for float32 (cos for even
 *       {@code i}, sin for odd); {@code a + b * z}.
 * </ul>
 */
final class CpuRandom {
  private static final double TWO_PI = 2 * Math.PI;

  private CpuRandom() {}

  /** Fills {@code dst} (float32 or float64) from {@code op} with parameters a, b. */
  static void random(RandomOp op, View dst, long seed, long offset, double a, double b) {
    if (!dst.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("random fills float32 or float64 tensors, got "
          + dst.dtype());
    }
    Plan p = Plan.of(dst);
    if (p.numel == 0) {
      return;
    }
    boolean f32 = dst.dtype() == DType.FLOAT32;
    int stride = p.innerStride(0);
    Parallel.forRange(p.numel, CpuLoops.GRAIN_HEAVY, (s, e) -> {
      Generator g = new Generator(seed, offset);
      CpuLoops.walk(p, s, e, (pos, base, n) -> {
        if (f32) {
          float[] y = (float[]) dst.array();
          for (int k = 0; k < n; k++) {
            y[base[0] + k * stride] = (float) g.f32(op, pos + k, a, b);
          }
        } else {
          double[] y = (double[]) dst.array();
          for (int k = 0; k < n; k++) {
            y[base[0] + k * stride] = g.f64(op, pos + k, a, b);
          }
        }
      });
    });
  }

  /** One thread's generator state: the last block computed, reused by its neighbours. */
  private static final class Generator {
    private final long seed;
    private final long offset;
    private final int[] w = new int[4];
    private long block = -1;
    private boolean valid;

    Generator(long seed, long offset) {
      this.seed = seed;
      this.offset = offset;
    }

    private void at(long n) {
      if (!valid || n != block) {
        Philox.block(seed, n, w);
        block = n;
        valid = true;
      }
    }

    /** Element i of a float32 fill, before the final rounding to float. */
    double f32(RandomOp op, int i, double a, double b) {
      at(offset + (i >>> 2));
      int q = i & 3;
      if (op == RandomOp.UNIFORM) {
        return a + (b - a) * Philox.toFloat(w[q]);
      }
      int p = q & ~1;
      double u1 = 1.0 - Philox.toFloat(w[p]);
      double u2 = Philox.toFloat(w[p + 1]);
      return a + b * boxMuller(u1, u2, (q & 1) == 0);
    }

    /** Element i of a float64 fill. */
    double f64(RandomOp op, int i, double a, double b) {
      at(offset + (i >>> 1));
      if (op == RandomOp.UNIFORM) {
        int h = 2 * (i & 1);
        return a + (b - a) * Philox.toDouble(w[h], w[h + 1]);
      }
      double u1 = 1.0 - Philox.toDouble(w[0], w[1]);
      double u2 = Philox.toDouble(w[2], w[3]);
      return a + b * boxMuller(u1, u2, (i & 1) == 0);
    }

    private static double boxMuller(double u1, double u2, boolean cos) {
      double r = Math.sqrt(-2 * StrictMath.log(u1));
      double t = TWO_PI * u2;
      return r * (cos ? StrictMath.cos(t) : StrictMath.sin(t));
    }
  }
}
