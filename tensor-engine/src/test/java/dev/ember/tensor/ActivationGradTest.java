package dev.ember.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.Node;
import dev.ember.backend.BinaryOp;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * GELU's and SiLU's fused backward ({@link BinaryOp#GELU_GRAD}, {@code GELU_TANH_GRAD}, {@code
 * SILU_GRAD}, taken when no graph is built) against the composed backward that {@code
 * createGraph} takes, over the whole range of inputs, and the composed one's second derivative
 * still available.
 */
class ActivationGradTest {

  private static final List<UnaryOperator<Tensor>> ACTIVATIONS =
      List.of(Tensor::gelu, x -> x.gelu("tanh"), Tensor::silu);
  private static final String[] NAMES = {"gelu", "gelu tanh", "silu"};

  /** -20 .. 20 in steps of 0.01, and values where the formulas' terms overflow or vanish. */
  private static double[] inputs() {
    double[] v = new double[4001 + 8];
    for (int i = 0; i <= 4000; i++) {
      v[i] = -20 + i * 0.01;
    }
    double[] extreme = {-1e30, -1e10, -60, -1e-30, 1e-30, 60, 1e10, 1e30};
    System.arraycopy(extreme, 0, v, 4001, extreme.length);
    return v;
  }

  private static double[] grad(UnaryOperator<Tensor> act, Tensor x, Tensor w, boolean graph) {
    Tensor xr = x.detach().requiresGrad(true);
    Tensor loss = act.apply(xr).mul(w).sum();
    return Autograd.grad(List.of(loss), List.of(xr), null, false, graph, false).get(0)
        .toDoubleArray();
  }

  private static void compare(DType dtype, double relTol, double absTol) {
    double[] v = inputs();
    Tensor x = Tensor.of(v).to(dtype);
    Tensor w = Tensor.rand(new Generator(3), DType.FLOAT64, Device.CPU, v.length).sub(0.5)
        .to(dtype);
    for (int k = 0; k < ACTIVATIONS.size(); k++) {
      double[] fused = grad(ACTIVATIONS.get(k), x, w, false);
      double[] composed = grad(ACTIVATIONS.get(k), x, w, true);
      for (int i = 0; i < v.length; i++) {
        String what = NAMES[k] + " " + dtype + " at x = " + v[i];
        assertTrue(Double.isFinite(fused[i]), what + ": " + fused[i]);
        if (Double.isFinite(composed[i])) {
          // In float32 the composed tanh form overflows (x^2 at 1e30: 0 * inf); the fused
          // computes in double.
          assertEquals(composed[i], fused[i], absTol + relTol * Math.abs(composed[i]), what);
        } else {
          assertEquals(DType.FLOAT32, dtype, what + ": the composed backward gave " + composed[i]);
        }
      }
    }
  }

  /**
   * The absolute tolerance is for the tails: there the composed tanh form rounds 1 + tanh(u) and
   * 1 - tanh(u)^2 to 0 where the fused form keeps the true value (about -2e-15 at x = -7.2).
   */
  @Test
  void fusedBackwardMatchesTheComposedOneInFloat64() {
    compare(DType.FLOAT64, 1e-13, 1e-14);
  }

  /** The fused op computes in double and rounds once; the composed one rounds at every step. */
  @Test
  void fusedBackwardMatchesTheComposedOneInFloat32() {
    compare(DType.FLOAT32, 1e-5, 1e-6);
  }

  @Test
  void withoutAGraphTheBackwardIsOneFusedNodeAndWithOneItIsDifferentiable() {
    Tensor x = Tensor.of(new double[] {-1.5, 0.25, 2.0}).requiresGrad(true);
    for (int k = 0; k < ACTIVATIONS.size(); k++) {
      Tensor y = ACTIVATIONS.get(k).apply(x).sum();
      Tensor g = Autograd.grad(List.of(y), List.of(x), null, true, false, false).get(0);
      assertTrue(g.gradFn() == null, NAMES[k] + ": a gradient built without a graph has none");
      Tensor gg = Autograd.grad(List.of(y), List.of(x), null, false, true, false).get(0);
      Node fn = gg.gradFn();
      assertNotNull(fn, NAMES[k] + ": with createGraph the gradient is differentiable");
      double second = Autograd.grad(List.of(gg.sum()), List.of(x)).get(0).toDoubleArray()[1];
      double h = 1e-6;
      double numeric = (dydx(ACTIVATIONS.get(k), 0.25 + h) - dydx(ACTIVATIONS.get(k), 0.25 - h))
          / (2 * h);
      assertEquals(numeric, second, 1e-6, NAMES[k] + " second derivative at 0.25");
    }
  }

  private static double dydx(UnaryOperator<Tensor> act, double at) {
    Tensor x = Tensor.of(new double[] {at}).requiresGrad(true);
    return Autograd.grad(List.of(act.apply(x).sum()), List.of(x)).get(0).toDoubleArray()[0];
  }

  @Test
  void theFusedOpsRejectIntegerOperands() {
    Tensor a = Tensor.of(new long[] {1, 2});
    Tensor out = Tensor.zeros(DType.INT64, 2);
    for (BinaryOp op : new BinaryOp[] {BinaryOp.GELU_GRAD, BinaryOp.GELU_TANH_GRAD,
        BinaryOp.SILU_GRAD}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> a.backend().binary(op, out, a, a));
      assertTrue(e.getMessage().contains(op.name()) && e.getMessage().contains("int64"),
          e.getMessage());
    }
  }
}
