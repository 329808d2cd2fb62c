package dev.ember.nn.loss;

import dev.ember.nn.F;
import dev.ember.tensor.Tensor;

/**
 * {@code 0.5 d^2 / beta} where {@code |d| < beta}, else {@code |d| - 0.5 beta}, as {@code
 * torch.nn.SmoothL1Loss} (beta 1 by default).
 */
public class SmoothL1Loss extends Loss {
  private double beta = 1.0;

  /** Sets beta (non-negative; 0 is the L1 loss); returns this. */
  public SmoothL1Loss beta(double beta) {
    if (beta < 0) {
      throw new IllegalArgumentException("SmoothL1Loss: beta must be non-negative, got " + beta);
    }
    this.beta = beta;
    return this;
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.smoothL1Loss(input, target, reduction(), beta);
  }
}
