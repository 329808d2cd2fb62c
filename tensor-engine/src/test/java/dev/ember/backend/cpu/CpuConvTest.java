package dev.ember.backend.cpu;

import static dev.ember.backend.cpu.CpuTesting.forEach;
import static dev.ember.backend.cpu.CpuTesting.get;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.backend.cpu.CpuTesting.Layout;
import dev.ember.tensor.DType;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * im2col, col2im and max pooling against their definitions written as plain loops, on random
 * geometries (stride, padding, dilation, grids that reach into or beyond the padding), both float
 * dtypes and every operand layout; col2im as the adjoint of im2col; max pooling on NaN, infinities,
 * signed zeros and ties; and the same bits for every thread count.
 */
class CpuConvTest {
  private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

  private static Layout anyLayout(Random rnd) {
    return Layout.values()[rnd.nextInt(Layout.values().length)];
  }

  /** A random convolution geometry: image, columns and stride/padding/dilation. */
  private record Geo(int[] image, int[] cols, int[] stride, int[] padding, int[] dilation) {
    static Geo random(Random rnd) {
      int n = 1 + rnd.nextInt(2);
      int c = 1 + rnd.nextInt(3);
      int[] image = {n, c, 1 + rnd.nextInt(7), 1 + rnd.nextInt(7)};
      int[] k = {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
      int[] stride = {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
      int[] padding = {rnd.nextInt(3), rnd.nextInt(3)};
      int[] dilation = {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)};
      int[] grid = new int[2];
      for (int d = 0; d < 2; d++) {
        int span = image[2 + d] + 2 * padding[d] - dilation[d] * (k[d] - 1) - 1;
        int out = span < 0 ? 1 : span / stride[d] + 1;
        // Sometimes fewer windows than fit, sometimes more (windows wholly in or past the padding).
        grid[d] = Math.max(1, out + rnd.nextInt(3) - 1);
      }
      return new Geo(image, new int[] {n, c, k[0], k[1], grid[0], grid[1]}, stride, padding,
          dilation);
    }

    @Override
    public String toString() {
      return "image " + Arrays.toString(image) + ", columns " + Arrays.toString(cols) + ", stride "
          + Arrays.toString(stride) + ", padding " + Arrays.toString(padding) + ", dilation "
          + Arrays.toString(dilation);
    }

    /** The image position tap (i, j) of window (y, x) reads, or null outside the image. */
    int[] source(int[] col) {
      int ih = col[4] * stride[0] - padding[0] + col[2] * dilation[0];
      int iw = col[5] * stride[1] - padding[1] + col[3] * dilation[1];
      if (ih < 0 || ih >= image[2] || iw < 0 || iw >= image[3]) {
        return null;
      }
      return new int[] {col[0], col[1], ih, iw};
    }
  }

  @Test
  void im2colMatchesItsDefinitionOnEveryLayout() {
    Random rnd = new Random(41);
    for (int trial = 0; trial < 300; trial++) {
      Geo g = Geo.random(rnd);
      DType dt = FLOATS[trial % 2];
      View src = CpuTesting.view(dt, g.image(), anyLayout(rnd), rnd);
      View dst = CpuTesting.view(dt, g.cols(), anyLayout(rnd), rnd);
      CpuConv.im2col(dst, src, g.stride(), g.padding(), g.dilation());
      int t = trial;
      forEach(g.cols(), col -> {
        int[] at = g.source(col);
        assertEquals(at == null ? 0.0 : get(src, at), get(dst, col), () -> "trial " + t + " " + g);
      });
      assertTrue(CpuTesting.untouchedOutside(dst));
    }
  }

  /**
   * Stride 1 with as many windows per row as the image is wide (a "same" convolution), on
   * contiguous planes: the shifted-plane copy, in both column layouts (row-major, and the one the
   * convolution uses: kernel taps outermost).
   */
  @Test
  void im2colOfSameWidthConvolutions() {
    Random rnd = new Random(47);
    for (int trial = 0; trial < 200; trial++) {
      int[] image = {1 + rnd.nextInt(3), 1 + rnd.nextInt(3), 1 + rnd.nextInt(6), 1 + rnd.nextInt(6)};
      int[] k = {1 + rnd.nextInt(4), 1 + rnd.nextInt(4)};
      int[] dilation = {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)};
      int[] padding = {rnd.nextInt(4), rnd.nextInt(4)};
      int[] stride = {1, 1};
      int[] cols = {image[0], image[1], k[0], k[1], 1 + rnd.nextInt(8), image[3]};
      Geo g = new Geo(image, cols, stride, padding, dilation);
      DType dt = FLOATS[trial % 2];
      View src = CpuTesting.view(dt, image, Layout.CONTIGUOUS, rnd);
      View dst;
      if (trial % 2 == 0) {
        dst = CpuTesting.view(dt, cols, Layout.CONTIGUOUS, rnd);
      } else {
        // (C, kH, kW, N, oH, oW) storage seen as (N, C, kH, kW, oH, oW).
        View store = CpuTesting.view(dt, new int[] {cols[1], cols[2], cols[3], cols[0], cols[4],
            cols[5]}, Layout.CONTIGUOUS, rnd);
        int[] st = store.strides();
        dst = new View(store.array(), dt, store.offset(), cols,
            new int[] {st[3], st[0], st[1], st[2], st[4], st[5]});
      }
      CpuConv.im2col(dst, src, stride, padding, dilation);
      View out = dst;
      int t = trial;
      forEach(cols, col -> {
        int[] at = g.source(col);
        assertEquals(at == null ? 0.0 : get(src, at), get(out, col), () -> "trial " + t + " " + g);
      });
    }
  }

  @Test
  void col2imMatchesItsDefinitionOnEveryLayout() {
    Random rnd = new Random(42);
    for (int trial = 0; trial < 300; trial++) {
      Geo g = Geo.random(rnd);
      DType dt = FLOATS[trial % 2];
      View src = CpuTesting.view(dt, g.cols(), anyLayout(rnd), rnd);
      View dst = CpuTesting.view(dt, g.image(), anyLayout(rnd), rnd);
      double[] expected = new double[CpuTesting.numel(g.image())];
      int[] is = g.image();
      forEach(g.cols(), col -> {
        int[] at = g.source(col);
        if (at != null) {
          int flat = ((at[0] * is[1] + at[1]) * is[2] + at[2]) * is[3] + at[3];
          expected[flat] = dt == DType.FLOAT32 ? (float) (expected[flat] + get(src, col))
              : expected[flat] + get(src, col);
        }
      });
      CpuConv.col2im(dst, src, g.stride(), g.padding(), g.dilation());
      int[] k = {0};
      forEach(is, idx -> CpuTesting.assertClose(dt, expected[k[0]++], get(dst, idx), "col2im " + g));
      assertTrue(CpuTesting.untouchedOutside(dst));
    }
  }

  /** {@code <col2im(y), x> == <y, im2col(x)>} in float64, for random x and y. */
  @Test
  void col2imIsTheAdjointOfIm2col() {
    Random rnd = new Random(43);
    for (int trial = 0; trial < 200; trial++) {
      Geo g = Geo.random(rnd);
      View x = CpuTesting.view(DType.FLOAT64, g.image(), anyLayout(rnd), rnd);
      View y = CpuTesting.view(DType.FLOAT64, g.cols(), anyLayout(rnd), rnd);
      View folded = View.allocate(DType.FLOAT64, g.image());
      View unfolded = View.allocate(DType.FLOAT64, g.cols());
      CpuConv.col2im(folded, y, g.stride(), g.padding(), g.dilation());
      CpuConv.im2col(unfolded, x, g.stride(), g.padding(), g.dilation());
      double[] lhs = {0, 0};
      double[] rhs = {0, 0};
      forEach(g.image(), idx -> {
        lhs[0] += get(folded, idx) * get(x, idx);
        lhs[1] += Math.abs(get(folded, idx) * get(x, idx));
      });
      forEach(g.cols(), idx -> {
        rhs[0] += get(y, idx) * get(unfolded, idx);
        rhs[1] += Math.abs(get(y, idx) * get(unfolded, idx));
      });
      assertEquals(rhs[0], lhs[0], 1e-12 * (1 + rhs[1]), "trial " + trial + " " + g);
    }
  }

  /** PyTorch's max pooling loop, the definition the kernel must reproduce bit for bit. */
  private static void referenceMaxPool(View src, int[] oshape, int[] k, int[] s, int[] p, int[] d,
      double[] values, long[] indices) {
    int h = src.shape()[2];
    int w = src.shape()[3];
    int[] at = {0};
    forEach(oshape, o -> {
      int h0 = o[2] * s[0] - p[0];
      int w0 = o[3] * s[1] - p[1];
      int h1 = Math.min(h0 + (k[0] - 1) * d[0] + 1, h);
      int w1 = Math.min(w0 + (k[1] - 1) * d[1] + 1, w);
      while (h0 < 0) {
        h0 += d[0];
      }
      while (w0 < 0) {
        w0 += d[1];
      }
      long best = (long) h0 * w + w0;
      double max = Double.NEGATIVE_INFINITY;
      for (int ih = h0; ih < h1; ih += d[0]) {
        for (int iw = w0; iw < w1; iw += d[1]) {
          double v = get(src, new int[] {o[0], o[1], ih, iw});
          if (v > max || Double.isNaN(v)) {
            max = v;
            best = (long) ih * w + iw;
          }
        }
      }
      values[at[0]] = max;
      indices[at[0]++] = best;
    });
  }

  /** Random values with NaN, infinities, signed zeros and repeats mixed in. */
  private static void sprinkle(View v, Random rnd) {
    double[] special = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0,
        1.0, 1.0};
    forEach(v.shape(), idx -> {
      if (rnd.nextInt(5) == 0) {
        CpuTesting.set(v, idx, special[rnd.nextInt(special.length)]);
      }
    });
  }

  @Test
  void maxPoolMatchesPyTorchsLoopBitForBit() {
    Random rnd = new Random(44);
    for (int trial = 0; trial < 400; trial++) {
      DType dt = FLOATS[trial % 2];
      int[] k;
      int[] s;
      int[] d;
      // Half the trials take the 2x2 fast path (kernel 2, dilation 1).
      if (trial % 4 < 2) {
        k = new int[] {2, 2};
        s = new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)};
        d = new int[] {1, 1};
      } else {
        k = new int[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
        s = new int[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)};
        d = new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)};
      }
      int[] p = {rnd.nextInt(k[0] / 2 + 1), rnd.nextInt(k[1] / 2 + 1)};
      int[] ishape = {1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 2 + rnd.nextInt(6), 2 + rnd.nextInt(6)};
      int[] oshape = ishape.clone();
      boolean empty = false;
      for (int a = 0; a < 2; a++) {
        int span = ishape[2 + a] + 2 * p[a] - d[a] * (k[a] - 1) - 1;
        empty |= span < 0;
        oshape[2 + a] = Math.max(1, span / s[a] + 1);
      }
      if (empty) {
        continue;
      }
      View src = CpuTesting.view(dt, ishape, anyLayout(rnd), rnd);
      if (trial % 3 != 0) {
        sprinkle(src, rnd);
      }
      View dst = CpuTesting.view(dt, oshape, anyLayout(rnd), rnd);
      View idx = CpuTesting.view(DType.INT64, oshape, anyLayout(rnd), rnd);
      CpuConv.maxPool2d(dst, idx, src, k, s, p, d);
      double[] values = new double[CpuTesting.numel(oshape)];
      long[] indices = new long[values.length];
      referenceMaxPool(src, oshape, k, s, p, d, values, indices);
      int[] at = {0};
      int t = trial;
      forEach(oshape, o -> {
        double v = get(dst, o);
        double e = values[at[0]];
        assertTrue(Double.isNaN(e) ? Double.isNaN(v)
                : Double.doubleToRawLongBits(e) == Double.doubleToRawLongBits(v),
            () -> "trial " + t + " value at " + Arrays.toString(o) + ": " + v + ", expected "
                + e);
        assertEquals(indices[at[0]++], CpuTesting.getLong(idx, o), () -> "trial " + t + " index");
      });
      assertTrue(CpuTesting.untouchedOutside(dst));
      assertTrue(CpuTesting.untouchedOutside(idx));
    }
  }

  @Test
  void maxPoolBackwardAddsEveryGradientAtItsIndex() {
    Random rnd = new Random(45);
    for (int trial = 0; trial < 100; trial++) {
      DType dt = FLOATS[trial % 2];
      int[] ishape = {1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 1 + rnd.nextInt(5), 1 + rnd.nextInt(5)};
      int[] oshape = {ishape[0], ishape[1], 1 + rnd.nextInt(4), 1 + rnd.nextInt(4)};
      View grad = CpuTesting.view(dt, oshape, anyLayout(rnd), rnd);
      View idx = CpuTesting.view(DType.INT64, oshape, anyLayout(rnd), rnd);
      int area = ishape[2] * ishape[3];
      forEach(oshape, o -> CpuTesting.set(idx, o, rnd.nextInt(area)));
      View dst = CpuTesting.view(dt, ishape, anyLayout(rnd), rnd);
      CpuConv.maxPool2dBackward(dst, grad, idx);
      double[] expected = new double[CpuTesting.numel(ishape)];
      forEach(oshape, o -> {
        int flat = (o[0] * ishape[1] + o[1]) * area + (int) CpuTesting.getLong(idx, o);
        expected[flat] = dt == DType.FLOAT32 ? (float) (expected[flat] + get(grad, o))
            : expected[flat] + get(grad, o);
      });
      int[] k = {0};
      forEach(ishape, i -> assertEquals(expected[k[0]++], get(dst, i), "max_pool2d backward"));
      assertTrue(CpuTesting.untouchedOutside(dst));
    }
  }

  @Test
  void maxPoolBackwardRejectsAnIndexOutsideThePlane() {
    View dst = View.allocate(DType.FLOAT32, new int[] {1, 1, 2, 2});
    View grad = View.allocate(DType.FLOAT32, new int[] {1, 1, 1, 1});
    View idx = View.allocate(DType.INT64, new int[] {1, 1, 1, 1});
    ((long[]) idx.array())[0] = 4;
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
        () -> CpuConv.maxPool2dBackward(dst, grad, idx));
    assertTrue(e.getMessage().contains("index 4") && e.getMessage().contains("2x2"), e.getMessage());
  }

  @Test
  void badOperandsAreRejected() {
    View img = View.allocate(DType.FLOAT32, new int[] {1, 2, 4, 4});
    View cols = View.allocate(DType.FLOAT32, new int[] {1, 3, 2, 2, 3, 3});
    int[] one = {1, 1};
    int[] zero = {0, 0};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CpuConv.im2col(cols, img, one, zero, one));
    assertTrue(e.getMessage().contains("[1, 2, 4, 4]") && e.getMessage().contains("[1, 3, 2, 2, 3, 3]"),
        e.getMessage());
    View cols64 = View.allocate(DType.FLOAT64, new int[] {1, 2, 2, 2, 3, 3});
    e = assertThrows(IllegalArgumentException.class, () -> CpuConv.col2im(img, cols64, one, zero, one));
    assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("float64"), e.getMessage());
    View good = View.allocate(DType.FLOAT32, new int[] {1, 2, 2, 2, 3, 3});
    e = assertThrows(IllegalArgumentException.class,
        () -> CpuConv.im2col(good, img, new int[] {0, 1}, zero, one));
    assertTrue(e.getMessage().contains("stride [0, 1]"), e.getMessage());
    View out = View.allocate(DType.FLOAT32, new int[] {1, 2, 2, 2});
    View idx32 = View.allocate(DType.INT32, new int[] {1, 2, 2, 2});
    e = assertThrows(IllegalArgumentException.class,
        () -> CpuConv.maxPool2d(out, idx32, img, new int[] {2, 2}, new int[] {2, 2}, zero, one));
    assertTrue(e.getMessage().contains("int64"), e.getMessage());
  }

  /** Work is split by planes or kernel taps; every element has one writer, so no thread count changes a bit. */
  @Test
  void resultsDoNotDependOnTheNumberOfThreads() {
    Random rnd = new Random(46);
    int[] image = {16, 32, 24, 24};
    int[] colShape = {16, 32, 3, 3, 24, 24};
    int[] one = {1, 1};
    View x = CpuTesting.view(DType.FLOAT32, image, Layout.CONTIGUOUS, rnd);
    View y = CpuTesting.view(DType.FLOAT32, colShape, Layout.CONTIGUOUS, rnd);
    int before = Parallel.numThreads();
    Object[][] results = new Object[3][];
    try {
      for (int t = 1; t <= 3; t++) {
        Parallel.setNumThreads(t);
        View cols = View.allocate(DType.FLOAT32, colShape);
        View folded = View.allocate(DType.FLOAT32, image);
        View pooled = View.allocate(DType.FLOAT32, new int[] {16, 32, 12, 12});
        View idx = View.allocate(DType.INT64, new int[] {16, 32, 12, 12});
        View unpooled = View.allocate(DType.FLOAT32, image);
        CpuConv.im2col(cols, x, one, one, one);
        CpuConv.col2im(folded, y, one, one, one);
        CpuConv.maxPool2d(pooled, idx, x, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, one);
        CpuConv.maxPool2dBackward(unpooled, pooled, idx);
        results[t - 1] = new Object[] {cols.array(), folded.array(), pooled.array(), idx.array(),
            unpooled.array()};
      }
    } finally {
      Parallel.setNumThreads(before);
    }
    for (int t = 1; t < 3; t++) {
      assertArrayEquals((float[]) results[0][0], (float[]) results[t][0]);
      assertArrayEquals((float[]) results[0][1], (float[]) results[t][1]);
      assertArrayEquals((float[]) results[0][2], (float[]) results[t][2]);
      assertArrayEquals((long[]) results[0][3], (long[]) results[t][3]);
      assertArrayEquals((float[]) results[0][4], (float[]) results[t][4]);
    }
  }
}
