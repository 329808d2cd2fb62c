package dev.ember.gpu;

/** Test access to GpuMatmul's TF32 check from other test packages. */
public final class GpuTf32Access {
  private GpuTf32Access() {}

  /** {@code GpuMatmul.compareTf32}. */
  public static String compare(float[] got, float[] want, float[] a, float[] b, int m, int n,
      int k) {
    return GpuMatmul.compareTf32(got, want, a, b, m, n, k);
  }
}
