package dev.ember.nn.activation;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** {@code x} where positive, else {@code negativeSlope * x}, as {@code torch.nn.LeakyReLU}. */
public class LeakyReLU extends Module {
  private final double negativeSlope;

  /** Negative slope 0.01. */
  public LeakyReLU() {
    this(0.01);
  }

  /** The given negative slope. */
  public LeakyReLU(double negativeSlope) {
    this.negativeSlope = negativeSlope;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.leakyRelu(input, negativeSlope);
  }

  @Override
  protected String extraRepr() {
    return "negative_slope=" + negativeSlope;
  }
}
