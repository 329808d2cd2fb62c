package dev.ember.gpu;

import dev.ember.backend.*;
import dev.ember.tensor.Tensor;

/** Elementwise primitives (kernels: not written yet). */
final class GpuElementwise {
  private GpuElementwise() {}

  static void unary(GpuBackend b, UnaryOp op, Tensor dst, Tensor src, double p0, double p1) {
    throw b.unsupported("unary", "no kernel yet");
  }

  static void binary(GpuBackend b, BinaryOp op, Tensor dst, Tensor x, Tensor y) {
    throw b.unsupported("binary", "no kernel yet");
  }

  static void where(GpuBackend b, Tensor dst, Tensor cond, Tensor x, Tensor y) {
    throw b.unsupported("where", "no kernel yet");
  }
}
