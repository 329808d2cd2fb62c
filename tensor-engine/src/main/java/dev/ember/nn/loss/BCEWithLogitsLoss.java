package dev.ember.nn.loss;

import dev.ember.nn.F;
import dev.ember.tensor.Tensor;

/**
 * Binary cross-entropy of logits, computed stably, as {@code torch.nn.BCEWithLogitsLoss}: an
 * optional elementwise weight and a per-class {@code posWeight} (broadcast along the last dim)
 * that scales the positive term.
 */
public class BCEWithLogitsLoss extends Loss {
  private Tensor weight;
  private Tensor posWeight;

  /** Sets the elementwise weight or null; returns this. */
  public BCEWithLogitsLoss weight(Tensor weight) {
    this.weight = weight == null ? null : weight.detach().persist();
    return this;
  }

  /** Sets the positive-class weight (one per class) or null; returns this. */
  public BCEWithLogitsLoss posWeight(Tensor posWeight) {
    this.posWeight = posWeight == null ? null : posWeight.detach().persist();
    return this;
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.binaryCrossEntropyWithLogits(input, target, weight, posWeight, reduction());
  }
}
