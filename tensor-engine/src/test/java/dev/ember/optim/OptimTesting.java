package dev.ember.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.ops.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Shared pieces of the optimizer tests: the golden file, the test objective, comparisons. */
final class OptimTesting {
  private OptimTesting() {}

  private static Map<String, Object> golden;

  /** The parsed {@code golden/optim.json}. */
  static synchronized Map<String, Object> golden() {
    if (golden == null) {
      try (InputStream in = OptimTesting.class.getResourceAsStream("/golden/optim.json")) {
        if (in == null) {
          throw new IllegalStateException("golden/optim.json is missing from the test resources");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m =
            (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        golden = m;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return golden;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> section(String name) {
    return (List<Map<String, Object>>) golden().get(name);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  static double num(Object o) {
    return ((Json.Num) o).asDouble();
  }

  static int integer(Object o) {
    return Math.toIntExact(((Json.Num) o).asLong());
  }

  static double[] nums(Object o) {
    List<Object> l = list(o);
    double[] out = new double[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = num(l.get(i));
    }
    return out;
  }

  static int[] ints(Object o) {
    List<Object> l = list(o);
    int[] out = new int[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = integer(l.get(i));
    }
    return out;
  }

  /** A golden tensor ({"dtype", "shape", "values"}), float32 values read exactly as float32. */
  static Tensor tensor(Object json) {
    if (json == null) {
      return null;
    }
    Map<String, Object> m = map(json);
    DType dtype = DType.parse((String) m.get("dtype"));
    int[] shape = ints(m.get("shape"));
    List<Object> values = list(m.get("values"));
    if (dtype == DType.FLOAT32) {
      float[] f = new float[values.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = ((Json.Num) values.get(i)).asFloat();
      }
      return Tensor.of(f, shape);
    }
    double[] d = new double[values.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = ((Json.Num) values.get(i)).asDouble();
    }
    return Tensor.of(d, shape);
  }

  /**
   * The test objective of the golden file: {@code sum_i sum(c_i * sin(p_i) + p_i * p_i * 0.5)}
   * over the parameters not in {@code frozen}; backward fills their grads.
   */
  static void lossBackward(List<Tensor> params, List<Tensor> coefs, List<Integer> frozen) {
    Tensor loss = null;
    for (int i = 0; i < params.size(); i++) {
      if (frozen.contains(i)) {
        continue;
      }
      Tensor p = params.get(i);
      Tensor term = coefs.get(i).mul(p.sin()).add(p.mul(p).mul(0.5)).sum();
      loss = loss == null ? term : loss.add(term);
    }
    loss.backward();
  }

  /**
   * Asserts {@code |actual - expected| <= atol + rtol * |expected|} elementwise, with the same
   * shape and dtype, naming the first element that differs.
   */
  static void assertClose(Tensor expected, Tensor actual, double rtol, double atol, String what) {
    assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
    if (expected.dtype() != actual.dtype()) {
      fail(what + ": dtype " + actual.dtype() + ", expected " + expected.dtype());
    }
    double[] e = expected.to(DType.FLOAT64).toDoubleArray();
    double[] a = actual.to(DType.FLOAT64).toDoubleArray();
    for (int i = 0; i < e.length; i++) {
      if (!(Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]))) {
        fail(what + ": element " + i + " is " + a[i] + ", expected " + e[i] + " (rtol " + rtol
            + ", atol " + atol + ")");
      }
    }
  }

  /** Asserts two arrays of doubles agree to {@code rtol} (relative) plus {@code atol}. */
  static void assertClose(double[] expected, double[] actual, double rtol, double atol,
      String what) {
    if (expected.length != actual.length) {
      fail(what + ": " + actual.length + " values, expected " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]))) {
        fail(what + ": [" + i + "] is " + actual[i] + ", expected " + expected[i]);
      }
    }
  }

  /** Leaf parameters requiring grad, copies of the given tensors. */
  static List<Tensor> leaves(List<Tensor> values) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor v : values) {
      out.add(v.clone().requiresGrad(true));
    }
    return out;
  }
}
