package dev.ember.gpu;

import dev.ember.backend.*;
import dev.ember.tensor.Tensor;

/** Fused optimizer updates (kernels: not written yet). */
final class GpuOptim {
  private GpuOptim() {}

  static void update(GpuBackend b, OptimizerUpdate kind, Tensor param, Tensor grad, Tensor[] state, double[] hyper) {
    throw b.unsupported("update", "no kernel yet");
  }
}
