package dev.ember.autograd;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/** A node whose backward is a lambda over saved tensors; what operators record. */
final class FunctionNode extends Node {
  private Backward backward;
  private final int[][] inputShapes;
  private final DType[] inputDtypes;

  FunctionNode(String name, Node[] next, Backward backward, Tensor[] inputs) {
    super(name, next);
    this.backward = backward;
    this.inputShapes = new int[inputs.length][];
    this.inputDtypes = new DType[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      if (inputs[i] != null) {
        inputShapes[i] = inputs[i].shape();
        inputDtypes[i] = inputs[i].dtype();
      }
    }
  }

  @Override
  protected Tensor[] apply(Tensor gradOutput) {
    boolean[] needs = new boolean[inputShapes.length];
    for (int i = 0; i < needs.length; i++) {
      needs[i] = needsInputGrad(i);
    }
    Tensor[] grads = backward.apply(gradOutput, needs);
    if (grads.length != needs.length) {
      throw new IllegalStateException(
          name() + " returned " + grads.length + " gradients for " + needs.length + " inputs");
    }
    for (int i = 0; i < grads.length; i++) {
      if (!needs[i]) {
        grads[i] = null;
      } else if (grads[i] != null) {
        Tensor g = grads[i];
        if (!Arrays.equals(g.shape(), inputShapes[i])) {
          throw new IllegalStateException(
              name() + " returned a gradient of shape " + Arrays.toString(g.shape()) + " for input "
                  + i + " of shape " + Arrays.toString(inputShapes[i]));
        }
        if (g.dtype() != inputDtypes[i]) {
          grads[i] = g.to(inputDtypes[i]);
        }
      }
    }
    return grads;
  }

  @Override
  protected void releaseSaved() {
    backward = null;
  }
}
