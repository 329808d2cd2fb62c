package dev.ember.transformers.feature;

import dev.ember.data.transforms.Functional;
import dev.ember.data.transforms.Interpolation;
import dev.ember.data.transforms.ToTensor;
import dev.ember.spark.InvalidRowException;
import dev.ember.tensor.Tensor;
import java.io.Serializable;
import org.apache.spark.sql.Row;

/**
 * One row of Spark's image struct to a float (C, H, W) sample: the function {@link
 * ImageToTensor} runs on the executors.
 *
 * <p>Steps, in torchvision's terms: the channel conversion on the 8-bit pixels (PIL's {@code
 * convert}), {@code ToTensor} (x / 255, HWC to CHW), {@code Resize} on the float tensor
 * (bilinear, no antialias), {@code Normalize}. ToTensor and Resize are the tensor engine's
 * golden-tested transforms.
 */
final class ImageConversion implements Serializable {
  private static final long serialVersionUID = 1L;

  /** OpenCV's type codes for 8-bit images of 1, 3 and 4 channels (Spark's {@code ocvTypes}). */
  static final int CV_8UC1 = 0;
  static final int CV_8UC3 = 16;
  static final int CV_8UC4 = 24;

  /** The field positions of origin, height, width, nChannels, mode and data in the struct. */
  private final int[] fields;
  private final String column;
  private final int outputChannels;
  private final int height;
  private final int width;
  private final int[] expected;
  private final boolean fromFirst;
  private final String firstOrigin;
  private final Normalizer normalizer;
  private final boolean skip;

  /**
   * A conversion.
   *
   * @param fields positions of origin, height, width, nChannels, mode, data in the struct
   * @param outputChannels 1 or 3, or 0 to keep the image's channels
   * @param height the output height, or 0 to keep the image's
   * @param width the output width, or 0 to keep the image's
   * @param expected the (C, H, W) every output must have, or null when no image is valid
   * @param fromFirst whether {@code expected} was read from the first valid image (else the
   *     params alone fix it, and every output has it)
   * @param firstOrigin the origin of that image
   */
  ImageConversion(int[] fields, String column, int outputChannels, int height, int width,
      int[] expected, boolean fromFirst, String firstOrigin, Normalizer normalizer,
      boolean skip) {
    this.fields = fields.clone();
    this.column = column;
    this.outputChannels = outputChannels;
    this.height = height;
    this.width = width;
    this.expected = expected == null ? null : expected.clone();
    this.fromFirst = fromFirst;
    this.firstOrigin = firstOrigin;
    this.normalizer = normalizer;
    this.skip = skip;
  }

  /** The OpenCV type of 8-bit images of {@code channels} channels, or -1 if Ember reads none. */
  static int cvType(int channels) {
    return switch (channels) {
      case 1 -> CV_8UC1;
      case 3 -> CV_8UC3;
      case 4 -> CV_8UC4;
      default -> -1;
    };
  }

  /**
   * The channels of the output for an image of {@code channels} channels: {@code
   * outputChannels}, or with 0 the image's own (1 gray, 3 RGB, 4 RGBA).
   */
  static int outputChannels(int outputChannels, int channels) {
    return outputChannels > 0 ? outputChannels : channels;
  }

  /**
   * The sample of one row, or null for an invalid row when skipping.
   *
   * @throws InvalidRowException naming the image's origin: an invalid row (null, or an image the
   *     data source could not decode) when not skipping; an image in a mode other than 8-bit gray,
   *     BGR or BGRA; data of the wrong length; an image whose output shape differs from the
   *     first image's
   */
  float[] apply(Object value) {
    if (value == null) {
      return invalid("null image");
    }
    Row img = (Row) value;
    String origin = img.isNullAt(fields[0]) ? null : img.getString(fields[0]);
    String name = "image '" + origin + "'";
    if (img.isNullAt(fields[1]) || img.isNullAt(fields[2]) || img.getInt(fields[1]) <= 0
        || img.getInt(fields[2]) <= 0) {
      return invalid(name + " was not decoded (height "
          + (img.isNullAt(fields[1]) ? "null" : img.getInt(fields[1])) + ", width "
          + (img.isNullAt(fields[2]) ? "null" : img.getInt(fields[2]))
          + "): the image data source gives such rows for files it cannot read when"
          + " dropInvalid is false");
    }
    int h = img.getInt(fields[1]);
    int w = img.getInt(fields[2]);
    if (img.isNullAt(fields[3]) || img.isNullAt(fields[4]) || img.isNullAt(fields[5])) {
      throw new InvalidRowException(column, name + " has a null nChannels, mode or data");
    }
    int channels = img.getInt(fields[3]);
    checkMode(name, channels, img.getInt(fields[4]));
    byte[] data = (byte[]) img.get(fields[5]);
    if (data.length != (long) h * w * channels) {
      throw new InvalidRowException(column, name + " has " + data.length + " bytes of data; "
          + h + "x" + w + " pixels of " + channels + " channels need " + (long) h * w * channels);
    }
    int c = outputChannels(outputChannels, channels);
    checkShape(name, c, h, w);
    byte[] pixels = toRgb(data, h * w, channels, c);
    float[] out;
    try (var scope = Tensor.scope()) {
      Tensor t = new ToTensor(ToTensor.Layout.HWC, h, w, c).apply(pixels, null);
      if (height > 0 && (height != h || width != w)) {
        t = Functional.resize(t, height, width, Interpolation.BILINEAR);
      }
      out = t.toFloatArray();
    }
    if (normalizer != null) {
      normalizer.apply(out);
    }
    return out;
  }

  private float[] invalid(String problem) {
    if (skip) {
      return null;
    }
    throw new InvalidRowException(column, problem + "; set handleInvalid to 'skip' to drop such"
        + " rows");
  }

  private void checkMode(String name, int channels, int mode) {
    if (cvType(channels) < 0 || cvType(channels) != mode) {
      throw new InvalidRowException(column, name + " has " + channels + " channels and mode "
          + mode + "; ImageToTensor reads 8-bit images: 1 channel (mode " + CV_8UC1
          + ", CV_8UC1), 3 (" + CV_8UC3 + ", CV_8UC3) or 4 (" + CV_8UC4 + ", CV_8UC4)");
    }
  }

  private void checkShape(String name, int c, int h, int w) {
    if (expected == null || !fromFirst) {
      // Either no image is valid (the caller found none, so this row cannot be one either) or
      // the params fix every dim of the output.
      return;
    }
    if (c != expected[0]) {
      throw new InvalidRowException(column, name + " gives " + c + " channels but the first"
          + " image '" + firstOrigin + "' gives " + expected[0]
          + "; set outputChannels to 1 or 3 to convert every image");
    }
    if (height == 0 && (h != expected[1] || w != expected[2])) {
      throw new InvalidRowException(column, name + " is " + h + "x" + w + " (height x width)"
          + " but the first image '" + firstOrigin + "' is " + expected[1] + "x" + expected[2]
          + "; set height and width to resize every image to one size");
    }
  }

  /**
   * Spark's BGR(A) pixels as RGB(A), gray, or gray replicated to RGB, still interleaved (HWC).
   *
   * <p>Gray from colour is PIL's {@code convert("L")}: ITU-R 601-2 luma {@code L = R * 299/1000 +
   * G * 587/1000 + B * 114/1000} in PIL's fixed point, {@code (R * 19595 + G * 38470 + B * 7471 +
   * 0x8000) >> 16}; alpha is ignored. RGB from gray is PIL's {@code convert("RGB")}: the gray
   * value in all three channels. RGB from RGBA drops alpha, as PIL does.
   */
  static byte[] toRgb(byte[] bgr, int pixels, int channels, int outChannels) {
    if (channels == 1 && outChannels == 1) {
      return bgr;
    }
    byte[] out = new byte[pixels * outChannels];
    for (int p = 0; p < pixels; p++) {
      int src = p * channels;
      int dst = p * outChannels;
      if (channels == 1) {
        byte g = bgr[src];
        out[dst] = g;
        out[dst + 1] = g;
        out[dst + 2] = g;
        continue;
      }
      int b = bgr[src] & 0xFF;
      int g = bgr[src + 1] & 0xFF;
      int r = bgr[src + 2] & 0xFF;
      if (outChannels == 1) {
        out[dst] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
      } else {
        out[dst] = (byte) r;
        out[dst + 1] = (byte) g;
        out[dst + 2] = (byte) b;
        if (outChannels == 4) {
          out[dst + 3] = bgr[src + 3];
        }
      }
    }
    return out;
  }
}
