package dev.ember.nn.loss;

import dev.ember.nn.F;
import dev.ember.tensor.Tensor;

/**
 * {@code 0.5 d^2} where {@code |d| < delta}, else {@code delta (|d| - 0.5 delta)}, as {@code
 * torch.nn.HuberLoss} (delta 1 by default).
 */
public class HuberLoss extends Loss {
  private double delta = 1.0;

  /** Sets delta (positive); returns this. */
  public HuberLoss delta(double delta) {
    if (!(delta > 0)) {
      throw new IllegalArgumentException("HuberLoss: delta must be positive, got " + delta);
    }
    this.delta = delta;
    return this;
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.huberLoss(input, target, reduction(), delta);
  }
}
