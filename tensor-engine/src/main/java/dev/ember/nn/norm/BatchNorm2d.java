package dev.ember.nn.norm;

import dev.ember.tensor.Tensor;

/**
 * {@link BatchNorm} over (N, C, H, W) inputs, as {@code torch.nn.BatchNorm2d}; statistics per
 * channel over N, H and W.
 */
public class BatchNorm2d extends BatchNorm {

  /** eps 1e-5, momentum 0.1, affine, tracking running statistics. */
  public BatchNorm2d(int numFeatures) {
    this(numFeatures, 1e-5, 0.1, true, true);
  }

  /** See {@link BatchNorm#BatchNorm(int, double, Double, boolean, boolean)}. */
  public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine,
      boolean trackRunningStats) {
    super(numFeatures, eps, momentum, affine, trackRunningStats);
  }

  @Override
  protected void checkInputDim(Tensor input) {
    if (input.dim() != 4) {
      throw new IllegalArgumentException(
          "BatchNorm2d: expected 4D input (N, C, H, W), got " + input.describe());
    }
  }
}
