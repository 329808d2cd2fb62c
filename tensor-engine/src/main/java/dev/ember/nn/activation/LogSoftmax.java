package dev.ember.nn.activation;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** Log-softmax along {@code dim}, as {@code torch.nn.LogSoftmax}. */
public class LogSoftmax extends Module {
  private final int dim;

  /** Log-softmax along {@code dim} (negative counts from the end). */
  public LogSoftmax(int dim) {
    this.dim = dim;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.logSoftmax(input, dim);
  }

  @Override
  protected String extraRepr() {
    return "dim=" + dim;
  }
}
