package dev.ember.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class AutogradTest {

  private static Tensor leaf(double... v) {
    return Tensor.of(v).requiresGrad(true);
  }

  @Test
  void scalarBackwardAccumulatesIntoLeaves() {
    Tensor x = leaf(1, 2, 3);
    Tensor y = x.mul(x).sum();
    y.backward();
    assertArrayEquals(new double[] {2, 4, 6}, x.grad().toDoubleArray(), 0);
    // A second graph accumulates into the same grad.
    x.mul(3).sum().backward();
    assertArrayEquals(new double[] {5, 7, 9}, x.grad().toDoubleArray(), 0);
  }

  /**
   * A leaf keeps a gradient nothing else references instead of copying it (the engine's
   * ownership check); a gradient shared with another leaf, passed through, or given by the caller
   * is copied, so that in-place accumulation into one .grad never changes another tensor.
   */
  /**
   * The implicit seed of a scalar root is one shared constant 1 (no fill per backward pass): a
   * leaf that is itself the root gets a copy as its .grad, so writing into that gradient leaves
   * the seed of later passes 1, for every root shape of one element.
   */
  @Test
  void theSharedSeedIsNeverTakenOverOrWritten() {
    Tensor s = Tensor.of(new double[] {2}, new int[0]).requiresGrad(true);
    s.backward();
    assertEquals(1, s.grad().item(), 0);
    s.grad().add_(Tensor.of(new double[] {41}, new int[0]));
    s.grad().mul_(Tensor.of(new double[] {1}, new int[0]));
    Tensor t = Tensor.of(new double[] {3}, 1, 1).requiresGrad(true);
    t.backward();
    assertArrayEquals(new double[] {1}, t.grad().toDoubleArray(), 0);
    t.grad().fill_(9);
    Tensor x = leaf(1, 2);
    x.mul(x).sum().backward();
    assertArrayEquals(new double[] {2, 4}, x.grad().toDoubleArray(), 0);
    Tensor f = Tensor.of(new double[] {5}, new int[0]).to(DType.FLOAT32).requiresGrad(true);
    f.mul(f).backward();
    assertEquals(10, f.grad().item(), 0);
  }

  @Test
  void aLeafTakesOverOnlyGradientsNothingElseShares() {
    // (a + b) * 2: add passes one fresh, contiguous gradient object to both leaves.
    Tensor a = leaf(1, 2);
    Tensor b = leaf(3, 4);
    a.add(b).mul(2).sum().backward();
    a.grad().add_(Tensor.of(new double[] {10, 10}));
    assertArrayEquals(new double[] {2, 2}, b.grad().toDoubleArray(), 0);
    a.add(b).mul(2).sum().backward();
    assertArrayEquals(new double[] {14, 14}, a.grad().toDoubleArray(), 0);
    assertArrayEquals(new double[] {4, 4}, b.grad().toDoubleArray(), 0);

    // A caller's gradient passed through add: the leaf's grad is a copy of it.
    Tensor w = leaf(1, 2);
    Tensor g = Tensor.of(new double[] {5, 6});
    w.add(Tensor.of(new double[] {0, 0})).backward(g);
    g.fill_(0);
    assertArrayEquals(new double[] {5, 6}, w.grad().toDoubleArray(), 0);

    // A fresh gradient (w * x): taken over; a second backward accumulates into it.
    Tensor x = Tensor.of(new double[] {3, 4});
    Tensor v = leaf(1, 1);
    v.mul(x).sum().backward();
    assertArrayEquals(new double[] {3, 4}, v.grad().toDoubleArray(), 0);
    v.mul(x).sum().backward();
    assertArrayEquals(new double[] {6, 8}, v.grad().toDoubleArray(), 0);
    assertArrayEquals(new double[] {3, 4}, x.toDoubleArray(), 0);
  }

  @Test
  void backwardWithExplicitGradient() {
    Tensor x = leaf(1, 2);
    Tensor y = x.mul(2);
    y.backward(Tensor.of(new double[] {10, 100}));
    assertArrayEquals(new double[] {20, 200}, x.grad().toDoubleArray(), 0);
  }

  @Test
  void nonScalarBackwardWithoutGradientFailsNamingTheShape() {
    Tensor x = leaf(1, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.mul(2).backward());
    assertTrue(e.getMessage().contains("scalar outputs"), e.getMessage());
    assertTrue(e.getMessage().contains("[2]"), e.getMessage());
  }

  @Test
  void backwardOnTensorWithoutGradFails() {
    Tensor x = Tensor.of(new double[] {1, 2});
    assertThrows(IllegalArgumentException.class, () -> x.sum().backward());
  }

  @Test
  void secondBackwardWithoutRetainGraphFailsAndWithRetainGraphWorks() {
    Tensor x = leaf(1, 2);
    Tensor y = x.exp().sum();
    y.backward(null, true);
    y.backward();
    double[] g = x.grad().toDoubleArray();
    assertEquals(2 * Math.exp(1), g[0], 1e-12);
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("second time"), e.getMessage());
  }

  @Test
  void graphIsReleasedAfterBackward() {
    Tensor x = leaf(1, 2);
    Tensor y = x.exp().sum();
    y.backward();
    // The node of exp dropped its saved output: walking it again fails.
    assertThrows(IllegalStateException.class, y::backward);
  }

  @Test
  void sharedSubexpressionsSumTheirGradients() {
    Tensor x = leaf(3);
    Tensor a = x.mul(2);
    Tensor y = a.mul(a).add(a); // 4x^2 + 2x
    y.sum().backward();
    assertEquals(8 * 3 + 2, x.grad().item(), 0);
  }

  @Test
  void detachStopsGradients() {
    Tensor x = leaf(2);
    Tensor y = x.mul(x.detach()).sum();
    y.backward();
    assertEquals(2, x.grad().item(), 0);
    assertFalse(x.detach().requiresGrad());
  }

  @Test
  void noGradScopeRecordsNothingAndRestoresTheMode() {
    Tensor x = leaf(1, 2);
    Tensor y;
    try (GradMode g = Autograd.noGrad()) {
      y = x.mul(2);
      assertFalse(Autograd.isGradEnabled());
    }
    assertTrue(Autograd.isGradEnabled());
    assertFalse(y.requiresGrad());
    assertNull(y.gradFn());
  }

  @Test
  void gradReturnsGradientsWithoutTouchingGradFields() {
    Tensor x = leaf(1, 2, 3);
    Tensor w = leaf(4, 5, 6);
    Tensor y = x.mul(w).sum();
    List<Tensor> g = Autograd.grad(List.of(y), List.of(x, w));
    assertArrayEquals(new double[] {4, 5, 6}, g.get(0).toDoubleArray(), 0);
    assertArrayEquals(new double[] {1, 2, 3}, g.get(1).toDoubleArray(), 0);
    assertNull(x.grad());
    assertNull(w.grad());
  }

  @Test
  void gradOfNonLeafInput() {
    Tensor x = leaf(1, 2);
    Tensor h = x.mul(3);
    Tensor y = h.mul(h).sum();
    List<Tensor> g = Autograd.grad(List.of(y), List.of(h));
    assertArrayEquals(new double[] {6, 12}, g.get(0).toDoubleArray(), 0);
  }

  @Test
  void gradOfUnusedInputFailsUnlessAllowed() {
    Tensor x = leaf(1);
    Tensor z = leaf(1);
    Tensor y = x.mul(2).sum();
    assertThrows(IllegalArgumentException.class, () -> Autograd.grad(List.of(y), List.of(z)));
    Tensor y2 = x.mul(2).sum();
    List<Tensor> g = Autograd.grad(List.of(y2), List.of(x, z), null, false, false, true);
    assertEquals(2, g.get(0).item(), 0);
    assertNull(g.get(1));
  }

  @Test
  void createGraphGivesSecondDerivatives() {
    Tensor x = leaf(2);
    Tensor y = x.pow(3).sum();
    Tensor dy = Autograd.grad(List.of(y), List.of(x), null, true, true, false).get(0);
    assertEquals(12, dy.item(), 1e-12); // 3x^2
    Tensor d2 = Autograd.grad(List.of(dy.sum()), List.of(x)).get(0);
    assertEquals(12, d2.item(), 1e-12); // 6x
  }

  @Test
  void inPlaceWriteToASavedTensorFailsWithTheVersions() {
    Tensor x = leaf(1, 2);
    Tensor y = x.exp(); // saves its output
    y.add_(1);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
    assertTrue(e.getMessage().contains("modified by an inplace operation"), e.getMessage());
    assertTrue(e.getMessage().contains("version 1; expected version 0"), e.getMessage());
  }

  @Test
  void inPlaceOnLeafRequiringGradFails() {
    Tensor x = leaf(1, 2);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.add_(1));
    assertTrue(e.getMessage().contains("leaf"), e.getMessage());
    IllegalStateException v = assertThrows(IllegalStateException.class, () -> x.narrow(0, 0, 1).mul_(2));
    assertTrue(v.getMessage().contains("view of a leaf"), v.getMessage());
    try (GradMode g = Autograd.noGrad()) {
      x.add_(1);
    }
    assertArrayEquals(new double[] {2, 3}, x.toDoubleArray(), 0);
  }

  @Test
  void inPlaceOnIntermediateIsDifferentiated() {
    Tensor x = leaf(1, 2);
    Tensor y = x.mul(2);
    y.mul_(x); // y = 2x^2
    y.sum().backward();
    assertArrayEquals(new double[] {4, 8}, x.grad().toDoubleArray(), 1e-12);
  }

  @Test
  void inPlaceSquareOfItselfFailsAsInPyTorch() {
    // mul_ saves its other operand, which is the tensor being overwritten.
    Tensor x = leaf(1, 2);
    Tensor y = x.mul(2);
    y.mul_(y);
    assertThrows(IllegalStateException.class, () -> y.sum().backward());
  }

  @Test
  void inPlaceThroughAViewRewritesTheBaseHistory() {
    Tensor a = leaf(1, 2, 3);
    Tensor x = a.mul(1);
    x.narrow(0, 0, 1).mul_(5);
    assertArrayEquals(new double[] {5, 2, 3}, x.toDoubleArray(), 0);
    x.mul(x).sum().backward();
    // d/da of (5a0)^2 + a1^2 + a2^2
    assertArrayEquals(new double[] {50, 4, 6}, a.grad().toDoubleArray(), 1e-12);
  }

  @Test
  void viewTakenBeforeAnInPlaceWriteOfItsBaseSeesTheNewHistory() {
    Tensor a = leaf(1, 2, 3);
    Tensor x = a.mul(1);
    Tensor v = x.narrow(0, 1, 2);
    x.mul_(2);
    v.sum().backward();
    assertArrayEquals(new double[] {0, 2, 2}, a.grad().toDoubleArray(), 1e-12);
  }

  @Test
  void copyIntoAViewOfAFreshTensorIsDifferentiable() {
    Tensor a = leaf(1, 2);
    Tensor z = Tensor.zeros(DType.FLOAT64, dev.ember.tensor.Device.CPU, 2, 2);
    z.select(0, 1).copy_(a.mul(3));
    z.sum().backward();
    assertArrayEquals(new double[] {3, 3}, a.grad().toDoubleArray(), 1e-12);
  }

  @Test
  void onlyFloatingPointTensorsCanRequireGrad() {
    assertThrows(IllegalArgumentException.class, () -> Tensor.of(new long[] {1}).requiresGrad(true));
  }

  @Test
  void comparisonResultsDoNotRequireGrad() {
    Tensor x = leaf(1, 2);
    assertFalse(x.gt(1).requiresGrad());
    assertFalse(x.argmax().requiresGrad());
  }

  @Test
  void gradFnNamesTheOperation() {
    Tensor x = leaf(1, 2);
    assertEquals("MulBackward", x.mul(2).gradFn().name());
    assertEquals("AccumulateGrad", x.gradEdge().name());
    assertTrue(x.isLeaf());
  }

  @Test
  void gradCheckCatchesAWrongBackward() {
    Tensor x = leaf(0.5, -1.5);
    // A deliberately wrong backward (factor 3 instead of 2) must be caught.
    GradCheck.Result r = GradCheck.run(in -> {
      Tensor out = in[0].detach().mul(in[0].detach());
      Tensor[] src = in;
      Autograd.record("WrongSquareBackward", out, (g, n) -> new Tensor[] {g.mul(src[0]).mul(3)}, in[0]);
      return out;
    }, x);
    assertFalse(r.passed(), r.toString());
    GradCheck.check(in -> in[0].mul(in[0]), x);
  }
}
