package dev.ember.nn.loss;

import dev.ember.nn.F;
import dev.ember.tensor.Tensor;

/** Absolute error {@code |x - y|}, as {@code torch.nn.L1Loss}; input and target of one shape. */
public class L1Loss extends Loss {
  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.l1Loss(input, target, reduction());
  }
}
