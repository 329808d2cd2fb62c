package dev.ember.tensor;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
 * counter-based generator whose block {@code n} for key {@code seed} is a pure function, so any
 * backend can compute any element independently and all agree.
 */
public final class Philox {
  private static final int M0 = 0xD2511F53;
  private static final int M1 = 0xCD9E8D57;
  private static final int W0 = 0x9E3779B9;
  private static final int W1 = 0xBB67AE85;

  private Philox() {}

  /** The four 32-bit words of block {@code counter} under key {@code seed}. */
  public static int[] block(long seed, long counter) {
    int[] out = new int[4];
    block(seed, counter, out);
    return out;
  }

  /** Writes the four 32-bit words of block {@code counter} under key {@code seed} to {@code out}. */
  public static void block(long seed, long counter, int[] out) {
    block((int) counter, (int) (counter >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), out);
  }

  /** The general form: a 128-bit counter {@code c0..c3} (low word first) and 64-bit key. */
  static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
    for (int r = 0; r < 10; r++) {
      long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
      long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
      int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
      int n1 = (int) p1;
      int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
      int n3 = (int) p0;
      c0 = n0;
      c1 = n1;
      c2 = n2;
      c3 = n3;
      k0 += W0;
      k1 += W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
  }

  /** A float in [0, 1) from the top 24 bits of a word. */
  public static float toFloat(int word) {
    return (word >>> 8) * 0x1.0p-24f;
  }

  /** A double in [0, 1) from 53 bits of two words. */
  public static double toDouble(int hi, int lo) {
    long bits = ((hi & 0xFFFFFFFFL) << 21) | ((lo & 0xFFFFFFFFL) >>> 11);
    return bits * 0x1.0p-53;
  }
}
