package dev.ember.gpu;

import dev.ember.backend.*;
import dev.ember.tensor.Tensor;

/** Philox random numbers (kernels: not written yet). */
final class GpuRandom {
  private GpuRandom() {}

  static void random(GpuBackend b, RandomOp op, Tensor dst, long seed, long offset, double lo, double hi) {
    throw b.unsupported("random", "no kernel yet");
  }
}
