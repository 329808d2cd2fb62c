package dev.ember.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TensorBasicsTest {

  @Test
  void creationFromJavaArrays() {
    Tensor a = Tensor.of(new float[][] {{1, 2, 3}, {4, 5, 6}});
    assertArrayEquals(new int[] {2, 3}, a.shape());
    assertEquals(DType.FLOAT32, a.dtype());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.toFloatArray(), 0);
    Tensor b = Tensor.of(new float[][][] {{{1}, {2}}, {{3}, {4}}});
    assertArrayEquals(new int[] {2, 2, 1}, b.shape());
    assertEquals(DType.INT32, Tensor.of(new int[] {1, 2}).dtype());
    assertEquals(DType.INT64, Tensor.of(new long[] {1, 2}).dtype());
    assertEquals(DType.FLOAT64, Tensor.of(new double[] {1, 2}).dtype());
    assertArrayEquals(new boolean[] {true, false}, Tensor.of(new boolean[] {true, false}).toBooleanArray());
    assertEquals(0, Tensor.scalar(2.5).dim());
    assertEquals(2.5, Tensor.scalar(2.5).item(), 0);
  }

  @Test
  void raggedAndMismatchedDataFailClearly() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tensor.of(new float[][] {{1, 2}, {3}}));
    assertTrue(e.getMessage().contains("[1] has length 1, expected 2"), e.getMessage());
    IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
        () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
    assertTrue(f.getMessage().contains("3 elements but shape [2, 2] needs 4"), f.getMessage());
  }

  @Test
  void factories() {
    assertArrayEquals(new float[] {0, 0}, Tensor.zeros(2).toFloatArray(), 0);
    assertArrayEquals(new float[] {1, 1}, Tensor.ones(2).toFloatArray(), 0);
    assertEquals(DType.INT64, Tensor.full(new int[] {2}, 7).dtype());
    assertEquals(DType.FLOAT32, Tensor.full(new int[] {2}, 7.0).dtype());
    assertEquals(DType.BOOL, Tensor.full(new int[] {2}, true).dtype());
    assertArrayEquals(new long[] {0, 1, 2, 3}, Tensor.arange(4).toLongArray());
    assertArrayEquals(new long[] {5, 3, 1}, Tensor.arange(5, 0, -2).toLongArray());
    assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f}, Tensor.arange(0.0, 2.0, 0.5).toFloatArray(), 0);
    assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1}, Tensor.linspace(0, 1, 5).toFloatArray(), 0);
    assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0}, Tensor.eye(2, 3, DType.FLOAT32).toFloatArray(), 0);
    Tensor like = Tensor.fullLike(Tensor.zeros(DType.FLOAT64, Device.CPU, 2), 3);
    assertEquals(DType.FLOAT64, like.dtype());
    assertArrayEquals(new double[] {3, 3}, like.toDoubleArray(), 0);
    assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 5, -1));
  }

  @Test
  void typePromotionFollowsPyTorch() {
    Tensor i32 = Tensor.of(new int[] {1, 2});
    Tensor f32 = Tensor.of(new float[] {1, 2});
    Tensor f64 = Tensor.of(new double[] {1, 2});
    Tensor b = Tensor.of(new boolean[] {true, false});
    assertEquals(DType.FLOAT32, i32.add(f32).dtype());
    assertEquals(DType.FLOAT64, f32.add(f64).dtype());
    assertEquals(DType.INT32, i32.add(1).dtype());
    assertEquals(DType.FLOAT32, i32.add(1.5).dtype());
    assertEquals(DType.FLOAT64, f64.mul(2.0).dtype());
    assertEquals(DType.INT64, b.add(1).dtype());
    assertEquals(DType.FLOAT32, i32.div(2).dtype());
    assertArrayEquals(new float[] {0.5f, 1}, i32.div(2).toFloatArray(), 0);
    assertEquals(DType.BOOL, f32.gt(1).dtype());
    assertEquals(DType.INT64, i32.sum().dtype());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> i32.add_(1.5));
    assertTrue(e.getMessage().contains("can't be cast"), e.getMessage());
  }

  @Test
  void toStringShowsValuesShapeDtypeAndDevice() {
    String s = Tensor.of(new float[][] {{1, 2.5f}, {3, 4}}).toString();
    assertEquals("tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]], shape=[2, 2], dtype=float32,"
        + " device=cpu)", s);
    assertEquals("tensor([1, 2], shape=[2], dtype=int64, device=cpu)", Tensor.of(new long[] {1, 2}).toString());
    assertEquals("tensor(3., shape=[], dtype=float32, device=cpu)", Tensor.scalar(3.0).toString());
    String big = Tensor.zeros(10000).toString();
    assertTrue(big.contains("..."), big);
    assertTrue(big.endsWith("shape=[10000], dtype=float32, device=cpu)"), big);
    Tensor g = Tensor.of(new double[] {1}).requiresGrad(true);
    assertTrue(g.toString().contains("requiresGrad=true"));
    assertTrue(g.mul(2).toString().contains("gradFn=<MulBackward>"));
  }

  @Test
  void equalsAndAllClose() {
    Tensor a = Tensor.of(new float[] {1, 2, 3});
    assertEquals(a, Tensor.of(new float[] {1, 2, 3}));
    assertNotEquals(a, Tensor.of(new double[] {1, 2, 3}));
    assertNotEquals(a, Tensor.of(new float[] {1, 2, 4}));
    assertNotEquals(Tensor.of(new float[] {Float.NaN}), Tensor.of(new float[] {Float.NaN}));
    assertTrue(a.allClose(Tensor.of(new float[] {1, 2, 3.00001f})));
    assertFalse(a.allClose(Tensor.of(new float[] {1, 2, 3.1f})));
    assertTrue(Tensor.of(new float[] {Float.POSITIVE_INFINITY}).allClose(Tensor.of(new float[] {Float.POSITIVE_INFINITY})));
  }

  @Test
  void itemNeedsExactlyOneElement() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tensor.zeros(2, 3).item());
    assertTrue(e.getMessage().contains("6 elements"), e.getMessage());
    assertEquals(Long.MAX_VALUE, Tensor.of(new long[] {Long.MAX_VALUE}).itemLong());
  }

  @Test
  void devicesParseAndTheCpuIsAlwaysThere() {
    assertEquals(Device.CPU, Device.parse("cpu"));
    assertEquals("cuda:1", Device.parse("cuda:1").toString());
    assertEquals("opencl:0", Device.parse("opencl").toString());
    assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu:0"));
    assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:x"));
    // No GPU provider is on this module's class path: asking for one fails and says why.
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Tensor.zeros(DType.FLOAT32, Device.parse("cuda:0"), 2));
    assertTrue(e.getMessage().contains("cuda"), e.getMessage());
    assertEquals(Device.CPU, Device.best());
  }

  @Test
  void philoxMatchesTheRandom123KnownAnswers() {
    int[] out = new int[4];
    Philox.block(0, 0, 0, 0, 0, 0, out);
    assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, out);
    Philox.block(-1, -1, -1, -1, -1, -1, out);
    assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, out);
    Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}, out);
  }

  @Test
  void generatorsAreReproducibleAndStateful() {
    for (long seed : new long[] {1, 2, 3}) {
      Tensor a = Tensor.randn(new Generator(seed), DType.FLOAT32, Device.CPU, 100);
      Tensor b = Tensor.randn(new Generator(seed), DType.FLOAT32, Device.CPU, 100);
      assertEquals(a, b);
      Generator g = new Generator(seed);
      Tensor first = Tensor.rand(g, DType.FLOAT64, Device.CPU, 10);
      long[] state = g.state();
      Tensor second = Tensor.rand(g, DType.FLOAT64, Device.CPU, 10);
      assertNotEquals(first, second);
      g.setState(state);
      assertEquals(second, Tensor.rand(g, DType.FLOAT64, Device.CPU, 10));
    }
    Generator.manualSeed(7);
    Tensor x = Tensor.rand(5);
    Generator.manualSeed(7);
    assertEquals(x, Tensor.rand(5));
  }

  @Test
  void randomDistributionsHaveTheRightMoments() {
    Generator g = new Generator(12345);
    Tensor u = Tensor.rand(g, DType.FLOAT64, Device.CPU, 200_000);
    assertEquals(0.5, u.mean().item(), 0.005);
    assertTrue(u.min().item() >= 0 && u.max().item() < 1);
    Tensor n = Tensor.randn(g, DType.FLOAT32, Device.CPU, 200_000);
    assertEquals(0, n.mean().item(), 0.01);
    assertEquals(1, n.std().item(), 0.01);
    Tensor r = Tensor.randint(g, 3, 7, DType.INT64, Device.CPU, 10_000);
    assertEquals(3, r.min().itemLong());
    assertEquals(6, r.max().itemLong());
    long[] perm = Tensor.randperm(100, g).toLongArray();
    long[] sorted = perm.clone();
    Arrays.sort(sorted);
    assertArrayEquals(Tensor.arange(100).toLongArray(), sorted);
    Tensor p = Tensor.full(new int[] {100_000}, 0.3, DType.FLOAT32, Device.CPU);
    assertEquals(0.3, p.bernoulli(g).mean().item(), 0.01);
    assertThrows(IllegalArgumentException.class, () -> Tensor.full(new int[] {2}, 1.5, DType.FLOAT32, Device.CPU).bernoulli());
  }
}
