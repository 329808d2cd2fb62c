package dev.ember.io;

import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Saves and loads training state (model and optimizer state dicts, epoch counters, anything
 * nested) as one safetensors file, so that the tensors open in any safetensors tool.
 *
 * <p>A state is built of:
 *
 * <ul>
 *   <li>{@link Map}s with {@link String}, {@link Integer} or {@link Long} keys (optimizer state is
 *       keyed by parameter index), and {@link List}s;
 *   <li>{@link Tensor}s (any dtype, strides and device; loaded contiguous on the CPU);
 *   <li>{@link Integer}, {@link Long}, {@link Float}, {@link Double} (NaN and infinities too),
 *       {@link Boolean}, {@link String}, null, and {@code long[]}, {@code int[]}, {@code float[]},
 *       {@code double[]}.
 * </ul>
 *
 * <p>Loading returns an equal structure: the same Java types (an Integer stays an Integer, a key 0
 * of a {@code Map<Integer, ?>} stays an Integer), maps in their original order (as {@link
 * LinkedHashMap}s), lists as {@link ArrayList}s, tensors with the same dtype, shape and values.
 *
 * <p>File layout: each tensor is stored under its path of keys and list indices joined by {@code
 * /} (e.g. {@code optimizer/state/0/exp_avg}; {@code %} and {@code /} inside a key are written
 * {@code %25} and {@code %2F}); the rest of the structure is JSON in the safetensors metadata under
 * {@code structure}, beside {@code format = ember.checkpoint} and {@code format_version = 1}.
 * Saving is atomic (see {@link SafeTensors#save(Map, Map, Path)}). A tensor reachable twice is
 * stored twice and loads as two tensors.
 */
public final class Checkpoints {
  private static final String FORMAT = "ember.checkpoint";
  private static final String VERSION = "1";
  private static final int MAX_DEPTH = 100;

  private Checkpoints() {}

  /**
   * Saves a state atomically: on failure an existing file at {@code path} is left as it was.
   *
   * @throws IllegalArgumentException naming the path of a value of an unsupported type, a map key
   *     that is not a String, Integer or Long, a released tensor, nesting deeper than 100 (a
   *     cycle?), or two keys of one map that name the same tensor ({@code "0"} and {@code 0})
   * @throws IOException if the file cannot be written
   */
  public static void save(Map<String, ?> state, Path path) throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Object structure = encode(state, "", tensors, 0);
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", FORMAT);
    metadata.put("format_version", VERSION);
    metadata.put("structure", Json.write(structure));
    SafeTensors.save(tensors, metadata, path);
  }

  /**
   * Loads a state saved by {@link #save}.
   *
   * @throws FormatException if the file is not a valid safetensors file (see {@link
   *     SafeTensors#load}), not an Ember checkpoint, of a newer format version, or its structure
   *     is corrupt (names the path in the structure) or does not match its tensors
   * @throws IOException if the file cannot be read
   */
  public static Map<String, Object> load(Path path) throws IOException {
    SafeTensors.Loaded file = SafeTensors.load(path);
    Map<String, String> meta = file.metadata();
    String where = path.toString();
    if (!FORMAT.equals(meta.get("format"))) {
      throw new FormatException(where + ": not an Ember checkpoint (metadata format is "
          + (meta.get("format") == null ? "missing" : "'" + meta.get("format") + "'")
          + ", expected '" + FORMAT + "')");
    }
    if (!VERSION.equals(meta.get("format_version"))) {
      throw new FormatException(where + ": checkpoint format_version '"
          + meta.get("format_version") + "' is not supported (this version reads " + VERSION + ")");
    }
    String json = meta.get("structure");
    if (json == null) {
      throw new FormatException(where + ": checkpoint metadata has no 'structure'");
    }
    Object structure;
    try {
      structure = Json.parse(json);
    } catch (IllegalArgumentException e) {
      throw new FormatException(where + ": checkpoint structure is not valid JSON: "
          + e.getMessage(), e);
    }
    Set<String> unused = new LinkedHashSet<>(file.tensors().keySet());
    Object root = new Decoder(where, file.tensors(), unused).decode(structure, "", 0);
    if (!(root instanceof Map<?, ?> m)) {
      throw new FormatException(where + ": checkpoint structure's root is not a map");
    }
    if (!unused.isEmpty()) {
      throw new FormatException(where + ": tensors " + unused
          + " are in the file but not in the checkpoint structure");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!(e.getKey() instanceof String k)) {
        throw new FormatException(where + ": checkpoint root key " + e.getKey()
            + " is not a string");
      }
      out.put(k, e.getValue());
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Encoding: every value that JSON cannot tell apart is a one-key object naming its Java type.

  private static Object encode(Object v, String path, Map<String, Tensor> tensors, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("checkpoint state nests deeper than " + MAX_DEPTH
          + " at '" + path + "' (a cycle?)");
    }
    if (v == null || v instanceof Boolean || v instanceof String) {
      return v;
    }
    if (v instanceof Integer) {
      return Map.of("int", v);
    }
    if (v instanceof Long) {
      return Map.of("long", v);
    }
    if (v instanceof Float f) {
      return Map.of("float", real(f)); // widened exactly, so it reads back exactly
    }
    if (v instanceof Double d) {
      return Map.of("double", real(d));
    }
    if (v instanceof Tensor t) {
      if (path.isEmpty()) {
        throw new IllegalArgumentException("a tensor at the empty top-level key has no name");
      }
      if (t.isReleased()) {
        throw new IllegalArgumentException("tensor at '" + path
            + "' was released by its scope; keep() or persist() what you save");
      }
      if (tensors.put(path, t) != null) {
        throw new IllegalArgumentException("two entries of one map both store a tensor as '"
            + path + "' (keys of different types with the same text, e.g. \"0\" and 0)");
      }
      return Map.of("tensor", path);
    }
    if (v instanceof long[] a) {
      List<Object> l = new ArrayList<>();
      for (long x : a) {
        l.add(x);
      }
      return Map.of("long[]", l);
    }
    if (v instanceof int[] a) {
      List<Object> l = new ArrayList<>();
      for (int x : a) {
        l.add(x);
      }
      return Map.of("int[]", l);
    }
    if (v instanceof double[] a) {
      List<Object> l = new ArrayList<>();
      for (double x : a) {
        l.add(real(x));
      }
      return Map.of("double[]", l);
    }
    if (v instanceof float[] a) {
      List<Object> l = new ArrayList<>();
      for (float x : a) {
        l.add(real(x));
      }
      return Map.of("float[]", l);
    }
    if (v instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        out.add(encode(list.get(i), child(path, Integer.toString(i)), tensors, depth + 1));
      }
      return out;
    }
    if (v instanceof Map<?, ?> map) {
      List<Object> entries = new ArrayList<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        Object k = e.getKey();
        Object key;
        if (k instanceof String) {
          key = k;
        } else if (k instanceof Integer) {
          key = Map.of("int", k);
        } else if (k instanceof Long) {
          key = Map.of("long", k);
        } else {
          throw new IllegalArgumentException("checkpoint map at '" + path + "' has a key " + k
              + " of type " + (k == null ? "null" : k.getClass().getName())
              + "; keys are String, Integer or Long");
        }
        entries.add(Arrays.asList(key,
            encode(e.getValue(), child(path, String.valueOf(k)), tensors, depth + 1)));
      }
      return Map.of("map", entries);
    }
    throw new IllegalArgumentException("checkpoint value at '" + path + "' is a "
        + v.getClass().getName() + "; supported: Map, List, Tensor, Integer, Long, Float, Double,"
        + " Boolean, String, null, long[], int[], float[], double[]");
  }

  /** A double as JSON: the number itself, or NaN/Infinity/-Infinity as a string. */
  private static Object real(double d) {
    return Double.isFinite(d) ? (Object) d : Double.toString(d);
  }

  private static String child(String path, String key) {
    String seg = key.replace("%", "%25").replace("/", "%2F");
    return path.isEmpty() ? seg : path + "/" + seg;
  }

  // ---------------------------------------------------------------------------------------------
  // Decoding

  private static final class Decoder {
    private final String file;
    private final Map<String, Tensor> tensors;
    private final Set<String> unused;

    Decoder(String file, Map<String, Tensor> tensors, Set<String> unused) {
      this.file = file;
      this.tensors = tensors;
      this.unused = unused;
    }

    Object decode(Object v, String path, int depth) throws FormatException {
      if (depth > MAX_DEPTH + 1) {
        throw bad(path, "nests deeper than " + MAX_DEPTH);
      }
      if (v == null || v instanceof Boolean || v instanceof String) {
        return v;
      }
      if (v instanceof List<?> list) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          out.add(decode(list.get(i), child(path, Integer.toString(i)), depth + 1));
        }
        return out;
      }
      if (!(v instanceof Map<?, ?> tagged) || tagged.size() != 1) {
        throw bad(path, "holds " + v + ", expected a tagged value such as {\"int\": 3}");
      }
      Map.Entry<?, ?> e = tagged.entrySet().iterator().next();
      String tag = (String) e.getKey();
      Object x = e.getValue();
      switch (tag) {
        case "int": {
          long l = integer(x, path);
          if (l != (int) l) {
            throw bad(path, "int " + l + " is out of the Integer range");
          }
          return (int) l;
        }
        case "long":
          return integer(x, path);
        case "double":
          return real(x, path);
        case "float":
          return (float) real(x, path);
        case "tensor": {
          if (!(x instanceof String name) || !tensors.containsKey(name)) {
            throw bad(path, "names tensor " + x + ", which is not in the file");
          }
          if (!unused.remove(name)) {
            throw bad(path, "names tensor '" + name + "' a second time");
          }
          return tensors.get(name);
        }
        case "long[]": {
          List<?> l = list(x, path);
          long[] a = new long[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = integer(l.get(i), path);
          }
          return a;
        }
        case "int[]": {
          List<?> l = list(x, path);
          int[] a = new int[l.size()];
          for (int i = 0; i < a.length; i++) {
            long n = integer(l.get(i), path);
            if (n != (int) n) {
              throw bad(path, "int[] element " + n + " is out of the Integer range");
            }
            a[i] = (int) n;
          }
          return a;
        }
        case "double[]": {
          List<?> l = list(x, path);
          double[] a = new double[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = real(l.get(i), path);
          }
          return a;
        }
        case "float[]": {
          List<?> l = list(x, path);
          float[] a = new float[l.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = (float) real(l.get(i), path);
          }
          return a;
        }
        case "map": {
          Map<Object, Object> out = new LinkedHashMap<>();
          for (Object entry : list(x, path)) {
            if (!(entry instanceof List<?> kv) || kv.size() != 2) {
              throw bad(path, "map entry " + entry + " is not a [key, value] pair");
            }
            Object key = kv.get(0);
            if (key instanceof Map<?, ?> k && k.size() == 1
                && (k.containsKey("int") || k.containsKey("long"))) {
              key = decode(key, path, depth + 1);
            } else if (!(key instanceof String)) {
              throw bad(path, "map key " + key + " is not a string, {\"int\": n} or {\"long\": n}");
            }
            if (out.containsKey(key)) {
              throw bad(path, "map key " + key + " appears twice");
            }
            out.put(key, decode(kv.get(1), child(path, String.valueOf(key)), depth + 1));
          }
          return out;
        }
        default:
          throw bad(path, "has an unknown tag '" + tag + "'");
      }
    }

    private long integer(Object x, String path) throws FormatException {
      if (!(x instanceof Long l)) {
        throw bad(path, "holds " + x + ", expected an integer");
      }
      return l;
    }

    private double real(Object x, String path) throws FormatException {
      if (x instanceof Number n && !(x instanceof java.math.BigInteger)) {
        return n.doubleValue();
      }
      if (x instanceof String s) {
        switch (s) {
          case "NaN":
            return Double.NaN;
          case "Infinity":
            return Double.POSITIVE_INFINITY;
          case "-Infinity":
            return Double.NEGATIVE_INFINITY;
          default:
            break;
        }
      }
      throw bad(path, "holds " + x + ", expected a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
    }

    private List<?> list(Object x, String path) throws FormatException {
      if (!(x instanceof List<?> l)) {
        throw bad(path, "holds " + x + ", expected an array");
      }
      return l;
    }

    private FormatException bad(String path, String what) {
      return new FormatException(file + ": checkpoint structure at '" + path + "' " + what);
    }
  }
}
