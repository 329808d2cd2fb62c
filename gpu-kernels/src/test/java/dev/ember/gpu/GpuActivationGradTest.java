package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.autograd.Autograd;
import dev.ember.backend.Backends;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * GELU's and SiLU's backward on the device is one launch (the fused BinaryOp), and gives the
 * CPU's gradients.
 */
class GpuActivationGradTest {

  private static final List<UnaryOperator<Tensor>> ACTIVATIONS =
      List.of(Tensor::gelu, x -> x.gelu("tanh"), Tensor::silu);
  private static final String[] NAMES = {"gelu", "gelu tanh", "silu"};

  @Test
  void backwardIsOneLaunchWithTheCpusValues() {
    GpuTesting.assumeDevice();
    GpuBackend gpu = (GpuBackend) Backends.get(GpuTesting.DEVICE);
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      try (var scope = Tensor.scope()) {
        Generator gen = new Generator(8);
        Tensor x = Tensor.randn(gen, dtype, Device.CPU, 37, 29).mul(4);
        Tensor up = Tensor.randn(gen, dtype, Device.CPU, 37, 29);
        for (int k = 0; k < ACTIVATIONS.size(); k++) {
          Tensor want = grad(ACTIVATIONS.get(k), x, up);
          Tensor xd = x.to(GpuTesting.DEVICE).requiresGrad(true);
          Tensor y = ACTIVATIONS.get(k).apply(xd);
          Tensor upd = up.to(GpuTesting.DEVICE);
          long before = gpu.launchCount();
          Tensor got = Autograd.grad(List.of(y), List.of(xd), List.of(upd), false, false, false)
              .get(0);
          assertEquals(1, gpu.launchCount() - before, NAMES[k] + " " + dtype + " launches");
          double[] e = want.toDoubleArray();
          double[] a = got.toDoubleArray();
          double tol = dtype == DType.FLOAT32 ? 1e-6 : 1e-13;
          for (int j = 0; j < e.length; j++) {
            assertEquals(e[j], a[j], tol * Math.max(1, Math.abs(e[j])),
                NAMES[k] + " " + dtype + " [" + j + "]");
          }
        }
      }
    }
  }

  private static Tensor grad(UnaryOperator<Tensor> act, Tensor x0, Tensor up) {
    Tensor x = x0.clone().requiresGrad(true);
    return Autograd.grad(List.of(act.apply(x)), List.of(x), List.of(up), false, false, false)
        .get(0);
  }
}
