package dev.ember.data.transforms;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.Arrays;

/**
 * The deterministic image operations behind the transforms, with torchvision 0.14's semantics for
 * tensors ({@code torchvision.transforms.functional}).
 *
 * <p>Images are tensors whose last two dims are (H, W): (H, W), (C, H, W) or a batch (N, C, H, W);
 * every plane gets the same operation. Operations that resample ({@link #rotate}, {@link
 * #resize}) compute in float32 (float64 for float64 images); integer images are resampled in
 * float32 and rounded back, as torchvision does.
 */
public final class Functional {
  private Functional() {}

  private static void checkImage(String op, Tensor img, int minDims) {
    if (img.dim() < minDims) {
      throw new IllegalArgumentException(
          op + ": expected an image tensor with at least " + minDims + " dims ("
              + (minDims == 2 ? "..., H, W" : "..., C, H, W") + "), got shape "
              + Arrays.toString(img.shape()));
    }
  }

  private static int height(Tensor img) {
    return img.size(-2);
  }

  private static int width(Tensor img) {
    return img.size(-1);
  }

  /** The number of channels: dim -3, or 1 for an (H, W) image. */
  static int channels(Tensor img) {
    return img.dim() >= 3 ? img.size(-3) : 1;
  }

  /** The image mirrored left to right. */
  public static Tensor hflip(Tensor img) {
    checkImage("hflip", img, 2);
    return img.flip(-1);
  }

  /** The image mirrored top to bottom. */
  public static Tensor vflip(Tensor img) {
    checkImage("vflip", img, 2);
    return img.flip(-2);
  }

  /**
   * The region of {@code height x width} pixels whose top-left pixel is ({@code top}, {@code
   * left}); a view when the region lies inside the image, otherwise the image is first padded with
   * zeros where the region sticks out (torchvision's {@code crop}).
   *
   * @throws IllegalArgumentException if the image has fewer than 2 dims or a size is negative
   */
  public static Tensor crop(Tensor img, int top, int left, int height, int width) {
    checkImage("crop", img, 2);
    if (height < 0 || width < 0) {
      throw new IllegalArgumentException(
          "crop: height and width must be non-negative, got " + height + "x" + width);
    }
    int h = height(img);
    int w = width(img);
    int right = left + width;
    int bottom = top + height;
    if (left < 0 || top < 0 || right > w || bottom > h) {
      int padLeft = Math.max(-left + Math.min(0, right), 0);
      int padTop = Math.max(-top + Math.min(0, bottom), 0);
      int padRight = Math.max(right - Math.max(w, left), 0);
      int padBottom = Math.max(bottom - Math.max(h, top), 0);
      int r0 = Math.min(Math.max(top, 0), h);
      int r1 = Math.max(Math.min(bottom, h), r0);
      int c0 = Math.min(Math.max(left, 0), w);
      int c1 = Math.max(Math.min(right, w), c0);
      Tensor inside = img.narrow(-2, r0, r1 - r0).narrow(-1, c0, c1 - c0);
      return pad(inside, padLeft, padTop, padRight, padBottom, PaddingMode.CONSTANT, 0);
    }
    return img.narrow(-2, top, height).narrow(-1, left, width);
  }

  /**
   * The image with {@code left, top, right, bottom} pixels added on each side (torchvision's {@code
   * pad}). A new tensor.
   *
   * @throws IllegalArgumentException if a padding is negative, or for {@link PaddingMode#REFLECT}
   *     not smaller than the image's size in its direction (for {@link PaddingMode#SYMMETRIC}: not
   *     at most that size), or for {@link PaddingMode#EDGE} the image is empty
   */
  public static Tensor pad(
      Tensor img, int left, int top, int right, int bottom, PaddingMode mode, double fill) {
    checkImage("pad", img, 2);
    if (left < 0 || top < 0 || right < 0 || bottom < 0) {
      throw new IllegalArgumentException(
          "pad: paddings must be non-negative, got left=" + left + ", top=" + top + ", right="
              + right + ", bottom=" + bottom);
    }
    int h = height(img);
    int w = width(img);
    if (mode == PaddingMode.CONSTANT) {
      int[] shape = img.shape();
      shape[shape.length - 2] = h + top + bottom;
      shape[shape.length - 1] = w + left + right;
      Tensor out = Tensor.full(shape, fill, img.dtype(), img.device());
      out.narrow(-2, top, h).narrow(-1, left, w).copy_(img);
      return out;
    }
    Tensor rows = Tensor.of(padIndex(mode, h, top, bottom, "height"));
    Tensor cols = Tensor.of(padIndex(mode, w, left, right, "width"));
    return img.indexSelect(-2, rows.to(img.device())).indexSelect(-1, cols.to(img.device()));
  }

  /** For output positions -before .. n + after - 1, the source position in [0, n). */
  private static long[] padIndex(PaddingMode mode, int n, int before, int after, String what) {
    int max = Math.max(before, after);
    if (mode == PaddingMode.REFLECT && max >= n && max > 0) {
      throw new IllegalArgumentException(
          "pad: reflect padding " + max + " must be smaller than the image " + what + " " + n);
    }
    if (mode == PaddingMode.SYMMETRIC && max > n) {
      throw new IllegalArgumentException(
          "pad: symmetric padding " + max + " must not exceed the image " + what + " " + n);
    }
    if (mode == PaddingMode.EDGE && n == 0 && max > 0) {
      throw new IllegalArgumentException("pad: edge padding of an image of " + what + " 0");
    }
    long[] idx = new long[n + before + after];
    for (int k = 0; k < idx.length; k++) {
      int j = k - before;
      int src;
      switch (mode) {
        case EDGE:
          src = Math.min(Math.max(j, 0), n - 1);
          break;
        case REFLECT:
          src = j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j;
          break;
        case SYMMETRIC:
          src = j < 0 ? -j - 1 : j >= n ? 2 * n - 1 - j : j;
          break;
        default:
          throw new IllegalStateException("unreachable: " + mode);
      }
      idx[k] = src;
    }
    return idx;
  }

  /**
   * The image resized to {@code height x width} (torchvision's {@code resize} of a tensor with an
   * explicit size: PyTorch's {@code interpolate} with {@code align_corners=False}, no antialias).
   *
   * <p>Bilinear: output pixel (i, j) reads source row {@code max(0, (i + 0.5) * H / height - 0.5)}
   * (likewise for columns), linearly between the two nearest rows and columns. Nearest: source row
   * {@code min(floor(i * H / height), H - 1)}.
   *
   * @throws IllegalArgumentException if a size is not positive or the image has fewer than 2 dims
   */
  public static Tensor resize(Tensor img, int height, int width, Interpolation interpolation) {
    checkImage("resize", img, 2);
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "resize: output size must be positive, got " + height + "x" + width);
    }
    int h = height(img);
    int w = width(img);
    if (h == 0 || w == 0) {
      throw new IllegalArgumentException("resize: cannot resize an empty image of " + h + "x" + w);
    }
    boolean dbl = img.dtype() == DType.FLOAT64;
    double[] src = planes(img);
    int planes = src.length / (h * w);
    double[] out = new double[planes * height * width];
    if (interpolation == Interpolation.NEAREST) {
      int[] rows = nearestIndex(h, height);
      int[] cols = nearestIndex(w, width);
      for (int p = 0; p < planes; p++) {
        for (int i = 0; i < height; i++) {
          int srcRow = p * h * w + rows[i] * w;
          int dst = (p * height + i) * width;
          for (int j = 0; j < width; j++) {
            out[dst + j] = src[srcRow + cols[j]];
          }
        }
      }
    } else {
      Linear ry = new Linear(h, height, dbl);
      Linear rx = new Linear(w, width, dbl);
      for (int p = 0; p < planes; p++) {
        int base = p * h * w;
        for (int i = 0; i < height; i++) {
          int r0 = base + ry.i0[i] * w;
          int r1 = base + ry.i1[i] * w;
          double l0 = ry.l0[i];
          double l1 = ry.l1[i];
          int dst = (p * height + i) * width;
          for (int j = 0; j < width; j++) {
            int c0 = rx.i0[j];
            int c1 = rx.i1[j];
            double top = rx.l0[j] * src[r0 + c0] + rx.l1[j] * src[r0 + c1];
            double bottom = rx.l0[j] * src[r1 + c0] + rx.l1[j] * src[r1 + c1];
            double v = l0 * top + l1 * bottom;
            out[dst + j] = dbl ? v : (float) v;
          }
        }
      }
    }
    int[] shape = img.shape();
    shape[shape.length - 2] = height;
    shape[shape.length - 1] = width;
    return fromPlanes(out, shape, img);
  }

  /** PyTorch's nearest source index: {@code min(floor(dst * (float) (in / out)), in - 1)}. */
  private static int[] nearestIndex(int in, int out) {
    int[] idx = new int[out];
    float scale = (float) in / out;
    for (int i = 0; i < out; i++) {
      if (out == in) {
        idx[i] = i;
      } else if (out == 2 * in) {
        idx[i] = i >> 1;
      } else {
        idx[i] = Math.min((int) Math.floor((float) i * scale), in - 1);
      }
    }
    return idx;
  }

  /** Source indices and weights of linear interpolation with align_corners=False. */
  private static final class Linear {
    final int[] i0;
    final int[] i1;
    final double[] l0;
    final double[] l1;

    Linear(int in, int out, boolean dbl) {
      i0 = new int[out];
      i1 = new int[out];
      l0 = new double[out];
      l1 = new double[out];
      double scale = dbl ? (double) in / out : (float) in / out;
      for (int k = 0; k < out; k++) {
        double s = dbl ? scale * (k + 0.5) - 0.5 : (float) scale * (float) (k + 0.5) - 0.5f;
        if (s < 0) {
          s = 0;
        }
        int a = (int) s;
        i0[k] = a;
        i1[k] = a + (a < in - 1 ? 1 : 0);
        double lambda = dbl ? s - a : (float) (s - a);
        l1[k] = lambda;
        l0[k] = dbl ? 1 - lambda : (float) (1 - lambda);
      }
    }
  }

  /**
   * The crop ({@code top, left, height, width}) resized to {@code outHeight x outWidth}
   * (torchvision's {@code resized_crop}).
   */
  public static Tensor resizedCrop(
      Tensor img, int top, int left, int height, int width, int outHeight, int outWidth,
      Interpolation interpolation) {
    return resize(crop(img, top, left, height, width), outHeight, outWidth, interpolation);
  }

  /**
   * The image rotated by {@code angle} degrees counter-clockwise about {@code center}
   * (torchvision's {@code rotate} for tensors).
   *
   * <p>Geometry: pixel (row i, column j) has center {@code (x, y) = (j + 0.5, i + 0.5)}; with
   * {@code c} the rotation center (default the image center {@code (W / 2, H / 2)}), output pixel
   * {@code p} reads the input at {@code c + R(angle) (p - c)}, with {@code R(a) = [[cos a, -sin a],
   * [sin a, cos a]]} acting on (x, y) with y pointing down: the content turns counter-clockwise
   * on screen for a positive angle (90 degrees: output row 0 is the input's last column). Reads outside the input give {@code fill} (nearest: where the
   * nearest pixel lies outside; bilinear: torchvision's blend {@code v * m + (1 - m) * fill}, with
   * {@code v} the zero-padded interpolation and {@code m} the interpolated in-bounds mask). With
   * {@code fill == null}, outside reads are zero without the blend (torchvision's {@code
   * fill=None}).
   *
   * @param center the rotation center (x, y) in pixels from the top-left corner, or null for the
   *     image center
   * @param expand whether the output grows to hold the whole rotated image (PIL's rule, as
   *     torchvision); otherwise it keeps the input's size
   * @param fill the value of outside pixels, one value or one per channel; null: 0 without blend
   * @throws IllegalArgumentException if the image has fewer than 2 dims, {@code center} is not two
   *     values, or {@code fill} has neither 1 nor C values
   */
  public static Tensor rotate(
      Tensor img, double angle, Interpolation interpolation, boolean expand, double[] center,
      double[] fill) {
    checkImage("rotate", img, 2);
    int h = height(img);
    int w = width(img);
    int c = channels(img);
    if (center != null && center.length != 2) {
      throw new IllegalArgumentException(
          "rotate: center must be (x, y), got " + Arrays.toString(center));
    }
    if (fill != null && fill.length != 1 && fill.length != c) {
      throw new IllegalArgumentException(
          "rotate: the number of elements in fill (" + fill.length
              + ") does not match the number of channels of the image (" + c + ")");
    }
    double[] centerF = {0, 0};
    if (center != null) {
      centerF[0] = center[0] - w * 0.5;
      centerF[1] = center[1] - h * 0.5;
    }
    double[] m = inverseRotation(centerF, -angle);
    boolean dbl = img.dtype() == DType.FLOAT64;
    int ow = w;
    int oh = h;
    if (expand) {
      int[] size = expandedSize(m, w, h);
      ow = size[0];
      oh = size[1];
    }
    double[] src = planes(img);
    int planes = h * w == 0 ? 0 : src.length / (h * w);
    double[] out = new double[planes * oh * ow];
    // Source coordinates of every output pixel, in torchvision's order of float32 operations.
    double[] ix = new double[oh * ow];
    double[] iy = new double[oh * ow];
    sourceCoordinates(m, w, h, ow, oh, dbl, ix, iy);
    boolean nearest = interpolation == Interpolation.NEAREST;
    for (int p = 0; p < planes; p++) {
      int base = p * h * w;
      double f = fill == null ? 0 : fill.length == 1 ? fill[0] : fill[p % c];
      for (int k = 0; k < oh * ow; k++) {
        double x = ix[k];
        double y = iy[k];
        double v;
        double mask;
        if (nearest) {
          int cx = (int) Math.rint(x);
          int cy = (int) Math.rint(y);
          boolean in = cx >= 0 && cy >= 0 && cx < w && cy < h;
          v = in ? src[base + cy * w + cx] : 0;
          mask = in ? 1 : 0;
          if (fill != null && mask < 0.5) {
            v = f;
          }
        } else {
          double x0 = Math.floor(x);
          double y0 = Math.floor(y);
          double we = x - x0;
          double ea = x0 + 1 - x;
          double no = y - y0;
          double so = y0 + 1 - y;
          if (!dbl) {
            we = (float) we;
            ea = (float) ea;
            no = (float) no;
            so = (float) so;
          }
          int xa = (int) x0;
          int ya = (int) y0;
          double wnw = so * ea;
          double wne = so * we;
          double wsw = no * ea;
          double wse = no * we;
          v = 0;
          mask = 0;
          if (ya >= 0 && ya < h) {
            if (xa >= 0 && xa < w) {
              v += src[base + ya * w + xa] * wnw;
              mask += wnw;
            }
            if (xa + 1 >= 0 && xa + 1 < w) {
              v += src[base + ya * w + xa + 1] * wne;
              mask += wne;
            }
          }
          if (ya + 1 >= 0 && ya + 1 < h) {
            if (xa >= 0 && xa < w) {
              v += src[base + (ya + 1) * w + xa] * wsw;
              mask += wsw;
            }
            if (xa + 1 >= 0 && xa + 1 < w) {
              v += src[base + (ya + 1) * w + xa + 1] * wse;
              mask += wse;
            }
          }
          if (fill != null) {
            v = v * mask + (1 - mask) * f;
          }
        }
        out[p * oh * ow + k] = dbl ? v : (float) v;
      }
    }
    int[] shape = img.shape();
    shape[shape.length - 2] = oh;
    shape[shape.length - 1] = ow;
    return fromPlanes(out, shape, img);
  }

  /**
   * torchvision's {@code _get_inverse_affine_matrix} for a pure rotation by {@code angle} degrees
   * about {@code center} (relative to the image center): the 2x3 matrix from output to input
   * coordinates.
   */
  private static double[] inverseRotation(double[] center, double angle) {
    double rot = Math.toRadians(angle);
    double a = Math.cos(rot);
    double b = -Math.sin(rot);
    double c = Math.sin(rot);
    double d = Math.cos(rot);
    double[] m = {d, -b, 0, -c, a, 0};
    double cx = center[0];
    double cy = center[1];
    m[2] += m[0] * (-cx) + m[1] * (-cy);
    m[5] += m[3] * (-cx) + m[4] * (-cy);
    m[2] += cx;
    m[5] += cy;
    return m;
  }

  /** torchvision's {@code _compute_affine_output_size}: {w, h} of the expanded output. */
  private static int[] expandedSize(double[] m, int w, int h) {
    float[] t = new float[6];
    for (int k = 0; k < 6; k++) {
      t[k] = (float) m[k];
    }
    float[][] pts = {
      {-0.5f * w, -0.5f * h}, {-0.5f * w, 0.5f * h}, {0.5f * w, 0.5f * h}, {0.5f * w, -0.5f * h}
    };
    float minX = Float.POSITIVE_INFINITY;
    float minY = Float.POSITIVE_INFINITY;
    float maxX = Float.NEGATIVE_INFINITY;
    float maxY = Float.NEGATIVE_INFINITY;
    for (float[] p : pts) {
      float nx = p[0] * t[0] + p[1] * t[1] + t[2];
      float ny = p[0] * t[3] + p[1] * t[4] + t[5];
      minX = Math.min(minX, nx);
      maxX = Math.max(maxX, nx);
      minY = Math.min(minY, ny);
      maxY = Math.max(maxY, ny);
    }
    minX += w * 0.5f;
    maxX += w * 0.5f;
    minY += h * 0.5f;
    maxY += h * 0.5f;
    // Truncate to 1e-4 so that a ceil of X + 1e-15 does not give X + 1 (PIL's rule).
    float tol = 1e-4f;
    float cmaxX = (float) Math.ceil(truncate(maxX / tol) * tol);
    float cmaxY = (float) Math.ceil(truncate(maxY / tol) * tol);
    float cminX = (float) Math.floor(truncate(minX / tol) * tol);
    float cminY = (float) Math.floor(truncate(minY / tol) * tol);
    return new int[] {(int) (cmaxX - cminX), (int) (cmaxY - cminY)};
  }

  private static float truncate(float x) {
    return (float) (x < 0 ? Math.ceil(x) : Math.floor(x));
  }

  /**
   * The input pixel coordinates that output pixels read, following torchvision's {@code
   * _gen_affine_grid} and grid_sample's unnormalization (align_corners=False) step by step, in
   * float32 unless {@code dbl}, so that nearest sampling picks the same pixels.
   */
  private static void sourceCoordinates(
      double[] m, int w, int h, int ow, int oh, boolean dbl, double[] ix, double[] iy) {
    if (dbl) {
      double hw = 0.5 * w;
      double hh = 0.5 * h;
      for (int i = 0; i < oh; i++) {
        double y = -oh * 0.5 + 0.5 + i;
        for (int j = 0; j < ow; j++) {
          double x = -ow * 0.5 + 0.5 + j;
          double gx = x * (m[0] / hw) + y * (m[1] / hw) + m[2] / hw;
          double gy = x * (m[3] / hh) + y * (m[4] / hh) + m[5] / hh;
          ix[i * ow + j] = (gx + 1) * (w / 2.0) - 0.5;
          iy[i * ow + j] = (gy + 1) * (h / 2.0) - 0.5;
        }
      }
      return;
    }
    float hw = 0.5f * w;
    float hh = 0.5f * h;
    float r00 = (float) m[0] / hw;
    float r10 = (float) m[1] / hw;
    float r20 = (float) m[2] / hw;
    float r01 = (float) m[3] / hh;
    float r11 = (float) m[4] / hh;
    float r21 = (float) m[5] / hh;
    float sw = (float) w / 2;
    float sh = (float) h / 2;
    for (int i = 0; i < oh; i++) {
      float y = (float) (-oh * 0.5 + 0.5 + i);
      for (int j = 0; j < ow; j++) {
        float x = (float) (-ow * 0.5 + 0.5 + j);
        float gx = x * r00 + y * r10 + r20;
        float gy = x * r01 + y * r11 + r21;
        ix[i * ow + j] = (gx + 1) * sw - 0.5f;
        iy[i * ow + j] = (gy + 1) * sh - 0.5f;
      }
    }
  }

  /** The image's values, row-major over all dims, as doubles. */
  private static double[] planes(Tensor img) {
    Tensor t = img.dtype() == DType.FLOAT64 ? img : img.to(DType.FLOAT32);
    return t.contiguous().to(DType.FLOAT64).toDoubleArray();
  }

  /** A tensor of {@code img}'s dtype and device from computed values (integers rounded). */
  private static Tensor fromPlanes(double[] values, int[] shape, Tensor img) {
    DType dtype = img.dtype();
    Tensor out;
    if (dtype == DType.FLOAT64) {
      out = Tensor.of(values, shape);
    } else {
      float[] f = new float[values.length];
      for (int k = 0; k < f.length; k++) {
        f[k] = (float) values[k];
      }
      out = Tensor.of(f, shape);
      if (dtype != DType.FLOAT32) {
        // torchvision rounds (half to even) when casting a resampled integer image back.
        out = out.round().to(dtype);
      }
    }
    return out.to(img.device());
  }

  /**
   * The image with the region ({@code top, left, height, width}) set to {@code value} (broadcast
   * to (..., height, width), e.g. (C, height, width) or (C, 1, 1)); torchvision's {@code erase}.
   * With {@code inplace} the input itself is written and returned.
   *
   * @throws IllegalArgumentException if the region is outside the image or the value does not
   *     broadcast
   */
  public static Tensor erase(
      Tensor img, int top, int left, int height, int width, Tensor value, boolean inplace) {
    checkImage("erase", img, 2);
    if (top < 0 || left < 0 || height < 0 || width < 0 || top + height > height(img)
        || left + width > width(img)) {
      throw new IllegalArgumentException(
          "erase: region top=" + top + ", left=" + left + ", " + height + "x" + width
              + " is not inside the image of shape " + Arrays.toString(img.shape()));
    }
    Tensor out = inplace ? img : img.clone();
    out.narrow(-2, top, height).narrow(-1, left, width).copy_(value);
    return out;
  }

  /**
   * {@code (img - mean[c]) / std[c]} for every channel c (torchvision's {@code normalize}); with
   * {@code inplace} the input itself is written and returned.
   *
   * @throws IllegalArgumentException if the image is not floating point or has fewer than 3 dims,
   *     mean or std has neither 1 nor C values, or a std is zero in the image's dtype
   */
  public static Tensor normalize(Tensor img, double[] mean, double[] std, boolean inplace) {
    if (!img.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(
          "normalize: input tensor should be a float tensor, got " + img.dtype());
    }
    checkImage("normalize", img, 3);
    int c = img.size(-3);
    checkPerChannel("normalize: mean", mean, c);
    checkPerChannel("normalize: std", std, c);
    for (int k = 0; k < std.length; k++) {
      double s = img.dtype() == DType.FLOAT32 ? (float) std[k] : std[k];
      if (s == 0) {
        throw new IllegalArgumentException(
            "normalize: std evaluated to zero after conversion to " + img.dtype()
                + ", leading to division by zero (std[" + k + "] = " + std[k] + ")");
      }
    }
    Tensor m = Tensor.of(mean).to(img.dtype()).reshape(-1, 1, 1).to(img.device());
    Tensor s = Tensor.of(std).to(img.dtype()).reshape(-1, 1, 1).to(img.device());
    return inplace ? img.sub_(m).div_(s) : img.sub(m).div(s);
  }

  static void checkPerChannel(String what, double[] v, int channels) {
    if (v == null || (v.length != 1 && v.length != channels)) {
      throw new IllegalArgumentException(
          what + " has " + (v == null ? "no" : String.valueOf(v.length))
              + " values; expected 1 or one per channel (" + channels + ")");
    }
  }
}
