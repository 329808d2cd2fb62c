package dev.ember.tensor;

/**
 * Views that the public API does not make, for backend tests: negative strides (a flip that is a
 * view, not a copy).
 */
public final class TestViews {
  private TestViews() {}

  /**
   * A view of {@code t} with {@code dims} reversed in place (negative strides over the same
   * storage): element {@code i} of a flipped dim is element {@code size - 1 - i} of t.
   */
  public static Tensor flipView(Tensor t, int... dims) {
    int[] shape = t.shape();
    int[] strides = t.stride();
    int offset = t.storageOffset();
    for (int d : dims) {
      if (shape[d] > 0) {
        offset += (shape[d] - 1) * strides[d];
      }
      strides[d] = -strides[d];
    }
    return t.viewAs(shape, strides, offset);
  }
}
