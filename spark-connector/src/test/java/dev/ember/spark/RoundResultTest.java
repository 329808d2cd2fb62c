package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Property tests of the one combine function of the averaging aggregate. */
class RoundResultTest {
  private static final int MODEL = 37;
  private static final StateLayout OPT = optimizerLayout();

  private static StateLayout optimizerLayout() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("0/step", Tensor.scalar(3L).persist());
    m.put("0/exp_avg", Tensor.zeros(4, 2).persist());
    m.put("1/exp_avg", Tensor.zeros(5).persist());
    return StateLayout.of(m);
  }

  private static double value(Random r) {
    double mag = Math.pow(10, -25 + 30 * r.nextDouble());
    return (float) (r.nextBoolean() ? mag : -mag);
  }

  private static double[] values(Random r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = value(r);
    }
    return v;
  }

  private static RoundResult random(Random r) {
    return RoundResult.of(1 + r.nextInt(5000), values(r, MODEL), OPT, values(r, OPT.size()),
        Math.abs(value(r)) * 100, 1 + r.nextInt(5000), 1 + r.nextInt(40));
  }

  private static void assertSameResult(RoundResult x, RoundResult y) {
    assertEquals(x.samples(), y.samples());
    assertEquals(x.batches(), y.batches());
    assertEquals(x.maxBatches(), y.maxBatches());
    assertEquals(x.lossSum(), y.lossSum());
    assertEquals(x.weightSum(), y.weightSum());
    assertArrayEquals(x.averageModel(), y.averageModel());
    assertArrayEquals(x.averageOptimizer(), y.averageOptimizer());
  }

  @Test
  void mergeIsExactlyAssociativeAndCommutative() {
    for (int trial = 0; trial < 50; trial++) {
      Random r = new Random(trial);
      RoundResult a = random(r);
      RoundResult b = random(r);
      RoundResult c = random(r);
      assertSameResult(RoundResult.merge(a, RoundResult.merge(b, c)),
          RoundResult.merge(RoundResult.merge(a, b), c));
      assertSameResult(RoundResult.merge(a, b), RoundResult.merge(b, a));
      assertSameResult(RoundResult.merge(RoundResult.merge(a, b), c),
          RoundResult.merge(RoundResult.merge(c, a), b));
    }
  }

  @Test
  void zeroIsTheIdentity() {
    Random r = new Random(7);
    for (int trial = 0; trial < 10; trial++) {
      RoundResult a = random(r);
      assertSame(a, RoundResult.merge(RoundResult.zero(), a));
      assertSame(a, RoundResult.merge(a, RoundResult.zero()));
      RoundResult ab = RoundResult.merge(a, random(r));
      assertSameResult(ab, RoundResult.merge(RoundResult.zero(), ab));
    }
    assertEquals(0, RoundResult.merge(RoundResult.zero(), RoundResult.zero()).samples());
  }

  @Test
  void averageIsTheSampleWeightedMean() {
    for (int trial = 0; trial < 20; trial++) {
      Random r = new Random(1000 + trial);
      RoundResult[] parts = {random(r), random(r), random(r), random(r)};
      RoundResult all = RoundResult.zero();
      for (RoundResult p : parts) {
        all = RoundResult.merge(all, p);
      }
      double[] avg = all.averageModel();
      for (int i = 0; i < MODEL; i++) {
        BigDecimal num = BigDecimal.ZERO;
        long den = 0;
        for (RoundResult p : parts) {
          num = num.add(new BigDecimal(p.averageModel()[i]).multiply(
              BigDecimal.valueOf(p.samples())));
          den += p.samples();
        }
        double expected = num.divide(BigDecimal.valueOf(den), MathContext.DECIMAL128)
            .doubleValue();
        assertEquals(expected, avg[i], Math.abs(expected) * 1e-15, "element " + i);
      }
      long samples = 0;
      double loss = 0;
      double weight = 0;
      for (RoundResult p : parts) {
        samples += p.samples();
        loss += p.lossSum();
        weight += p.weightSum();
      }
      assertEquals(samples, all.samples());
      assertEquals(loss / weight, all.meanLoss(), 1e-12 * loss / weight);
    }
  }

  @Test
  void identicalReplicasAverageToOneReplicaBitForBit() {
    for (int trial = 0; trial < 20; trial++) {
      Random r = new Random(2000 + trial);
      double[] model = values(r, MODEL);
      double[] opt = values(r, OPT.size());
      long n = 1 + r.nextInt(5000);
      RoundResult one = RoundResult.of(n, model, OPT, opt, 3.5, n, 7);
      RoundResult two = RoundResult.merge(one, RoundResult.of(n, model.clone(), OPT, opt.clone(),
          3.5, n, 7));
      assertArrayEquals(one.averageModel(), two.averageModel());
      assertArrayEquals(one.averageOptimizer(), two.averageOptimizer());
      assertArrayEquals(model, one.averageModel());
    }
  }

  private static RoundResult roundTrip(RoundResult r) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(r);
    }
    try (ObjectInputStream in = new ObjectInputStream(
        new ByteArrayInputStream(bytes.toByteArray()))) {
      return (RoundResult) in.readObject();
    }
  }

  @Test
  void serializationKeepsEveryValue() throws Exception {
    Random r = new Random(5);
    RoundResult floats = random(r);
    double[] model = values(r, MODEL);
    model[3] = 0.1; // not a float32: the doubles are written
    RoundResult doubles = RoundResult.of(9, model, null, null, 2, 9, 1);
    RoundResult merged = RoundResult.merge(floats, random(r));
    for (RoundResult x : new RoundResult[] {floats, merged, RoundResult.zero()}) {
      RoundResult y = roundTrip(x);
      assertEquals(x.samples(), y.samples());
      if (x.samples() > 0) {
        assertSameResult(x, y);
      }
    }
    assertArrayEquals(doubles.averageModel(), roundTrip(doubles).averageModel());
    assertEquals(0.1, roundTrip(doubles).averageModel()[3]);
  }

  @Test
  void mismatchedStatesAndBadValuesAreErrors() {
    Random r = new Random(3);
    RoundResult a = random(r);
    RoundResult shorter = RoundResult.of(10, values(r, MODEL - 1), OPT, values(r, OPT.size()),
        1, 10, 1);
    assertThrows(IllegalStateException.class, () -> RoundResult.merge(a, shorter));
    RoundResult noOpt = RoundResult.of(10, values(r, MODEL), null, null, 1, 10, 1);
    assertThrows(IllegalStateException.class, () -> RoundResult.merge(a, noOpt));
    double[] bad = values(r, MODEL);
    bad[5] = Double.NaN;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RoundResult.of(10, bad, null, null, 1, 10, 1));
    assertEquals("model state value 5 is NaN", e.getMessage());
    assertThrows(IllegalStateException.class, () -> RoundResult.zero().averageModel());
  }
}
