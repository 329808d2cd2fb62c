package dev.ember.backend.cpu;

/**
 * {@link FloatMath} in plain Java: every function widens a chunk to double, applies the {@link
 * Math} function (or the float64 kernel's formula) and rounds once, which is what the float64
 * kernels compute, rounded.
 *
 * <p>The widening, the function and the rounding are separate loops over a chunk: converting
 * right before each call lets (on x86) the conversion depend on the register that the previous
 * call returned in, which makes the loop latency-bound, 2-3 times slower. (JDK 17 has no fast
 * float {@code exp}: {@code (float) Math.exp(x)} in a float loop is slower still.)
 */
final class ScalarFloatMath implements FloatMath {

  static final ScalarFloatMath INSTANCE = new ScalarFloatMath();

  /** Elements per double chunk; a multiple of {@link #SUM_PARTS}. */
  private static final int CHUNK = 256;

  private ScalarFloatMath() {}

  @Override
  public int expGrain() {
    return CpuLoops.GRAIN_HEAVY;
  }

  @Override
  public void exp(float[] x, int xo, float[] y, int yo, int n) {
    double[] t = new double[Math.min(CHUNK, n)];
    for (int s = 0; s < n; s += CHUNK) {
      int m = Math.min(CHUNK, n - s);
      widen(x, xo + s, t, m);
      for (int i = 0; i < m; i++) {
        t[i] = Math.exp(t[i]);
      }
      narrow(t, y, yo + s, m);
    }
  }

  @Override
  public void tanh(float[] x, int xo, float[] y, int yo, int n) {
    double[] t = new double[Math.min(CHUNK, n)];
    for (int s = 0; s < n; s += CHUNK) {
      int m = Math.min(CHUNK, n - s);
      widen(x, xo + s, t, m);
      for (int i = 0; i < m; i++) {
        t[i] = Math.tanh(t[i]);
      }
      narrow(t, y, yo + s, m);
    }
  }

  @Override
  public void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
    double[] t = new double[Math.min(CHUNK, n)];
    for (int s = 0; s < n; s += CHUNK) {
      int m = Math.min(CHUNK, n - s);
      widen(x, xo + s, t, m);
      for (int i = 0; i < m; i++) {
        t[i] = 1.0 / (1.0 + Math.exp(-t[i]));
      }
      narrow(t, y, yo + s, m);
    }
  }

  @Override
  public void silu(float[] x, int xo, float[] y, int yo, int n) {
    double[] t = new double[Math.min(CHUNK, n)];
    for (int s = 0; s < n; s += CHUNK) {
      int m = Math.min(CHUNK, n - s);
      widen(x, xo + s, t, m);
      for (int i = 0; i < m; i++) {
        double v = t[i];
        t[i] = v / (1.0 + Math.exp(-v));
      }
      narrow(t, y, yo + s, m);
    }
  }

  @Override
  public float blockSum(float[] x, int xo, int n) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    float s4 = 0;
    float s5 = 0;
    float s6 = 0;
    float s7 = 0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      int j = xo + i;
      s0 += x[j];
      s1 += x[j + 1];
      s2 += x[j + 2];
      s3 += x[j + 3];
      s4 += x[j + 4];
      s5 += x[j + 5];
      s6 += x[j + 6];
      s7 += x[j + 7];
    }
    float s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    for (; i < n; i++) {
      s += x[xo + i];
    }
    return s;
  }

  @Override
  public float max(float[] x, int xo, int n) {
    float m = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      float v = x[xo + i];
      m = v > m ? v : m;
    }
    return m;
  }

  @Override
  public double expSubSum(float[] x, int xo, float c, float[] y, int yo, int n) {
    exps(x, xo, c, y, yo, n);
    return sum(y, yo, n);
  }

  @Override
  public double sumExpSub(float[] x, int xo, float c, int n) {
    float[] e = new float[Math.min(CHUNK, n)];
    double[] p = new double[SUM_PARTS];
    for (int s = 0; s < n; s += CHUNK) {
      int m = Math.min(CHUNK, n - s);
      exps(x, xo + s, c, e, 0, m);
      // CHUNK is a multiple of SUM_PARTS, so every chunk starts at partial 0.
      for (int i = 0; i < m; i++) {
        p[i % SUM_PARTS] += e[i];
      }
    }
    return FloatMath.combine(p, 0, 1);
  }

  /** {@code y = (float) e^(x - c)}. */
  private static void exps(float[] x, int xo, float c, float[] y, int yo, int n) {
    double[] t = new double[Math.min(CHUNK, n)];
    for (int s = 0; s < n; s += CHUNK) {
      int m = Math.min(CHUNK, n - s);
      for (int i = 0; i < m; i++) {
        t[i] = x[xo + s + i] - c;
      }
      for (int i = 0; i < m; i++) {
        t[i] = Math.exp(t[i]);
      }
      narrow(t, y, yo + s, m);
    }
  }

  /** The sum of {@code y[yo .. yo + n)} in the contract order of {@link FloatMath#SUM_PARTS}. */
  private static double sum(float[] y, int yo, int n) {
    double[] p = new double[SUM_PARTS];
    for (int i = 0; i < n; i++) {
      p[i % SUM_PARTS] += y[yo + i];
    }
    return FloatMath.combine(p, 0, 1);
  }


  @Override
  public void shift(float[] x, int xo, float a, float b, float[] y, int yo, int n) {
    for (int i = 0; i < n; i++) {
      y[yo + i] = (x[xo + i] - a) - b;
    }
  }

  @Override
  public void reluGrad(float[] g, float[] x, float[] y, int o, int n) {
    for (int i = o; i < o + n; i++) {
      y[i] = x[i] <= 0 ? 0f : g[i];
    }
  }

  private static void widen(float[] x, int xo, double[] t, int m) {
    for (int i = 0; i < m; i++) {
      t[i] = x[xo + i];
    }
  }

  private static void narrow(double[] t, float[] y, int yo, int m) {
    for (int i = 0; i < m; i++) {
      y[yo + i] = (float) t[i];
    }
  }
}
