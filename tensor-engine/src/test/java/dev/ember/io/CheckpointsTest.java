package dev.ember.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.DType;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
  @TempDir Path dir;

  /** What a model's and an Adam optimizer's state dicts look like, plus training counters. */
  private static Map<String, Object> trainingState() {
    Map<String, Tensor> model = new LinkedHashMap<>();
    model.put("fc1.weight", Tensor.arange(0.0, 6.0, 1.0).reshape(2, 3));
    model.put("fc1.bias", Tensor.of(new float[] {0.5f, -0.5f}));
    model.put("bn.num_batches_tracked", Tensor.scalar(12L));

    Map<Integer, Object> state = new LinkedHashMap<>();
    for (int i = 0; i < 2; i++) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("step", 3);
      s.put("exp_avg", Tensor.full(new int[] {2}, 0.1 * (i + 1), DType.FLOAT32,
          dev.ember.tensor.Device.CPU));
      s.put("exp_avg_sq", Tensor.ones(2, 3).t()); // non-contiguous
      state.put(i, s);
    }
    Map<String, Object> group = new LinkedHashMap<>();
    group.put("lr", 0.001);
    group.put("betas", Arrays.asList(0.9, 0.999));
    group.put("eps", 1e-8f);
    group.put("weight_decay", 0.0);
    group.put("amsgrad", false);
    group.put("maximize", null);
    group.put("params", List.of(0, 1));
    Map<String, Object> optimizer = new LinkedHashMap<>();
    optimizer.put("state", state);
    optimizer.put("param_groups", List.of(group));

    Map<String, Object> root = new LinkedHashMap<>();
    root.put("model", model);
    root.put("optimizer", optimizer);
    root.put("epoch", 7);
    root.put("global_step", 1L << 40);
    root.put("best_loss", Double.NaN);
    root.put("worst", Float.NEGATIVE_INFINITY);
    root.put("name", "run/1 ✓");
    root.put("shape", new long[] {2, 3});
    root.put("ints", new int[] {-1, Integer.MAX_VALUE});
    root.put("doubles", new double[] {0.1, Double.POSITIVE_INFINITY});
    root.put("floats", new float[] {0.1f, Float.NaN});
    Map<Long, Object> byLong = new LinkedHashMap<>();
    byLong.put(1L << 33, "far");
    byLong.put(-5L, List.of());
    root.put("by_long", byLong);
    Map<Object, Object> weird = new LinkedHashMap<>();
    weird.put("a/b%c", Tensor.ones(1));
    weird.put("", new ArrayList<>(List.of(Tensor.zeros(1).to(DType.BOOL))));
    root.put("keys", weird);
    return root;
  }

  /** Deep equality that also compares primitive arrays by content and tensors by dtype/values. */
  private static void assertDeepEquals(Object expected, Object actual, String path) {
    if (expected == null || actual == null) {
      assertEquals(expected, actual, path);
      return;
    }
    assertEquals(expected.getClass().isArray(), actual.getClass().isArray(), path);
    if (expected instanceof Tensor e) {
      Tensor a = (Tensor) actual;
      assertEquals(e.dtype(), a.dtype(), path);
      assertArrayEquals(e.shape(), a.shape(), path);
      assertArrayEquals(e.toDoubleArray(), a.toDoubleArray(), 0, path);
    } else if (expected instanceof Map<?, ?> e) {
      Map<?, ?> a = (Map<?, ?>) actual;
      assertEquals(List.copyOf(e.keySet()), List.copyOf(a.keySet()), path + " keys (and order)");
      for (Object k : e.keySet()) {
        assertEquals(k.getClass(), a.keySet().stream().filter(k::equals).findFirst().orElseThrow()
            .getClass(), path + " key " + k);
        assertDeepEquals(e.get(k), a.get(k), path + "/" + k);
      }
    } else if (expected instanceof List<?> e) {
      List<?> a = (List<?>) actual;
      assertEquals(e.size(), a.size(), path);
      for (int i = 0; i < e.size(); i++) {
        assertDeepEquals(e.get(i), a.get(i), path + "/" + i);
      }
    } else if (expected instanceof long[] e) {
      assertArrayEquals(e, (long[]) actual, path);
    } else if (expected instanceof int[] e) {
      assertArrayEquals(e, (int[]) actual, path);
    } else if (expected instanceof double[] e) {
      assertArrayEquals(e, (double[]) actual, 0, path);
    } else if (expected instanceof float[] e) {
      assertArrayEquals(e, (float[]) actual, 0, path);
    } else {
      assertEquals(expected.getClass(), actual.getClass(), path); // Integer stays Integer, ...
      assertEquals(expected, actual, path); // Double.equals: NaN equals NaN
    }
  }

  @Test
  void roundTripsNestedStateWithItsJavaTypes() throws IOException {
    Map<String, Object> state = trainingState();
    Path p = dir.resolve("ckpt.safetensors");
    Checkpoints.save(state, p);
    Map<String, Object> back = Checkpoints.load(p);
    assertDeepEquals(state, back, "");
    // An Integer-keyed optimizer state comes back Integer-keyed: get(0) works.
    Map<?, ?> opt = (Map<?, ?>) ((Map<?, ?>) back.get("optimizer")).get("state");
    assertTrue(((Map<?, ?>) opt.get(0)).get("exp_avg") instanceof Tensor);
  }

  @Test
  void tensorsAreStoredUnderTheirPathsForOtherTools() throws IOException {
    Path p = dir.resolve("ckpt.safetensors");
    Checkpoints.save(trainingState(), p);
    SafeTensors.Loaded raw = SafeTensors.load(p);
    assertEquals(List.of("model/fc1.weight", "model/fc1.bias", "model/bn.num_batches_tracked",
        "optimizer/state/0/exp_avg", "optimizer/state/0/exp_avg_sq", "optimizer/state/1/exp_avg",
        "optimizer/state/1/exp_avg_sq", "keys/a%2Fb%25c", "keys//0"),
        List.copyOf(raw.tensors().keySet()));
    assertEquals("ember.checkpoint", raw.metadata().get("format"));
    assertEquals("1", raw.metadata().get("format_version"));
  }

  @Test
  void aModelStateDictRoundTrips() throws IOException {
    Map<String, Tensor> model = new LinkedHashMap<>();
    model.put("w", Tensor.randn(3, 2));
    model.put("b", Tensor.zeros(DType.FLOAT64, 2));
    Path p = dir.resolve("model.ckpt");
    Checkpoints.save(model, p);
    Map<String, Object> back = Checkpoints.load(p);
    assertEquals(model, back); // Tensor.equals compares dtype, shape and values
  }

  @Test
  void loadedTensorsBelongToTheCallersScope() throws IOException {
    Path p = dir.resolve("c.ckpt");
    Checkpoints.save(Map.of("w", Tensor.ones(2)), p);
    Tensor w;
    try (Scope s = Tensor.scope()) {
      w = (Tensor) Checkpoints.load(p).get("w");
      assertFalse(w.isReleased());
    }
    assertTrue(w.isReleased());
  }

  @Test
  void unsupportedValuesAreRejectedNamingTheirPath() {
    Path p = dir.resolve("x.ckpt");
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("opt", Map.of("state", Map.of(0, Map.of("when", new Date()))));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Checkpoints.save(s, p));
    assertTrue(e.getMessage().contains("'opt/state/0/when' is a java.util.Date"), e.getMessage());

    IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
        () -> Checkpoints.save(Map.of("m", Map.of(1.5, 1)), p));
    assertTrue(k.getMessage().contains("'m' has a key 1.5 of type java.lang.Double"), k.getMessage());

    Map<Object, Object> clash = new LinkedHashMap<>();
    clash.put("0", Tensor.ones(1));
    clash.put(0, Tensor.ones(1));
    IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
        () -> Checkpoints.save(Map.of("m", clash), p));
    assertTrue(c.getMessage().contains("'m/0'"), c.getMessage());

    Map<String, Object> cycle = new LinkedHashMap<>();
    cycle.put("self", cycle);
    IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
        () -> Checkpoints.save(cycle, p));
    assertTrue(d.getMessage().contains("a cycle?"), d.getMessage());
    assertFalse(Files.exists(p));
  }

  @Test
  void aFailedSaveLeavesThePreviousCheckpoint() throws IOException {
    Path p = dir.resolve("c.ckpt");
    Checkpoints.save(Map.of("epoch", 1), p);
    Tensor released;
    try (Scope s = Tensor.scope()) {
      released = Tensor.ones(1);
    }
    Map<String, Object> bad = Map.of("model", Map.of("w", released));
    assertThrows(IllegalArgumentException.class, () -> Checkpoints.save(bad, p));
    assertEquals(Map.of("epoch", 1), Checkpoints.load(p));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(p), files.toList());
    }
  }

  @Test
  void corruptCheckpointsFailClearly() throws IOException {
    Path p = dir.resolve("c.ckpt");
    Checkpoints.save(trainingState(), p);
    byte[] full = Files.readAllBytes(p);
    Path cut = dir.resolve("cut.ckpt");
    for (int n = 0; n < full.length; n += 7) {
      Files.write(cut, Arrays.copyOf(full, n));
      assertThrows(FormatException.class, () -> Checkpoints.load(cut), "prefix of " + n + " bytes");
    }

    Path plain = dir.resolve("plain.safetensors");
    SafeTensors.save(Map.of("w", Tensor.ones(1)), plain);
    FormatException e = assertThrows(FormatException.class, () -> Checkpoints.load(plain));
    assertTrue(e.getMessage().contains("not an Ember checkpoint"), e.getMessage());

    Map<String, Tensor> t = Map.of("a", Tensor.ones(1), "b", Tensor.ones(1));
    String[][] cases = {
        {"2", "{\"map\":[]}", "format_version '2' is not supported"},
        {"1", "{\"map\":[[\"x\",{\"tensor\":\"zz\"}]]}", "at 'x' names tensor zz, which is not in"},
        {"1", "{\"map\":[[\"x\",{\"tensor\":\"a\"}],[\"y\",{\"tensor\":\"a\"}]]}",
            "at 'y' names tensor 'a' a second time"},
        {"1", "{\"map\":[[\"x\",{\"tensor\":\"a\"}]]}", "tensors [b] are in the file but not"},
        {"1", "{\"map\":[[\"x\",{\"int\":3000000000}]]}", "at 'x' int 3000000000 is out of"},
        {"1", "{\"map\":[[\"x\",{\"short\":3}]]}", "at 'x' has an unknown tag 'short'"},
        {"1", "{\"map\":[[\"x\",3]]}", "at 'x' holds 3, expected a tagged value"},
        {"1", "{\"map\":[[\"x\",true],[\"x\",false]]}", "map key x appears twice"},
        {"1", "{\"map\":[[\"x\"", "structure is not valid JSON"},
        {"1", "[]", "root is not a map"},
    };
    Path tampered = dir.resolve("t.ckpt");
    for (String[] c : cases) {
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("format", "ember.checkpoint");
      meta.put("format_version", c[0]);
      meta.put("structure", c[1]);
      SafeTensors.save(t, meta, tampered);
      FormatException f = assertThrows(FormatException.class, () -> Checkpoints.load(tampered), c[1]);
      assertTrue(f.getMessage().startsWith(tampered.toString()), f.getMessage());
      assertTrue(f.getMessage().contains(c[2]), c[1] + " -> " + f.getMessage());
    }
  }
}
