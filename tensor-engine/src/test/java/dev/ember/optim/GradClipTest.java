package dev.ember.optim;

import static dev.ember.optim.OptimTesting.assertClose;
import static dev.ember.optim.OptimizerTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Gradient clipping beyond the golden cases: defaults, no gradients, non-finite norms. */
class GradClipTest {

  private static Tensor param(float... grad) {
    Tensor p = Tensor.zeros(grad.length).requiresGrad(true);
    p.setGrad(Tensor.of(grad));
    return p;
  }

  @Test
  void twoArgumentFormIsTheL2Norm() {
    Tensor a = param(3, 0);
    Tensor b = param(0, 4);
    double total = GradClip.clipGradNorm(List.of(a, b), 1.0);
    assertEquals(5.0, total, 1e-6);
    float coef = (float) (1.0 / (5.0 + 1e-6));
    assertClose(Tensor.of(new float[] {3 * coef, 0}), a.grad(), 1e-6, 0, "a");
    assertClose(Tensor.of(new float[] {0, 4 * coef}), b.grad(), 1e-6, 0, "b");
  }

  /** The on-device form clips exactly as the reading one, with clipping active or not. */
  @Test
  void onDeviceFormMatchesBitForBit() {
    for (double normType : new double[] {2.0, 1.0, Double.POSITIVE_INFINITY}) {
      for (double maxNorm : new double[] {0.5, 100.0}) {
        Tensor a1 = param(3, -1.5f, 0.25f);
        Tensor b1 = param(0, 4, -2);
        Tensor a2 = param(3, -1.5f, 0.25f);
        Tensor b2 = param(0, 4, -2);
        double total = GradClip.clipGradNorm(List.of(a1, b1), maxNorm, normType, false);
        Tensor onDevice = GradClip.clipGradNormOnDevice(List.of(a2, b2), maxNorm, normType);
        String what = "p=" + normType + ", max=" + maxNorm;
        assertEquals(0, onDevice.dim(), what);
        assertEquals(total, onDevice.item(), 0, what);
        assertClose(a1.grad(), a2.grad(), 0, 0, what + " a");
        assertClose(b1.grad(), b2.grad(), 0, 0, what + " b");
      }
    }
    assertNull(GradClip.clipGradNormOnDevice(List.of(Tensor.zeros(2).requiresGrad(true)), 1, 2));
  }

  @Test
  void noGradientsGiveZero() {
    Tensor p = Tensor.zeros(3).requiresGrad(true);
    assertEquals(0.0, GradClip.clipGradNorm(List.of(p), 1.0));
    assertNull(p.grad());
  }

  @Test
  void nonFiniteNormThrowsOnlyWhenAsked() {
    Tensor p = param(1, Float.NaN);
    assertMessage(() -> GradClip.clipGradNorm(List.of(p), 1.0, 2.0, true),
        "is non-finite, so it cannot be clipped");
    assertEquals(1.0f, p.grad().toFloatArray()[0], "gradients untouched after the error");
    double total = GradClip.clipGradNorm(List.of(p), 1.0, 2.0, false);
    assertTrue(Double.isNaN(total));
    assertTrue(Float.isNaN(p.grad().toFloatArray()[0]), "scaled by the NaN norm, as PyTorch");
    Tensor q = param(1, Float.POSITIVE_INFINITY);
    assertMessage(() -> GradClip.clipGradNorm(List.of(q), 1.0, Double.POSITIVE_INFINITY, true),
        "non-finite");
  }

  @Test
  void badArgumentsThrow() {
    Tensor p = param(1, 2);
    assertMessage(() -> GradClip.clipGradNorm(List.of(p), 1.0, -1, false), "normType");
    assertMessage(() -> GradClip.clipGradValue(List.of(p), -0.5), "clipValue");
  }
}
