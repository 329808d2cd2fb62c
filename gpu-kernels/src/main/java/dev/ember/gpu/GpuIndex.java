package dev.ember.gpu;

import dev.ember.backend.*;
import dev.ember.tensor.Tensor;

/** Gather, scatter and masked select (kernels: not written yet). */
final class GpuIndex {
  private GpuIndex() {}

  static void gather(GpuBackend b, Tensor dst, Tensor src, int dim, Tensor index) {
    throw b.unsupported("gather", "no kernel yet");
  }

  static void scatter(GpuBackend b, Tensor dst, int dim, Tensor index, Tensor src, boolean accumulate) {
    throw b.unsupported("scatter", "no kernel yet");
  }

  static void maskedSelect(GpuBackend b, Tensor dst, Tensor src, Tensor mask) {
    throw b.unsupported("maskedSelect", "no kernel yet");
  }
}
