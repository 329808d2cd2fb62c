package dev.ember.backend;

/**
 * The conversion between the Java arrays of the SPI ({@code boolean[]} for bool, see {@link
 * Backend#upload}) and the layout every backend stores bool in: one byte per element, 0 or 1.
 */
public final class HostArrays {
  private HostArrays() {}

  /** {@code a} as bytes: 1 for true, 0 for false. */
  public static byte[] toBytes(boolean[] a) {
    byte[] b = new byte[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = a[i] ? (byte) 1 : 0;
    }
    return b;
  }

  /** The first {@code n} bytes of {@code b} as booleans: any non-zero byte is true. */
  public static boolean[] toBooleans(byte[] b, int n) {
    boolean[] z = new boolean[n];
    for (int i = 0; i < n; i++) {
      z[i] = b[i] != 0;
    }
    return z;
  }
}
