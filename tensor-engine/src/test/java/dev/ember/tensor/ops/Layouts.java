package dev.ember.tensor.ops;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;

/** Non-contiguous copies of tensors, to run every op case on strided operands too. */
final class Layouts {
  private Layouts() {}

  /** What the gaps of a strided tensor hold: a value an op that reads them would show. */
  private static double sentinel(DType dtype) {
    return switch (dtype) {
      case FLOAT32, FLOAT64 -> Double.NaN;
      case INT32, INT64 -> -987654321;
      case BOOL -> 1;
    };
  }

  /**
   * A tensor of {@code shape} whose elements are laid out as far from row-major as a small shape
   * allows: the dims are stored in reverse order (a transposed layout), every dim steps over a
   * gap of one element, and the first element sits at a nonzero storage offset. A 0-d tensor is
   * a select of a 2-element storage. The gaps hold a sentinel (NaN for floats).
   */
  static Tensor stridedEmpty(DType dtype, int... shape) {
    return stridedEmpty(dtype, Device.CPU, shape);
  }

  /** {@link #stridedEmpty(DType, int...)} on {@code device}. */
  static Tensor stridedEmpty(DType dtype, Device device, int... shape) {
    int n = shape.length;
    if (n == 0) {
      return Tensor.full(new int[] {2}, sentinel(dtype), dtype, device).select(0, 1);
    }
    int[] big = new int[n];
    int[] reverse = new int[n];
    for (int i = 0; i < n; i++) {
      big[i] = 2 * shape[n - 1 - i] + (i == 0 ? 1 : 0);
      reverse[i] = n - 1 - i;
    }
    Tensor t = Tensor.full(big, sentinel(dtype), dtype, device);
    for (int i = 0; i < n; i++) {
      int size = shape[n - 1 - i];
      t = t.slice(i, i == 0 ? 1 : 0, (i == 0 ? 1 : 0) + 2 * size, 2);
    }
    return t.permute(reverse);
  }

  /**
   * A copy of {@code t} (same dtype, shape and values) in the layout of {@link #stridedEmpty}:
   * a leaf outside any graph.
   */
  static Tensor strided(Tensor t) {
    try (GradMode g = Autograd.noGrad()) {
      Tensor v = stridedEmpty(t.dtype(), t.device(), t.shape());
      v.copy_(t);
      return v.detach();
    }
  }

  /**
   * The destination of an in-place op under test: a fresh copy of {@code x} (recorded, so the
   * gradient flows back to {@code x}), strided like {@link #stridedEmpty} when {@code x} is not
   * contiguous, so in-place ops are run on strided views of a larger base too.
   */
  static Tensor dst(Tensor x) {
    Tensor d = x.isContiguous()
        ? Tensor.zeros(x.dtype(), x.device(), x.shape())
        : stridedEmpty(x.dtype(), x.device(), x.shape());
    return d.copy_(x);
  }
}
