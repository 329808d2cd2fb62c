package dev.ember.nn.activation;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** {@code x} where positive, else {@code alpha (exp(x) - 1)}, as {@code torch.nn.ELU}. */
public class ELU extends Module {
  private final double alpha;

  /** alpha = 1. */
  public ELU() {
    this(1.0);
  }

  /** The given alpha. */
  public ELU(double alpha) {
    this.alpha = alpha;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.elu(input, alpha);
  }

  @Override
  protected String extraRepr() {
    return "alpha=" + alpha;
  }
}
