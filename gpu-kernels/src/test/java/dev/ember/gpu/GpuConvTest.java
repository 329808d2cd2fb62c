package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * im2col, col2im and max pooling (forward and backward) on the OpenCL device against the CPU
 * backend: strides, padding and dilation, strided operands, ties and NaN, bad indices.
 */
class GpuConvTest {
  private static final Backend CPU = Backends.get(Device.CPU);
  private final Random random = new Random(7);

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeDevice();
  }

  private static Backend gpu() {
    return Backends.get(GpuTesting.DEVICE);
  }

  private Tensor values(DType dtype, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextDouble() * 2 - 1;
    }
    return Tensor.of(v, shape).to(dtype);
  }

  private static int out(int size, int k, int s, int p, int d) {
    return (size + 2 * p - d * (k - 1) - 1) / s + 1;
  }

  private static void assertSame(Tensor want, Tensor got) {
    if (want.dtype() == DType.FLOAT32) {
      assertArrayEquals(want.toFloatArray(), got.toFloatArray());
    } else {
      assertArrayEquals(want.toDoubleArray(), got.toDoubleArray());
    }
  }

  /** One geometry: image (n, c, h, w), kernel (kh, kw), stride, padding, dilation. */
  private record Geo(int n, int c, int h, int w, int kh, int kw, int[] s, int[] p, int[] d) {
    int[] image() {
      return new int[] {n, c, h, w};
    }

    int[] cols() {
      return new int[] {n, c, kh, kw, out(h, kh, s[0], p[0], d[0]), out(w, kw, s[1], p[1], d[1])};
    }
  }

  private static final Geo[] GEOMETRIES = {
    new Geo(2, 3, 9, 7, 3, 2, new int[] {2, 1}, new int[] {1, 2}, new int[] {2, 1}),
    new Geo(1, 2, 5, 6, 3, 3, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}),
    new Geo(3, 1, 8, 8, 2, 2, new int[] {3, 2}, new int[] {0, 0}, new int[] {1, 3}),
    // More than 65,536 column elements: many work groups.
    new Geo(4, 8, 32, 30, 3, 3, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}),
  };

  @Test
  void im2colAndCol2imMatchTheCpu() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (Geo g : GEOMETRIES) {
        try (var scope = Tensor.scope()) {
          Tensor x = values(dtype, g.image());
          Tensor want = Tensor.empty(dtype, Device.CPU, g.cols());
          CPU.im2col(want, x, g.s(), g.p(), g.d());
          Tensor got = Tensor.full(g.cols(), Double.NaN, dtype, GpuTesting.DEVICE);
          gpu().im2col(got, x.to(GpuTesting.DEVICE), g.s(), g.p(), g.d());
          assertSame(want, got);

          Tensor y = values(dtype, g.cols());
          Tensor back = Tensor.empty(dtype, Device.CPU, g.image());
          CPU.col2im(back, y, g.s(), g.p(), g.d());
          Tensor gotBack = Tensor.full(g.image(), Double.NaN, dtype, GpuTesting.DEVICE);
          gpu().col2im(gotBack, y.to(GpuTesting.DEVICE), g.s(), g.p(), g.d());
          // The same additions in the same order: equal to the bit.
          assertSame(back, gotBack);
        }
      }
    }
  }

  @Test
  void col2imIsTheAdjointOfIm2col() {
    for (Geo g : GEOMETRIES) {
      try (var scope = Tensor.scope()) {
        Tensor x = values(DType.FLOAT64, g.image()).to(GpuTesting.DEVICE);
        Tensor y = values(DType.FLOAT64, g.cols()).to(GpuTesting.DEVICE);
        Tensor cols = Tensor.empty(DType.FLOAT64, GpuTesting.DEVICE, g.cols());
        gpu().im2col(cols, x, g.s(), g.p(), g.d());
        Tensor img = Tensor.empty(DType.FLOAT64, GpuTesting.DEVICE, g.image());
        gpu().col2im(img, y, g.s(), g.p(), g.d());
        double[] xa = x.toDoubleArray();
        double[] ia = img.toDoubleArray();
        double[] ya = y.toDoubleArray();
        double[] ca = cols.toDoubleArray();
        double left = 0;
        for (int i = 0; i < xa.length; i++) {
          left += ia[i] * xa[i];
        }
        double right = 0;
        for (int i = 0; i < ya.length; i++) {
          right += ya[i] * ca[i];
        }
        assertEquals(right, left, 1e-9 * Math.max(1, Math.abs(right)), g.toString());
      }
    }
  }

  @Test
  void stridedOperands() {
    Geo g = GEOMETRIES[0];
    try (var scope = Tensor.scope()) {
      // The image as a permuted view (channels last in memory), columns as a permuted view.
      int[] is = g.image();
      Tensor stored = values(DType.FLOAT32, is[0], is[2], is[3], is[1]);
      Tensor x = stored.permute(0, 3, 1, 2);
      Tensor gx = stored.to(GpuTesting.DEVICE).permute(0, 3, 1, 2);
      int[] cs = g.cols();
      Tensor want = Tensor.empty(DType.FLOAT32, Device.CPU, cs[5], cs[4], cs[3], cs[2], cs[1],
          cs[0]).permute(5, 4, 3, 2, 1, 0);
      CPU.im2col(want, x, g.s(), g.p(), g.d());
      Tensor got = Tensor.empty(DType.FLOAT32, GpuTesting.DEVICE, cs[5], cs[4], cs[3], cs[2],
          cs[1], cs[0]).permute(5, 4, 3, 2, 1, 0);
      gpu().im2col(got, gx, g.s(), g.p(), g.d());
      assertSame(want, got);

      Tensor back = Tensor.empty(DType.FLOAT32, Device.CPU, is[3], is[2], is[1], is[0])
          .permute(3, 2, 1, 0);
      CPU.col2im(back, want, g.s(), g.p(), g.d());
      Tensor gotBack = Tensor.empty(DType.FLOAT32, GpuTesting.DEVICE, is[3], is[2], is[1], is[0])
          .permute(3, 2, 1, 0);
      gpu().col2im(gotBack, got, g.s(), g.p(), g.d());
      assertSame(back, gotBack);
    }
  }

  /** Runs max pooling on both devices and compares values and indices exactly. */
  private void pool(Tensor x, int[] k, int[] s, int[] p, int[] d) {
    int[] is = x.shape();
    int[] os = {is[0], is[1], out(is[2], k[0], s[0], p[0], d[0]),
      out(is[3], k[1], s[1], p[1], d[1])};
    Tensor want = Tensor.empty(x.dtype(), Device.CPU, os);
    Tensor wantIdx = Tensor.empty(DType.INT64, Device.CPU, os);
    CPU.maxPool2d(want, wantIdx, x, k, s, p, d);
    Tensor got = Tensor.empty(x.dtype(), GpuTesting.DEVICE, os);
    Tensor gotIdx = Tensor.empty(DType.INT64, GpuTesting.DEVICE, os);
    gpu().maxPool2d(got, gotIdx, x.to(GpuTesting.DEVICE), k, s, p, d);
    assertSame(want, got);
    assertArrayEquals(wantIdx.toLongArray(), gotIdx.toLongArray());

    // Backward from the same indices, with a gradient of random values.
    Tensor grad = values(x.dtype(), os);
    Tensor dx = Tensor.empty(x.dtype(), Device.CPU, is);
    CPU.maxPool2dBackward(dx, grad, wantIdx);
    Tensor gdx = Tensor.full(is, Double.NaN, x.dtype(), GpuTesting.DEVICE);
    gpu().maxPool2dBackward(gdx, grad.to(GpuTesting.DEVICE), gotIdx);
    assertSame(dx, gdx);
  }

  @Test
  void maxPoolTiesAndNan() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      try (var scope = Tensor.scope()) {
        // Few distinct values: many ties; NaN in some windows, two NaN in one; -0 and 0.
        int n = 2 * 3 * 7 * 8;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] = random.nextInt(3);
        }
        v[5] = Double.NaN;
        v[6] = Double.NaN;
        v[40] = Double.NaN;
        v[100] = -0.0;
        v[101] = 0.0;
        Tensor x = Tensor.of(v, 2, 3, 7, 8).to(dtype);
        pool(x, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1});
        pool(x, new int[] {3, 2}, new int[] {1, 2}, new int[] {1, 1}, new int[] {1, 1});
        pool(x, new int[] {3, 3}, new int[] {2, 1}, new int[] {1, 0}, new int[] {2, 3});
        pool(x.transpose(2, 3), new int[] {2, 3}, new int[] {1, 1}, new int[] {1, 1},
            new int[] {1, 1});
      }
    }
  }

  @Test
  void maxPoolLargeAndOnePlane() {
    try (var scope = Tensor.scope()) {
      // 4 x 16 planes of 64 x 72: > 65,536 elements; then one plane (backward split in bands).
      pool(values(DType.FLOAT32, 4, 16, 64, 72), new int[] {2, 2}, new int[] {2, 2},
          new int[] {0, 0}, new int[] {1, 1});
      pool(values(DType.FLOAT32, 1, 1, 100, 90), new int[] {3, 3}, new int[] {2, 2},
          new int[] {1, 1}, new int[] {1, 1});
    }
  }

  @Test
  void maxPoolBackwardAddsRepeatedIndicesInOrder() {
    try (var scope = Tensor.scope()) {
      long[] idx = {0, 0, 3, 0, 3, 5};
      double[] g = {1e16, 1, -1e16, 2, 3, 4};
      Tensor ci = Tensor.of(idx, 1, 1, 2, 3);
      Tensor cg = Tensor.of(g, 1, 1, 2, 3);
      Tensor want = Tensor.empty(DType.FLOAT64, Device.CPU, 1, 1, 2, 4);
      CPU.maxPool2dBackward(want, cg, ci);
      Tensor got = Tensor.empty(DType.FLOAT64, GpuTesting.DEVICE, 1, 1, 2, 4);
      gpu().maxPool2dBackward(got, cg.to(GpuTesting.DEVICE), ci.to(GpuTesting.DEVICE));
      assertSame(want, got);
      // A broadcast gradient (stride 0).
      Tensor one = Tensor.of(new double[] {2.5}, 1, 1, 1, 1);
      CPU.maxPool2dBackward(want, one.expand(1, 1, 2, 3), ci);
      gpu().maxPool2dBackward(got, one.to(GpuTesting.DEVICE).expand(1, 1, 2, 3),
          ci.to(GpuTesting.DEVICE));
      assertSame(want, got);
    }
  }

  @Test
  void maxPoolBackwardRejectsAnIndexOutsideThePlane() {
    try (var scope = Tensor.scope()) {
      Tensor idx = Tensor.of(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 1, 2, 3);
      Tensor grad = Tensor.full(new int[] {2, 1, 2, 3}, 1.0, DType.FLOAT32, GpuTesting.DEVICE);
      Tensor dst = Tensor.empty(DType.FLOAT32, GpuTesting.DEVICE, 2, 1, 2, 4);
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
          () -> gpu().maxPool2dBackward(dst, grad, idx.to(GpuTesting.DEVICE)));
      assertTrue(e.getMessage().contains("index 8 at (1, 0, 0, 2)"), e.getMessage());
      Tensor neg = Tensor.of(new long[] {0, 1, 2, 3, -4, 5}, 1, 1, 2, 3);
      IndexOutOfBoundsException e2 = assertThrows(IndexOutOfBoundsException.class,
          () -> gpu().maxPool2dBackward(dst.narrow(0, 0, 1), grad.narrow(0, 0, 1),
              neg.to(GpuTesting.DEVICE)));
      assertTrue(e2.getMessage().contains("index -4 at (0, 0, 1, 1)"), e2.getMessage());
    }
  }
}
