package dev.ember.nn.activation;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** Softmax along {@code dim}, as {@code torch.nn.Softmax}. */
public class Softmax extends Module {
  private final int dim;

  /** Softmax along {@code dim} (negative counts from the end). */
  public Softmax(int dim) {
    this.dim = dim;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.softmax(input, dim);
  }

  @Override
  protected String extraRepr() {
    return "dim=" + dim;
  }
}
