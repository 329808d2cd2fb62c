package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.nn.F;
import dev.ember.nn.Reduction;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The fused cross-entropy (F.crossEntropy's common case: class indices, no weights, no
 * smoothing, (N, C) logits) on opencl:0 against the CPU: every reduction, ignored targets, float32
 * and float64, and transposed (strided) logits; loss and gradient.
 */
class GpuLossesTest {

  @Test
  void fusedCrossEntropyMatchesCpu() {
    GpuTesting.assumeDevice();
    long[] targets = {0, 3, 2, 1, 2, 3, 0, 1, 2};
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (Reduction r : Reduction.values()) {
        for (int ignore : new int[] {-100, 2}) {
          for (boolean transposed : new boolean[] {false, true}) {
            String what = dtype + " " + r + " ignore " + ignore + (transposed ? " transposed" : "");
            try (var scope = Tensor.scope()) {
              Generator gen = new Generator(21);
              Tensor base = Tensor.randn(gen, dtype, Device.CPU, transposed ? 4 : 9,
                  transposed ? 9 : 4).mul(2);
              Tensor t = Tensor.of(targets, 9);
              Tensor w = Tensor.randn(gen, dtype, Device.CPU, r == Reduction.NONE ? 9 : 1);
              Tensor[] cpu = run(base, t, w, r, ignore, transposed, Device.CPU);
              Tensor[] dev = run(base, t, w, r, ignore, transposed, GpuTesting.DEVICE);
              double tol = dtype == DType.FLOAT32 ? 1e-5 : 1e-12;
              close(cpu[0], dev[0], tol, what + " loss");
              close(cpu[1], dev[1], tol, what + " grad");
            }
          }
        }
      }
    }
  }

  private static Tensor[] run(Tensor base, Tensor t, Tensor w, Reduction r, int ignore,
      boolean transposed, Device device) {
    Tensor leaf = base.to(device).clone().requiresGrad(true);
    Tensor x = transposed ? leaf.t() : leaf;
    Tensor loss = F.crossEntropy(x, t.to(device), null, ignore, r, 0);
    loss.mul(w.to(device).reshape(r == Reduction.NONE ? new int[] {9} : new int[0])).sum()
        .backward();
    return new Tensor[] {loss.to(Device.CPU), leaf.grad().to(Device.CPU)};
  }

  private static void close(Tensor expected, Tensor actual, double tol, String what) {
    double[] e = expected.toDoubleArray();
    double[] a = actual.toDoubleArray();
    assertEquals(e.length, a.length, what);
    for (int i = 0; i < e.length; i++) {
      assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), what + " [" + i + "]");
    }
  }
}
