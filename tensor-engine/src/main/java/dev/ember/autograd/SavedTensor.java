package dev.ember.autograd;

import dev.ember.tensor.Tensor;

/**
 * A tensor saved by a forward operation for its backward, together with the version of its
 * storage at that moment: if an in-place operation changes the values before backward runs,
 * {@link #get()} fails instead of silently computing a wrong gradient (PyTorch's version counter).
 */
public final class SavedTensor {
  private final Tensor tensor;
  private final int version;

  private SavedTensor(Tensor tensor) {
    this.tensor = tensor;
    this.version = tensor.version();
  }

  /** Saves {@code t} (null stays null). */
  public static SavedTensor of(Tensor t) {
    return t == null ? null : new SavedTensor(t);
  }

  /**
   * The saved tensor.
   *
   * @throws IllegalStateException if it was modified in place since it was saved
   */
  public Tensor get() {
    int now = tensor.version();
    if (now != version) {
      throw new IllegalStateException(
          "one of the variables needed for gradient computation has been modified by an inplace"
              + " operation: " + tensor.describe() + " is at version " + now + "; expected version "
              + version + " instead");
    }
    return tensor;
  }
}
