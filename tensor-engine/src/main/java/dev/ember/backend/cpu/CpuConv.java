package dev.ember.backend.cpu;

import dev.ember.backend.OperandChecks;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.tensor.DType;
import java.util.Arrays;

/**
 * Convolution and pooling primitives on the CPU: im2col / col2im (the gather behind a
 * convolution and its adjoint; the products themselves are GEMMs of {@link CpuMatmul}) and 2-D
 * max pooling with its backward.
 *
 * <p>Each works plane by plane: one (n, c) plane of the image is the unit of work, spread over
 * {@link Parallel}'s threads, and every output element is written by exactly one thread, so the
 * results do not depend on the thread count. Operands may have any strides; the rows of a plane
 * are moved with {@code System.arraycopy} / {@code Arrays.fill} where both sides are unit-stride.
 *
 * <p>Geometry of a window, shared by all of them: output position {@code o} along an axis reads
 * input position {@code o * stride - pad + k * dilation} for kernel tap {@code k}.
 */
final class CpuConv {
  private CpuConv() {}

  /**
   * The first of the output positions {@code o} of a row of {@code outSize} whose input position
   * {@code o * stride + shift} is not below 0 ({@link #hi}: not below {@code size}).
   */
  private static int lo(int shift, int stride, int outSize) {
    // First o with o * stride + shift >= 0.
    int lo = shift >= 0 ? 0 : ceilDiv(-shift, stride);
    return Math.min(lo, outSize);
  }

  private static int hi(int shift, int stride, int size, int outSize, int lo) {
    // First o with o * stride + shift >= size.
    int hi = size - shift <= 0 ? 0 : ceilDiv(size - shift, stride);
    return Math.max(lo, Math.min(hi, outSize));
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  /** Planes per task: enough elements per task to be worth a hand-off. */
  private static int grain(long elementsPerPlane) {
    return (int) Math.max(1, CpuLoops.GRAIN / Math.max(1, elementsPerPlane));
  }

  // ---------------------------------------------------------------------------------------------
  // im2col

  /**
   * {@code dst[n, c, i, j, oh, ow] = src[n, c, oh*sH - pH + i*dH, ow*sW - pW + j*dW]}, 0 outside.
   */
  static void im2col(View dst, View src, int[] stride, int[] padding, int[] dilation) {
    OperandChecks.columns("im2col", src.shape(), src.dtype(), dst.shape(), dst.dtype());
    OperandChecks.convGeometry("im2col", stride, padding, dilation);
    int[] cs = dst.shape();
    if (dst.numel() == 0) {
      return;
    }
    // One task per kernel tap (c, i, j): its rows over every (n, oh) are contiguous in the
    // column layout the convolution uses, so each thread writes one sequential stream.
    int taps = cs[1] * cs[2] * cs[3];
    Parallel.forRange(taps, grain((long) cs[0] * cs[4] * cs[5]), (s, e) -> {
      for (int t = s; t < e; t++) {
        int c = t / (cs[2] * cs[3]);
        int i = t / cs[3] % cs[2];
        int j = t % cs[3];
        if (dst.array() instanceof float[] df) {
          im2colTap(df, dst, (float[]) src.array(), src, c, i, j, stride, padding, dilation);
        } else {
          im2colTap((double[]) dst.array(), dst, (double[]) src.array(), src, c, i, j, stride,
              padding, dilation);
        }
      }
    });
  }

  /** The rows of kernel tap (c, i, j) for every sample n and output row oh, float32. */
  private static void im2colTap(float[] d, View dst, float[] s, View src, int c, int i, int j,
      int[] stride, int[] padding, int[] dilation) {
    int[] ss = src.strides();
    int[] ds = dst.strides();
    int n = src.shape()[0];
    int h = src.shape()[2];
    int w = src.shape()[3];
    int oh = dst.shape()[4];
    int ow = dst.shape()[5];
    int shift = j * dilation[1] - padding[1];
    int lo = lo(shift, stride[1], ow);
    int hi = hi(shift, stride[1], w, ow, lo);
    int sStep = stride[1] * ss[3];
    int dStep = ds[5];
    int rowShift = i * dilation[0] - padding[0];
    if (stride[0] == 1 && stride[1] == 1 && ow == w && dStep == 1 && ds[4] == ow && ss[3] == 1
        && ss[2] == w) {
      // A "same"-width convolution (ow == w, stride 1): the tap's (oh, ow) block is the image plane
      // shifted by (rowShift, shift), so its valid rows are one copy; only the columns that
      // wrapped around to a neighbouring row are zeroed after it.
      int y0 = lo(rowShift, 1, oh);
      int y1 = hi(rowShift, 1, h, oh, y0);
      for (int b = 0; b < n; b++) {
        int sPlane = src.offset() + b * ss[0] + c * ss[1];
        int dBlock = dst.offset() + b * ds[0] + c * ds[1] + i * ds[2] + j * ds[3];
        if (y0 < y1 && lo < hi) {
          int from = y0 * ow + lo;
          int to = (y1 - 1) * ow + hi;
          System.arraycopy(s, sPlane + (y0 + rowShift) * w + shift + lo, d, dBlock + from,
              to - from);
          for (int y = y0; y < y1; y++) {
            int row = dBlock + y * ow;
            for (int o = 0; o < lo; o++) {
              d[row + o] = 0f;
            }
            for (int o = hi; o < ow; o++) {
              d[row + o] = 0f;
            }
          }
          Arrays.fill(d, dBlock, dBlock + y0 * ow, 0f);
          Arrays.fill(d, dBlock + y1 * ow, dBlock + oh * ow, 0f);
        } else {
          Arrays.fill(d, dBlock, dBlock + oh * ow, 0f);
        }
      }
      return;
    }
    for (int b = 0; b < n; b++) {
      int sBase = src.offset() + b * ss[0] + c * ss[1] + shift * ss[3];
      int dBase = dst.offset() + b * ds[0] + c * ds[1] + i * ds[2] + j * ds[3];
      for (int y = 0; y < oh; y++) {
        int ih = y * stride[0] + rowShift;
        int dRow = dBase + y * ds[4];
        if (ih < 0 || ih >= h) {
          for (int o = 0; o < ow; o++) {
            d[dRow + o * dStep] = 0f;
          }
          continue;
        }
        int sRow = sBase + ih * ss[2];
        if (dStep == 1 && sStep == 1) {
          // The layout the convolution uses; loops the JIT vectorizes (rows are short, often
          // < 32 elements, so a call per row would cost more than the copy).
          for (int o = 0; o < lo; o++) {
            d[dRow + o] = 0f;
          }
          for (int o = lo; o < hi; o++) {
            d[dRow + o] = s[sRow + o];
          }
          for (int o = hi; o < ow; o++) {
            d[dRow + o] = 0f;
          }
        } else {
          for (int o = 0; o < lo; o++) {
            d[dRow + o * dStep] = 0f;
          }
          for (int o = lo; o < hi; o++) {
            d[dRow + o * dStep] = s[sRow + o * sStep];
          }
          for (int o = hi; o < ow; o++) {
            d[dRow + o * dStep] = 0f;
          }
        }
      }
    }
  }

  /** {@link #im2colTap} for float64. */
  private static void im2colTap(double[] d, View dst, double[] s, View src, int c, int i, int j,
      int[] stride, int[] padding, int[] dilation) {
    int[] ss = src.strides();
    int[] ds = dst.strides();
    int n = src.shape()[0];
    int h = src.shape()[2];
    int w = src.shape()[3];
    int oh = dst.shape()[4];
    int ow = dst.shape()[5];
    int shift = j * dilation[1] - padding[1];
    int lo = lo(shift, stride[1], ow);
    int hi = hi(shift, stride[1], w, ow, lo);
    int sStep = stride[1] * ss[3];
    int dStep = ds[5];
    for (int b = 0; b < n; b++) {
      int sBase = src.offset() + b * ss[0] + c * ss[1] + shift * ss[3];
      int dBase = dst.offset() + b * ds[0] + c * ds[1] + i * ds[2] + j * ds[3];
      for (int y = 0; y < oh; y++) {
        int ih = y * stride[0] - padding[0] + i * dilation[0];
        int dRow = dBase + y * ds[4];
        if (ih < 0 || ih >= h) {
          for (int o = 0; o < ow; o++) {
            d[dRow + o * dStep] = 0d;
          }
          continue;
        }
        int sRow = sBase + ih * ss[2];
        for (int o = 0; o < lo; o++) {
          d[dRow + o * dStep] = 0d;
        }
        for (int o = lo; o < hi; o++) {
          d[dRow + o * dStep] = s[sRow + o * sStep];
        }
        for (int o = hi; o < ow; o++) {
          d[dRow + o * dStep] = 0d;
        }
      }
    }
  }

  /** Zeros at {@code base + o * step} for o in {@code [from, to)}. */
  private static void fill(Object a, int base, int step, int from, int to) {
    if (from >= to) {
      return;
    }
    if (a instanceof float[] f) {
      if (step == 1) {
        Arrays.fill(f, base + from, base + to, 0f);
      } else {
        for (int o = from; o < to; o++) {
          f[base + o * step] = 0f;
        }
      }
    } else {
      double[] x = (double[]) a;
      if (step == 1) {
        Arrays.fill(x, base + from, base + to, 0d);
      } else {
        for (int o = from; o < to; o++) {
          x[base + o * step] = 0d;
        }
      }
    }
  }

  /** {@code d[dBase + o * dStep] = s[sBase + o * sStep]} for o in {@code [from, to)}. */
  private static void copy(Object s, int sBase, int sStep, Object d, int dBase, int dStep,
      int from, int to) {
    if (s instanceof float[] sf) {
      float[] df = (float[]) d;
      for (int o = from; o < to; o++) {
        df[dBase + o * dStep] = sf[sBase + o * sStep];
      }
    } else {
      double[] sd = (double[]) s;
      double[] dd = (double[]) d;
      for (int o = from; o < to; o++) {
        dd[dBase + o * dStep] = sd[sBase + o * sStep];
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // col2im

  /** The adjoint of {@link #im2col}: each image element is the sum of the columns that read it. */
  static void col2im(View dst, View src, int[] stride, int[] padding, int[] dilation) {
    OperandChecks.columns("col2im", dst.shape(), dst.dtype(), src.shape(), src.dtype());
    OperandChecks.convGeometry("col2im", stride, padding, dilation);
    int[] is = dst.shape();
    int planes = is[0] * is[1];
    if (dst.numel() == 0) {
      return;
    }
    int[] cs = src.shape();
    int area = is[2] * is[3];
    Parallel.forRange(planes, grain((long) cs[2] * cs[3] * cs[4] * cs[5] + area), (s, e) -> {
      Object buf = planeBuffer(dst);
      for (int p = s; p < e; p++) {
        int n = p / is[1];
        int c = p % is[1];
        int off = buf == dst.array() ? planeOffset(dst, n, c) : 0;
        col2imPlane(buf, off, src, n, c, is[2], is[3], stride, padding, dilation);
        if (buf != dst.array()) {
          store(buf, dst, n, c);
        }
      }
    });
  }

  /**
   * Where a task sums its planes: in dst itself when its planes are contiguous, else in a buffer
   * of one plane that {@link #store} copies out.
   */
  private static Object planeBuffer(View dst) {
    int[] sh = dst.shape();
    int[] st = dst.strides();
    if ((sh[3] == 1 || st[3] == 1) && (sh[2] == 1 || st[2] == sh[3])) {
      return dst.array();
    }
    int area = sh[2] * sh[3];
    return dst.dtype() == DType.FLOAT32 ? new float[area] : new double[area];
  }

  private static int planeOffset(View v, int n, int c) {
    return v.offset() + n * v.strides()[0] + c * v.strides()[1];
  }

  private static void col2imPlane(Object buf, int off, View src, int n, int c, int h, int w,
      int[] stride, int[] padding, int[] dilation) {
    int[] ss = src.strides();
    int kh = src.shape()[2];
    int kw = src.shape()[3];
    int oh = src.shape()[4];
    int ow = src.shape()[5];
    int sBase = src.offset() + n * ss[0] + c * ss[1];
    fill(buf, off, 1, 0, h * w);
    // Same order as PyTorch's col2im: kernel taps, then rows, then columns.
    for (int i = 0; i < kh; i++) {
      for (int j = 0; j < kw; j++) {
        int shift = j * dilation[1] - padding[1];
        int lo = lo(shift, stride[1], ow);
        int hi = hi(shift, stride[1], w, ow, lo);
        int rowBase = sBase + i * ss[2] + j * ss[3];
        int y0 = lo(i * dilation[0] - padding[0], stride[0], oh);
        int y1 = hi(i * dilation[0] - padding[0], stride[0], h, oh, y0);
        if (buf instanceof float[] b) {
          addRowsF(b, off + shift, (float[]) src.array(), rowBase, ss[4], ss[5], y0, y1, lo, hi, w,
              i * dilation[0] - padding[0], stride);
        } else {
          addRowsD((double[]) buf, off + shift, (double[]) src.array(), rowBase, ss[4], ss[5], y0,
              y1, lo, hi, w, i * dilation[0] - padding[0], stride);
        }
      }
    }
  }

  /** Adds the column rows y in [y0, y1) of one kernel tap into the image plane b, float32. */
  private static void addRowsF(float[] b, int bBase, float[] s, int rowBase, int sy, int sx,
      int y0, int y1, int lo, int hi, int w, int rowShift, int[] stride) {
    int strideW = stride[1];
    for (int y = y0; y < y1; y++) {
      int bRow = bBase + (y * stride[0] + rowShift) * w;
      int sRow = rowBase + y * sy;
      if (sx == 1 && strideW == 1) {
        for (int o = lo; o < hi; o++) {
          b[bRow + o] += s[sRow + o];
        }
      } else {
        for (int o = lo; o < hi; o++) {
          b[bRow + o * strideW] += s[sRow + o * sx];
        }
      }
    }
  }

  /** {@link #addRowsF} for float64. */
  private static void addRowsD(double[] b, int bBase, double[] s, int rowBase, int sy, int sx,
      int y0, int y1, int lo, int hi, int w, int rowShift, int[] stride) {
    int strideW = stride[1];
    for (int y = y0; y < y1; y++) {
      int bRow = bBase + (y * stride[0] + rowShift) * w;
      int sRow = rowBase + y * sy;
      for (int o = lo; o < hi; o++) {
        b[bRow + o * strideW] += s[sRow + o * sx];
      }
    }
  }

  /** Writes a contiguous (H, W) plane into plane (n, c) of dst. */
  private static void store(Object buf, View dst, int n, int c) {
    int[] ds = dst.strides();
    int h = dst.shape()[2];
    int w = dst.shape()[3];
    int base = dst.offset() + n * ds[0] + c * ds[1];
    for (int y = 0; y < h; y++) {
      int row = base + y * ds[2];
      if (ds[3] == 1) {
        System.arraycopy(buf, y * w, dst.array(), row, w);
      } else {
        copy(buf, y * w, 1, dst.array(), row, ds[3], 0, w);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Max pooling

  /** Max over each window with the flat (h * W + w) position of the maximum. */
  static void maxPool2d(View dst, View indices, View src, int[] kernel, int[] stride,
      int[] padding, int[] dilation) {
    OperandChecks.maxPool2d(dst.shape(), dst.dtype(), indices.shape(), indices.dtype(),
        src.shape(), src.dtype(), kernel, stride, padding, dilation);
    int[] is = src.shape();
    int[] os = dst.shape();
    if (dst.numel() == 0) {
      return;
    }
    Parallel.forRange(os[0] * os[1], grain((long) os[2] * os[3] * kernel[0] * kernel[1]),
        (s, e) -> {
          for (int p = s; p < e; p++) {
            maxPoolPlane(dst, indices, src, p / os[1], p % os[1], kernel, stride, padding,
                dilation);
          }
        });
  }

  private static void maxPoolPlane(View dst, View indices, View src, int n, int c, int[] kernel,
      int[] stride, int[] padding, int[] dilation) {
    int[] ss = src.strides();
    int[] ds = dst.strides();
    int[] xs = indices.strides();
    int h = src.shape()[2];
    int w = src.shape()[3];
    int oh = dst.shape()[2];
    int ow = dst.shape()[3];
    int sBase = src.offset() + n * ss[0] + c * ss[1];
    int dBase = dst.offset() + n * ds[0] + c * ds[1];
    int xBase = indices.offset() + n * xs[0] + c * xs[1];
    long[] idx = (long[]) indices.array();
    boolean twoByTwo = kernel[0] == 2 && kernel[1] == 2 && dilation[0] == 1 && dilation[1] == 1;
    for (int y = 0; y < oh; y++) {
      // PyTorch's window: [start, start + (k - 1) * d + 1) clipped to the input, first tap >= 0.
      int h0 = y * stride[0] - padding[0];
      int h1 = Math.min(h0 + (kernel[0] - 1) * dilation[0] + 1, h);
      while (h0 < 0) {
        h0 += dilation[0];
      }
      int dRow = dBase + y * ds[2];
      int xRow = xBase + y * xs[2];
      // Windows (2x2, wholly inside the input) of the fast path: x in [xlo, xhi).
      int xlo = 0;
      int xhi = 0;
      if (twoByTwo && h1 - h0 == 2 && src.array() instanceof float[] sf) {
        xlo = lo(-padding[1], stride[1], ow);
        xhi = hi(1 - padding[1], stride[1], w, ow, xlo);
        max2x2Row(sf, sBase, ss[2], ss[3], w, h0, xlo, xhi, stride[1], padding[1],
            (float[]) dst.array(), dRow, ds[3], idx, xRow, xs[3]);
      }
      for (int x = 0; x < ow; x++) {
        if (x == xlo && xhi > xlo) {
          x = xhi - 1;
          continue;
        }
        int w0 = x * stride[1] - padding[1];
        int w1 = Math.min(w0 + (kernel[1] - 1) * dilation[1] + 1, w);
        while (w0 < 0) {
          w0 += dilation[1];
        }
        int o = dRow + x * ds[3];
        int xo = xRow + x * xs[3];
        if (src.array() instanceof float[] sf) {
          maxWindow(sf, sBase, ss[2], ss[3], w, h0, h1, w0, w1, dilation, (float[]) dst.array(), o,
              idx, xo);
        } else {
          maxWindow((double[]) src.array(), sBase, ss[2], ss[3], w, h0, h1, w0, w1, dilation,
              (double[]) dst.array(), o, idx, xo);
        }
      }
    }
  }

  /**
   * The 2x2 windows x in [xlo, xhi) of one output row, all wholly inside the input, without
   * data-dependent branches: {@link #maxWindow}'s compare mispredicts at every other tap on real
   * data, which made it 5x slower. The maximum comes from {@code Math.max}, then the first tap
   * equal to it is picked with conditional moves, and its element is the result (so ties, 0 and
   * -0 included, go to the first tap as in PyTorch). A window holding NaN takes {@link
   * #maxWindow}.
   */
  private static void max2x2Row(float[] s, int sBase, int sh, int sw, int w, int h0, int xlo,
      int xhi, int strideW, int padW, float[] d, int dRow, int dw, long[] idx, int xRow, int xw) {
    int rowTop = sBase + h0 * sh;
    for (int x = xlo; x < xhi; x++) {
      int w0 = x * strideW - padW;
      int r0 = rowTop + w0 * sw;
      int r1 = r0 + sh;
      float a = s[r0];
      float b = s[r0 + sw];
      float c = s[r1];
      float e = s[r1 + sw];
      float m = Math.max(Math.max(a, b), Math.max(c, e));
      if (m != m) {
        maxWindow(s, sBase, sh, sw, w, h0, h0 + 2, w0, w0 + 2, ONE_ONE, d, dRow + x * dw, idx,
            xRow + x * xw);
        continue;
      }
      int k = 3;
      k = c == m ? 2 : k;
      k = b == m ? 1 : k;
      k = a == m ? 0 : k;
      int dy = k >> 1;
      int dx = k & 1;
      d[dRow + x * dw] = s[r0 + dy * sh + dx * sw];
      idx[xRow + x * xw] = (long) (h0 + dy) * w + w0 + dx;
    }
  }

  private static final int[] ONE_ONE = {1, 1};

  /**
   * PyTorch's max pooling loop over one window: {@code if (v > max || isnan(v))} over the taps in
   * order, starting from -inf at the first tap (so ties go to the first tap, NaN to the last).
   */
  private static void maxWindow(float[] s, int sBase, int sh, int sw, int w, int h0, int h1,
      int w0, int w1, int[] dilation, float[] d, int o, long[] idx, int xo) {
    int best = h0 * w + w0;
    float max = Float.NEGATIVE_INFINITY;
    for (int ih = h0; ih < h1; ih += dilation[0]) {
      int row = sBase + ih * sh;
      for (int iw = w0; iw < w1; iw += dilation[1]) {
        float v = s[row + iw * sw];
        if (v > max || v != v) {
          max = v;
          best = ih * w + iw;
        }
      }
    }
    d[o] = max;
    idx[xo] = best;
  }

  /** {@link #maxWindow} for float64. */
  private static void maxWindow(double[] s, int sBase, int sh, int sw, int w, int h0, int h1,
      int w0, int w1, int[] dilation, double[] d, int o, long[] idx, int xo) {
    int best = h0 * w + w0;
    double max = Double.NEGATIVE_INFINITY;
    for (int ih = h0; ih < h1; ih += dilation[0]) {
      int row = sBase + ih * sh;
      for (int iw = w0; iw < w1; iw += dilation[1]) {
        double v = s[row + iw * sw];
        if (v > max || v != v) {
          max = v;
          best = ih * w + iw;
        }
      }
    }
    d[o] = max;
    idx[xo] = best;
  }

  /** dst = 0, then {@code dst[n, c].flat[indices[n, c, o]] += grad[n, c, o]}, in order of o. */
  static void maxPool2dBackward(View dst, View grad, View indices) {
    OperandChecks.maxPool2dBackward(dst.shape(), dst.dtype(), grad.shape(), grad.dtype(),
        indices.shape(), indices.dtype());
    int[] is = dst.shape();
    int[] os = grad.shape();
    if (dst.numel() == 0) {
      return;
    }
    int area = is[2] * is[3];
    Parallel.forRange(is[0] * is[1], grain((long) area + (long) os[2] * os[3]), (s, e) -> {
      Object buf = planeBuffer(dst);
      for (int p = s; p < e; p++) {
        int n = p / is[1];
        int c = p % is[1];
        int off = buf == dst.array() ? planeOffset(dst, n, c) : 0;
        unpoolPlane(buf, off, grad, indices, n, c, is[2], is[3]);
        if (buf != dst.array()) {
          store(buf, dst, n, c);
        }
      }
    });
  }

  private static void unpoolPlane(Object buf, int off, View grad, View indices, int n, int c,
      int h, int w) {
    int area = h * w;
    fill(buf, off, 1, 0, area);
    int[] gs = grad.strides();
    int[] xs = indices.strides();
    int oh = grad.shape()[2];
    int ow = grad.shape()[3];
    int gBase = grad.offset() + n * gs[0] + c * gs[1];
    int xBase = indices.offset() + n * xs[0] + c * xs[1];
    long[] idx = (long[]) indices.array();
    for (int y = 0; y < oh; y++) {
      int gRow = gBase + y * gs[2];
      int xRow = xBase + y * xs[2];
      if (buf instanceof float[] b) {
        float[] g = (float[]) grad.array();
        for (int x = 0; x < ow; x++) {
          long i = idx[xRow + x * xs[3]];
          if (i < 0 || i >= area) {
            throw outside(i, n, c, y, x, h, w);
          }
          b[off + (int) i] += g[gRow + x * gs[3]];
        }
      } else {
        double[] b = (double[]) buf;
        double[] g = (double[]) grad.array();
        for (int x = 0; x < ow; x++) {
          long i = idx[xRow + x * xs[3]];
          if (i < 0 || i >= area) {
            throw outside(i, n, c, y, x, h, w);
          }
          b[off + (int) i] += g[gRow + x * gs[3]];
        }
      }
    }
  }

  private static IndexOutOfBoundsException outside(long i, int n, int c, int y, int x, int h,
      int w) {
    return new IndexOutOfBoundsException("max_pool2d backward: index " + i + " at (" + n + ", " + c
        + ", " + y + ", " + x + ") is outside the " + h + "x" + w + " plane");
  }
}
