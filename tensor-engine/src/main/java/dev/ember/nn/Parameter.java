package dev.ember.nn;

import dev.ember.tensor.Tensor;

/**
 * Makes tensors into parameters, as {@code torch.nn.Parameter}: a leaf that requires grad and
 * lives outside every scope (it is long-lived state, whatever scope it was created in).
 */
public final class Parameter {
  private Parameter() {}

  /**
   * A parameter holding {@code data}'s values: {@code data} itself when it is already a leaf
   * outside the graph, else a detached alias of it.
   *
   * @throws IllegalArgumentException if {@code data} is not floating point
   */
  public static Tensor of(Tensor data) {
    if (!data.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(
          "a parameter must be floating point, got " + data.describe());
    }
    Tensor p = data.isLeaf() && !data.requiresGrad() ? data : data.detach();
    return p.requiresGrad(true).persist();
  }
}
