package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.autograd.Autograd;
import dev.ember.backend.Backends;
import dev.ember.nn.F;
import dev.ember.nn.Sequential;
import dev.ember.nn.Module;
import dev.ember.nn.activation.GELU;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.activation.SiLU;
import dev.ember.nn.layers.Linear;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * F.linearRelu on the device (the ReLU applied as the GEMM stores its tiles) against the CPU,
 * values and gradients; and a Sequential's Linear + ReLU on the device runs as one launch, as
 * its Linear + GELU or Linear + SiLU do without gradients (inference).
 */
class GpuLinearReluTest {

  @Test
  void matchesTheCpuWithAndWithoutBias() {
    GpuTesting.assumeDevice();
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (boolean withBias : new boolean[] {true, false}) {
        try (var scope = Tensor.scope()) {
          Generator gen = new Generator(41);
          Tensor x = Tensor.randn(gen, dtype, Device.CPU, 3, 50, 40);
          Tensor w = Tensor.randn(gen, dtype, Device.CPU, 70, 40);
          Tensor b = withBias ? Tensor.randn(gen, dtype, Device.CPU, 70) : null;
          Tensor up = Tensor.randn(gen, dtype, Device.CPU, 3, 50, 70);
          Tensor[] cpu = run(x, w, b, up, Device.CPU);
          Tensor[] dev = run(x, w, b, up, GpuTesting.DEVICE);
          double tol = dtype == DType.FLOAT32 ? 1e-4 : 1e-11;
          for (int i = 0; i < cpu.length; i++) {
            if (cpu[i] == null) {
              continue;
            }
            double[] e = cpu[i].toDoubleArray();
            double[] a = dev[i].toDoubleArray();
            for (int j = 0; j < e.length; j++) {
              assertEquals(e[j], a[j], tol * Math.max(1, Math.abs(e[j])),
                  dtype + (withBias ? " bias" : "") + " output " + i + " [" + j + "]");
            }
          }
        }
      }
    }
  }

  private static Tensor[] run(Tensor x0, Tensor w0, Tensor b0, Tensor up, Device device) {
    // Fresh leaves on each device (to() of a CPU tensor to the CPU is the tensor itself).
    Tensor x = x0.to(device).clone().requiresGrad(true);
    Tensor w = w0.to(device).clone().requiresGrad(true);
    Tensor b = b0 == null ? null : b0.to(device).clone().requiresGrad(true);
    Tensor y = F.linearRelu(x, w, b);
    y.mul(up.to(device)).sum().backward();
    return new Tensor[] {y.to(Device.CPU), x.grad().to(Device.CPU), w.grad().to(Device.CPU),
        b == null ? null : b.grad().to(Device.CPU)};
  }

  /**
   * Backend.reluGradColumnSums on the device against the CPU's: a strided (transposed) g, NaN and
   * -0 in y, one launch up to GpuBackend.COLSUM_MAX_ROWS rows and the default beyond.
   */
  @Test
  void reluGradientAndColumnSumsMatchTheCpu() {
    GpuTesting.assumeDevice();
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (int rows : new int[] {37, GpuBackend.COLSUM_MAX_ROWS + 3}) {
        try (var scope = Tensor.scope()) {
          Generator gen = new Generator(42);
          Tensor g = Tensor.randn(gen, dtype, Device.CPU, 9, rows).t();
          Tensor y = Tensor.randn(gen, dtype, Device.CPU, rows, 9);
          y.select(0, 1).select(0, 2).fill_(Double.NaN);
          y.select(0, 2).select(0, 3).fill_(-0.0);
          Tensor gz = Tensor.empty(dtype, Device.CPU, rows, 9);
          Tensor sums = Tensor.empty(dtype, Device.CPU, 9);
          gz.backend().reluGradColumnSums(gz, sums, g, y);
          Tensor dgz = Tensor.empty(dtype, GpuTesting.DEVICE, rows, 9);
          Tensor dsums = Tensor.empty(dtype, GpuTesting.DEVICE, 9);
          long before = gpu.launchCount();
          gpu.reluGradColumnSums(dgz, dsums, g.to(GpuTesting.DEVICE),
              y.to(GpuTesting.DEVICE));
          if (rows <= GpuBackend.COLSUM_MAX_ROWS) {
            assertEquals(1, gpu.launchCount() - before, "launches");
          }
          String what = dtype + " " + rows + " rows";
          assertArrayEquals(gz.toDoubleArray(), dgz.toDoubleArray(), what + ": gradient");
          double[] e = sums.toDoubleArray();
          double[] a = dsums.toDoubleArray();
          for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], (dtype == DType.FLOAT32 ? 1e-5 : 1e-12) * rows,
                what + ": sum " + i);
          }
        }
      }
    }
  }

  @Test
  void aSequentialsLinearAndReluAreOneLaunch() {
    GpuTesting.assumeDevice();
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    Generator.manualSeed(5);
    Sequential net = new Sequential(new Linear(30, 20), new ReLU(), new Linear(20, 4));
    Tensor x = Tensor.randn(new Generator(6), DType.FLOAT32, Device.CPU, 8, 30);
    Tensor want = net.forward(x);
    net.to(GpuTesting.DEVICE);
    try (var scope = Tensor.scope(); var ng = Autograd.noGrad()) {
      Tensor xd = x.to(GpuTesting.DEVICE);
      long before = gpu.launchCount();
      Tensor got = net.forward(xd);
      // Linear + ReLU fused, then the last Linear: two GEMM launches.
      assertEquals(2, gpu.launchCount() - before, "launches of the forward");
      float[] e = want.toFloatArray();
      float[] a = got.toFloatArray();
      for (int i = 0; i < e.length; i++) {
        assertEquals(e[i], a[i], 1e-5 * Math.max(1, Math.abs(e[i])), "output " + i);
      }
    }
  }

  /**
   * Without gradients, a Sequential's Linear + GELU (exact or tanh) or Linear + SiLU on the
   * device is one launch (F.linearGelu, F.linearSilu), with the CPU's values; in training it is
   * the Linear and the activation, with the CPU's gradients.
   */
  @Test
  void aSequentialsLinearAndGeluOrSiluAreOneLaunchInInference() {
    GpuTesting.assumeDevice();
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    for (Module act : new Module[] {new GELU(), new GELU("tanh"), new SiLU()}) {
      Generator.manualSeed(7);
      Sequential net = new Sequential(new Linear(30, 20), act, new Linear(20, 4));
      Tensor x = Tensor.randn(new Generator(8), DType.FLOAT32, Device.CPU, 8, 30);
      Tensor want = net.forward(x);
      want.sum().backward();
      float[] wantGrad = net.parameters().get(0).grad().toFloatArray();
      net.zeroGrad();
      net.to(GpuTesting.DEVICE);
      try (var scope = Tensor.scope()) {
        Tensor xd = x.to(GpuTesting.DEVICE);
        Tensor got;
        try (var ng = Autograd.noGrad()) {
          long before = gpu.launchCount();
          got = net.forward(xd);
          // Linear + activation fused, then the last Linear: two GEMM launches.
          assertEquals(2, gpu.launchCount() - before, act + ": launches of the forward");
        }
        close(want.toFloatArray(), got.toFloatArray(), act + " output");
        Tensor trained = net.forward(xd);
        close(want.toFloatArray(), trained.toFloatArray(), act + " output in training");
        trained.sum().backward();
        close(wantGrad, net.parameters().get(0).grad().toFloatArray(), act + " weight gradient");
      }
    }
  }

  private static void close(float[] e, float[] a, String what) {
    assertEquals(e.length, a.length, what);
    for (int i = 0; i < e.length; i++) {
      assertEquals(e[i], a[i], 1e-5 * Math.max(1, Math.abs(e[i])), what + " " + i);
    }
  }
}
