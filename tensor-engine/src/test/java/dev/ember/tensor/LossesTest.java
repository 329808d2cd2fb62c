package dev.ember.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fused per-row cross-entropy against the same loss composed from tensor operators (log-
 * softmax, then picking each row's target): values and gradients bit for bit, ignored rows,
 * float32 and float64, the central-difference check in float64 and a second-order check through
 * the createGraph path.
 */
class LossesTest {
  private static final long[] TARGETS = {0, 3, 2, 1, 2, 3};

  /** -log_softmax(x)[t] per row, 0 at ignored rows, from differentiable tensor operators. */
  private static Tensor composed(Tensor x, Tensor t, int ignoreIndex) {
    Tensor keep = t.ne(ignoreIndex);
    Tensor safe = Tensor.where(keep, t, 0L);
    return x.logSoftmax(1).gather(1, safe.unsqueeze(1)).squeeze(1).neg()
        .mul(keep.to(x.dtype()));
  }

  @Test
  void matchesTheComposedLossAndItsGradient() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (int ignore : new int[] {-100, 2}) {
        Generator gen = new Generator(11);
        Tensor base = Tensor.randn(gen, dtype, Device.CPU, 6, 4).mul(3);
        Tensor t = Tensor.of(TARGETS, 6);
        Tensor w = Tensor.randn(gen, dtype, Device.CPU, 6);
        Tensor a = base.clone().requiresGrad(true);
        Tensor b = base.clone().requiresGrad(true);
        Tensor fused = Losses.crossEntropyRows(a, t, ignore);
        Tensor ref = composed(b, t, ignore);
        double tol = 0; // the same arithmetic in the same order
        assertClose(ref, fused, tol, dtype + " ignore " + ignore + " loss");
        fused.mul(w).sum().backward();
        ref.mul(w).sum().backward();
        assertClose(b.grad(), a.grad(), tol, dtype + " ignore " + ignore + " grad");
      }
    }
  }

  @Test
  void gradcheckFirstAndSecondOrder() {
    Generator gen = new Generator(12);
    Tensor x = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 6, 4).requiresGrad(true);
    Tensor w = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 6);
    Tensor t = Tensor.of(TARGETS, 6);
    for (int ignore : new int[] {-100, 3}) {
      GradCheck.check(in -> Losses.crossEntropyRows(in[0], t, ignore).mul(w).sum(), x);
      // Second order: the gradient, built with createGraph, differentiated again.
      GradCheck.check(in -> {
        // GradCheck evaluates under noGrad for its finite differences; the first derivative
        // needs a graph either way.
        try (var m = Autograd.enableGrad()) {
          Tensor loss = Losses.crossEntropyRows(in[0], t, ignore).mul(w).sum();
          Tensor g = Autograd.grad(List.of(loss), List.of(in[0]), null, true, true, false).get(0);
          return g.mul(g).sum();
        }
      }, x);
    }
  }

  /**
   * crossEntropyMean (the mean and the target check in one pass, Backend.nllMean): the composed
   * mean over the rows that are not ignored, and its gradient; NaN when every row is ignored; a
   * bad target named at once on the CPU.
   */
  @Test
  void theMeanMatchesTheComposedMeanAndChecksTargets() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (int ignore : new int[] {-100, 2}) {
        Generator gen = new Generator(13);
        Tensor base = Tensor.randn(gen, dtype, Device.CPU, 6, 4).mul(3);
        Tensor t = Tensor.of(TARGETS, 6);
        Tensor a = base.clone().requiresGrad(true);
        Tensor b = base.clone().requiresGrad(true);
        Tensor mean = Losses.crossEntropyMean(a, t, ignore, "nllLoss");
        Tensor rows = composed(b, t, ignore);
        Tensor ref = rows.sum().div(t.ne(ignore).sum().item());
        double tol = dtype == DType.FLOAT32 ? 1e-6 : 1e-14;
        assertClose(ref, mean, tol, dtype + " ignore " + ignore + " mean");
        mean.mul(1.5).backward();
        ref.mul(1.5).backward();
        assertClose(b.grad(), a.grad(), tol, dtype + " ignore " + ignore + " grad");
      }
    }
    Tensor all = Losses.crossEntropyMean(Tensor.zeros(2, 3), Tensor.of(new long[] {-1, -1}, 2),
        -1, "nllLoss");
    assertTrue(Double.isNaN(all.item()), "every row ignored: 0 / 0");
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
        () -> Losses.crossEntropyMean(Tensor.zeros(3, 4), Tensor.of(new long[] {0, 4, 1}, 3),
            -100, "nllLoss"));
    assertEquals("nllLoss: target 4 at position 1 is out of bounds for 4 classes", e.getMessage());
  }

  @Test
  void gradcheckOfTheMeanFirstAndSecondOrder() {
    Generator gen = new Generator(14);
    Tensor x = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 6, 4).requiresGrad(true);
    Tensor t = Tensor.of(TARGETS, 6);
    for (int ignore : new int[] {-100, 3}) {
      GradCheck.check(in -> Losses.crossEntropyMean(in[0], t, ignore, "nllLoss"), x);
      GradCheck.check(in -> {
        try (var m = Autograd.enableGrad()) {
          Tensor loss = Losses.crossEntropyMean(in[0], t, ignore, "nllLoss");
          Tensor g = Autograd.grad(List.of(loss), List.of(in[0]), null, true, true, false).get(0);
          return g.mul(g).sum();
        }
      }, x);
    }
  }

  @Test
  void emptyBatchAndBadShapes() {
    Tensor x = Tensor.zeros(DType.FLOAT32, Device.CPU, 0, 4).requiresGrad(true);
    Tensor loss = Losses.crossEntropyRows(x, Tensor.of(new long[0], 0), -100);
    assertArrayEquals(new int[] {0}, loss.shape());
    loss.sum().backward();
    assertArrayEquals(new int[] {0, 4}, x.grad().shape());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Losses.crossEntropyRows(Tensor.zeros(3), Tensor.of(new long[] {0}, 1), -100));
    assertTrue(e.getMessage().contains("(N, C) float logits"), e.getMessage());
  }

  private static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
    assertArrayEquals(expected.shape(), actual.shape(), what);
    double[] e = expected.toDoubleArray();
    double[] a = actual.toDoubleArray();
    for (int i = 0; i < e.length; i++) {
      assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), what + " [" + i + "]");
    }
  }
}
