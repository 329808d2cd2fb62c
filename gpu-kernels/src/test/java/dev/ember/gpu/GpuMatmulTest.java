package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.UnaryOp;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The batched GEMM primitive on the OpenCL device against the CPU backend: shapes that are not
 * multiples of the tiles, strided operands, alpha and beta, integer dtypes.
 */
class GpuMatmulTest {
  private final Random random = new Random(42);

  @BeforeEach
  void needsOpenCl() {
    GpuTesting.assumeDevice();
  }

  /** Values in [-1, 1) of the dtype (small integers for integer dtypes), on the CPU. */
  private Tensor values(DType dtype, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = dtype.isFloatingPoint() ? random.nextDouble() * 2 - 1 : random.nextInt(19) - 9;
    }
    return Tensor.of(v, shape).to(dtype);
  }

  private static Backend backend(Tensor t) {
    return Backends.get(t.device());
  }

  /**
   * Runs {@code dst = alpha a @ b + beta dst} on both devices, with the operands seen through
   * {@code view} (applied on each device to the same stored values), and compares.
   */
  private void compare(DType dtype, int[] aShape, int[] bShape, int[] dstShape,
      UnaryOperator<Tensor> viewA, UnaryOperator<Tensor> viewB, UnaryOperator<Tensor> viewDst,
      double alpha, double beta, double nanDst) {
    try (var scope = Tensor.scope()) {
      Tensor a = values(dtype, aShape);
      Tensor b = values(dtype, bShape);
      Tensor c = Double.isNaN(nanDst) ? Tensor.full(dstShape, Double.NaN, dtype, Device.CPU)
          : values(dtype, dstShape);
      Tensor ga = a.to(GpuTesting.DEVICE);
      Tensor gb = b.to(GpuTesting.DEVICE);
      Tensor gc = c.to(GpuTesting.DEVICE);
      Tensor ca = viewA.apply(a);
      Tensor cb = viewB.apply(b);
      Tensor cc = viewDst.apply(c);
      backend(ca).matmul(cc, ca, cb, alpha, beta);
      Tensor gdst = viewDst.apply(gc);
      backend(gdst).matmul(gdst, viewA.apply(ga), viewB.apply(gb), alpha, beta);
      int k = ca.shape()[2];
      // The whole stored dst: elements outside a dst view must be left alone.
      cc = c;
      gdst = gc;
      switch (dtype) {
        case FLOAT32 -> {
          float[] want = cc.toFloatArray();
          float[] got = gdst.toFloatArray();
          double tol = 2e-6 * Math.max(1, k) * Math.max(1, Math.abs(alpha)) + 1e-6 * Math.abs(beta);
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol, "element " + i);
          }
        }
        case FLOAT64 -> {
          double[] want = cc.toDoubleArray();
          double[] got = gdst.toDoubleArray();
          for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-13 * Math.max(1, k) * Math.max(1, Math.abs(alpha))
                + 1e-13 * Math.abs(beta), "element " + i);
          }
        }
        case INT64 -> assertArrayEquals(cc.toLongArray(), gdst.toLongArray());
        case INT32 -> assertArrayEquals(cc.toIntArray(), gdst.toIntArray());
        default -> throw new IllegalStateException();
      }
    }
  }

  private void plain(DType dtype, int batches, int m, int k, int n, double alpha, double beta) {
    compare(dtype, new int[] {batches, m, k}, new int[] {batches, k, n},
        new int[] {batches, m, n}, t -> t, t -> t, t -> t, alpha, beta,
        beta == 0 ? Double.NaN : 0);
  }

  @Test
  void shapesThatAreNotMultiplesOfTheTile() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      plain(dtype, 1, 1, 1, 1, 1, 0);
      plain(dtype, 1, 17, 33, 65, 1, 0);
      plain(dtype, 4, 31, 29, 37, 1, 0);
      plain(dtype, 2, 70, 5, 49, 1, 0);
    }
    plain(DType.FLOAT32, 1, 128, 784, 512, 1, 0);
  }

  @Test
  void alphaAndBeta() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32}) {
      plain(dtype, 3, 19, 23, 50, 2, 1);
      plain(dtype, 1, 64, 40, 64, 2, 1);
      plain(dtype, 2, 9, 7, 5, -3, 0.0);
      plain(dtype, 2, 9, 7, 5, 1, 2);
    }
  }

  @Test
  void zeroAlphaOrEmptyKOnlyScalesDst() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.INT64}) {
      plain(dtype, 2, 5, 0, 6, 1, 3);
      plain(dtype, 2, 5, 4, 6, 0, 2);
      plain(dtype, 2, 5, 0, 6, 1, 0);
    }
  }

  @Test
  void integerProductsWrapLikeTheCpu() {
    try (var scope = Tensor.scope()) {
      long big = 1L << 40;
      Tensor a = Tensor.of(new long[] {big, big + 3, 7, -big}, 1, 2, 2);
      Tensor b = Tensor.of(new long[] {big, 5, -big, 1L << 30}, 1, 2, 2);
      Tensor want = Tensor.empty(DType.INT64, Device.CPU, 1, 2, 2);
      backend(want).matmul(want, a, b, 1, 0);
      Tensor got = Tensor.empty(DType.INT64, GpuTesting.DEVICE, 1, 2, 2);
      backend(got).matmul(got, a.to(GpuTesting.DEVICE), b.to(GpuTesting.DEVICE), 1, 0);
      assertArrayEquals(want.toLongArray(), got.toLongArray());
    }
  }

  @Test
  void transposedAndBroadcastOperands() {
    UnaryOperator<Tensor> t = x -> x.transpose(1, 2);
    UnaryOperator<Tensor> id = x -> x;
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT32}) {
      // a^T @ b, a @ b^T, a^T @ b^T, into a transposed dst.
      compare(dtype, new int[] {3, 29, 67}, new int[] {3, 29, 45}, new int[] {3, 67, 45}, t, id,
          id, 1, 0, Double.NaN);
      compare(dtype, new int[] {3, 67, 29}, new int[] {3, 45, 29}, new int[] {3, 67, 45}, id, t,
          id, 1, 0, Double.NaN);
      compare(dtype, new int[] {2, 13, 70}, new int[] {2, 66, 13}, new int[] {2, 66, 70}, t, t,
          t, 2, 1, 0);
      // A broadcast batch (stride 0) and a non-unit column stride.
      compare(dtype, new int[] {1, 50, 33}, new int[] {4, 33, 52}, new int[] {4, 50, 52},
          x -> x.expand(4, 50, 33), id, id, 1, 0, Double.NaN);
      compare(dtype, new int[] {4, 20, 66}, new int[] {1, 33, 18}, new int[] {4, 20, 18},
          x -> x.narrow(2, 0, 33), x -> x.expand(4, 33, 18), id, 1, 0, Double.NaN);
      compare(dtype, new int[] {2, 20, 31}, new int[] {2, 31, 24}, new int[] {2, 20, 48}, id, id,
          x -> x.narrow(2, 24, 24), 1, 1, 0);
      // Every dimension strided: a permuted, b with a step.
      compare(dtype, new int[] {17, 3, 21}, new int[] {3, 21, 60}, new int[] {3, 17, 30},
          x -> x.permute(1, 0, 2), x -> x.view(3, 21, 30, 2).select(3, 0), id, 1, 0, Double.NaN);
    }
  }

  /**
   * matmulAdd: the beta term read from an addend that is a broadcast bias (a row vector expanded
   * over the rows and the batch, strides 0), for both tile sizes, float32 and float64 (one
   * launch of the mma kernels), and int64 (the addend copied first); dst starts as NaN, which must
   * not leak in.
   */
  @Test
  void matmulAddReadsABroadcastBias() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT64}) {
      for (int[] mkn : new int[][] {{5, 7, 3}, {70, 33, 65}}) {
        int m = mkn[0];
        int k = mkn[1];
        int n = mkn[2];
        try (var scope = Tensor.scope()) {
          Tensor a = values(dtype, 2, m, k);
          Tensor b = values(dtype, 2, k, n);
          Tensor bias = values(dtype, n);
          Tensor[] out = new Tensor[2];
          Device[] devices = {Device.CPU, GpuTesting.DEVICE};
          for (int d = 0; d < 2; d++) {
            Tensor dst = Tensor.full(new int[] {2, m, n}, dtype.isFloatingPoint() ? Double.NaN : 0,
                dtype, devices[d]);
            Tensor addend = bias.to(devices[d]).reshape(1, 1, n).expand(2, m, n);
            backend(dst).matmulAdd(dst, a.to(devices[d]), b.to(devices[d]), addend, 1.5, 0.5);
            out[d] = dst;
          }
          String what = dtype + " " + m + "x" + k + "x" + n;
          if (dtype == DType.INT64) {
            assertArrayEquals(out[0].toLongArray(), out[1].toLongArray(), what);
          } else {
            double[] want = out[0].toDoubleArray();
            double[] got = out[1].toDoubleArray();
            double tol = (dtype == DType.FLOAT32 ? 3e-6 : 1e-13) * k;
            for (int i = 0; i < want.length; i++) {
              assertEquals(want[i], got[i], tol, what + " element " + i);
            }
          }
        }
      }
    }
  }

  /**
   * Each tile size (16, 64 and, float32 only, 128) computes the same product as the CPU, whatever
   * the heuristic would pick: edges that are not multiples of the tile, transposed operands, a
   * broadcast batch, alpha and beta, and the addend of matmulAdd.
   */
  @Test
  void everyTileComputesTheSameProduct() {
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    UnaryOperator<Tensor> id = x -> x;
    UnaryOperator<Tensor> t = x -> x.transpose(1, 2);
    for (int tile : new int[] {1, 4, 8}) {
      for (DType dtype : tile == 8 ? new DType[] {DType.FLOAT32}
          : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        // {batches, m, k, n, a transposed, b transposed, with addend}
        for (int[] c : new int[][] {
            {1, 130, 37, 131, 0, 0, 0}, {2, 129, 64, 200, 1, 0, 1}, {1, 250, 17, 140, 0, 1, 0},
            {3, 5, 300, 9, 1, 1, 1}}) {
          try (var scope = Tensor.scope()) {
            int batches = c[0];
            int m = c[1];
            int k = c[2];
            int n = c[3];
            UnaryOperator<Tensor> va = c[4] == 1 ? t : id;
            UnaryOperator<Tensor> vb = c[5] == 1 ? t : id;
            Tensor a = values(dtype, c[4] == 1 ? new int[] {batches, k, m}
                : new int[] {batches, m, k});
            Tensor b = values(dtype, c[5] == 1 ? new int[] {batches, n, k}
                : new int[] {batches, k, n});
            Tensor bias = values(dtype, 1, 1, n);
            Tensor want = values(dtype, batches, m, n);
            Tensor got = want.to(GpuTesting.DEVICE);
            Tensor ca = va.apply(a);
            Tensor cb = vb.apply(b);
            Tensor ga = va.apply(a.to(GpuTesting.DEVICE));
            Tensor gb = vb.apply(b.to(GpuTesting.DEVICE));
            if (c[6] == 1) {
              backend(want).matmulAdd(want, ca, cb, bias.expand(batches, m, n), 1.5, 0.5);
              GpuMatmul.launch(gpu, got, ga, gb, bias.to(GpuTesting.DEVICE).expand(batches, m, n),
                  1.5, 0.5, tile);
            } else {
              backend(want).matmul(want, ca, cb, -2, 0.5);
              GpuMatmul.launch(gpu, got, ga, gb, null, -2, 0.5, tile);
            }
            double[] w = want.toDoubleArray();
            double[] g = got.toDoubleArray();
            double tol = (dtype == DType.FLOAT32 ? 4e-6 : 1e-13) * k;
            for (int i = 0; i < w.length; i++) {
              assertEquals(w[i], g[i], tol, "tile " + 16 * tile + " " + dtype + " case "
                  + Arrays.toString(c) + " element " + i);
            }
          }
        }
      }
    }
  }

  /**
   * A product with K split into slices (partial products, then their sum) equals the CPU's:
   * slices that do not divide K, alpha, transposed operands and a transposed dst, each tile.
   */
  @Test
  void aSplitKProductMatchesTheCpu() {
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    for (int tile : new int[] {1, 4, 8}) {
      for (DType dtype : tile == 8 ? new DType[] {DType.FLOAT32}
          : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        for (int split : new int[] {2, 7}) {
          try (var scope = Tensor.scope()) {
            int m = 70;
            int k = 1000;
            int n = 45;
            Tensor a = values(dtype, 1, k, m);
            Tensor b = values(dtype, 1, n, k);
            Tensor want = Tensor.empty(dtype, Device.CPU, 1, n, m).transpose(1, 2);
            backend(want).matmul(want, a.transpose(1, 2), b.transpose(1, 2), -2, 0);
            Tensor got = Tensor.full(new int[] {1, n, m}, Double.NaN, dtype, GpuTesting.DEVICE)
                .transpose(1, 2);
            GpuMatmul.launch(gpu, got, a.to(GpuTesting.DEVICE).transpose(1, 2),
                b.to(GpuTesting.DEVICE).transpose(1, 2), null, -2, 0, tile, split, null);
            double[] w = want.contiguous().toDoubleArray();
            double[] g = got.contiguous().toDoubleArray();
            double tol = (dtype == DType.FLOAT32 ? 4e-6 : 1e-13) * k;
            for (int i = 0; i < w.length; i++) {
              assertEquals(w[i], g[i], tol, "tile " + 16 * tile + " " + dtype + " split " + split
                  + " element " + i);
            }
          }
        }
      }
    }
  }

  /**
   * The activation epilogues (Backend.matmulAddActivation: a Linear and its ReLU, GELU, tanh
   * GELU or SiLU in one launch) on each tile size, with a bias addend and without (beta 0, where
   * a long K is split and the activation follows the sum), against the CPU's matmulAdd then the
   * activation; NaN is kept.
   */
  @Test
  void theActivationEpiloguesMatchTheCpu() {
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    for (UnaryOp act : new UnaryOp[] {UnaryOp.RELU, UnaryOp.GELU, UnaryOp.GELU_TANH,
        UnaryOp.SILU}) {
      for (int tile : new int[] {1, 4, 8}) {
        for (DType dtype : tile == 8 ? new DType[] {DType.FLOAT32}
            : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
          for (int[] mkn : new int[][] {{70, 33, 130}, {20, 1200, 9}}) {
            for (boolean bias : new boolean[] {true, false}) {
              try (var scope = Tensor.scope()) {
                int m = mkn[0];
                int k = mkn[1];
                int n = mkn[2];
                Tensor a = values(dtype, 1, m, k);
                Tensor b = values(dtype, 1, k, n);
                a.select(0, 0).select(0, 3).select(0, 0).fill_(Double.NaN);
                Tensor addend = values(dtype, n).reshape(1, 1, n).expand(1, m, n);
                Tensor want = Tensor.empty(dtype, Device.CPU, 1, m, n);
                backend(want).matmulAddActivation(want, a, b, bias ? addend : want, 1,
                    bias ? 1 : 0, act);
                Tensor got = Tensor.full(new int[] {1, m, n}, -7, dtype, GpuTesting.DEVICE);
                GpuMatmul.launch(gpu, got, a.to(GpuTesting.DEVICE), b.to(GpuTesting.DEVICE),
                    bias ? addend.to(GpuTesting.DEVICE) : null, 1, bias ? 1 : 0, tile, -1, act);
                double[] w = want.toDoubleArray();
                double[] g = got.toDoubleArray();
                // The sum's rounding (the activations' slopes are at most 1.13), and the
                // activation's own of a few units in the last place.
                double tol = (dtype == DType.FLOAT32 ? 4e-6 : 1e-13) * k * 1.13;
                double rel = dtype == DType.FLOAT32 ? 1e-6 : 1e-14;
                for (int i = 0; i < w.length; i++) {
                  String what = act + " tile " + 16 * tile + " " + dtype + " "
                      + Arrays.toString(mkn) + (bias ? " bias" : "") + " element " + i;
                  if (Double.isNaN(w[i])) {
                    assertTrue(Double.isNaN(g[i]), what);
                  } else {
                    assertEquals(w[i], g[i], tol + rel * Math.abs(w[i]), what);
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /** Only float operands and the four activations have an epilogue; the rest is refused. */
  @Test
  void anEpilogueNeedsFloatsAndOneOfItsActivations() {
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    try (var scope = Tensor.scope()) {
      Tensor a = values(DType.FLOAT32, 1, 3, 4).to(GpuTesting.DEVICE);
      Tensor b = values(DType.FLOAT32, 1, 4, 5).to(GpuTesting.DEVICE);
      Tensor c = Tensor.empty(DType.FLOAT32, GpuTesting.DEVICE, 1, 3, 5);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> gpu.matmulAddActivation(c, a, b, c, 1, 0, UnaryOp.EXP));
      assertTrue(e.getMessage().contains("EXP"), e.getMessage());
      Tensor ai = a.to(DType.INT64);
      Tensor bi = b.to(DType.INT64);
      Tensor ci = Tensor.empty(DType.INT64, GpuTesting.DEVICE, 1, 3, 5);
      e = assertThrows(IllegalArgumentException.class,
          () -> gpu.matmulAddActivation(ci, ai, bi, ci, 1, 0, UnaryOp.RELU));
      assertTrue(e.getMessage().contains("int64"), e.getMessage());
    }
  }

  /**
   * Backend.matmulPair (a Linear's input and weight gradients): two products in one launch, at
   * the smaller of their tiles, each as the CPU computes it, the second through a transposed view
   * (gz^T); a product that would be split along K, or an empty one, runs on its own.
   */
  @Test
  void aPairOfProductsMatchesTheCpuInOneLaunch() {
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    // {m1, k1, n1, m2, k2, n2, launches}
    int[][] pairs = {
      {128, 128, 256, 128, 128, 256, 1}, // W1's second layer: both in 64 x 64 tiles
      {128, 10, 128, 10, 128, 128, 1}, // W1's last layer: 64 x 64 and 16 x 16 tiles
      {64, 128, 300, 128, 64, 300, 1},
      {300, 300, 300, 7, 5, 3, 1},
      {20, 1200, 9, 5, 3, 7, 3}, // the first is split along K: a product and a sum, then one
      {0, 4, 5, 3, 4, 5, 1}, // an empty first product
    };
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (int[] p : pairs) {
        try (var scope = Tensor.scope()) {
          Tensor a1 = values(dtype, 1, p[0], p[1]);
          Tensor b1 = values(dtype, 1, p[1], p[2]);
          Tensor a2t = values(dtype, 1, p[4], p[3]); // a2 is its transposed view
          Tensor b2 = values(dtype, 1, p[4], p[5]);
          Tensor want1 = Tensor.empty(dtype, Device.CPU, 1, p[0], p[2]);
          Tensor want2 = Tensor.empty(dtype, Device.CPU, 1, p[3], p[5]);
          backend(want1).matmulPair(want1, a1, b1, want2, a2t.mT(), b2);
          Tensor got1 = Tensor.full(new int[] {1, p[0], p[2]}, Double.NaN, dtype,
              GpuTesting.DEVICE);
          Tensor got2 = Tensor.full(new int[] {1, p[3], p[5]}, Double.NaN, dtype,
              GpuTesting.DEVICE);
          Tensor g1 = a1.to(GpuTesting.DEVICE);
          Tensor g2 = b1.to(GpuTesting.DEVICE);
          Tensor g3 = a2t.to(GpuTesting.DEVICE).mT();
          Tensor g4 = b2.to(GpuTesting.DEVICE);
          long before = gpu.launchCount();
          gpu.matmulPair(got1, g1, g2, got2, g3, g4);
          String what = dtype + " " + Arrays.toString(p);
          assertEquals(p[6], gpu.launchCount() - before, what + ": launches");
          double tol = (dtype == DType.FLOAT32 ? 4e-6 : 1e-13) * Math.max(p[1], p[4]);
          double[][] w = {want1.toDoubleArray(), want2.toDoubleArray()};
          double[][] g = {got1.toDoubleArray(), got2.toDoubleArray()};
          for (int q = 0; q < 2; q++) {
            assertEquals(w[q].length, g[q].length, what);
            for (int i = 0; i < w[q].length; i++) {
              assertEquals(w[q][i], g[q][i], tol, what + " product " + (q + 1) + " element " + i);
            }
          }
        }
      }
    }
  }

  @Test
  void onlyOneProductWithFewTilesAndALongKIsSplit() {
    // conv2d's weight gradient in W2: 64 x 289 outputs (5 tiles of 64), K = 64 x 14 x 14.
    assertEquals(26, GpuMatmul.kSplit(DType.FLOAT32, 1, 5, 12_544));
    assertEquals(3, GpuMatmul.kSplit(DType.FLOAT64, 1, 60, 800));
    assertEquals(0, GpuMatmul.kSplit(DType.FLOAT32, 1, 64, 12_544));
    assertEquals(0, GpuMatmul.kSplit(DType.FLOAT32, 2, 5, 12_544));
    assertEquals(0, GpuMatmul.kSplit(DType.INT64, 1, 5, 12_544));
    assertEquals(0, GpuMatmul.kSplit(DType.FLOAT32, 1, 5, 511));
  }

  @Test
  void largeFloat32ProductsTakeTheLargestTiles() {
    assertEquals(8, GpuMatmul.tile(DType.FLOAT32, 1, 4096, 4096));
    assertEquals(8, GpuMatmul.tile(DType.FLOAT32, 16, 512, 512));
    assertEquals(4, GpuMatmul.tile(DType.FLOAT64, 1, 4096, 4096));
    assertEquals(4, GpuMatmul.tile(DType.FLOAT32, 1, 1024, 1024));
    assertEquals(1, GpuMatmul.tile(DType.FLOAT32, 64, 40, 4096));
  }

  @Test
  void timing512() {
    try (var scope = Tensor.scope()) {
      Tensor a = values(DType.FLOAT32, 1, 512, 512);
      Tensor b = values(DType.FLOAT32, 1, 512, 512);
      Tensor ga = a.to(GpuTesting.DEVICE);
      Tensor gb = b.to(GpuTesting.DEVICE);
      Tensor c = Tensor.empty(DType.FLOAT32, Device.CPU, 1, 512, 512);
      Tensor gc = Tensor.empty(DType.FLOAT32, GpuTesting.DEVICE, 1, 512, 512);
      double cpu = Double.MAX_VALUE;
      double gpu = Double.MAX_VALUE;
      for (int rep = 0; rep < 3; rep++) {
        long t0 = System.nanoTime();
        backend(c).matmul(c, a, b, 1, 0);
        long t1 = System.nanoTime();
        backend(gc).matmul(gc, ga, gb, 1, 0);
        gc.toFloatArray(); // the download waits for the kernel
        long t2 = System.nanoTime();
        cpu = Math.min(cpu, (t1 - t0) / 1e6);
        gpu = Math.min(gpu, (t2 - t1) / 1e6);
      }
      float[] want = c.toFloatArray();
      float[] got = gc.toFloatArray();
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], got[i], 1e-3, "element " + i);
      }
      System.out.printf("matmul 512x512x512 float32: %s %.1f ms (incl. download), cpu %.1f ms%n",
          GpuTesting.DEVICE, gpu, cpu);
    }
  }
}
