package dev.ember.nn.activation;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** Hyperbolic tangent, as {@code torch.nn.Tanh}. */
public class Tanh extends Module {

  @Override
  public Tensor forward(Tensor input) {
    return F.tanh(input);
  }
}
