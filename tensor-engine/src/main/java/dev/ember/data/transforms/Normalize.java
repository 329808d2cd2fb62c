package dev.ember.data.transforms;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * {@code (x - mean[c]) / std[c]} for each channel c (torchvision's {@code Normalize}). Input: a
 * float tensor (..., C, H, W); mean and std have one value or one per channel.
 *
 * <p>With {@code inplace} the input is overwritten: only safe when nothing else holds it (a crop
 * or a {@link dev.ember.data.TensorDataset} item is a view of the dataset's storage).
 */
public final class Normalize implements Transform<Tensor, Tensor> {
  private final double[] mean;
  private final double[] std;
  private final boolean inplace;

  /** Normalization to a new tensor. */
  public Normalize(double[] mean, double[] std) {
    this(mean, std, false);
  }

  /**
   * Normalization, in place when {@code inplace}.
   *
   * @throws IllegalArgumentException if mean or std is empty, or their lengths differ and neither
   *     is 1
   */
  public Normalize(double[] mean, double[] std, boolean inplace) {
    if (mean == null || std == null || mean.length == 0 || std.length == 0) {
      throw new IllegalArgumentException("Normalize: mean and std need at least one value");
    }
    if (mean.length != std.length && mean.length != 1 && std.length != 1) {
      throw new IllegalArgumentException(
          "Normalize: mean has " + mean.length + " values but std has " + std.length);
    }
    this.mean = mean.clone();
    this.std = std.clone();
    this.inplace = inplace;
  }

  /**
   * The normalized image.
   *
   * @throws IllegalArgumentException see {@link Functional#normalize}
   */
  @Override
  public Tensor apply(Tensor img, Generator gen) {
    return Functional.normalize(img, mean, std, inplace);
  }
}
