package dev.ember.spec;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One option of a spec kind (a layer, loss, optimizer or schedule type): its JSON key, value type,
 * constraint and default. Values are kept in one canonical form ({@link Integer}, {@link Double},
 * {@link Boolean}, {@link String}, or an unmodifiable {@link List} of integers or doubles) so that
 * specs compare by content and write back the same JSON.
 */
final class Option {
  /** The JSON value types an option takes. */
  enum Type {
    INT("an integer"), NUMBER("a number"), BOOLEAN("a boolean"), STRING("a string"),
    INT_LIST("an array of integers"), NUMBER_LIST("an array of numbers");

    final String noun;

    Type(String noun) {
      this.noun = noun;
    }
  }

  final String key;
  final Type type;
  /** Null for a required option; otherwise the default, computed from the options read so far. */
  final Function<Map<String, Object>, Object> dflt;
  /** How the default reads in messages: {@code =1}, {@code =kernel}, {@code =null (epochs)}. */
  final String dfltText;
  final boolean nullable;
  final Predicate<Object> valid;
  /** What {@link #valid} demands, for messages: {@code positive}, {@code in [0, 1]}. */
  final String constraint;

  private Option(String key, Type type, Function<Map<String, Object>, Object> dflt,
      String dfltText, boolean nullable, Predicate<Object> valid, String constraint) {
    this.key = key;
    this.type = type;
    this.dflt = dflt;
    this.dfltText = dfltText;
    this.nullable = nullable;
    this.valid = valid;
    this.constraint = constraint;
  }

  // ---------------------------------------------------------------------------------------------
  // Factories

  static Option positiveInt(String key) {
    return new Option(key, Type.INT, null, null, false, v -> (Integer) v > 0, "positive");
  }

  static Option positiveInt(String key, int dflt) {
    return positiveInt(key).withDefault(dflt);
  }

  static Option nonNegativeInt(String key, int dflt) {
    return new Option(key, Type.INT, null, null, false, v -> (Integer) v >= 0, "non-negative")
        .withDefault(dflt);
  }

  static Option anyInt(String key) {
    return new Option(key, Type.INT, null, null, false, v -> true, null);
  }

  static Option bool(String key, boolean dflt) {
    return new Option(key, Type.BOOLEAN, null, null, false, v -> true, null).withDefault(dflt);
  }

  static Option number(String key, double dflt, Predicate<Double> valid, String constraint) {
    return new Option(key, Type.NUMBER, null, null, false, v -> valid.test((Double) v),
        constraint).withDefault(dflt);
  }

  static Option positiveNumber(String key) {
    return new Option(key, Type.NUMBER, null, null, false, v -> (Double) v > 0, "positive");
  }

  static Option positiveNumber(String key, double dflt) {
    return positiveNumber(key).withDefault(dflt);
  }

  static Option nonNegativeNumber(String key, double dflt) {
    return number(key, dflt, v -> v >= 0, "non-negative");
  }

  static Option choice(String key, String dflt, String... choices) {
    List<String> allowed = List.of(choices);
    return new Option(key, Type.STRING, null, null, false, allowed::contains,
        "one of " + String.join(", ", allowed)).withDefault(dflt);
  }

  static Option intList(String key, Predicate<List<Integer>> valid, String constraint) {
    return new Option(key, Type.INT_LIST, null, null, false, v -> valid.test(ints(v)),
        constraint);
  }

  static Option numberList(String key, Predicate<List<Double>> valid, String constraint) {
    return new Option(key, Type.NUMBER_LIST, null, null, false, v -> valid.test(numbers(v)),
        constraint);
  }

  /** This option with a fixed default (a list default is copied to its canonical form). */
  Option withDefault(Object value) {
    Object v = value instanceof List<?> l ? Collections.unmodifiableList(new ArrayList<>(l))
        : value;
    return new Option(key, type, m -> v, "=" + show(v), nullable, valid, constraint);
  }

  /** This option with a default computed from the options before it. */
  Option withDefault(Function<Map<String, Object>, Object> f, String text) {
    return new Option(key, type, f, "=" + text, nullable, valid, constraint);
  }

  /** This option also taking JSON {@code null}, which is its default, meaning {@code text}. */
  Option nullableDefault(String text) {
    return new Option(key, type, m -> null, "=null (" + text + ")", true, valid, constraint);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /**
   * The canonical form of {@code raw}, a value read from JSON ({@link Long}, {@link Double}, ...)
   * or given in Java ({@link Integer}, {@code int[]}, ...).
   *
   * @throws IllegalArgumentException prefixed with {@code where}, naming the key, for a wrong type
   *     or a value outside the constraint
   */
  Object read(String where, Object raw) {
    if (raw == null) {
      if (nullable) {
        return null;
      }
      throw bad(where, raw, "must be " + type.noun);
    }
    Object v = switch (type) {
      case INT -> toInt(where, raw);
      case NUMBER -> toNumber(where, raw);
      case BOOLEAN -> {
        if (!(raw instanceof Boolean)) {
          throw bad(where, raw, "must be a boolean (true or false)");
        }
        yield raw;
      }
      case STRING -> {
        if (!(raw instanceof String s)) {
          throw bad(where, raw, "must be a string");
        }
        yield s;
      }
      case INT_LIST -> {
        List<Integer> out = new ArrayList<>();
        for (Object e : elements(where, raw)) {
          out.add(toInt(where, e));
        }
        yield Collections.unmodifiableList(out);
      }
      case NUMBER_LIST -> {
        List<Double> out = new ArrayList<>();
        for (Object e : elements(where, raw)) {
          out.add(toNumber(where, e));
        }
        yield Collections.unmodifiableList(out);
      }
    };
    if (!valid.test(v)) {
      throw bad(where, raw, "must be " + constraint);
    }
    return v;
  }

  private List<?> elements(String where, Object raw) {
    if (raw instanceof List<?> l) {
      return l;
    }
    if (raw instanceof int[] a) {
      List<Integer> l = new ArrayList<>();
      for (int x : a) {
        l.add(x);
      }
      return l;
    }
    if (raw instanceof double[] a) {
      List<Double> l = new ArrayList<>();
      for (double x : a) {
        l.add(x);
      }
      return l;
    }
    throw bad(where, raw, "must be " + type.noun);
  }

  private Integer toInt(String where, Object raw) {
    String noun = type == Type.INT ? "an integer" : "an array of integers";
    if (raw instanceof Integer i) {
      return i;
    }
    if (raw instanceof Long l) {
      if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
        throw bad(where, raw, "must be " + noun + " in the int range");
      }
      return (int) (long) l;
    }
    if (raw instanceof BigInteger) {
      throw bad(where, raw, "must be " + noun + " in the int range");
    }
    throw bad(where, raw, "must be " + noun);
  }

  private Double toNumber(String where, Object raw) {
    String noun = type == Type.NUMBER ? "a number" : "an array of numbers";
    if (raw instanceof Double d) {
      if (!Double.isFinite(d)) {
        throw bad(where, raw, "must be a finite number");
      }
      return d;
    }
    if (raw instanceof Float || raw instanceof Integer || raw instanceof Long
        || raw instanceof BigInteger) {
      return toNumber(where, ((Number) raw).doubleValue());
    }
    throw bad(where, raw, "must be " + noun);
  }

  private IllegalArgumentException bad(String where, Object raw, String what) {
    return new IllegalArgumentException(
        where + ": key \"" + key + "\" " + what + ", got " + describe(raw));
  }

  // ---------------------------------------------------------------------------------------------
  // Text

  /** How a value reads in a message: {@code "784" (a string)}, {@code 1.5}, {@code [1, 2]}. */
  static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      return "\"" + s + "\" (a string)";
    }
    if (v instanceof Boolean) {
      return v + " (a boolean)";
    }
    if (v instanceof Map<?, ?>) {
      return "an object";
    }
    if (v instanceof List<?> l) {
      return l + " (an array)";
    }
    if (v instanceof int[] a) {
      return java.util.Arrays.toString(a);
    }
    if (v instanceof double[] a) {
      return java.util.Arrays.toString(a);
    }
    return v.toString();
  }

  private static String show(Object v) {
    return v instanceof String s ? s : String.valueOf(v);
  }

  /** {@code key}, {@code key=default} or {@code key=null (meaning)}, for lists of what is accepted. */
  @Override
  public String toString() {
    return dflt == null ? key : key + dfltText;
  }

  @SuppressWarnings("unchecked")
  static List<Integer> ints(Object v) {
    return (List<Integer>) v;
  }

  @SuppressWarnings("unchecked")
  static List<Double> numbers(Object v) {
    return (List<Double>) v;
  }
}
