package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /**
   * The mean on the device over more rows than its work group has items, with ignored rows,
   * against the CPU; NaN when every row is ignored. 300 rows take one kernel for the log-softmax
   * and the mean (Backend.logSoftmaxNllMean), 7,000 rows (70,000 logits) the log-softmax kernel
   * and then Backend.nllMean.
   */
  @Test
  void theMeanOverManyRowsMatchesCpu() {
    GpuTesting.assumeDevice();
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (int n : new int[] {300, 7000}) {
        try (var scope = Tensor.scope()) {
          Generator gen = new Generator(22);
          int c = n == 300 ? 7 : 10;
          Tensor base = Tensor.randn(gen, dtype, Device.CPU, n, c).mul(2);
          long[] targets = new long[n];
          for (int i = 0; i < targets.length; i++) {
            targets[i] = i % 11 == 0 ? -100 : (i * 5) % c;
          }
          Tensor t = Tensor.of(targets, n);
          Tensor w = Tensor.ones(dtype, Device.CPU, 1).reshape();
          Tensor[] cpu = run(base, t, w, Reduction.MEAN, -100, false, Device.CPU);
          Tensor[] dev = run(base, t, w, Reduction.MEAN, -100, false, GpuTesting.DEVICE);
          double tol = dtype == DType.FLOAT32 ? 1e-5 : 1e-12;
          close(cpu[0], dev[0], tol, dtype + " mean of " + n + " rows");
          close(cpu[1], dev[1], tol, dtype + " grad of " + n + " rows");
          Tensor none = F.crossEntropy(base.to(GpuTesting.DEVICE), Tensor.full(new int[] {n},
              -100, DType.INT64, GpuTesting.DEVICE), null, -100, Reduction.MEAN, 0);
          assertTrue(Double.isNaN(none.item()), "every row ignored: 0 / 0");
        }
      }
    }
  }

  /**
   * A bad target on the device: the loss reads nothing back (the kernel flags it), and the
   * thread's next read throws, naming the loss, the target and its position, as the CPU does at
   * once; after that the device reads normally again.
   */
  @Test
  void aBadTargetIsReportedAtTheNextRead() {
    GpuTesting.assumeDevice();
    GpuBackend b = (GpuBackend) dev.ember.backend.Backends.get(GpuTesting.DEVICE);
    try (var scope = Tensor.scope()) {
      Tensor x = Tensor.randn(new Generator(23), DType.FLOAT32, GpuTesting.DEVICE, 4, 5);
      Tensor t = Tensor.of(new long[] {0, 1, 7, 2}, 4).to(GpuTesting.DEVICE);
      long reads = b.downloadCount();
      Tensor loss = F.crossEntropy(x, t, null, -100, Reduction.MEAN, 0);
      assertEquals(reads, b.downloadCount(), "the loss read something back");
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, loss::item);
      assertTrue(e.getMessage().startsWith(
          "nllLoss: target 7 at position 2 is out of bounds for 5 classes"), e.getMessage());
      // Reported once: the same thread reads again normally, a good target trains.
      assertEquals(20, x.toFloatArray().length);
      Tensor good = F.crossEntropy(x, Tensor.of(new long[] {0, 1, 4, 2}, 4)
          .to(GpuTesting.DEVICE), null, -100, Reduction.MEAN, 0);
      assertTrue(Double.isFinite(good.item()));
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
