package dev.ember.autograd;

import dev.ember.tensor.Tensor;

/**
 * The backward of an operation, written with tensor operations (so it is itself differentiable
 * when {@code createGraph} is set).
 */
@FunctionalInterface
public interface Backward {
  /**
   * Computes the gradients of the inputs.
   *
   * @param grad the gradient of the output
   * @param needsInputGrad which inputs need a gradient; others may get {@code null}
   * @return one gradient per input
   */
  Tensor[] apply(Tensor grad, boolean[] needsInputGrad);
}
