package dev.ember.nn.activation;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** {@code log(1 + exp(beta x)) / beta}, linear where {@code beta x > threshold}, as {@code torch.nn.Softplus}. */
public class Softplus extends Module {
  private final double beta;
  private final double threshold;

  /** beta = 1, threshold = 20. */
  public Softplus() {
    this(1, 20);
  }

  /** The given beta and threshold. */
  public Softplus(double beta, double threshold) {
    this.beta = beta;
    this.threshold = threshold;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.softplus(input, beta, threshold);
  }

  @Override
  protected String extraRepr() {
    return "beta=" + beta + ", threshold=" + threshold;
  }
}
