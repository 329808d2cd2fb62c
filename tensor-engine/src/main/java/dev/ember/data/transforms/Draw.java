package dev.ember.data.transforms;

import dev.ember.tensor.Generator;

/** The random draws of the transforms, each one uniform double from the generator. */
final class Draw {
  private Draw() {}

  /** Uniform in [a, b). */
  static double uniform(Generator gen, double a, double b) {
    return a + (b - a) * gen.nextDouble();
  }

  /** Uniform integer in [low, high). */
  static int randint(Generator gen, int low, int high) {
    if (high <= low) {
      throw new IllegalArgumentException("randint: empty range [" + low + ", " + high + ")");
    }
    long span = (long) high - low;
    return (int) (low + Math.min(span - 1, (long) Math.floor(gen.nextDouble() * span)));
  }

  /** True with probability p. */
  static boolean bernoulli(Generator gen, double p) {
    return gen.nextDouble() < p;
  }

  static void checkProbability(String op, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(op + ": probability should be between 0 and 1, got " + p);
    }
  }

  static void checkRange(String op, String what, double[] range) {
    if (range == null || range.length != 2 || !(range[0] <= range[1])) {
      throw new IllegalArgumentException(
          op + ": " + what + " should be a (min, max) pair with min <= max, got "
              + java.util.Arrays.toString(range));
    }
  }
}
