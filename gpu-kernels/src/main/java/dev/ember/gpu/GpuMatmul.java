package dev.ember.gpu;

import dev.ember.backend.*;
import dev.ember.tensor.Tensor;

/** Batched GEMM (kernels: not written yet). */
final class GpuMatmul {
  private GpuMatmul() {}

  static void matmul(GpuBackend b, Tensor dst, Tensor x, Tensor y, double alpha, double beta) {
    throw b.unsupported("matmul", "no kernel yet");
  }
}
