package dev.ember.nn.layers;

import dev.ember.nn.Module;
import dev.ember.tensor.Tensor;

/**
 * Flattens dims {@code startDim..endDim} into one, as {@code torch.nn.Flatten} (defaults 1 and
 * -1: everything but the batch dim).
 */
public class Flatten extends Module {
  private final int startDim;
  private final int endDim;

  /** Flattens all dims but the first. */
  public Flatten() {
    this(1, -1);
  }

  /** Flattens dims {@code startDim..endDim} (negative counts from the end). */
  public Flatten(int startDim, int endDim) {
    this.startDim = startDim;
    this.endDim = endDim;
  }

  @Override
  public Tensor forward(Tensor input) {
    return input.flatten(startDim, endDim);
  }

  @Override
  protected String extraRepr() {
    return "start_dim=" + startDim + ", end_dim=" + endDim;
  }
}
