package dev.ember.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

class InitTest {

  @Test
  void orthogonalGivesOrthonormalRowsOrColumns() {
    for (int[] shape : new int[][] {{6, 4}, {4, 6}, {5, 5}, {3, 2, 2}}) {
      Tensor t = Tensor.empty(DType.FLOAT64, dev.ember.tensor.Device.CPU, shape);
      Init.orthogonal_(t, 2.0, new Generator(3));
      Tensor m = t.reshape(shape[0], -1);
      boolean tall = m.size(0) >= m.size(1);
      Tensor gram = tall ? m.t().matmul(m) : m.matmul(m.t());
      int n = Math.min(m.size(0), m.size(1));
      assertTrue(gram.allClose(Tensor.eye(n).to(DType.FLOAT64).mul(4), 1e-10, 1e-10),
          java.util.Arrays.toString(shape) + ": " + gram);
    }
  }

  @Test
  void orthogonalIsSeeded() {
    Tensor a = Init.orthogonal_(Tensor.empty(4, 4), 1, new Generator(9));
    Tensor b = Init.orthogonal_(Tensor.empty(4, 4), 1, new Generator(9));
    assertTrue(a.equals(b));
  }

  @Test
  void fansAndBounds() {
    Tensor w = Tensor.empty(32, 16, 3, 3);
    assertEquals(16 * 9, Init.fanIn(w));
    assertEquals(32 * 9, Init.fanOut(w));
    double a = Math.sqrt(6.0 / (16 * 9 + 32 * 9));
    Init.xavierUniform_(w, 1.0, new Generator(1));
    assertTrue(w.abs().max().item() <= a && w.abs().max().item() > 0.95 * a);
    Init.kaimingNormal_(w, 0, "fan_out", "relu", new Generator(1));
    assertEquals(2.0 / (32 * 9), w.var().item(), 0.1 * 2.0 / (32 * 9));
    Init.kaimingUniform_(w, 0, "fan_in", "relu", new Generator(1));
    double bound = Math.sqrt(2.0) * Math.sqrt(3.0 / (16 * 9));
    assertTrue(w.abs().max().item() <= bound && w.abs().max().item() > 0.95 * bound);
    assertEquals(Math.sqrt(2.0 / (1 + 0.01 * 0.01)), Init.calculateGain("leaky_relu"), 1e-15);
    assertEquals(5.0 / 3, Init.calculateGain("tanh"), 1e-15);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Init.fanIn(Tensor.empty(3)));
    assertTrue(e.getMessage().contains("fewer than 2 dimensions"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Init.kaimingUniform_(w, 0, "fan_sideways", "relu", new Generator(1)));
  }

  @Test
  void constantsAndNormal() {
    Tensor t = Tensor.empty(1000);
    assertEquals(0, Init.zeros_(t).abs().sum().item());
    assertEquals(1000, Init.ones_(t).sum().item());
    assertEquals(1500, Init.constant_(t, 1.5).sum().item());
    Init.normal_(t, 2, 0.5, new Generator(4));
    assertEquals(2, t.mean().item(), 0.1);
    assertEquals(0.5, t.std().item(), 0.05);
  }
}
