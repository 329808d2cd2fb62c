package dev.ember.spark;

/**
 * Exact sums of weighted doubles in 192-bit fixed point, so that a sum does not depend on the
 * order of its terms: Spark combines partition results in the order tasks finish, and a floating
 * point sum in that order would make the averaged model differ in its last bits from run to run.
 *
 * <p>An accumulator element is three longs {@code [low, middle, high]} of a two's complement
 * integer {@code I}; its value is {@code I * 2^-128}. A term {@code n * x} is converted exactly
 * when {@code x}'s lowest set bit is at least {@code 2^-128} (every float32 of magnitude {@code >=
 * 2^-104} and most doubles) and truncated toward zero below that, always the same way for the
 * same {@code (x, n)}; the range is {@code |sum| < 2^63}. Integer addition is associative and
 * commutative, so the sum is a function of the multiset of terms alone.
 */
final class ExactSum {
  /** Longs per element. */
  static final int LIMBS = 3;
  private static final int FRACTION_BITS = 128;

  private ExactSum() {}

  /** A fresh accumulator of {@code size} zero elements. */
  static long[] zeros(int size) {
    return new long[Math.multiplyExact(size, LIMBS)];
  }

  /** The number of elements of an accumulator. */
  static int size(long[] acc) {
    return acc.length / LIMBS;
  }

  /**
   * Adds {@code n * x} to element {@code i} of {@code acc}.
   *
   * @throws ArithmeticException if {@code x} is not finite, {@code n} is negative, or the sum
   *     leaves the range {@code (-2^63, 2^63)}
   */
  static void addScaled(long[] acc, int i, double x, long n) {
    if (!Double.isFinite(x)) {
      throw new ArithmeticException("cannot sum a non-finite value: " + x);
    }
    if (n < 0) {
      throw new ArithmeticException("negative weight " + n);
    }
    if (x == 0 || n == 0) {
      return;
    }
    long bits = Double.doubleToRawLongBits(Math.abs(x));
    int exp = (int) (bits >>> 52);
    long m = bits & ((1L << 52) - 1);
    int e;
    if (exp == 0) {
      e = -1074;
    } else {
      m |= 1L << 52;
      e = exp - 1075;
    }
    // x = m * 2^e, so x * 2^128 = m * 2^s.
    int s = e + FRACTION_BITS;
    if (s < 0) {
      m = -s >= 64 ? 0 : m >>> -s;
      s = 0;
    }
    if (m == 0) {
      return;
    }
    long lo = m * n;
    // Both factors are non-negative, so the signed high word is the unsigned one.
    long hi = Math.multiplyHigh(m, n);
    int bitLength = hi != 0 ? 128 - Long.numberOfLeadingZeros(hi)
        : 64 - Long.numberOfLeadingZeros(lo);
    if (bitLength + s > 191) {
      throw new ArithmeticException(n + " * " + x + " exceeds the exact-sum range of 2^63");
    }
    // (hi, lo) << s, as three limbs: first by the bits within a word, then by whole words.
    int shift = s & 63;
    long w0 = lo << shift;
    long w1 = shift == 0 ? hi : (hi << shift) | (lo >>> (64 - shift));
    long w2 = shift == 0 ? 0 : hi >>> (64 - shift);
    long r0;
    long r1;
    long r2;
    switch (s >>> 6) {
      case 0:
        r0 = w0;
        r1 = w1;
        r2 = w2;
        break;
      case 1:
        r0 = 0;
        r1 = w0;
        r2 = w1;
        break;
      default:
        r0 = 0;
        r1 = 0;
        r2 = w0;
        break;
    }
    if (x < 0) {
      r0 = ~r0;
      r1 = ~r1;
      r2 = ~r2;
      r0 += 1;
      if (r0 == 0) {
        r1 += 1;
        if (r1 == 0) {
          r2 += 1;
        }
      }
    }
    add(acc, i, r0, r1, r2);
  }

  /**
   * Adds accumulator {@code b} into {@code acc} (the same size), element-wise.
   *
   * @throws ArithmeticException if an element leaves the range
   */
  static void addInto(long[] acc, long[] b) {
    if (acc.length != b.length) {
      throw new IllegalArgumentException("accumulators of " + size(acc) + " and " + size(b)
          + " elements");
    }
    for (int i = 0; i < b.length; i += LIMBS) {
      add(acc, i / LIMBS, b[i], b[i + 1], b[i + 2]);
    }
  }

  /**
   * The element-wise sum of two accumulators of the same size, in a new array.
   *
   * @throws ArithmeticException if an element leaves the range
   */
  static long[] sum(long[] a, long[] b) {
    long[] out = a.clone();
    addInto(out, b);
    return out;
  }

  private static void add(long[] acc, int i, long b0, long b1, long b2) {
    int k = i * LIMBS;
    long a0 = acc[k];
    long a1 = acc[k + 1];
    long a2 = acc[k + 2];
    long s0 = a0 + b0;
    long c0 = Long.compareUnsigned(s0, a0) < 0 ? 1 : 0;
    long t1 = a1 + b1;
    long c1 = Long.compareUnsigned(t1, a1) < 0 ? 1 : 0;
    long s1 = t1 + c0;
    if (Long.compareUnsigned(s1, t1) < 0) {
      c1 = 1;
    }
    long s2 = a2 + b2 + c1;
    if (((a2 ^ s2) & (b2 ^ s2)) < 0) {
      throw new ArithmeticException("exact sum exceeds the range of 2^63");
    }
    acc[k] = s0;
    acc[k + 1] = s1;
    acc[k + 2] = s2;
  }

  /**
   * Element {@code i} as the nearest double (ties to even), so that scaling the sum by a power of
   * two scales the result by exactly the same power.
   */
  static double toDouble(long[] acc, int i) {
    int k = i * LIMBS;
    long r0 = acc[k];
    long r1 = acc[k + 1];
    long r2 = acc[k + 2];
    boolean negative = r2 < 0;
    if (negative) {
      r0 = ~r0;
      r1 = ~r1;
      r2 = ~r2;
      r0 += 1;
      if (r0 == 0) {
        r1 += 1;
        if (r1 == 0) {
          r2 += 1;
        }
      }
    }
    int top;
    if (r2 != 0) {
      top = 191 - Long.numberOfLeadingZeros(r2);
    } else if (r1 != 0) {
      top = 127 - Long.numberOfLeadingZeros(r1);
    } else if (r0 != 0) {
      top = 63 - Long.numberOfLeadingZeros(r0);
    } else {
      return 0.0;
    }
    double d;
    if (top <= 61) {
      d = (double) r0;
    } else {
      // Keep the top 62 bits and fold every lower bit into a sticky bit 0: the long -> double
      // conversion then rounds exactly as rounding the whole 192-bit value would.
      int shift = top - 61;
      int bitShift = shift & 63;
      long v;
      long below;
      if (shift < 64) {
        v = (r0 >>> bitShift) | (bitShift == 0 ? 0 : r1 << (64 - bitShift));
        below = bitShift == 0 ? 0 : r0 << (64 - bitShift);
      } else {
        v = (r1 >>> bitShift) | (bitShift == 0 ? 0 : r2 << (64 - bitShift));
        below = r0 | (bitShift == 0 ? 0 : r1 << (64 - bitShift));
      }
      if (below != 0) {
        v |= 1;
      }
      d = Math.scalb((double) v, shift);
    }
    d = Math.scalb(d, -FRACTION_BITS);
    return negative ? -d : d;
  }
}
