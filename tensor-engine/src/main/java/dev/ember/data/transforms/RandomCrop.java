package dev.ember.data.transforms;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * A crop of {@code height x width} pixels at a random position (torchvision's {@code
 * RandomCrop}), after optional padding. Input: (..., H, W); a batch gets one position.
 *
 * <p>Steps: pad by {@code padding} if given; with {@code padIfNeeded}, pad the width on both sides
 * by {@code width - W} if it is smaller, then the height likewise; draw the top row uniformly in
 * {@code [0, H' - height]}, then the left column in {@code [0, W' - width]}; crop (a view).
 */
public final class RandomCrop implements Transform<Tensor, Tensor> {
  private final int height;
  private final int width;
  private final int[] padding;
  private final boolean padIfNeeded;
  private final double fill;
  private final PaddingMode paddingMode;

  /** A square crop of {@code size} pixels, no padding. */
  public RandomCrop(int size) {
    this(size, size);
  }

  /** A crop of {@code height x width}, no padding. */
  public RandomCrop(int height, int width) {
    this(height, width, null, false, 0, PaddingMode.CONSTANT);
  }

  /**
   * A crop of {@code height x width} after padding.
   *
   * @param padding null (none), one value for every side, two (left and right, top and bottom) or
   *     four (left, top, right, bottom), as torchvision
   * @param padIfNeeded pad an image smaller than the crop up to its size
   * @param fill the value of constant padding
   * @param paddingMode how the border is filled
   * @throws IllegalArgumentException if a size is not positive, or padding has 0 or 3 or more
   *     than 4 values or a negative one
   */
  public RandomCrop(
      int height, int width, int[] padding, boolean padIfNeeded, double fill,
      PaddingMode paddingMode) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "RandomCrop: size must be positive, got " + height + "x" + width);
    }
    this.height = height;
    this.width = width;
    this.padding = padding == null ? null : ltrb(padding);
    this.padIfNeeded = padIfNeeded;
    this.fill = fill;
    this.paddingMode = paddingMode;
  }

  /** torchvision's padding forms as (left, top, right, bottom). */
  static int[] ltrb(int[] p) {
    int[] out;
    if (p.length == 1) {
      out = new int[] {p[0], p[0], p[0], p[0]};
    } else if (p.length == 2) {
      out = new int[] {p[0], p[1], p[0], p[1]};
    } else if (p.length == 4) {
      out = p.clone();
    } else {
      throw new IllegalArgumentException(
          "Padding must be an int or a 1, 2, or 4 element sequence, not a " + p.length
              + " element sequence");
    }
    for (int v : out) {
      if (v < 0) {
        throw new IllegalArgumentException(
            "RandomCrop: padding must be non-negative, got " + Arrays.toString(p));
      }
    }
    return out;
  }

  /**
   * The top-left corner {@code {top, left}} of a random {@code cropHeight x cropWidth} crop of an
   * image of {@code height x width} (torchvision's {@code get_params}: two draws, top first; none
   * when the sizes are equal).
   *
   * @throws IllegalArgumentException if the crop is larger than the image
   */
  public static int[] getParams(
      int height, int width, int cropHeight, int cropWidth, Generator gen) {
    if (height < cropHeight || width < cropWidth) {
      throw new IllegalArgumentException(
          "Required crop size (" + cropHeight + ", " + cropWidth
              + ") is larger than input image size ("
              + height + ", " + width + ")");
    }
    if (height == cropHeight && width == cropWidth) {
      return new int[] {0, 0};
    }
    int top = Draw.randint(gen, 0, height - cropHeight + 1);
    int left = Draw.randint(gen, 0, width - cropWidth + 1);
    return new int[] {top, left};
  }

  @Override
  public Tensor apply(Tensor img, Generator gen) {
    Tensor t = img;
    if (padding != null) {
      t = Functional.pad(t, padding[0], padding[1], padding[2], padding[3], paddingMode, fill);
    }
    if (padIfNeeded && t.dim() >= 2 && t.size(-1) < width) {
      int d = width - t.size(-1);
      t = Functional.pad(t, d, 0, d, 0, paddingMode, fill);
    }
    if (padIfNeeded && t.dim() >= 2 && t.size(-2) < height) {
      int d = height - t.size(-2);
      t = Functional.pad(t, 0, d, 0, d, paddingMode, fill);
    }
    if (t.dim() < 2) {
      throw new IllegalArgumentException(
          "RandomCrop: expected an image (..., H, W), got shape " + Arrays.toString(t.shape()));
    }
    int[] ij = getParams(t.size(-2), t.size(-1), height, width, gen);
    return Functional.crop(t, ij[0], ij[1], height, width);
  }
}
