package dev.ember.nn.loss;

import dev.ember.nn.Reduction;
import dev.ember.tensor.Tensor;

/** A loss: a function of (input, target) with a {@link Reduction} (default {@code MEAN}). */
public abstract class Loss {
  private Reduction reduction = Reduction.MEAN;

  /** The loss of {@code input} against {@code target}. */
  public abstract Tensor forward(Tensor input, Tensor target);

  /** The reduction in use. */
  public Reduction reduction() {
    return reduction;
  }

  /** Sets the reduction; returns this. */
  public Loss reduction(Reduction r) {
    this.reduction = java.util.Objects.requireNonNull(r, "reduction");
    return this;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(reduction=" + reduction.name().toLowerCase(java.util.Locale.ROOT) + ")";
  }
}
