package dev.ember.transformers.feature;

import java.io.Serializable;
import scala.runtime.AbstractFunction1;

/** Param validators written in Java, serializable like the ones Spark's {@code ParamValidators} makes. */
final class Validators {
  private Validators() {}

  /** A serializable test of a param value. */
  @FunctionalInterface
  interface Check<T> extends Serializable {
    boolean test(T value);
  }

  /** A Spark param validator ({@code T => Boolean}) from {@code check}. */
  static <T> scala.Function1<T, Object> of(Check<T> check) {
    return new Validator<>(check);
  }

  /** Every value is finite. */
  static boolean allFinite(double[] values) {
    for (double v : values) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  /** Every value is finite and nonzero as a float32, the dtype the division runs in. */
  static boolean allFiniteNonzeroFloat(double[] values) {
    for (double v : values) {
      float f = (float) v;
      if (!Float.isFinite(f) || f == 0f) {
        return false;
      }
    }
    return true;
  }

  private static final class Validator<T> extends AbstractFunction1<T, Object>
      implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Check<T> check;

    Validator(Check<T> check) {
      this.check = check;
    }

    @Override
    public Object apply(T value) {
      return value != null && check.test(value);
    }
  }
}
