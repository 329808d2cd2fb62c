package dev.ember.gpu;

import dev.ember.backend.*;
import dev.ember.tensor.Tensor;

/** Fused LSTM and GRU cells (kernels: not written yet). */
final class GpuRecurrent {
  private GpuRecurrent() {}

  static void lstmCell(GpuBackend b, Tensor gates, Tensor cPrev, Tensor h, Tensor c) {
    throw b.unsupported("lstmCell", "no kernel yet");
  }

  static void lstmCellBackward(GpuBackend b, Tensor act, Tensor cPrev, Tensor c, Tensor dh, Tensor dc, Tensor dGates, Tensor dcPrev) {
    throw b.unsupported("lstmCellBackward", "no kernel yet");
  }

  static void gruCell(GpuBackend b, Tensor xg, Tensor hg, Tensor hPrev, Tensor h, Tensor saved) {
    throw b.unsupported("gruCell", "no kernel yet");
  }

  static void gruCellBackward(GpuBackend b, Tensor saved, Tensor hPrev, Tensor dh, Tensor dxg, Tensor dhg, Tensor dhPrev) {
    throw b.unsupported("gruCellBackward", "no kernel yet");
  }
}
