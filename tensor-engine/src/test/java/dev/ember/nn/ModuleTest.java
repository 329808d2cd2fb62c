package dev.ember.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.nn.activation.ReLU;
import dev.ember.nn.conv.Conv2d;
import dev.ember.nn.conv.ConvTranspose2d;
import dev.ember.nn.conv.MaxPool2d;
import dev.ember.nn.layers.Dropout;
import dev.ember.nn.layers.Embedding;
import dev.ember.nn.layers.Flatten;
import dev.ember.nn.layers.Linear;
import dev.ember.nn.norm.BatchNorm1d;
import dev.ember.nn.norm.LayerNorm;
import dev.ember.tensor.DType;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModuleTest {

  private static Sequential mlp(Generator g) {
    return new Sequential(new Flatten(), new Linear(6, 4, true, g), new ReLU(),
        new BatchNorm1d(4), new Linear(4, 3, false, g));
  }

  @Test
  void stateDictHasPyTorchKeysInPyTorchOrder() {
    Sequential m = mlp(new Generator(1));
    assertEquals(List.of("1.weight", "1.bias", "3.weight", "3.bias", "3.running_mean",
        "3.running_var", "3.num_batches_tracked", "4.weight"), new ArrayList<>(m.stateDict().keySet()));
    assertEquals(List.of("1.weight", "1.bias", "3.weight", "3.bias", "4.weight"),
        new ArrayList<>(m.namedParameters().keySet()));
    assertEquals(6 * 4 + 4 + 4 + 4 + 4 * 3, m.numParameters(false));
    assertEquals(DType.INT64, m.stateDict().get("3.num_batches_tracked").dtype());
  }

  @Test
  void loadStateDictCopiesValuesAndReportsMismatches() {
    Sequential a = mlp(new Generator(1));
    Sequential b = mlp(new Generator(2));
    assertFalse(a.stateDict().get("1.weight").equals(b.stateDict().get("1.weight")));
    b.loadStateDict(a.stateDict());
    for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
      assertTrue(e.getValue().equals(b.stateDict().get(e.getKey())), e.getKey());
    }
    // loading copies: changing the source later does not change b
    Tensor src = a.stateDict().get("4.weight");
    assertNotSame(src.storage(), b.stateDict().get("4.weight").storage());

    Map<String, Tensor> partial = new java.util.LinkedHashMap<>(a.stateDict());
    partial.remove("1.bias");
    partial.put("extra", Tensor.zeros(1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(partial));
    assertTrue(e.getMessage().contains("missing keys: [1.bias]"), e.getMessage());
    assertTrue(e.getMessage().contains("unexpected keys: [extra]"), e.getMessage());
    Module.LoadResult r = b.loadStateDict(partial, false);
    assertEquals(List.of("1.bias"), r.missingKeys());
    assertEquals(List.of("extra"), r.unexpectedKeys());

    Map<String, Tensor> wrong = new java.util.LinkedHashMap<>(a.stateDict());
    wrong.put("4.weight", Tensor.zeros(2, 4));
    Tensor before = b.stateDict().get("1.weight").clone();
    e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(wrong));
    assertTrue(e.getMessage().contains("size mismatch for 4.weight"), e.getMessage());
    assertTrue(e.getMessage().contains("[2, 4]") && e.getMessage().contains("[3, 4]"), e.getMessage());
    assertTrue(before.equals(b.stateDict().get("1.weight")), "nothing written on a mismatch");
  }

  @Test
  void trainAndEvalReachEveryChild() {
    Sequential m = mlp(new Generator(1));
    m.eval();
    for (Module c : m.namedModules().values()) {
      assertFalse(c.isTraining());
    }
    m.train();
    for (Module c : m.namedModules().values()) {
      assertTrue(c.isTraining());
    }
  }

  @Test
  void toFloat64ConvertsParametersAndKeepsIntegerBuffers() {
    Sequential m = mlp(new Generator(1));
    Tensor old = m.namedParameters().get("1.weight");
    m.to(DType.FLOAT64);
    Tensor w = m.namedParameters().get("1.weight");
    assertEquals(DType.FLOAT64, w.dtype());
    assertTrue(w.requiresGrad() && w.isLeaf());
    assertTrue(old.to(DType.FLOAT64).equals(w));
    assertEquals(DType.INT64, m.stateDict().get("3.num_batches_tracked").dtype());
    assertEquals(DType.FLOAT64, m.forward(Tensor.randn(5, 2, 3).to(DType.FLOAT64)).dtype());
  }

  @Test
  void parametersSurviveScopesAndZeroGradClears() {
    Linear l;
    try (Scope s = Tensor.scope()) {
      l = new Linear(3, 2);
      l.forward(Tensor.ones(4, 3)).sum().backward();
    }
    assertFalse(l.weight().isReleased());
    assertFalse(l.weight().grad().isReleased());
    assertArrayEquals(new int[] {2, 3}, l.weight().grad().shape());
    l.zeroGrad();
    assertNull(l.weight().grad());
  }

  @Test
  void linearDefaultInitIsUniformWithinOneOverSqrtFanIn() {
    Linear l = new Linear(400, 300, true, new Generator(7));
    double k = 1 / Math.sqrt(400);
    assertTrue(l.weight().abs().max().item() <= k);
    assertTrue(l.weight().abs().max().item() > 0.99 * k);
    // U(-k, k) has variance k^2 / 3
    assertEquals(k * k / 3, l.weight().var().item(), 0.02 * k * k);
    assertTrue(l.bias().abs().max().item() <= k);
  }

  @Test
  void convolutionsInitLikePyTorchAndPrintTheirGeometry() {
    Conv2d c = new Conv2d(3, 8, new int[] {3, 5}, new int[] {1, 2}, new int[] {1, 2},
        new int[] {1, 1}, 1, true, new Generator(2));
    double k = 1 / Math.sqrt(3 * 3 * 5);
    assertArrayEquals(new int[] {8, 3, 3, 5}, c.weight().shape());
    assertTrue(c.weight().abs().max().item() <= k && c.weight().abs().max().item() > 0.9 * k);
    assertTrue(c.bias().abs().max().item() <= k);
    assertEquals("Conv2d(3, 8, kernel_size=(3, 5), stride=(1, 2), padding=(1, 2))",
        c.toString().lines().findFirst().orElseThrow());
    ConvTranspose2d t = new ConvTranspose2d(4, 6, 3, 2);
    assertArrayEquals(new int[] {4, 6, 3, 3}, t.weight().shape());
    // PyTorch computes a transposed convolution's fan-in from the weight's dim 1 (out channels).
    assertTrue(t.weight().abs().max().item() <= 1 / Math.sqrt(6 * 9));
    assertArrayEquals(new int[] {2, 6, 7, 7}, t.forward(Tensor.zeros(2, 4, 3, 3)).shape());
    assertArrayEquals(new int[] {2, 3, 2, 2},
        new MaxPool2d(2).forward(Tensor.zeros(2, 3, 5, 4)).shape());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Conv2d(3, 8, new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0},
            new int[] {1, 1}, 2, true, new Generator(1)));
    assertTrue(e.getMessage().contains("divisible by groups 2"), e.getMessage());
  }

  @Test
  void toStringIsATreeWithCounts() {
    Sequential m = new Sequential(new Linear(784, 10), new ReLU());
    String s = m.toString();
    assertEquals("Sequential(\n  (0): Linear(in_features=784, out_features=10, bias=true)\n"
        + "  (1): ReLU()\n)\n7,850 parameters (7,850 trainable)", s);
  }

  @Test
  void registrationRejectsBadAndDuplicateNames() {
    Module m = new Module() {
      {
        registerParameter("w", Tensor.zeros(2));
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> registerParameter("w", Tensor.zeros(1)));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> registerBuffer("a.b", Tensor.zeros(1)));
        assertThrows(IllegalArgumentException.class, () -> registerParameter("i", Tensor.zeros(DType.INT64, 1)));
      }

      @Override
      public Tensor forward(Tensor input) {
        return input.mul(parameter("w"));
      }
    };
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.parameter("v"));
    assertTrue(e.getMessage().contains("no parameter \"v\""), e.getMessage());
  }

  @Test
  void applyVisitsChildrenFirst() {
    Sequential m = mlp(new Generator(1));
    List<String> seen = new ArrayList<>();
    m.apply(x -> seen.add(x.getClass().getSimpleName()));
    assertEquals(List.of("Flatten", "Linear", "ReLU", "BatchNorm1d", "Linear", "Sequential"), seen);
    m.apply(x -> {
      if (x instanceof Linear lin) {
        Init.zeros_(lin.weight());
      }
    });
    assertEquals(0, ((Linear) m.get(1)).weight().abs().sum().item());
  }

  @Test
  void dropoutScalesInTrainingAndIsTheIdentityInEval() {
    Dropout d = new Dropout(0.25, new Generator(3));
    Tensor x = Tensor.ones(100_000);
    Tensor y = d.forward(x);
    double zeros = y.eq(0).sum().item();
    assertEquals(25_000, zeros, 600); // 6 sigma of Binomial(1e5, 0.25)
    assertEquals(1 / 0.75, y.max().item(), 1e-6);
    d.eval();
    assertSame(x, d.forward(x));
    assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5));
  }

  @Test
  void embeddingPaddingRowStartsAtZero() {
    Embedding e = new Embedding(5, 3, -1, new Generator(1));
    assertEquals(0, e.weight().select(0, 4).abs().sum().item());
    Tensor y = e.forward(Tensor.of(new long[] {4, 0, 4}, 3));
    assertArrayEquals(new int[] {3, 3}, y.shape());
    assertThrows(IndexOutOfBoundsException.class,
        () -> e.forward(Tensor.of(new long[] {5}, 1)));
  }

  @Test
  void layerNormChecksTrailingShape() {
    LayerNorm ln = new LayerNorm(4);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ln.forward(Tensor.zeros(2, 3)));
    assertTrue(e.getMessage().contains("[*, 4]") && e.getMessage().contains("[2, 3]"), e.getMessage());
  }

  @Test
  void batchNormRejectsOneValuePerChannelInTraining() {
    BatchNorm1d bn = new BatchNorm1d(3);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.zeros(1, 3)));
    assertTrue(e.getMessage().contains("more than 1 value per channel"), e.getMessage());
    bn.eval();
    assertArrayEquals(new int[] {1, 3}, bn.forward(Tensor.zeros(1, 3)).shape());
    e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.zeros(2, 4)));
    assertTrue(e.getMessage().contains("expected 3 channels"), e.getMessage());
  }

  @Test
  void linearNamesShapesOnMismatch() {
    Linear l = new Linear(5, 2);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> l.forward(Tensor.zeros(3, 4)));
    assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[2, 5]"), e.getMessage());
  }
}
