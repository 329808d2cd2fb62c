package dev.ember.data.transforms;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * A rotation by an angle drawn uniformly from {@code [minDegrees, maxDegrees)}, counter-clockwise
 * for positive angles (torchvision's {@code RandomRotation}; geometry in {@link
 * Functional#rotate}). Input: (..., C, H, W) or (H, W); a batch gets one angle.
 *
 * <p>As torchvision's transform, the fill (default 0) is always given to the rotation, so bilinear
 * borders are blended with it.
 */
public final class RandomRotation implements Transform<Tensor, Tensor> {
  private final double minDegrees;
  private final double maxDegrees;
  private final Interpolation interpolation;
  private final boolean expand;
  private final double[] center;
  private final double[] fill;

  /**
   * Angles in {@code [-degrees, degrees)}, nearest interpolation, fill 0.
   *
   * @throws IllegalArgumentException if {@code degrees} is negative
   */
  public RandomRotation(double degrees) {
    this(-checkPositive(degrees), degrees, Interpolation.NEAREST, false, null, new double[] {0});
  }

  private static double checkPositive(double degrees) {
    if (!(degrees >= 0)) {
      throw new IllegalArgumentException(
          "RandomRotation: if degrees is a single number, it must be positive, got " + degrees);
    }
    return degrees;
  }

  /**
   * Angles in {@code [minDegrees, maxDegrees)}.
   *
   * @param center the rotation center (x, y) in pixels from the top-left corner; null for the
   *     image center
   * @param fill the value of pixels from outside the image, one or one per channel
   * @throws IllegalArgumentException if {@code minDegrees > maxDegrees}, {@code center} is not two
   *     values, or {@code fill} is empty
   */
  public RandomRotation(
      double minDegrees, double maxDegrees, Interpolation interpolation, boolean expand,
      double[] center, double[] fill) {
    Draw.checkRange("RandomRotation", "degrees", new double[] {minDegrees, maxDegrees});
    if (center != null && center.length != 2) {
      throw new IllegalArgumentException("RandomRotation: center should be a sequence of length 2");
    }
    if (fill == null || fill.length == 0) {
      throw new IllegalArgumentException("RandomRotation: fill needs one value or one per channel");
    }
    this.minDegrees = minDegrees;
    this.maxDegrees = maxDegrees;
    this.interpolation = interpolation;
    this.expand = expand;
    this.center = center == null ? null : center.clone();
    this.fill = fill.clone();
  }

  /** An angle uniform in {@code [minDegrees, maxDegrees)}; one draw. */
  public static double getParams(double minDegrees, double maxDegrees, Generator gen) {
    return Draw.uniform(gen, minDegrees, maxDegrees);
  }

  @Override
  public Tensor apply(Tensor img, Generator gen) {
    double angle = getParams(minDegrees, maxDegrees, gen);
    return Functional.rotate(img, angle, interpolation, expand, center, fill);
  }
}
