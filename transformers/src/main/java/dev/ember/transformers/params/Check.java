package dev.ember.transformers.params;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import scala.runtime.AbstractFunction1;

/**
 * A param validator that explains itself: Spark calls {@code isValid} when a value is set (or a
 * default declared), and instead of answering {@code false} (which Spark turns into "given
 * invalid value") this throws an {@link IllegalArgumentException} that says what the param
 * demands, e.g. {@code NeuralNetClassifier_4f2a param batchSize must be at least 1; got 0}.
 *
 * <p>Serializable because Spark ships a stage's param map, keys included, inside closures.
 *
 * @param <T> the value type as Spark passes it (boxed for the primitive params)
 */
final class Check<T> extends AbstractFunction1<T, Object> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What is wrong with a value, or null if nothing is. */
  @FunctionalInterface
  interface Rule<T> extends Serializable {
    String violation(T value);
  }

  private final String owner;
  private final String param;
  private final Rule<T> rule;

  private Check(String owner, String param, Rule<T> rule) {
    this.owner = owner;
    this.param = param;
    this.rule = rule;
  }

  static <T> Check<T> of(String owner, String param, Rule<T> rule) {
    return new Check<>(owner, param, rule);
  }

  @Override
  public Object apply(T value) {
    if (value == null) {
      throw new IllegalArgumentException(owner + " param " + param + " must not be null");
    }
    String why = rule.violation(value);
    if (why != null) {
      throw new IllegalArgumentException(owner + " param " + param + " " + why);
    }
    return Boolean.TRUE;
  }

  // ---------------------------------------------------------------------------------------------
  // Rules

  static Rule<Object> intAtLeast(int min) {
    return v -> (Integer) v >= min ? null : "must be at least " + min + "; got " + v;
  }

  static Rule<Object> positiveFinite() {
    return v -> {
      double d = (Double) v;
      return d > 0 && Double.isFinite(d) ? null : "must be positive and finite; got " + d;
    };
  }

  static Rule<Object> nonNegativeFinite() {
    return v -> {
      double d = (Double) v;
      return d >= 0 && Double.isFinite(d) ? null
          : "must be non-negative and finite (0 turns it off); got " + d;
    };
  }

  /** {@code [0, 1)}. */
  static Rule<Object> fraction() {
    return v -> {
      double d = (Double) v;
      return d >= 0 && d < 1 ? null : "must be in [0, 1); got " + d;
    };
  }

  static Rule<String> oneOf(List<String> choices) {
    return v -> choices.contains(v) ? null
        : "must be one of " + String.join(", ", choices) + " (case-sensitive); got '" + v + "'";
  }

  static Rule<String> nonBlank() {
    return v -> v.isBlank() ? "must not be empty" : null;
  }

  static Rule<int[]> positiveInts() {
    return v -> {
      for (int i = 0; i < v.length; i++) {
        if (v[i] < 1) {
          return "must hold positive sizes; got " + Arrays.toString(v) + " (" + v[i]
              + " at index " + i + ")";
        }
      }
      return null;
    };
  }

  static Rule<double[]> weights() {
    return v -> {
      boolean positive = v.length == 0;
      for (int i = 0; i < v.length; i++) {
        if (!(v[i] >= 0) || !Double.isFinite(v[i])) {
          return "must hold non-negative finite weights; got " + Arrays.toString(v) + " ("
              + v[i] + " at index " + i + ")";
        }
        positive |= v[i] > 0;
      }
      return positive ? null : "must hold at least one positive weight; got "
          + Arrays.toString(v);
    };
  }

  /** Valid when {@code parse} accepts the text; its message says why not. */
  static Rule<String> parses(String what, Parser parse) {
    return v -> {
      try {
        parse.parse(v);
        return null;
      } catch (IllegalArgumentException e) {
        return "is not a valid " + what + ": " + e.getMessage();
      }
    };
  }

  /** A spec reader that throws {@link IllegalArgumentException} on bad text. */
  @FunctionalInterface
  interface Parser extends Serializable {
    void parse(String text);
  }
}
