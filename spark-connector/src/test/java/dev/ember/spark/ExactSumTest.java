package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fixed-point sums are exact, order independent, and round like BigDecimal. */
class ExactSumTest {
  private static double randomValue(Random r) {
    // float32 values over many binades, both signs, as parameters and optimizer state are.
    double mag = Math.pow(10, -30 + 36 * r.nextDouble());
    return (float) (r.nextBoolean() ? mag : -mag);
  }

  @Test
  void singleTermsRoundTripExactly() {
    for (int trial = 0; trial < 20; trial++) {
      Random r = new Random(trial);
      for (int i = 0; i < 500; i++) {
        double x = randomValue(r);
        long n = 1 + r.nextInt(1 << 20);
        long[] acc = ExactSum.zeros(1);
        ExactSum.addScaled(acc, 0, x, n);
        // n * x is exact in double for float32 x and n < 2^29.
        assertEquals(n * x, ExactSum.toDouble(acc, 0), "x=" + x + " n=" + n);
      }
    }
  }

  @Test
  void sumsEqualTheCorrectlyRoundedExactSumInAnyOrder() {
    for (int trial = 0; trial < 20; trial++) {
      Random r = new Random(100 + trial);
      List<double[]> terms = new ArrayList<>();
      BigDecimal exact = BigDecimal.ZERO;
      for (int i = 0; i < 50; i++) {
        double x = randomValue(r);
        long n = 1 + r.nextInt(100_000);
        terms.add(new double[] {x, n});
        exact = exact.add(new BigDecimal(x).multiply(BigDecimal.valueOf(n)));
      }
      long[] forward = ExactSum.zeros(1);
      for (double[] t : terms) {
        ExactSum.addScaled(forward, 0, t[0], (long) t[1]);
      }
      Collections.shuffle(terms, r);
      long[] shuffled = ExactSum.zeros(1);
      for (double[] t : terms) {
        long[] one = ExactSum.zeros(1);
        ExactSum.addScaled(one, 0, t[0], (long) t[1]);
        shuffled = ExactSum.sum(shuffled, one);
      }
      assertEquals(forward[0], shuffled[0]);
      assertEquals(forward[1], shuffled[1]);
      assertEquals(forward[2], shuffled[2]);
      assertEquals(exact.doubleValue(), ExactSum.toDouble(forward, 0), "trial " + trial);
    }
  }

  @Test
  void carriesAndCancellationAcrossLimbs() {
    long[] acc = ExactSum.zeros(1);
    ExactSum.addScaled(acc, 0, Math.scalb(1.0, -120), 1);
    ExactSum.addScaled(acc, 0, 1e15, 3);
    ExactSum.addScaled(acc, 0, -1e15, 3);
    assertEquals(Math.scalb(1.0, -120), ExactSum.toDouble(acc, 0));
    ExactSum.addScaled(acc, 0, -Math.scalb(1.0, -120), 1);
    assertEquals(0.0, ExactSum.toDouble(acc, 0));
    ExactSum.addScaled(acc, 0, -0.5, 7);
    assertEquals(-3.5, ExactSum.toDouble(acc, 0));
    // Below the 2^-128 resolution a term is truncated toward zero.
    long[] tiny = ExactSum.zeros(1);
    ExactSum.addScaled(tiny, 0, Math.scalb(1.0, -140), 1);
    assertEquals(0.0, ExactSum.toDouble(tiny, 0));
  }

  @Test
  void rejectsNonFiniteAndOutOfRange() {
    long[] acc = ExactSum.zeros(1);
    assertThrows(ArithmeticException.class, () -> ExactSum.addScaled(acc, 0, Double.NaN, 1));
    assertThrows(ArithmeticException.class,
        () -> ExactSum.addScaled(acc, 0, Double.POSITIVE_INFINITY, 1));
    assertThrows(ArithmeticException.class, () -> ExactSum.addScaled(acc, 0, 1e19, 1));
    ExactSum.addScaled(acc, 0, 8e18, 1);
    long[] more = ExactSum.zeros(1);
    ExactSum.addScaled(more, 0, 8e18, 1);
    assertThrows(ArithmeticException.class, () -> ExactSum.sum(acc, more));
  }
}
