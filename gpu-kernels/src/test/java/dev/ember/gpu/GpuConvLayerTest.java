package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradCheck;
import dev.ember.backend.Backends;
import dev.ember.nn.Sequential;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.conv.Conv2d;
import dev.ember.tensor.Conv;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Layers;
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
    for (boolean relu : new boolean[] {false, true}) {
      for (DType dtype : DTYPES) {
        for (Geo g : GEOS) {
          conv2dCase(g, dtype, relu);
        }
      }
    }
  }

  /**
   * One geometry, plain or with the ReLU (conv2dRelu on the device against relu(conv2d) on the
   * CPU).
   */
  private static void conv2dCase(Geo g, DType dtype, boolean relu) {
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    try (var scope = Tensor.scope()) {
      String what = (relu ? "conv2dRelu " : "conv2d ") + dtype + " " + g;
      Tensor[] ops = operands(g, dtype, 11 + g.n + g.o);
      Tensor[][] results = new Tensor[2][];
      long[] launches = new long[2];
      for (int side = 0; side < 2; side++) {
        Device dev = side == 0 ? Device.CPU : GpuTesting.DEVICE;
        Tensor x = leaf(ops[0], dev, g.inputGrad);
        Tensor w = weight(ops[1], g, dev);
        Tensor b = leaf(ops[2], dev, true);
        long before = gpu.launchCount();
        Tensor y = !relu ? Conv.conv2d(x, w, b, g.s, g.p, g.d, 1)
            : side == 0 ? Conv.conv2d(x, w, b, g.s, g.p, g.d, 1).relu()
            : Layers.conv2dRelu(x, w, b, g.s, g.p, g.d, 1);
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
      // Forward: the columns and one product (with the ReLU as its epilogue); backward: the
      // upstream gradient made contiguous (by the ReLU's gradient, with the ReLU), the two
      // products in one launch (one product without the input's gradient), the weight
      // gradient's sum over the batch (none for a batch of one), the bias gradient's sum,
      // col2im; and a copy of a weight that is not contiguous, forward and (for the input's
      // gradient) backward.
      int weightCopy = g.o % 2;
      assertEquals(2 + weightCopy, launches[0], what + ": forward launches");
      int backward = 1 + (g.inputGrad ? 2 + weightCopy : 1) + (g.n > 1 ? 1 : 0)
          + (g.bias ? 1 : 0);
      assertEquals(backward, launches[1], what + ": backward launches");
    }
  }

  /**
   * On a GPU a Sequential runs a Conv2d followed by a ReLU as one conv2dRelu: the CPU's values
   * and gradients, 2 forward launches per convolution.
   */
  @Test
  void sequentialFusesAConv2dWithItsRelu() {
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    try (var scope = Tensor.scope()) {
      Generator.manualSeed(3);
      Sequential cpu = new Sequential(new Conv2d(2, 4, 3, 1, 1), new ReLU(),
          new Conv2d(4, 3, 3, 2, 0), new ReLU());
      Generator.manualSeed(3);
      Sequential dev = new Sequential(new Conv2d(2, 4, 3, 1, 1), new ReLU(),
          new Conv2d(4, 3, 3, 2, 0), new ReLU());
      dev.to(GpuTesting.DEVICE);
      Tensor x = Tensor.randn(new Generator(4), DType.FLOAT32, Device.CPU, 3, 2, 9, 9);
      Tensor yc = cpu.forward(x);
      long before = gpu.launchCount();
      Tensor yd = dev.forward(x.to(GpuTesting.DEVICE));
      assertEquals(4, gpu.launchCount() - before, "forward launches: 2 per convolution");
      assertNear(yc, yd, DType.FLOAT32, "Sequential output");
      yc.sum().backward();
      yd.sum().backward();
      for (int i = 0; i < cpu.parameters().size(); i++) {
        assertNear(cpu.parameters().get(i).grad(), dev.parameters().get(i).grad(),
            DType.FLOAT32, "parameter " + i + "'s gradient");
      }
    }
  }

  /** A backward that builds a graph composes the same gradients from differentiable ops. */
  @Test
  void gradientsOfGradientsMatchTheCpu() {
    for (DType dtype : DTYPES) {
      for (Geo g : new Geo[] {GEOS[0], GEOS[1]}) {
        boolean relu = g == GEOS[1];
        try (var scope = Tensor.scope()) {
          String what = (relu ? "conv2dRelu" : "conv2d") + " double backward " + dtype + " " + g;
          Tensor[] ops = operands(g, dtype, 21 + g.n);
          Tensor[][] results = new Tensor[2][];
          for (int side = 0; side < 2; side++) {
            Device dev = side == 0 ? Device.CPU : GpuTesting.DEVICE;
            Tensor x = leaf(ops[0], dev, true);
            Tensor w = weight(ops[1], g, dev);
            Tensor b = leaf(ops[2], dev, true);
            Tensor y = !relu ? Conv.conv2d(x, w, b, g.s, g.p, g.d, 1)
                : side == 0 ? Conv.conv2d(x, w, b, g.s, g.p, g.d, 1).relu()
                : Layers.conv2dRelu(x, w, b, g.s, g.p, g.d, 1);
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

  /**
   * The device path's gradients by central differences in float64 on the device itself (first
   * order for conv2d with and without bias, first and second order for conv2dRelu).
   */
  @Test
  void centralDifferencesOnTheDevice() {
    try (var scope = Tensor.scope()) {
      Device dev = GpuTesting.DEVICE;
      Generator gen = new Generator(41);
      Tensor x = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 2, 2, 5, 4).to(dev)
          .requiresGrad(true);
      Tensor w = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 3, 2, 3, 2).to(dev)
          .requiresGrad(true);
      Tensor b = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 3).to(dev).requiresGrad(true);
      int[] s = {2, 1};
      int[] p = {1};
      int[] d = {1, 2};
      GradCheck.check(in -> Conv.conv2d(in[0], in[1], in[2], s, p, d, 1), x, w, b);
      GradCheck.check(in -> Conv.conv2d(in[0], in[1], null, s, p, d, 1), x, w);
      GradCheck.check(in -> Layers.conv2dRelu(in[0], in[1], in[2], s, p, d, 1), x, w, b);
      GradCheck.check(in -> {
        try (var m = Autograd.enableGrad()) {
          Tensor y = Layers.conv2dRelu(in[0], in[1], in[2], s, p, d, 1);
          List<Tensor> g = Autograd.grad(List.of(y.mul(y).sum()), List.of(in[0], in[1]), null,
              true, true, false);
          return g.get(0).sum().add(g.get(1).mul(g.get(1)).sum());
        }
      }, x, w, b);
    }
  }

  /** Within a tolerance scaled by the expected values' largest magnitude (sums in any order). */
  private static void assertNear(Tensor expected, Tensor actual, DType dtype, String what) {
    GpuTesting.assertNear(expected, actual, dtype == DType.FLOAT32 ? 1e-5 : 1e-12, what);
  }
}
