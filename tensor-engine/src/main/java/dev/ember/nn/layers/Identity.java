package dev.ember.nn.layers;

import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/** Returns its input, as {@code torch.nn.Identity} (a placeholder in a model's structure). */
public class Identity extends Module {
  @Override
  public Tensor forward(Tensor input) {
    return input;
  }
}
