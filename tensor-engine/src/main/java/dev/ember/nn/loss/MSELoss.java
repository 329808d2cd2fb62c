package dev.ember.nn.loss;

import dev.ember.nn.F;
import dev.ember.tensor.Tensor;

/** Squared error {@code (x - y)^2}, as {@code torch.nn.MSELoss}; input and target of one shape. */
public class MSELoss extends Loss {
  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.mseLoss(input, target, reduction());
  }
}
