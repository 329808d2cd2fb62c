package dev.ember.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The PyTorch reference cases of {@code golden/ops.json} (written by {@code make_op_golden.py}
 * next to it) and the comparison of Ember's results with them.
 */
final class Golden {
  private Golden() {}

  static final String RESOURCE = "/golden/ops.json";

  /** A tensor of the golden file: dtype, shape and flat row-major values as written. */
  record GTensor(DType dtype, int[] shape, List<Object> values) {
    static GTensor from(Object json) {
      if (json == null) {
        return null;
      }
      Map<?, ?> m = (Map<?, ?>) json;
      List<?> sh = (List<?>) m.get("shape");
      int[] shape = new int[sh.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = Math.toIntExact(((Json.Num) sh.get(i)).asLong());
      }
      @SuppressWarnings("unchecked")
      List<Object> values = (List<Object>) m.get("values");
      return new GTensor(DType.parse((String) m.get("dtype")), shape, values);
    }

    /** The values as doubles (float32 values read exactly as float32, then widened). */
    double[] doubles() {
      double[] out = new double[values.size()];
      for (int i = 0; i < out.length; i++) {
        Object v = values.get(i);
        if (v instanceof String s) {
          out[i] = switch (s) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> throw new IllegalArgumentException("bad value " + s);
          };
        } else if (v instanceof Boolean b) {
          out[i] = b ? 1 : 0;
        } else {
          Json.Num n = (Json.Num) v;
          out[i] = dtype == DType.FLOAT32 ? n.asFloat() : n.asDouble();
        }
      }
      return out;
    }

    long[] longs() {
      long[] out = new long[values.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = ((Json.Num) values.get(i)).asLong();
      }
      return out;
    }

    boolean[] booleans() {
      boolean[] out = new boolean[values.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = (Boolean) values.get(i);
      }
      return out;
    }

    /** A new contiguous Ember tensor with these values. */
    Tensor toTensor() {
      switch (dtype) {
        case FLOAT32: {
          double[] d = doubles();
          float[] f = new float[d.length];
          for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i]; // exact: the values are float32 values
          }
          return Tensor.of(f, shape);
        }
        case FLOAT64:
          return Tensor.of(doubles(), shape);
        case INT64:
          return Tensor.of(longs(), shape);
        case INT32:
          return Tensor.of(Arrays.stream(longs()).mapToInt(Math::toIntExact).toArray(), shape);
        case BOOL:
          return Tensor.of(booleans(), shape);
        default:
          throw new IllegalStateException("dtype " + dtype);
      }
    }

    @Override
    public String toString() {
      return dtype + Arrays.toString(shape);
    }
  }

  /**
   * One case: an op applied to inputs with args, the outputs PyTorch computed, and (for
   * differentiable cases) the upstream gradients and the resulting input gradients (null entries:
   * integer outputs without upstream, inputs not differentiated). {@code toleranceFactor} (1 unless
   * the file says otherwise, with its reason) widens the tolerances of an ill-conditioned case.
   */
  record Case(String id, String op, Args args, List<GTensor> inputs, List<GTensor> outputs,
      List<GTensor> upstream, List<GTensor> grads, double toleranceFactor) {
    boolean hasGrads() {
      return grads != null;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  private static List<Case> cases;
  private static String torchVersion;

  /** The golden cases, read once. */
  static synchronized List<Case> cases() {
    if (cases == null) {
      load();
    }
    return cases;
  }

  /** The PyTorch version that produced the file. */
  static synchronized String torchVersion() {
    if (cases == null) {
      load();
    }
    return torchVersion;
  }

  private static void load() {
    String text;
    try (InputStream in = Golden.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing; run make_op_golden.py");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<?, ?> root = (Map<?, ?>) Json.parse(text);
    torchVersion = (String) root.get("torch_version");
    List<Case> out = new ArrayList<>();
    for (Object o : (List<?>) root.get("cases")) {
      Map<?, ?> c = (Map<?, ?>) o;
      @SuppressWarnings("unchecked")
      Map<String, Object> args = (Map<String, Object>) c.get("args");
      out.add(new Case((String) c.get("id"), (String) c.get("op"), new Args(args),
          tensors(c.get("inputs")), tensors(c.get("outputs")), tensors(c.get("upstream")),
          tensors(c.get("grads")),
          c.containsKey("tolerance_factor") ? ((Json.Num) c.get("tolerance_factor")).asDouble() : 1));
    }
    cases = List.copyOf(out);
  }

  private static List<GTensor> tensors(Object json) {
    if (json == null) {
      return null;
    }
    List<GTensor> out = new ArrayList<>();
    for (Object t : (List<?>) json) {
      out.add(GTensor.from(t));
    }
    return out;
  }

  /**
   * Asserts that {@code actual} has the dtype, shape and values of {@code expected}: integers and
   * bools exactly; floats with {@code |a - e| <= atol + rtol * |e|}, NaN only against NaN and an
   * infinity only against the same infinity.
   */
  static void assertMatches(String what, GTensor expected, Tensor actual, double rtol, double atol) {
    assertEquals(expected.dtype(), actual.dtype(), () -> what + ": dtype");
    assertArrayEquals(expected.shape(), actual.shape(),
        () -> what + ": shape " + Arrays.toString(actual.shape()) + ", expected "
            + Arrays.toString(expected.shape()));
    switch (expected.dtype()) {
      case BOOL -> assertArrayEquals(expected.booleans(), actual.toBooleanArray(),
          () -> what + ": values " + Arrays.toString(actual.toBooleanArray()) + ", expected "
              + Arrays.toString(expected.booleans()));
      case INT32, INT64 -> assertArrayEquals(expected.longs(), actual.toLongArray(),
          () -> what + ": values " + Arrays.toString(actual.toLongArray()) + ", expected "
              + Arrays.toString(expected.longs()));
      default -> assertClose(what, expected.doubles(), actual.toDoubleArray(), rtol, atol);
    }
  }

  static void assertClose(String what, double[] expected, double[] actual, double rtol, double atol) {
    assertEquals(expected.length, actual.length, () -> what + ": number of values");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      boolean ok;
      if (Double.isNaN(e) || Double.isNaN(a)) {
        ok = Double.isNaN(e) && Double.isNaN(a);
      } else if (Double.isInfinite(e) || Double.isInfinite(a)) {
        ok = e == a;
      } else {
        ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
      }
      if (!ok) {
        fail(what + ": element " + i + " is " + a + ", expected " + e + " (rtol " + rtol + ", atol "
            + atol + ")" + (expected.length <= 64 ? "\n  actual:   " + Arrays.toString(actual)
            + "\n  expected: " + Arrays.toString(expected) : ""));
      }
    }
  }
}
