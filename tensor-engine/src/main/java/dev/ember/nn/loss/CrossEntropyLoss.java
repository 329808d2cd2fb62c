package dev.ember.nn.loss;

import dev.ember.nn.F;
import dev.ember.tensor.Tensor;

/**
 * Cross-entropy of logits against class indices or class probabilities, as {@code
 * torch.nn.CrossEntropyLoss}: optional class weights, {@code ignoreIndex} (default -100) and label
 * smoothing. See {@link F#crossEntropy}.
 *
 * <pre>
 * input (N, C) or (N, C, d1, ...) or (C)   target (N) / (N, d1, ...) int64, or the input's shape
 * </pre>
 */
public class CrossEntropyLoss extends Loss {
  private Tensor weight;
  private int ignoreIndex = -100;
  private double labelSmoothing;

  /** Sets per-class weights (C) or null; returns this. */
  public CrossEntropyLoss weight(Tensor weight) {
    this.weight = weight == null ? null : weight.detach().persist();
    return this;
  }

  /** Sets the target value whose samples count for nothing; returns this. */
  public CrossEntropyLoss ignoreIndex(int ignoreIndex) {
    this.ignoreIndex = ignoreIndex;
    return this;
  }

  /** Sets the label smoothing in [0, 1]; returns this. */
  public CrossEntropyLoss labelSmoothing(double eps) {
    if (!(eps >= 0 && eps <= 1)) {
      throw new IllegalArgumentException("labelSmoothing must be in [0, 1], got " + eps);
    }
    this.labelSmoothing = eps;
    return this;
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.crossEntropy(input, target, weight, ignoreIndex, reduction(), labelSmoothing);
  }
}
