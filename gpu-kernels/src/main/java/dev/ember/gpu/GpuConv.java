package dev.ember.gpu;

import dev.ember.backend.*;
import dev.ember.tensor.Tensor;

/** im2col, col2im and max pooling (kernels: not written yet). */
final class GpuConv {
  private GpuConv() {}

  static void im2col(GpuBackend b, Tensor dst, Tensor src, int[] stride, int[] padding, int[] dilation) {
    throw b.unsupported("im2col", "no kernel yet");
  }

  static void col2im(GpuBackend b, Tensor dst, Tensor src, int[] stride, int[] padding, int[] dilation) {
    throw b.unsupported("col2im", "no kernel yet");
  }

  static void maxPool2d(GpuBackend b, Tensor dst, Tensor indices, Tensor src, int[] kernel, int[] stride, int[] padding, int[] dilation) {
    throw b.unsupported("maxPool2d", "no kernel yet");
  }

  static void maxPool2dBackward(GpuBackend b, Tensor dst, Tensor grad, Tensor indices) {
    throw b.unsupported("maxPool2dBackward", "no kernel yet");
  }
}
