package dev.ember.nn.activation;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** {@code max(x, 0)}, as {@code torch.nn.ReLU}. */
public class ReLU extends Module {

  @Override
  public Tensor forward(Tensor input) {
    return F.relu(input);
  }
}
