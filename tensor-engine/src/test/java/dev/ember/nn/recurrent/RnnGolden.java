package dev.ember.nn.recurrent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PyTorch cases of {@code golden/rnn.json} (written by {@code make_rnn_golden.py} beside it),
 * read with a minimal JSON reader: numbers stay as their literal text, so a float32 value is read
 * with {@link Float#parseFloat} from the shortest decimal that torch's value printed as.
 */
final class RnnGolden {
  private RnnGolden() {}

  /** A number as written in the file. */
  record Num(String text) {}

  private static Map<String, Object> root;

  /** The cases by id, in file order. */
  static synchronized Map<String, Map<String, Object>> cases() {
    if (root == null) {
      try (InputStream in = RnnGolden.class.getResourceAsStream("/golden/rnn.json")) {
        assertNotNull(in, "golden/rnn.json is missing; run make_rnn_golden.py");
        root = map(new Parser(new String(in.readAllBytes(), StandardCharsets.UTF_8)).value());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (Object c : (List<?>) root.get("cases")) {
      Map<String, Object> m = map(c);
      out.put((String) m.get("id"), m);
    }
    return out;
  }

  static String torchVersion() {
    cases();
    return (String) root.get("torch_version");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  static int integer(Object o) {
    return Integer.parseInt(((Num) o).text());
  }

  /** A golden tensor as a new Ember tensor of its dtype (null for JSON null). */
  static Tensor tensor(Object json) {
    if (json == null) {
      return null;
    }
    Map<String, Object> m = map(json);
    List<?> sh = (List<?>) m.get("shape");
    int[] shape = sh.stream().mapToInt(RnnGolden::integer).toArray();
    List<?> vals = (List<?>) m.get("values");
    DType dtype = DType.parse((String) m.get("dtype"));
    if (dtype == DType.FLOAT32) {
      float[] f = new float[vals.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = Float.parseFloat(((Num) vals.get(i)).text());
      }
      return Tensor.of(f, shape);
    }
    double[] d = new double[vals.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = Double.parseDouble(((Num) vals.get(i)).text());
    }
    return Tensor.of(d, shape);
  }

  /** A state dict of the file, in its key order. */
  static Map<String, Tensor> stateDict(Map<String, Object> c) {
    Map<String, Tensor> sd = new LinkedHashMap<>();
    map(c.get("state_dict")).forEach((k, v) -> sd.put(k, tensor(v)));
    return sd;
  }

  /** Asserts shape and {@code |a - e| <= atol + rtol |e|} element by element. */
  static void assertClose(String what, Tensor expected, Tensor actual, double rtol, double atol) {
    assertNotNull(actual, what + " is null");
    assertArrayEquals(expected.shape(), actual.shape(), () -> what + ": shape "
        + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(expected.shape()));
    double[] e = expected.toDoubleArray();
    double[] a = actual.toDoubleArray();
    for (int i = 0; i < e.length; i++) {
      if (!(Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]))) {
        fail(what + ": element " + i + " is " + a[i] + ", expected " + e[i] + " (rtol " + rtol
            + ", atol " + atol + ")");
      }
    }
  }

  /** Just enough JSON for the golden file: objects, arrays, strings without escapes, numbers. */
  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    Object value() {
      skip();
      char c = s.charAt(pos);
      switch (c) {
        case '{': {
          pos++;
          Map<String, Object> m = new LinkedHashMap<>();
          skip();
          if (s.charAt(pos) == '}') {
            pos++;
            return m;
          }
          while (true) {
            skip();
            String k = (String) value();
            skip();
            expect(':');
            m.put(k, value());
            skip();
            if (s.charAt(pos) == ',') {
              pos++;
            } else {
              expect('}');
              return m;
            }
          }
        }
        case '[': {
          pos++;
          List<Object> l = new ArrayList<>();
          skip();
          if (s.charAt(pos) == ']') {
            pos++;
            return l;
          }
          while (true) {
            l.add(value());
            skip();
            if (s.charAt(pos) == ',') {
              pos++;
            } else {
              expect(']');
              return l;
            }
          }
        }
        case '"': {
          int end = s.indexOf('"', pos + 1);
          String str = s.substring(pos + 1, end);
          if (str.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("escapes are not supported, at " + pos);
          }
          pos = end + 1;
          return str;
        }
        default:
          if (s.startsWith("null", pos)) {
            pos += 4;
            return null;
          }
          if (s.startsWith("true", pos)) {
            pos += 4;
            return Boolean.TRUE;
          }
          if (s.startsWith("false", pos)) {
            pos += 5;
            return Boolean.FALSE;
          }
          int start = pos;
          while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
            pos++;
          }
          if (start == pos) {
            throw new IllegalArgumentException("unexpected '" + c + "' at offset " + pos);
          }
          return new Num(s.substring(start, pos));
      }
    }

    private void skip() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    private void expect(char c) {
      if (s.charAt(pos) != c) {
        throw new IllegalArgumentException("expected '" + c + "' at offset " + pos + ", got '"
            + s.charAt(pos) + "'");
      }
      pos++;
    }
  }
}
