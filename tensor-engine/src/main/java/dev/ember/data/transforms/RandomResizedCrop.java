package dev.ember.data.transforms;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * A crop of random area and aspect ratio, resized to {@code height x width} (torchvision's {@code
 * RandomResizedCrop}, the Inception-style augmentation). Input: (..., H, W); a batch gets one crop.
 *
 * <p>Up to 10 attempts: area fraction {@code s ~ U[scale)}, log aspect {@code ~ U[log ratio)},
 * crop {@code w = round(sqrt(s A r))}, {@code h = round(sqrt(s A / r))} (half to even, as Python);
 * the first that fits gets a uniform position. Otherwise the fallback is a center crop of the
 * whole image clamped to the ratio range.
 */
public final class RandomResizedCrop implements Transform<Tensor, Tensor> {
  private final int height;
  private final int width;
  private final double[] scale;
  private final double[] ratio;
  private final Interpolation interpolation;

  /** A square output of {@code size} with scale (0.08, 1), ratio (3/4, 4/3), bilinear. */
  public RandomResizedCrop(int size) {
    this(size, size);
  }

  /** An output of {@code height x width} with scale (0.08, 1), ratio (3/4, 4/3), bilinear. */
  public RandomResizedCrop(int height, int width) {
    this(height, width, new double[] {0.08, 1.0}, new double[] {3.0 / 4.0, 4.0 / 3.0},
        Interpolation.BILINEAR);
  }

  /**
   * An output of {@code height x width}.
   *
   * @throws IllegalArgumentException if a size is not positive, or scale or ratio is not a
   *     {@code (min, max)} pair of positive values with min <= max
   */
  public RandomResizedCrop(
      int height, int width, double[] scale, double[] ratio, Interpolation interpolation) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "RandomResizedCrop: size must be positive, got " + height + "x" + width);
    }
    Draw.checkRange("RandomResizedCrop", "scale", scale);
    Draw.checkRange("RandomResizedCrop", "ratio", ratio);
    if (!(scale[0] >= 0) || !(ratio[0] > 0)) {
      throw new IllegalArgumentException(
          "RandomResizedCrop: scale must be non-negative and ratio positive, got scale "
              + Arrays.toString(scale) + ", ratio " + Arrays.toString(ratio));
    }
    this.height = height;
    this.width = width;
    this.scale = scale.clone();
    this.ratio = ratio.clone();
    this.interpolation = interpolation;
  }

  /**
   * The crop {@code {top, left, h, w}} for an image of {@code height x width} (torchvision's
   * {@code get_params}).
   */
  public static int[] getParams(
      int height, int width, double[] scale, double[] ratio, Generator gen) {
    double area = (double) height * width;
    double logLo = Math.log(ratio[0]);
    double logHi = Math.log(ratio[1]);
    for (int attempt = 0; attempt < 10; attempt++) {
      double targetArea = area * Draw.uniform(gen, scale[0], scale[1]);
      double aspect = Math.exp(Draw.uniform(gen, logLo, logHi));
      int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
      int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
      if (0 < w && w <= width && 0 < h && h <= height) {
        int i = Draw.randint(gen, 0, height - h + 1);
        int j = Draw.randint(gen, 0, width - w + 1);
        return new int[] {i, j, h, w};
      }
    }
    double inRatio = (double) width / height;
    int w;
    int h;
    if (inRatio < Math.min(ratio[0], ratio[1])) {
      w = width;
      h = (int) Math.rint(w / Math.min(ratio[0], ratio[1]));
    } else if (inRatio > Math.max(ratio[0], ratio[1])) {
      h = height;
      w = (int) Math.rint(h * Math.max(ratio[0], ratio[1]));
    } else {
      w = width;
      h = height;
    }
    return new int[] {Math.floorDiv(height - h, 2), Math.floorDiv(width - w, 2), h, w};
  }

  @Override
  public Tensor apply(Tensor img, Generator gen) {
    if (img.dim() < 2) {
      throw new IllegalArgumentException(
          "RandomResizedCrop: expected an image (..., H, W), got shape "
              + Arrays.toString(img.shape()));
    }
    int[] p = getParams(img.size(-2), img.size(-1), scale, ratio, gen);
    return Functional.resizedCrop(img, p[0], p[1], p[2], p[3], height, width, interpolation);
  }
}
