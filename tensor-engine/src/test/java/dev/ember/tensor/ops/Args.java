package dev.ember.tensor.ops;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The non-tensor arguments of an op case, by name ("dim", "keepdim", "alpha", ...), from a golden
 * case or built in Java for a gradcheck case. Which keys are present also selects the overload
 * (e.g. {@code sum} without "dim"/"dims" is {@code sum()}).
 *
 * <p>Scalars keep their kind: an integer literal is a {@link Long} and a float literal a {@link
 * Double}, because Ember, like PyTorch, promotes differently for integer and float scalars.
 * "inf", "-inf" and "nan" strings stand for those doubles.
 */
final class Args {
  static final Args NONE = new Args(Collections.emptyMap());

  private final Map<String, Object> map;

  Args(Map<String, Object> map) {
    this.map = map;
  }

  /** Args from alternating keys and values (Integer values are widened to Long). */
  static Args of(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      m.put((String) kv[i], v instanceof Integer n ? Long.valueOf(n) : v);
    }
    return new Args(m);
  }

  /** These args with {@code other}'s entries added (other wins). */
  Args with(Args other) {
    Map<String, Object> m = new LinkedHashMap<>(map);
    m.putAll(other.map);
    return new Args(m);
  }

  boolean has(String key) {
    return map.containsKey(key);
  }

  private Object get(String key) {
    if (!map.containsKey(key)) {
      throw new IllegalArgumentException("missing argument '" + key + "' in " + this);
    }
    return map.get(key);
  }

  /** A scalar as Long (integer) or Double (float), or null. */
  Number num(String key) {
    Object v = get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Json.Num n) {
      return n.asNumber();
    }
    if (v instanceof String s) {
      return special(s);
    }
    return (Number) v;
  }

  int i(String key) {
    return Math.toIntExact(num(key).longValue());
  }

  long l(String key) {
    return num(key).longValue();
  }

  double d(String key) {
    return num(key).doubleValue();
  }

  boolean b(String key) {
    return (Boolean) get(key);
  }

  String s(String key) {
    return (String) get(key);
  }

  int[] ints(String key) {
    Object v = get(key);
    if (v instanceof int[] a) {
      return a.clone();
    }
    List<?> list = (List<?>) v;
    int[] out = new int[list.size()];
    for (int k = 0; k < out.length; k++) {
      Object e = list.get(k);
      out[k] = e instanceof Json.Num n ? Math.toIntExact(n.asLong()) : ((Number) e).intValue();
    }
    return out;
  }

  private static Double special(String s) {
    return switch (s) {
      case "inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      case "nan" -> Double.NaN;
      default -> throw new IllegalArgumentException("not a number: '" + s + "'");
    };
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("{");
    map.forEach((k, v) -> b.append(b.length() > 1 ? ", " : "").append(k).append('=')
        .append(v instanceof int[] a ? Arrays.toString(a) : String.valueOf(v)));
    return b.append('}').toString();
  }
}
