package dev.ember.nn.activation;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** {@code 1 / (1 + exp(-x))}, as {@code torch.nn.Sigmoid}. */
public class Sigmoid extends Module {

  @Override
  public Tensor forward(Tensor input) {
    return F.sigmoid(input);
  }
}
