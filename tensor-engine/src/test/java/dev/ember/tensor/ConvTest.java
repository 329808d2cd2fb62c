package dev.ember.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradCheck;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What the generated op tests do not reach: gradients of gradients (every backward of {@link Conv}
 * is built from differentiable operators), the saved indices of max pooling, and batch-64 runs
 * of W2's convolutions against a direct evaluation of the definition.
 */
class ConvTest {
  private static Tensor rand(Generator g, int... shape) {
    return Tensor.randn(g, DType.FLOAT64, Device.CPU, shape);
  }

  /**
   * Gradchecks {@code x -> d/dx sum(f(x) * v)} (built with createGraph), i.e. the second
   * derivative, with respect to every input.
   */
  private static void secondOrder(Function<Tensor[], Tensor> f, Tensor... inputs) {
    Generator g = new Generator(7);
    Tensor out = f.apply(inputs);
    Tensor v = rand(g, out.shape());
    GradCheck.check(in -> {
      // GradCheck evaluates the function under noGrad for its finite differences; the first
      // derivative needs a graph either way.
      try (var m = Autograd.enableGrad()) {
        Tensor loss = f.apply(in).mul(v).sum();
        List<Tensor> grads = Autograd.grad(List.of(loss), List.of(in), null, true, true, true);
        return Tensor.cat(grads.stream().map(t -> t.reshape(-1)).toList(), 0).square();
      }
    }, inputs);
  }

  @Test
  void convolutionGradientsAreThemselvesDifferentiable() {
    try (var s = Tensor.scope()) {
      Generator g = new Generator(1);
      Tensor x = rand(g, 2, 2, 4, 5).requiresGrad(true);
      Tensor w = rand(g, 3, 2, 2, 3).requiresGrad(true);
      Tensor b = rand(g, 3).requiresGrad(true);
      secondOrder(in -> Conv.conv2d(in[0], in[1], in[2], new int[] {2, 1}, new int[] {1},
          new int[] {1, 2}, 1), x, w, b);
      Tensor xt = rand(g, 1, 2, 3, 3).requiresGrad(true);
      Tensor wt = rand(g, 2, 2, 2, 2).requiresGrad(true);
      secondOrder(in -> Conv.convTranspose2d(in[0], in[1], null, new int[] {2}, new int[] {0},
          new int[] {1}, 1, new int[] {1}), xt, wt);
    }
  }

  @Test
  void poolingGradientsAreThemselvesDifferentiable() {
    try (var s = Tensor.scope()) {
      Generator g = new Generator(2);
      // Distinct values far apart: no ties, so max pooling is smooth where it is checked.
      Tensor x = Tensor.randperm(32, g).to(DType.FLOAT64).mul(0.5).reshape(1, 2, 4, 4)
          .requiresGrad(true);
      secondOrder(in -> Conv.maxPool2d(in[0], new int[] {2}, new int[] {1}, new int[] {0},
          new int[] {1}, false).square(), x);
      Tensor y = rand(g, 1, 2, 5, 4).requiresGrad(true);
      secondOrder(in -> Conv.avgPool2d(in[0], new int[] {2}, null, new int[] {1}, true, false, 0)
          .square(), y);
      secondOrder(in -> Conv.adaptiveAvgPool2d(in[0], new int[] {3, 2}).square(), y);
    }
  }

  @Test
  void maxPoolBackwardFailsIfItsIndicesWereModified() {
    try (var s = Tensor.scope()) {
      Tensor x = Tensor.randn(1, 1, 4, 4).requiresGrad(true);
      ValuesIndices vi = Conv.maxPool2dWithIndices(x, new int[] {2}, null, new int[] {0},
          new int[] {1}, false);
      vi.indices().fill_(0);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> vi.values().sum().backward());
      assertTrue(e.getMessage().contains("modified by an inplace operation"), e.getMessage());
    }
  }

  /** out[n, o, y, x] = b[o] + sum_{c, i, j} w[o, c, i, j] x[n, c, y + i - 1, x + j - 1]. */
  private static double[] direct(float[] x, float[] w, float[] b, int n, int c, int o, int h) {
    double[] out = new double[n * o * h * h];
    for (int s = 0; s < n; s++) {
      for (int k = 0; k < o; k++) {
        for (int y = 0; y < h; y++) {
          for (int z = 0; z < h; z++) {
            double acc = b[k];
            for (int ch = 0; ch < c; ch++) {
              for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                  int yy = y + i - 1;
                  int zz = z + j - 1;
                  if (yy >= 0 && yy < h && zz >= 0 && zz < h) {
                    acc += (double) w[((k * c + ch) * 3 + i) * 3 + j]
                        * x[((s * c + ch) * h + yy) * h + zz];
                  }
                }
              }
            }
            out[((s * o + k) * h + y) * h + z] = acc;
          }
        }
      }
    }
    return out;
  }

  /**
   * W2's two layers at batch 64 (large enough for the multithreaded paths): the first multiplies
   * per sample (10 rows of columns), the second as one wide product (289 rows).
   */
  @Test
  void w2ConvolutionsAtBatch64MatchTheDefinition() {
    int[][] layers = {{1, 32, 28}, {32, 64, 14}};
    for (int[] layer : layers) {
      try (var s = Tensor.scope()) {
        int c = layer[0];
        int o = layer[1];
        int h = layer[2];
        Generator g = new Generator(3);
        Tensor x = Tensor.rand(g, DType.FLOAT32, Device.CPU, 64, c, h, h);
        Tensor w = Tensor.randn(g, DType.FLOAT32, Device.CPU, o, c, 3, 3).mul(0.1);
        Tensor b = Tensor.randn(g, DType.FLOAT32, Device.CPU, o);
        Tensor y = Conv.conv2d(x, w, b, 1, 1, 1, 1);
        assertArrayEquals(new int[] {64, o, h, h}, y.shape());
        assertTrue(y.isContiguous());
        double[] expected = direct(x.toFloatArray(), w.toFloatArray(), b.toFloatArray(), 64, c, o,
            h);
        float[] actual = y.toFloatArray();
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], actual[i], 1e-4 * (1 + Math.abs(expected[i])),
              "layer " + c + "->" + o + ", element " + i);
        }
      }
    }
  }
}
