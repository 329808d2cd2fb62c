package dev.ember.data.transforms;

import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * 8-bit image bytes to a float32 (C, H, W) tensor in [0, 1], each byte read as unsigned and
 * divided by 255 (torchvision's {@code ToTensor}).
 *
 * <p>The layout of the bytes is given when the transform is made: {@link Layout#HWC} (interleaved
 * channels, as image files and NumPy arrays hold them; torchvision's assumption) or {@link
 * Layout#CHW} (planar, as IDX/MNIST files and tensors). A grayscale image is either with C = 1.
 *
 * <p>{@link #ofTensor(Layout)} converts tensors instead: (H, W) becomes (1, H, W), (H, W, C) or
 * (C, H, W) per the layout becomes (C, H, W), and a batch (N, ...) likewise; integer tensors
 * (pixel values 0..255, Ember has no uint8) are divided by 255, floating-point tensors are only
 * rearranged, as torchvision leaves non-uint8 arrays unscaled.
 */
public final class ToTensor implements Transform<byte[], Tensor> {
  /** The order of the dims of the input. */
  public enum Layout {
    /** Height, width, channel: channels interleaved per pixel. */
    HWC,
    /** Channel, height, width: one plane per channel. */
    CHW
  }

  private final Layout layout;
  private final int height;
  private final int width;
  private final int channels;

  /**
   * A transform of byte arrays of {@code height * width * channels} pixels in {@code layout}.
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public ToTensor(Layout layout, int height, int width, int channels) {
    if (height <= 0 || width <= 0 || channels <= 0) {
      throw new IllegalArgumentException(
          "ToTensor: sizes must be positive, got height=" + height + ", width=" + width
              + ", channels=" + channels);
    }
    this.layout = layout;
    this.height = height;
    this.width = width;
    this.channels = channels;
  }

  /**
   * The image as a float32 (C, H, W) tensor in [0, 1].
   *
   * @throws IllegalArgumentException if the array's length is not {@code H * W * C}
   */
  @Override
  public Tensor apply(byte[] pixels, Generator gen) {
    int hw = height * width;
    if (pixels.length != hw * channels) {
      throw new IllegalArgumentException(
          "ToTensor: expected " + height + "x" + width + "x" + channels + " = " + hw * channels
              + " bytes (" + layout + "), got " + pixels.length);
    }
    float[] out = new float[pixels.length];
    if (layout == Layout.CHW) {
      for (int k = 0; k < out.length; k++) {
        out[k] = (pixels[k] & 0xFF) / 255f;
      }
    } else {
      for (int p = 0; p < hw; p++) {
        for (int c = 0; c < channels; c++) {
          out[c * hw + p] = (pixels[p * channels + c] & 0xFF) / 255f;
        }
      }
    }
    return Tensor.of(out, channels, height, width);
  }

  /** A transform of image tensors in {@code layout} (see the class comment). */
  public static Transform<Tensor, Tensor> ofTensor(Layout layout) {
    return (img, gen) -> fromTensor(img, layout);
  }

  /**
   * An image tensor in {@code layout} as float32 (C, H, W), or (N, C, H, W) for a batch (see the
   * class comment).
   *
   * @throws IllegalArgumentException if the tensor has fewer than 2 or more than 4 dims, is bool,
   *     or is an integer tensor with values outside [0, 255]
   */
  public static Tensor fromTensor(Tensor img, Layout layout) {
    if (img.dim() < 2 || img.dim() > 4) {
      throw new IllegalArgumentException(
          "ToTensor: expected an image of 2 to 4 dims ((H, W), (H, W, C), (C, H, W) or a batch),"
              + " got shape " + Arrays.toString(img.shape()));
    }
    if (img.dtype() == DType.BOOL) {
      throw new IllegalArgumentException("ToTensor: bool images are not supported");
    }
    Tensor t = img;
    if (t.dim() == 2) {
      t = t.unsqueeze(0);
    } else if (layout == Layout.HWC) {
      t = t.dim() == 3 ? t.permute(2, 0, 1) : t.permute(0, 3, 1, 2);
    }
    if (t.dtype().isFloatingPoint()) {
      return t.to(DType.FLOAT32).contiguous();
    }
    if (t.numel() > 0) {
      double lo = t.min().item();
      double hi = t.max().item();
      if (lo < 0 || hi > 255) {
        throw new IllegalArgumentException(
            "ToTensor: integer pixel values must be in [0, 255], found values in [" + lo + ", "
                + hi + "]");
      }
    }
    return t.to(DType.FLOAT32).div(255f).contiguous();
  }
}
