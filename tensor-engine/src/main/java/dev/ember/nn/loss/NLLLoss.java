package dev.ember.nn.loss;

import dev.ember.nn.F;
import dev.ember.tensor.Tensor;

/**
 * Negative log-likelihood of class indices given log-probabilities, as {@code torch.nn.NLLLoss}:
 * optional class weights, {@code ignoreIndex} (default -100). See {@link F#nllLoss}.
 */
public class NLLLoss extends Loss {
  private Tensor weight;
  private int ignoreIndex = -100;

  /** Sets per-class weights (C) or null; returns this. */
  public NLLLoss weight(Tensor weight) {
    this.weight = weight == null ? null : weight.detach().persist();
    return this;
  }

  /** Sets the target value whose samples count for nothing; returns this. */
  public NLLLoss ignoreIndex(int ignoreIndex) {
    this.ignoreIndex = ignoreIndex;
    return this;
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.nllLoss(input, target, weight, ignoreIndex, reduction());
  }
}
