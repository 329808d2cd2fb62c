package dev.ember.gpu;

import dev.ember.backend.*;
import dev.ember.tensor.Tensor;

/** Reductions, scans and softmax (kernels: not written yet). */
final class GpuReduce {
  private GpuReduce() {}

  static void reduce(GpuBackend b, ReduceOp op, Tensor dst, Tensor src, int[] dims) {
    throw b.unsupported("reduce", "no kernel yet");
  }

  static void scan(GpuBackend b, ReduceOp op, Tensor dst, Tensor src, int dim) {
    throw b.unsupported("scan", "no kernel yet");
  }

  static void softmax(GpuBackend b, Tensor dst, Tensor src, int dim, boolean log) {
    throw b.unsupported("softmax", "no kernel yet");
  }
}
