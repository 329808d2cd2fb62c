package dev.ember.nn.activation;

import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** {@code x * sigmoid(x)}, as {@code torch.nn.SiLU}. */
public class SiLU extends Module {

  @Override
  public Tensor forward(Tensor input) {
    return F.silu(input);
  }
}
