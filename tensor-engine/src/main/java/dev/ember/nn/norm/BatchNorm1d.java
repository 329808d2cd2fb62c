package dev.ember.nn.norm;

import dev.ember.tensor.Tensor;

/**
 * {@link BatchNorm} over (N, C) or (N, C, L) inputs, as {@code torch.nn.BatchNorm1d}; statistics
 * per channel C over N (and L).
 */
public class BatchNorm1d extends BatchNorm {

  /** eps 1e-5, momentum 0.1, affine, tracking running statistics. */
  public BatchNorm1d(int numFeatures) {
    this(numFeatures, 1e-5, 0.1, true, true);
  }

  /** See {@link BatchNorm#BatchNorm(int, double, Double, boolean, boolean)}. */
  public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine,
      boolean trackRunningStats) {
    super(numFeatures, eps, momentum, affine, trackRunningStats);
  }

  @Override
  protected void checkInputDim(Tensor input) {
    if (input.dim() != 2 && input.dim() != 3) {
      throw new IllegalArgumentException(
          "BatchNorm1d: expected 2D or 3D input (N, C) or (N, C, L), got " + input.describe());
    }
  }
}
