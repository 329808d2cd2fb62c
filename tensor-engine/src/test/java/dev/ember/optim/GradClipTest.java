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
