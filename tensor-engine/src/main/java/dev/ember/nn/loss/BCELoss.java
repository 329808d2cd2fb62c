package dev.ember.nn.loss;

import dev.ember.nn.F;
import dev.ember.tensor.Tensor;

/**
 * Binary cross-entropy of probabilities in [0, 1], as {@code torch.nn.BCELoss}; an optional
 * weight scales each element. Prefer {@link BCEWithLogitsLoss} on logits: it is stable.
 */
public class BCELoss extends Loss {
  private Tensor weight;

  /** Sets the elementwise weight (broadcast to the input) or null; returns this. */
  public BCELoss weight(Tensor weight) {
    this.weight = weight == null ? null : weight.detach().persist();
    return this;
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.binaryCrossEntropy(input, target, weight, reduction());
  }
}
