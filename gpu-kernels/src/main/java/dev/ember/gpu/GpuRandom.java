package dev.ember.gpu;

import dev.ember.backend.RandomOp;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;

/**
 * Philox4x32-10 random fills on the GPU (kernels in {@code random.c}): the CPU backend's recipe
 * ({@code CpuRandom}), so a generator state gives the same tensor on every device. dst may be
 * strided (element i is its i-th element in row-major order, as on the CPU).
 */
final class GpuRandom {
  private GpuRandom() {}

  /** Fills {@code dst} (float32 or float64) from {@code op} with parameters a, b. */
  static void random(GpuBackend b, RandomOp op, Tensor dst, long seed, long offset, double a,
      double bParam) {
    if (!dst.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("random fills float32 or float64 tensors, got "
          + dst.dtype());
    }
    int n = dst.numel();
    if (n == 0) {
      return;
    }
    // One work item per Philox block: 4 float32 or 2 float64 elements.
    int perBlock = dst.dtype() == DType.FLOAT32 ? 4 : 2;
    int blocks = (int) (((long) n + perBlock - 1) / perBlock);
    b.launch("random", "random_" + GpuBackend.suffix(dst.dtype()), blocks, b.slab(dst),
        b.offset(dst), n, op == RandomOp.NORMAL ? 1 : 0, (int) seed, (int) (seed >>> 32),
        (int) offset, (int) (offset >>> 32), a, bParam, GpuBackend.meta(dst),
        dst.isContiguous() ? 1 : 0);
  }
}
