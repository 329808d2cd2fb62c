package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.autograd.Autograd;
import dev.ember.backend.Backends;
import dev.ember.nn.F;
import dev.ember.nn.Sequential;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.layers.Linear;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * F.linearRelu on the device (the ReLU applied as the GEMM stores its tiles) against the CPU,
 * values and gradients; and a Sequential's Linear + ReLU on the device runs as one launch.
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
}
