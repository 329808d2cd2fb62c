package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.autograd.Autograd;
import dev.ember.backend.Backends;
import dev.ember.tensor.Conv;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * conv2d without groups on a GPU (Conv's device path: per-sample columns, one batched product
 * writing (N, O, oH, oW) with the bias as its addend; backward, the weight's and the columns'
 * gradients in one launch) against the CPU's: values, gradients, gradients of gradients, and the
 * launches it takes.
 */
class GpuConvLayerTest {
  private static final DType[] DTYPES = {DType.FLOAT32, DType.FLOAT64};

  @BeforeEach
  void needsDevice() {
    GpuTesting.assumeDevice();
  }

  /** A conv2d geometry: input (n, c, h, w), o outputs, kernel, stride, padding, dilation. */
  private record Geo(int n, int c, int h, int w, int o, int[] k, int[] s, int[] p, int[] d,
      boolean bias, boolean inputGrad) {
    @Override
    public String toString() {
      return "n " + n + " c " + c + " " + h + "x" + w + " o " + o + " k " + k[0] + "x" + k[1]
          + " s " + s[0] + " p " + p[0] + " d " + d[0] + (bias ? " bias" : "")
          + (inputGrad ? "" : " (input without grad)");
    }
  }

  private static final Geo[] GEOS = {
      new Geo(3, 4, 9, 7, 5, new int[] {3, 3}, new int[] {1}, new int[] {1}, new int[] {1}, true,
          true),
      new Geo(1, 2, 8, 8, 3, new int[] {2, 3}, new int[] {2}, new int[] {1}, new int[] {2},
          false, true),
      new Geo(4, 1, 6, 6, 6, new int[] {3, 3}, new int[] {1}, new int[] {1}, new int[] {1}, true,
          false),
      new Geo(2, 3, 5, 5, 70, new int[] {1, 1}, new int[] {1}, new int[] {0}, new int[] {1},
          true, true),
  };

  /**
   * The operands of one case on the CPU, drawn from {@code seed}; the weight stored as (C, O, kH,
   * kW), to be seen transposed (see {@link #weight}).
   */
  private static Tensor[] operands(Geo g, DType dtype, long seed) {
    Generator gen = new Generator(seed);
    Tensor x = Tensor.randn(gen, dtype, Device.CPU, g.n, g.c, g.h, g.w);
    Tensor w = Tensor.randn(gen, dtype, Device.CPU, g.c, g.o, g.k[0], g.k[1]);
    Tensor b = g.bias ? Tensor.randn(gen, dtype, Device.CPU, g.o) : null;
    return new Tensor[] {x, w, b};
  }

  private static Tensor leaf(Tensor t, Device d, boolean grad) {
    return t == null ? null : t.to(d).detach().requiresGrad(grad);
  }

  /**
   * The weight leaf on {@code d}: for an odd number of output channels a transposed view (not
   * contiguous: the device path copies it once each way), else contiguous.
   */
  private static Tensor weight(Tensor stored, Geo g, Device d) {
    Tensor w = stored.to(d).transpose(0, 1);
    return (g.o % 2 == 1 ? w : w.contiguous()).detach().requiresGrad(true);
  }

  @Test
  void conv2dOnTheDeviceMatchesTheCpuInFewLaunches() {
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    for (DType dtype : DTYPES) {
      for (Geo g : GEOS) {
        try (var scope = Tensor.scope()) {
          String what = "conv2d " + dtype + " " + g;
          Tensor[] ops = operands(g, dtype, 11 + g.n + g.o);
          Tensor[][] results = new Tensor[2][];
          long[] launches = new long[2];
          for (int side = 0; side < 2; side++) {
            Device dev = side == 0 ? Device.CPU : GpuTesting.DEVICE;
            Tensor x = leaf(ops[0], dev, g.inputGrad);
            Tensor w = weight(ops[1], g, dev);
            Tensor b = leaf(ops[2], dev, true);
            long before = gpu.launchCount();
            Tensor y = Conv.conv2d(x, w, b, g.s, g.p, g.d, 1);
            launches[0] = gpu.launchCount() - before;
            // An upstream gradient that is not contiguous (a transposed copy's view).
            Tensor up = Tensor.randn(new Generator(5), dtype, Device.CPU, y.shape()).to(dev)
                .transpose(2, 3).contiguous().transpose(2, 3);
            before = gpu.launchCount();
            y.backward(up);
            launches[1] = gpu.launchCount() - before;
            results[side] = new Tensor[] {y, x.grad(), w.grad(), b == null ? null : b.grad()};
          }
          String[] names = {"output", "input grad", "weight grad", "bias grad"};
          for (int i = 0; i < names.length; i++) {
            if (results[0][i] == null) {
              assertNull(results[1][i], what + ": " + names[i]);
            } else {
              assertNear(results[0][i], results[1][i], dtype, what + ": " + names[i]);
            }
          }
          // Forward: the columns and one product; backward: the upstream gradient made
          // contiguous, the two products in one launch (one product without the input's
          // gradient), the weight gradient's sum over the batch (none for a batch of one), the
          // bias gradient's sum, col2im; and a copy each way of a weight that is not contiguous.
          int weightCopy = g.o % 2;
          assertEquals(2 + weightCopy, launches[0], what + ": forward launches");
          int backward = 1 + (g.inputGrad ? 2 : 1) + (g.n > 1 ? 1 : 0) + (g.bias ? 1 : 0)
              + weightCopy;
          assertEquals(backward, launches[1], what + ": backward launches");
        }
      }
    }
  }

  /** A backward that builds a graph composes the same gradients from differentiable ops. */
  @Test
  void gradientsOfGradientsMatchTheCpu() {
    for (DType dtype : DTYPES) {
      for (Geo g : new Geo[] {GEOS[0], GEOS[1]}) {
        try (var scope = Tensor.scope()) {
          String what = "conv2d double backward " + dtype + " " + g;
          Tensor[] ops = operands(g, dtype, 21 + g.n);
          Tensor[][] results = new Tensor[2][];
          for (int side = 0; side < 2; side++) {
            Device dev = side == 0 ? Device.CPU : GpuTesting.DEVICE;
            Tensor x = leaf(ops[0], dev, true);
            Tensor w = weight(ops[1], g, dev);
            Tensor b = leaf(ops[2], dev, true);
            Tensor y = Conv.conv2d(x, w, b, g.s, g.p, g.d, 1);
            Tensor up = Tensor.randn(new Generator(6), dtype, Device.CPU, y.shape()).to(dev);
            List<Tensor> grads = Autograd.grad(List.of(y.mul(up).sum()), List.of(x, w), null,
                true, true, false);
            Tensor z = grads.get(0).mul(grads.get(0)).sum().add(grads.get(1).mul(grads.get(1))
                .sum());
            z.backward();
            results[side] = new Tensor[] {grads.get(0), grads.get(1), x.grad(), w.grad()};
          }
          String[] names = {"dx", "dw", "d(|dx|^2 + |dw|^2)/dx", "d(|dx|^2 + |dw|^2)/dw"};
          for (int i = 0; i < names.length; i++) {
            assertNear(results[0][i], results[1][i], dtype, what + ": " + names[i]);
          }
        }
      }
    }
  }

  /** Within a tolerance scaled by the expected values' largest magnitude (sums in any order). */
  private static void assertNear(Tensor expected, Tensor actual, DType dtype, String what) {
    double[] e = expected.to(Device.CPU).to(DType.FLOAT64).toDoubleArray();
    double[] a = actual.to(Device.CPU).to(DType.FLOAT64).toDoubleArray();
    assertEquals(e.length, a.length, what + ": sizes");
    double scale = 0;
    for (double v : e) {
      scale = Math.max(scale, Math.abs(v));
    }
    double tol = (dtype == DType.FLOAT32 ? 1e-5 : 1e-12) * Math.max(scale, 1);
    for (int i = 0; i < e.length; i++) {
      if (!(Math.abs(a[i] - e[i]) <= tol)) {
        fail(what + ": element " + i + " is " + a[i] + ", the CPU gives " + e[i]);
      }
    }
  }
}
