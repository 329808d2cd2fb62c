package dev.ember.tensor;

/**
 * PyTorch's CPU generator: the 32-bit Mersenne Twister (Matsumoto and Nishimura, 1998) seeded as
 * {@code torch.manual_seed} seeds it, and the distributions PyTorch 1.13's CPU kernels draw from
 * it ({@code at::uniform_real_distribution}, {@code uniform_int_from_to_distribution},
 * {@code normal_fill}, {@code normal_distribution} with its cached second sample, {@code
 * randperm_cpu}).
 *
 * <p>Not thread-safe: {@link Generator} calls it under its own lock.
 */
final class Mt19937 {
  static final int N = 624;
  private static final int M = 397;
  private static final int MATRIX_A = 0x9908b0df;
  private static final int UPPER = 0x80000000;
  private static final int LOWER = 0x7fffffff;
  /** Words of {@link #state()}: seed, left, next, has-normal, normal bits, then the N words. */
  static final int STATE_LENGTH = 5 + N;

  private final int[] mt = new int[N];
  private long seed;
  private int left;
  private int next;
  /** The second Box-Muller sample of the last scalar normal draw, if not yet used (PyTorch's
   * {@code next_double_normal_sample}). */
  private boolean hasNormal;
  private double nextNormal;

  Mt19937(long seed) {
    this.seed = seed;
    mt[0] = (int) seed;
    for (int j = 1; j < N; j++) {
      mt[j] = 1812433253 * (mt[j - 1] ^ (mt[j - 1] >>> 30)) + j;
    }
    left = 1;
    next = 0;
  }

  private Mt19937() {}

  long seed() {
    return seed;
  }

  /** {@code {seed, left, next, hasNormal, nextNormal bits, mt[0..N)}}, words as unsigned longs. */
  long[] state() {
    long[] s = new long[STATE_LENGTH];
    s[0] = seed;
    s[1] = left;
    s[2] = next;
    s[3] = hasNormal ? 1 : 0;
    s[4] = Double.doubleToRawLongBits(nextNormal);
    for (int i = 0; i < N; i++) {
      s[5 + i] = mt[i] & 0xFFFFFFFFL;
    }
    return s;
  }

  /** Whether {@code s} is a state {@link #state()} can have returned. */
  static boolean isValidState(long[] s) {
    if (s == null || s.length != STATE_LENGTH) {
      return false;
    }
    long left = s[1];
    long next = s[2];
    boolean counters = (left == 1 && next == 0) || (next >= 1 && next <= N && left + next == N + 1);
    if (!counters || (s[3] != 0 && s[3] != 1)) {
      return false;
    }
    for (int i = 0; i < N; i++) {
      if (s[5 + i] < 0 || s[5 + i] > 0xFFFFFFFFL) {
        return false;
      }
    }
    return true;
  }

  /** The engine in state {@code s}, which must be valid ({@link #isValidState}). */
  static Mt19937 fromState(long[] s) {
    Mt19937 e = new Mt19937();
    e.seed = s[0];
    e.left = (int) s[1];
    e.next = (int) s[2];
    e.hasNormal = s[3] == 1;
    e.nextNormal = Double.longBitsToDouble(s[4]);
    for (int i = 0; i < N; i++) {
      e.mt[i] = (int) s[5 + i];
    }
    return e;
  }

  private static int twist(int u, int v) {
    return (((u & UPPER) | (v & LOWER)) >>> 1) ^ ((v & 1) != 0 ? MATRIX_A : 0);
  }

  private void nextState() {
    left = N;
    next = 0;
    int p = 0;
    for (; p < N - M; p++) {
      mt[p] = mt[p + M] ^ twist(mt[p], mt[p + 1]);
    }
    for (; p < N - 1; p++) {
      mt[p] = mt[p + M - N] ^ twist(mt[p], mt[p + 1]);
    }
    mt[N - 1] = mt[M - 1] ^ twist(mt[N - 1], mt[0]);
  }

  /** The next 32-bit output, as an unsigned value ({@code CPUGeneratorImpl::random}). */
  long random() {
    if (--left == 0) {
      nextState();
    }
    int y = mt[next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y & 0xFFFFFFFFL;
  }

  /** Two outputs, the first in the high word ({@code CPUGeneratorImpl::random64}). */
  long random64() {
    long hi = random();
    long lo = random();
    return (hi << 32) | lo;
  }

  /**
   * {@code uniform_real_distribution<float>(from, to)}: 24 random bits, then {@code x * (to -
   * from) + from} in float, fused as PyTorch's AVX2 build compiles it (checked against its draws).
   */
  float uniformFloat(float from, float to) {
    float x = (random() & 0xFFFFFF) * 0x1.0p-24f;
    return Math.fma(x, to - from, from);
  }

  /** {@code uniform_real_distribution<double>(from, to)}: 53 bits of {@link #random64()}, fused. */
  double uniformDouble(double from, double to) {
    double x = (random64() & ((1L << 53) - 1)) * 0x1.0p-53;
    return Math.fma(x, to - from, from);
  }

  /**
   * {@code uniform_int_from_to_distribution}: {@code base + r mod range}, r from {@link
   * #random64()} when {@code range >= 2^32} (PyTorch's rule for int64, float32 and float64; an
   * int32 range is always below 2^32), else from {@link #random()}. {@code range} is unsigned.
   */
  long intFromTo(long range, long base) {
    if (Long.compareUnsigned(range, 1L << 32) >= 0) {
      return Long.remainderUnsigned(random64(), range) + base;
    }
    return random() % range + base;
  }

  /** {@code randperm_cpu}: for each i, swap i with {@code i + random() mod (n - i)}. */
  long[] randperm(int n) {
    long[] r = new long[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    for (int i = 0; i < n - 1; i++) {
      int z = (int) (random() % (n - i));
      long t = r[i];
      r[i] = r[z + i];
      r[z + i] = t;
    }
    return r;
  }

  /**
   * {@code normal_} on a contiguous float32 tensor: for n >= 16 PyTorch's {@code normal_fill}
   * (all uniforms first, then Box-Muller over blocks of 16, the last 16 redrawn when n is not a
   * multiple of 16), in float as its AVX2 kernel computes it; below 16 the scalar double path.
   * PyTorch's vectorized log/sin/cos round differently from Java's, so values agree to a few float
   * ulps, not bit for bit.
   */
  void normalFloat(float[] out, float mean, float std) {
    int n = out.length;
    if (n < 16) {
      for (int i = 0; i < n; i++) {
        out[i] = (float) normalScalar(mean, std);
      }
      return;
    }
    for (int i = 0; i < n; i++) {
      out[i] = uniformFloat(0, 1);
    }
    for (int i = 0; i + 16 <= n; i += 16) {
      boxMuller16(out, i, mean, std);
    }
    if (n % 16 != 0) {
      for (int i = n - 16; i < n; i++) {
        out[i] = uniformFloat(0, 1);
      }
      boxMuller16(out, n - 16, mean, std);
    }
  }

  private static void boxMuller16(float[] d, int at, float mean, float std) {
    for (int j = at; j < at + 8; j++) {
      float u1 = 1 - d[j];
      float u2 = d[j + 8];
      float radius = (float) Math.sqrt(-2f * (float) Math.log(u1));
      float theta = (float) (2.0 * Math.PI) * u2;
      d[j] = Math.fma(radius * (float) Math.cos(theta), std, mean);
      d[j + 8] = Math.fma(radius * (float) Math.sin(theta), std, mean);
    }
  }

  /** {@code normal_} on a contiguous float64 tensor: {@code normal_fill<double>}, or scalar below 16. */
  void normalDouble(double[] out, double mean, double std) {
    int n = out.length;
    if (n < 16) {
      for (int i = 0; i < n; i++) {
        out[i] = normalScalar(mean, std);
      }
      return;
    }
    for (int i = 0; i < n; i++) {
      out[i] = uniformDouble(0, 1);
    }
    for (int i = 0; i + 16 <= n; i += 16) {
      boxMuller16(out, i, mean, std);
    }
    if (n % 16 != 0) {
      for (int i = n - 16; i < n; i++) {
        out[i] = uniformDouble(0, 1);
      }
      boxMuller16(out, n - 16, mean, std);
    }
  }

  private static void boxMuller16(double[] d, int at, double mean, double std) {
    for (int j = at; j < at + 8; j++) {
      double u1 = 1 - d[j];
      double u2 = d[j + 8];
      double radius = Math.sqrt(-2 * Math.log(u1));
      double theta = 2.0f * Math.PI * u2;
      d[j] = radius * Math.cos(theta) * std + mean;
      d[j + 8] = radius * Math.sin(theta) * std + mean;
    }
  }

  /** {@code normal_distribution<double>}: Box-Muller on two uniforms, the sine sample cached. */
  private double normalScalar(double mean, double std) {
    if (hasNormal) {
      hasNormal = false;
      return nextNormal * std + mean;
    }
    double u1 = uniformDouble(0, 1);
    double u2 = uniformDouble(0, 1);
    double r = Math.sqrt(-2.0 * Math.log(1.0 - u2));
    double theta = 2.0 * Math.PI * u1;
    hasNormal = true;
    nextNormal = r * Math.sin(theta);
    return r * Math.cos(theta) * std + mean;
  }
}
