package dev.ember.data.transforms;

import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * Erases a random rectangle with probability {@code p} (torchvision's {@code RandomErasing},
 * Zhong et al. 2017, "Random Erasing Data Augmentation"). Input: a (..., C, H, W) tensor, usually
 * after {@link ToTensor} and {@link Normalize}; a batch gets one rectangle.
 *
 * <p>Draws: one uniform for {@code p}; then up to 10 attempts of area fraction {@code ~ U[scale)}
 * and log aspect {@code ~ U[log ratio)}, {@code h = round(sqrt(area * r))}, {@code w =
 * round(sqrt(area / r))}, accepted when {@code h < H} and {@code w < W}; then (for random values)
 * standard normal values of shape (C, h, w), then the top row and left column. When no attempt
 * fits, the image is returned unchanged.
 */
public final class RandomErasing implements Transform<Tensor, Tensor> {
  private final double p;
  private final double[] scale;
  private final double[] ratio;
  private final double[] value;
  private final boolean inplace;

  /** p 0.5, scale (0.02, 0.33), ratio (0.3, 3.3), value 0, not in place. */
  public RandomErasing() {
    this(0.5, new double[] {0.02, 0.33}, new double[] {0.3, 3.3}, new double[] {0}, false);
  }

  /**
   * Random erasing.
   *
   * @param value the erased pixels' value: one for all channels, or one per channel; null draws
   *     standard normal values per pixel (torchvision's {@code value="random"})
   * @param inplace whether the input itself is written
   * @throws IllegalArgumentException if {@code p} is not in [0, 1], scale is not within [0, 1],
   *     scale or ratio is not a (min, max) pair, ratio is not positive, or {@code value} is empty
   */
  public RandomErasing(double p, double[] scale, double[] ratio, double[] value, boolean inplace) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(
          "Random erasing probability should be between 0 and 1, got " + p);
    }
    Draw.checkRange("RandomErasing", "scale", scale);
    Draw.checkRange("RandomErasing", "ratio", ratio);
    if (scale[0] < 0 || scale[1] > 1) {
      throw new IllegalArgumentException(
          "Scale should be between 0 and 1, got " + Arrays.toString(scale));
    }
    if (!(ratio[0] > 0)) {
      throw new IllegalArgumentException(
          "RandomErasing: ratio must be positive, got " + Arrays.toString(ratio));
    }
    if (value != null && value.length == 0) {
      throw new IllegalArgumentException(
          "RandomErasing: value needs one value, one per channel, or null for random");
    }
    this.p = p;
    this.scale = scale.clone();
    this.ratio = ratio.clone();
    this.value = value == null ? null : value.clone();
    this.inplace = inplace;
  }

  /**
   * The erased region {@code {top, left, h, w}} drawn for an image of {@code height x width}, and
   * (when {@code randomValues}) the values drawn into {@code values[0]} as a float32 (channels, h,
   * w) tensor; null when no attempt fits.
   */
  public static int[] getParams(
      int channels, int height, int width, double[] scale, double[] ratio, boolean randomValues,
      Generator gen, Tensor[] values) {
    double area = (double) height * width;
    double logLo = Math.log(ratio[0]);
    double logHi = Math.log(ratio[1]);
    for (int attempt = 0; attempt < 10; attempt++) {
      double eraseArea = area * Draw.uniform(gen, scale[0], scale[1]);
      double aspect = Math.exp(Draw.uniform(gen, logLo, logHi));
      int h = (int) Math.rint(Math.sqrt(eraseArea * aspect));
      int w = (int) Math.rint(Math.sqrt(eraseArea / aspect));
      if (!(h < height && w < width)) {
        continue;
      }
      if (randomValues) {
        values[0] = Tensor.zeros(channels, h, w).normal_(0, 1, gen);
      }
      int i = Draw.randint(gen, 0, height - h + 1);
      int j = Draw.randint(gen, 0, width - w + 1);
      return new int[] {i, j, h, w};
    }
    return null;
  }

  /**
   * The image with a random rectangle erased, or the image itself.
   *
   * @throws IllegalArgumentException if the image has fewer than 3 dims or {@code value} has
   *     neither 1 nor C values
   */
  @Override
  public Tensor apply(Tensor img, Generator gen) {
    if (img.dim() < 3) {
      throw new IllegalArgumentException(
          "RandomErasing: expected a tensor image (..., C, H, W), got shape "
              + Arrays.toString(img.shape()));
    }
    int c = img.size(-3);
    if (value != null) {
      Functional.checkPerChannel("RandomErasing: value", value, c);
    }
    if (!Draw.bernoulli(gen, p)) {
      return img;
    }
    Tensor[] drawn = new Tensor[1];
    int[] r = getParams(c, img.size(-2), img.size(-1), scale, ratio, value == null, gen, drawn);
    if (r == null) {
      return img;
    }
    Tensor v = value == null ? drawn[0] : Tensor.of(value).to(DType.FLOAT32).reshape(-1, 1, 1);
    return Functional.erase(img, r[0], r[1], r[2], r[3], v, inplace);
  }
}
