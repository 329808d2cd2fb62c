package dev.ember.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.io.Json;
import dev.ember.nn.F;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.conv.Conv1d;
import dev.ember.nn.conv.Conv2d;
import dev.ember.nn.layers.Embedding;
import dev.ember.nn.layers.Flatten;
import dev.ember.nn.layers.Linear;
import dev.ember.nn.recurrent.GRU;
import dev.ember.nn.recurrent.LSTM;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Mersenne Twister generator against PyTorch 1.13's CPU generator: {@code golden/rng.json},
 * written by {@code make_rng_golden.py} beside it. Uniform draws, randint, randperm,
 * bernoulli_(p), dropout and default initializations must match bit for bit; normal draws to a
 * few ulps.
 */
class Mt19937GoldenTest {
  private static final Map<String, Object> GOLDEN = load();

  @SuppressWarnings("unchecked")
  private static Map<String, Object> load() {
    try (InputStream in = Mt19937GoldenTest.class.getResourceAsStream("/golden/rng.json")) {
      assertNotNull(in, "golden/rng.json is missing");
      return (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  private static double[] nums(Object o) {
    List<?> l = (List<?>) o;
    double[] d = new double[l.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = ((Number) l.get(i)).doubleValue();
    }
    return d;
  }

  private static int integer(Map<String, Object> m, String key) {
    return ((Number) m.get(key)).intValue();
  }

  @AfterEach
  void restoreDefault() {
    Generator.manualSeed(67280421310721L, Generator.Engine.PHILOX);
  }

  @Test
  void goldenFileIsTorch113() {
    assertTrue(((String) GOLDEN.get("torch")).startsWith("1.13"), (String) GOLDEN.get("torch"));
  }

  @TestFactory
  List<DynamicTest> streamsMatchTorchManualSeed() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Map<String, Object> s : list(GOLDEN.get("streams"))) {
      long seed = ((Number) s.get("seed")).longValue();
      tests.add(DynamicTest.dynamicTest("seed " + seed, () -> {
        Generator gen = Generator.mt19937(seed);
        int k = 0;
        for (Map<String, Object> op : list(s.get("ops"))) {
          checkOp(gen, op, "seed " + seed + ", draw " + k++ + " " + op.get("op"));
        }
      }));
    }
    return tests;
  }

  private static void checkOp(Generator gen, Map<String, Object> op, String what) {
    int n = integer(op, "n");
    DType dtype = "float64".equals(op.get("dtype")) ? DType.FLOAT64 : DType.FLOAT32;
    double[] want = nums(op.get("values"));
    switch ((String) op.get("op")) {
      case "rand" -> assertArrayEquals(want, Tensor.rand(gen, dtype, Device.CPU, n).toDoubleArray(), what);
      case "uniform" -> assertArrayEquals(want, Tensor.zeros(dtype, n)
          .uniform_(((Number) op.get("from")).doubleValue(), ((Number) op.get("to")).doubleValue(), gen)
          .toDoubleArray(), what);
      case "randint" -> assertArrayEquals(want, Tensor.randint(gen, ((Number) op.get("low")).longValue(),
          ((Number) op.get("high")).longValue(), DType.INT64, Device.CPU, n).toDoubleArray(), what);
      case "randperm" -> assertArrayEquals(want, Tensor.randperm(n, gen).toDoubleArray(), what);
      case "bernoulli_" -> assertArrayEquals(want, Tensor.zeros(dtype, n)
          .bernoulli_(((Number) op.get("p")).doubleValue(), gen).toDoubleArray(), what);
      case "dropout" -> assertArrayEquals(want, F.dropout(Tensor.ones(dtype, n),
          ((Number) op.get("p")).doubleValue(), true, gen).toDoubleArray(), what);
      case "randn" -> assertUlps(want, Tensor.randn(gen, dtype, Device.CPU, n).toDoubleArray(), dtype, what);
      case "normal" -> assertUlps(want, Tensor.zeros(dtype, n)
          .normal_(((Number) op.get("mean")).doubleValue(), ((Number) op.get("std")).doubleValue(), gen)
          .toDoubleArray(), dtype, what);
      default -> throw new IllegalArgumentException(what);
    }
  }

  /** Within 8 ulps of the dtype at the value's magnitude (at least 1). */
  private static void assertUlps(double[] want, double[] got, DType dtype, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      double ulp = dtype == DType.FLOAT32 ? Math.ulp((float) Math.max(1, Math.abs(want[i])))
          : Math.ulp(Math.max(1, Math.abs(want[i])));
      assertEquals(want[i], got[i], 8 * ulp, what + " element " + i);
    }
  }

  private static Module build(String type, double[] a) {
    int x = (int) a[0];
    int y = (int) a[1];
    return switch (type) {
      case "Linear" -> new Linear(x, y);
      case "Conv2d" -> new Conv2d(x, y, (int) a[2]);
      case "Conv1d" -> new Conv1d(x, y, (int) a[2]);
      case "LSTM" -> new LSTM(x, y);
      case "GRU" -> new GRU(x, y);
      case "Embedding" -> new Embedding(x, y);
      default -> throw new IllegalArgumentException(type);
    };
  }

  @Test
  void defaultInitializationsMatchTorchAfterManualSeed() {
    for (Map<String, Object> c : list(GOLDEN.get("modules"))) {
      long seed = ((Number) c.get("seed")).longValue();
      Generator.manualSeed(seed, Generator.Engine.MT19937);
      for (Map<String, Object> m : list(c.get("modules"))) {
        String type = (String) m.get("type");
        Module module = build(type, nums(m.get("args")));
        @SuppressWarnings("unchecked")
        Map<String, Object> params = (Map<String, Object>) m.get("params");
        Map<String, Tensor> got = module.namedParameters();
        assertEquals(params.keySet(), got.keySet(), type);
        for (var e : params.entrySet()) {
          String what = "seed " + seed + " " + type + "." + e.getKey();
          double[] values = got.get(e.getKey()).toDoubleArray();
          if (type.equals("Embedding")) {
            assertUlps(nums(e.getValue()), values, DType.FLOAT32, what); // normal init
          } else {
            assertArrayEquals(nums(e.getValue()), values, what);
          }
        }
      }
    }
  }

  private static long digest(Tensor t) {
    BigInteger p = BigInteger.ONE.shiftLeft(61).subtract(BigInteger.ONE);
    BigInteger sum = BigInteger.ZERO;
    if (t.dtype() == DType.FLOAT32) {
      float[] v = t.contiguous().toFloatArray();
      for (int i = 0; i < v.length; i++) {
        long bits = Float.floatToRawIntBits(v[i]) & 0xFFFFFFFFL;
        sum = sum.add(BigInteger.valueOf(bits).multiply(BigInteger.valueOf(i + 1)));
      }
    } else {
      long[] v = t.toLongArray();
      for (int i = 0; i < v.length; i++) {
        sum = sum.add(BigInteger.valueOf(v[i]).multiply(BigInteger.valueOf(i + 1)));
      }
    }
    return sum.mod(p).longValue();
  }

  /** W1's initial weights and first two shuffles, as the workload reference script draws them. */
  @Test
  void w1InitializationAndShufflesMatchTheReferenceScript() {
    for (Map<String, Object> c : list(GOLDEN.get("w1"))) {
      long seed = ((Number) c.get("seed")).longValue();
      Generator.manualSeed(seed, Generator.Engine.MT19937);
      Module net = new Sequential(new Flatten(), new Linear(784, 256), new ReLU(),
          new Linear(256, 128), new ReLU(), new Linear(128, 10));
      Map<String, Tensor> got = new java.util.LinkedHashMap<>(net.namedParameters());
      got.put("perm0", Tensor.randperm(60000));
      got.put("perm1", Tensor.randperm(60000));
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Object>> want = (Map<String, Map<String, Object>>) c.get("tensors");
      assertEquals(want.keySet(), got.keySet());
      for (var e : want.entrySet()) {
        Tensor t = got.get(e.getKey());
        String what = "seed " + seed + " " + e.getKey();
        double[] first = nums(e.getValue().get("first"));
        Tensor row = t.dim() == 1 ? t : t.select(0, 0);
        assertArrayEquals(first, row.narrow(0, 0, first.length).toDoubleArray(), what);
        assertEquals(((Number) e.getValue().get("digest")).longValue(), digest(t), what + " digest");
      }
    }
  }

  @Test
  void stateRoundTripsAndResumesTheStream() {
    Generator g = Generator.mt19937(7);
    Tensor.randn(g, DType.FLOAT64, Device.CPU, 3); // leaves a cached normal sample
    long[] saved = g.state();
    double[] a = Tensor.randn(g, DType.FLOAT64, Device.CPU, 5).toDoubleArray();
    Generator h = new Generator(0);
    h.setState(saved);
    assertEquals(Generator.Engine.MT19937, h.engine());
    assertEquals(7, h.initialSeed());
    assertArrayEquals(a, Tensor.randn(h, DType.FLOAT64, Device.CPU, 5).toDoubleArray());
    h.setState(new long[] {5, 0});
    assertEquals(Generator.Engine.PHILOX, h.engine());
    assertArrayEquals(Tensor.rand(new Generator(5), DType.FLOAT32, Device.CPU, 4).toDoubleArray(),
        Tensor.rand(h, DType.FLOAT32, Device.CPU, 4).toDoubleArray());
  }

  @Test
  void invalidStatesAndPhiloxOnlyCallsAreRejected() {
    long[] s = Generator.mt19937(1).state();
    s[2] = 5; // next without the matching left
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Generator(0).setState(s));
    assertTrue(e.getMessage().contains("Mersenne Twister"), e.getMessage());
    long[] t = Generator.mt19937(1).state();
    t[10] = 1L << 32; // not a 32-bit word
    assertThrows(IllegalArgumentException.class, () -> new Generator(0).setState(t));
    IllegalStateException r =
        assertThrows(IllegalStateException.class, () -> Generator.mt19937(1).reserve(1));
    assertTrue(r.getMessage().contains("MT19937"), r.getMessage());
  }

  @Test
  void seedingKeepsTheEngineAndManualSeedCanSwitchIt() {
    Generator g = Generator.mt19937(3);
    g.seed(4);
    assertEquals(Generator.Engine.MT19937, g.engine());
    assertArrayEquals(Tensor.randperm(50, Generator.mt19937(4)).toLongArray(),
        Tensor.randperm(50, g).toLongArray());
    g.seed(4, Generator.Engine.PHILOX);
    assertEquals(Generator.Engine.PHILOX, g.engine());
    assertEquals(2, g.state().length);
  }
}
