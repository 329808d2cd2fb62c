package dev.ember.gpu;

/** Test access to GpuMatmul's tensor-core check from other test packages. */
public final class GpuTensorCoreAccess {
  private GpuTensorCoreAccess() {}

  /** {@code GpuMatmul.compareTensorCores}. */
  public static String compare(String kernel, float[] got, float[] want, float[] a, float[] b,
      int m, int n, int k) {
    return GpuMatmul.compareTensorCores(kernel, got, want, a, b, m, n, k);
  }
}
