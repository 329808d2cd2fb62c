package dev.ember.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradCheck;
import dev.ember.backend.UnaryOp;
import dev.ember.nn.F;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Layers.linearRelu (F.linearRelu) against relu(linear(...)) composed, and by central differences;
 * Layers.linearActivation (F.linearGelu, F.linearSilu) against the composed operators;
 * Layers.conv2dRelu against relu(conv2d(...)) and by central differences.
 */
class LayersTest {

  @Test
  void matchesReluOfLinearExactly() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (boolean withBias : new boolean[] {true, false}) {
        Generator gen = new Generator(31);
        Tensor x0 = Tensor.randn(gen, dtype, Device.CPU, 7, 5);
        Tensor w0 = Tensor.randn(gen, dtype, Device.CPU, 4, 5);
        Tensor b0 = withBias ? Tensor.randn(gen, dtype, Device.CPU, 4) : null;
        Tensor up = Tensor.randn(gen, dtype, Device.CPU, 7, 4);
        Tensor[] fused = run(x0, w0, b0, up, true);
        Tensor[] composed = run(x0, w0, b0, up, false);
        String what = dtype + (withBias ? " with bias" : " without bias");
        for (int i = 0; i < fused.length; i++) {
          if (composed[i] == null) {
            continue;
          }
          // The same arithmetic in the same order: the CPU's matmulAddActivation is
          // matmulAdd, then relu.
          assertArrayEquals(composed[i].toDoubleArray(), fused[i].toDoubleArray(), 0,
              what + " output " + i);
        }
      }
    }
  }

  /**
   * Layers.linearGrads: in a backward pass without a graph, the input and weight gradients of one
   * Backend.matmulPair equal the two products; with grad mode on, both are recorded (a second
   * order works); one not needed is null.
   */
  @Test
  void linearGradsArePlainProducts() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      Generator gen = new Generator(32);
      Tensor gz = Tensor.randn(gen, dtype, Device.CPU, 6, 3);
      Tensor w = Tensor.randn(gen, dtype, Device.CPU, 3, 5);
      Tensor x = Tensor.randn(gen, dtype, Device.CPU, 6, 5);
      Tensor[] pair;
      try (var ng = Autograd.noGrad()) {
        pair = Layers.linearGrads(gz, w, x, true, true);
      }
      assertArrayEquals(gz.matmul(w).toDoubleArray(), pair[0].toDoubleArray(), 0, "dx");
      assertArrayEquals(gz.t().matmul(x).toDoubleArray(), pair[1].toDoubleArray(), 0, "dw");
      assertArrayEquals(new int[] {6, 5}, pair[0].shape());
      assertArrayEquals(new int[] {3, 5}, pair[1].shape());
      Tensor gzr = gz.clone().requiresGrad(true);
      Tensor[] recorded = Layers.linearGrads(gzr, w, x, true, true);
      assertTrue(recorded[0].requiresGrad() && recorded[1].requiresGrad(), "recorded");
      recorded[0].sum().add(recorded[1].sum()).backward();
      assertArrayEquals(w.sum(1).unsqueeze(0).expand(6, 3).add(x.sum(1).unsqueeze(1).expand(6, 3))
          .toDoubleArray(), gzr.grad().toDoubleArray(), 1e-12, "second order");
      try (var ng = Autograd.noGrad()) {
        Tensor[] one = Layers.linearGrads(gz, w, x, false, true);
        assertEquals(null, one[0]);
        assertArrayEquals(pair[1].toDoubleArray(), one[1].toDoubleArray(), 0);
        assertThrows(IllegalArgumentException.class,
            () -> Layers.linearGrads(gz, w, x.narrow(0, 0, 5), true, true));
      }
    }
  }

  private static Tensor[] run(Tensor x0, Tensor w0, Tensor b0, Tensor up, boolean fused) {
    Tensor x = x0.clone().requiresGrad(true);
    Tensor w = w0.clone().requiresGrad(true);
    Tensor b = b0 == null ? null : b0.clone().requiresGrad(true);
    Tensor y = fused ? F.linearRelu(x, w, b) : F.relu(F.linear(x, w, b));
    y.mul(up).sum().backward();
    return new Tensor[] {y, x.grad(), w.grad(), b == null ? null : b.grad()};
  }

  @Test
  void gradcheckFirstAndSecondOrder() {
    Generator gen = new Generator(32);
    // Inputs away from the kink at 0, where central differences do not apply.
    Tensor x = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 5, 3).requiresGrad(true);
    Tensor w = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 4, 3).requiresGrad(true);
    Tensor b = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 4).requiresGrad(true);
    GradCheck.check(in -> F.linearRelu(in[0], in[1], in[2]), x, w, b);
    GradCheck.check(in -> F.linearRelu(in[0], in[1], null), x, w);
    GradCheck.check(in -> {
      try (var m = Autograd.enableGrad()) {
        Tensor y = F.linearRelu(in[0], in[1], in[2]);
        List<Tensor> g = Autograd.grad(List.of(y.mul(y).sum()), List.of(in[0], in[1]), null,
            true, true, false);
        return g.get(0).sum().add(g.get(1).mul(g.get(1)).sum());
      }
    }, x, w, b);
  }

  /**
   * Layers.conv2dRelu on the CPU is relu(conv2d), bit for bit, values and gradients; by central
   * differences in float64, first and second order (the GPU's fused form: GpuConvLayerTest).
   */
  @Test
  void conv2dReluIsReluOfConv2dAndGradchecks() {
    Generator gen = new Generator(33);
    Tensor x = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 2, 2, 5, 4).requiresGrad(true);
    Tensor w = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 3, 2, 3, 2).requiresGrad(true);
    Tensor b = Tensor.randn(gen, DType.FLOAT64, Device.CPU, 3).requiresGrad(true);
    int[] s = {2, 1};
    int[] p = {1};
    int[] d = {1, 2};
    Tensor fused = Layers.conv2dRelu(x, w, b, s, p, d, 1);
    Tensor composed = F.relu(F.conv2d(x, w, b, s, p, d, 1));
    assertArrayEquals(composed.toDoubleArray(), fused.toDoubleArray(), 0);
    List<Tensor> gf = Autograd.grad(List.of(fused.sum()), List.of(x, w, b));
    List<Tensor> gc = Autograd.grad(List.of(composed.sum()), List.of(x, w, b));
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(gc.get(i).toDoubleArray(), gf.get(i).toDoubleArray(), 0, "gradient " + i);
    }
    GradCheck.check(in -> Layers.conv2dRelu(in[0], in[1], in[2], s, p, d, 1), x, w, b);
    GradCheck.check(in -> Layers.conv2dRelu(in[0], in[1], null, s, p, d, 1), x, w);
    GradCheck.check(in -> {
      try (var m = Autograd.enableGrad()) {
        Tensor y = Layers.conv2dRelu(in[0], in[1], in[2], s, p, d, 1);
        List<Tensor> g = Autograd.grad(List.of(y.mul(y).sum()), List.of(in[0], in[1]), null,
            true, true, false);
        return g.get(0).sum().add(g.get(1).mul(g.get(1)).sum());
      }
    }, x, w, b);
  }

  @Test
  void batchedInputNanAndBadShapes() {
    Tensor x = Tensor.of(new float[] {1, -2, 5, Float.NaN, 0, 0, 2, 2, 1, 1, -3, 4}, 2, 2, 3);
    Tensor w = Tensor.of(new float[] {1, 0, 0, 0, 1, 0}, 2, 3);
    Tensor y = F.linearRelu(x, w, Tensor.of(new float[] {0, 1}));
    assertArrayEquals(new int[] {2, 2, 2}, y.shape());
    float[] v = y.toFloatArray();
    assertEquals(1f, v[0]);
    assertEquals(0f, v[1]); // -2 + 1 < 0
    assertTrue(Float.isNaN(v[2]) && Float.isNaN(v[3]), "relu keeps NaN");
    assertEquals(2f, v[4]);
    assertEquals(3f, v[5]);
    assertEquals(0f, v[7]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> F.linearRelu(Tensor.zeros(2, 4), w, null));
    assertTrue(e.getMessage().contains("linearRelu"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Layers.linearRelu(Tensor.zeros(2, 3), w, Tensor.zeros(3)));
  }

  /**
   * F.linearGelu and F.linearSilu: with no gradient to record, one fused operator
   * (Layers.linearActivation) with the composed operators' values bit for bit (the CPU's
   * matmulAddActivation is matmulAdd, then the activation); with one, the composed operators
   * themselves, gradients included.
   */
  @Test
  void geluAndSiluOfLinearFuseOnlyWithoutGradients() {
    for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      Generator gen = new Generator(33);
      Tensor x = Tensor.randn(gen, dtype, Device.CPU, 2, 7, 5);
      Tensor w = Tensor.randn(gen, dtype, Device.CPU, 4, 5);
      Tensor b = Tensor.randn(gen, dtype, Device.CPU, 4);
      for (String act : new String[] {"none", "tanh", "silu"}) {
        for (Tensor bias : new Tensor[] {b, null}) {
          String what = dtype + " " + act + (bias == null ? " without bias" : " with bias");
          Tensor composed = act.equals("silu") ? F.silu(F.linear(x, w, bias))
              : F.gelu(F.linear(x, w, bias), act);
          Tensor fused = act.equals("silu") ? F.linearSilu(x, w, bias)
              : F.linearGelu(x, w, bias, act);
          assertArrayEquals(new int[] {2, 7, 4}, fused.shape(), what);
          assertArrayEquals(composed.toDoubleArray(), fused.toDoubleArray(), 0, what);
          assertTrue(!fused.requiresGrad(), what);
        }
      }
      // With a gradient to record: the composed operators, the same values and gradients.
      Tensor wr = w.clone().requiresGrad(true);
      Tensor y = F.linearGelu(x, wr, b, "none");
      assertTrue(y.requiresGrad(), "recorded");
      y.sum().backward();
      Tensor wc = w.clone().requiresGrad(true);
      F.gelu(F.linear(x, wc, b), "none").sum().backward();
      assertArrayEquals(wc.grad().toDoubleArray(), wr.grad().toDoubleArray(), 0, dtype + " grad");
      try (var ng = Autograd.noGrad()) {
        assertTrue(!F.linearSilu(x, wr, b).requiresGrad(), "fused under noGrad");
      }
    }
  }

  @Test
  void linearActivationRefusesGradientsAndOtherActivations() {
    Tensor x = Tensor.zeros(2, 3);
    Tensor w = Tensor.zeros(4, 3).requiresGrad(true);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Layers.linearActivation(x, w, null, UnaryOp.GELU));
    assertTrue(e.getMessage().contains("records no gradient"), e.getMessage());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> Layers.linearActivation(x, Tensor.zeros(4, 3), null, UnaryOp.RELU));
    assertTrue(bad.getMessage().contains("RELU"), bad.getMessage());
    bad = assertThrows(IllegalArgumentException.class,
        () -> F.linearGelu(x, Tensor.zeros(4, 3), null, "erf"));
    assertTrue(bad.getMessage().contains("erf"), bad.getMessage());
    bad = assertThrows(IllegalArgumentException.class,
        () -> F.linearSilu(Tensor.zeros(2, 5), Tensor.zeros(4, 3), null));
    assertTrue(bad.getMessage().contains("linearSilu"), bad.getMessage());
  }
}
