package dev.ember.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.Philox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SamplerTest {
  /**
   * A chi-square bound that a correct sampler exceeds with probability far below 1e-6 for k - 1
   * degrees of freedom: mean + 10 standard deviations of the chi-square distribution.
   */
  private static double chiSquareBound(int categories) {
    int df = categories - 1;
    return df + 10 * Math.sqrt(2.0 * df);
  }

  private static double chiSquare(long[] counts, double[] p) {
    long total = Arrays.stream(counts).sum();
    double chi = 0;
    for (int i = 0; i < counts.length; i++) {
      if (p[i] == 0) {
        assertEquals(0, counts[i], "category " + i + " has probability 0");
        continue;
      }
      double e = total * p[i];
      chi += (counts[i] - e) * (counts[i] - e) / e;
    }
    return chi;
  }

  private static boolean isPermutation(int[] v, int n) {
    int[] s = v.clone();
    Arrays.sort(s);
    for (int i = 0; i < n; i++) {
      if (s[i] != i) {
        return false;
      }
    }
    return v.length == n;
  }

  @Test
  void seedsDeriveByChainingPhilox() {
    assertEquals(77, Seeds.derive(77));
    int[] w = Philox.block(77, 5);
    assertEquals(((long) w[0] << 32) | (w[1] & 0xFFFFFFFFL), Seeds.derive(77, 5));
    assertEquals(Seeds.derive(Seeds.derive(77, 5), 9), Seeds.derive(77, 5, 9));
    assertTrue(Seeds.derive(77, 1, 0) != Seeds.derive(77, 2, 0), "streams are separated");
  }

  @Test
  void sequentialSamplerVisitsInOrder() {
    SequentialSampler s = new SequentialSampler(4);
    assertEquals(4, s.size());
    assertArrayEquals(new int[] {0, 1, 2, 3}, s.indices(0));
    assertArrayEquals(new int[] {0, 1, 2, 3}, s.indices(5));
    List<Integer> it = new ArrayList<>();
    s.forEach(it::add);
    assertEquals(List.of(0, 1, 2, 3), it);
  }

  @Test
  void randomSamplerReshufflesEveryEpochReproducibly() {
    RandomSampler a = new RandomSampler(50, 7);
    RandomSampler b = new RandomSampler(50, 7);
    int[] e0 = a.indices(0);
    int[] e1 = a.indices(1);
    assertTrue(isPermutation(e0, 50) && isPermutation(e1, 50));
    assertFalse(Arrays.equals(e0, e1), "a new order each epoch");
    assertArrayEquals(e0, b.indices(0), "same seed, same orders");
    assertArrayEquals(e1, b.indices(1));
    assertFalse(Arrays.equals(e0, new RandomSampler(50, 8).indices(0)));
    // Iterating advances the epoch; setEpoch rewinds it.
    assertEquals(e0[0], a.iterator().nextInt());
    assertEquals(1, a.nextEpoch());
    List<Integer> second = new ArrayList<>();
    a.iterator().forEachRemaining((int i) -> second.add(i));
    assertEquals(Arrays.stream(e1).boxed().toList(), second);
    a.setEpoch(0);
    assertEquals(e0[0], a.iterator().nextInt());
  }

  @Test
  void randomSamplerDrawsMoreSamplesThanItems() {
    RandomSampler wrap = new RandomSampler(4, false, 10, 3);
    int[] v = wrap.indices(0);
    assertEquals(10, v.length);
    assertTrue(isPermutation(Arrays.copyOfRange(v, 0, 4), 4));
    assertTrue(isPermutation(Arrays.copyOfRange(v, 4, 8), 4));
    assertTrue(v[8] != v[9]);
    RandomSampler rep = new RandomSampler(5, true, 1000, 3);
    int[] r = rep.indices(2);
    assertEquals(1000, r.length);
    long[] counts = new long[5];
    for (int x : r) {
      counts[x]++;
    }
    assertTrue(chiSquare(counts, new double[] {.2, .2, .2, .2, .2}) < chiSquareBound(5), Arrays.toString(counts));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RandomSampler(5, false, 0, 1));
    assertTrue(e.getMessage().contains("num_samples=0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new RandomSampler(0, 1));
    assertThrows(IllegalArgumentException.class, () -> wrap.indices(-1));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void randomSamplerFirstPositionIsUniform(long seed) {
    RandomSampler s = new RandomSampler(10, seed);
    long[] counts = new long[10];
    for (int e = 0; e < 2000; e++) {
      counts[s.indices(e)[0]]++;
    }
    double[] p = new double[10];
    Arrays.fill(p, 0.1);
    assertTrue(chiSquare(counts, p) < chiSquareBound(10), Arrays.toString(counts));
  }

  @Test
  void subsetRandomSamplerPermutesTheSubset() {
    int[] subset = {3, 8, 11, 20};
    SubsetRandomSampler s = new SubsetRandomSampler(subset, 5);
    int[] e0 = s.indices(0);
    int[] sorted = e0.clone();
    Arrays.sort(sorted);
    assertArrayEquals(subset, sorted);
    boolean changed = false;
    for (int e = 1; e < 10 && !changed; e++) {
      changed = !Arrays.equals(e0, s.indices(e));
    }
    assertTrue(changed, "reshuffled across epochs");
    assertArrayEquals(e0, new SubsetRandomSampler(subset, 5).indices(0));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void weightedSamplerFrequenciesMatchTheWeights(long seed) {
    double[] w = {1, 2, 3, 4, 0};
    WeightedRandomSampler s = new WeightedRandomSampler(w, 100_000, true, seed);
    long[] counts = new long[5];
    for (int i : s.indices(0)) {
      counts[i]++;
    }
    double[] p = {0.1, 0.2, 0.3, 0.4, 0};
    assertTrue(chiSquare(counts, p) < chiSquareBound(4), Arrays.toString(counts));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void weightedSamplerBalancesImbalancedClasses(long seed) {
    // 900 items of class 0 and 100 of class 1, weighted 1 / class count: each class is drawn
    // with probability 1/2. Over 100,000 draws the fraction's standard deviation is 0.0016.
    int n = 1000;
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = i < 900 ? 1.0 / 900 : 1.0 / 100;
    }
    WeightedRandomSampler s = new WeightedRandomSampler(w, 100_000, true, seed);
    int[] idx = s.indices(3);
    long minority = Arrays.stream(idx).filter(i -> i >= 900).count();
    assertEquals(0.5, minority / 100_000.0, 6 * 0.0016);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void weightedSamplerWithoutReplacementDrawsSequentially(long seed) {
    double[] w = {1, 2, 3, 4, 0};
    double total = 10;
    WeightedRandomSampler s = new WeightedRandomSampler(w, 2, false, seed);
    long[] firstCounts = new long[5];
    long[] secondCounts = new long[5];
    int epochs = 20_000;
    for (int e = 0; e < epochs; e++) {
      int[] v = s.indices(e);
      assertTrue(v[0] != v[1], "no repeats");
      firstCounts[v[0]]++;
      secondCounts[v[1]]++;
    }
    double[] p1 = new double[5];
    double[] p2 = new double[5];
    for (int i = 0; i < 5; i++) {
      p1[i] = w[i] / total;
      // P(second = j) = sum_i P(first = i) * w_j / (total - w_i), i != j.
      for (int j = 0; j < 5; j++) {
        if (j != i) {
          p2[j] += p1[i] * w[j] / (total - w[i]);
        }
      }
    }
    assertTrue(chiSquare(firstCounts, p1) < chiSquareBound(4), Arrays.toString(firstCounts));
    assertTrue(chiSquare(secondCounts, p2) < chiSquareBound(4), Arrays.toString(secondCounts));
    // All positive weights, in some order, when numSamples is their number.
    int[] all = new WeightedRandomSampler(w, 4, false, seed).indices(0);
    int[] sorted = all.clone();
    Arrays.sort(sorted);
    assertArrayEquals(new int[] {0, 1, 2, 3}, sorted);
  }

  @Test
  void weightedSamplerRejectsBadWeights() {
    assertThrows(IllegalArgumentException.class, () -> new WeightedRandomSampler(new double[] {1, -1}, 2, true, 1));
    assertThrows(IllegalArgumentException.class, () -> new WeightedRandomSampler(new double[] {0, 0}, 2, true, 1));
    assertThrows(IllegalArgumentException.class, () -> new WeightedRandomSampler(new double[] {1, Double.NaN}, 2, true, 1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new WeightedRandomSampler(new double[] {1, 0, 2}, 3, false, 1));
    assertTrue(e.getMessage().contains("only 2 of 3"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new WeightedRandomSampler(new double[] {1}, 0, true, 1));
  }

  @Test
  void batchSamplerGroupsIndices() {
    BatchSampler b = new BatchSampler(new SequentialSampler(10), 3, false);
    assertEquals(4, b.size());
    List<int[]> batches = b.batches(0);
    assertArrayEquals(new int[] {0, 1, 2}, batches.get(0));
    assertArrayEquals(new int[] {9}, batches.get(3));
    BatchSampler d = new BatchSampler(new SequentialSampler(10), 3, true);
    assertEquals(3, d.size());
    assertEquals(3, d.batches(0).size());
    assertEquals(2, new BatchSampler(new SequentialSampler(10), 5, true).size());
    List<int[]> seen = new ArrayList<>();
    d.forEach(seen::add);
    assertEquals(3, seen.size());
    assertEquals(1, d.nextEpoch());
    // Shuffled: a new order every epoch, all indices once.
    BatchSampler r = new BatchSampler(new RandomSampler(10, 1), 4, false);
    int[] flat = r.batches(0).stream().flatMapToInt(Arrays::stream).toArray();
    assertTrue(isPermutation(flat, 10));
    assertThrows(IllegalArgumentException.class, () -> new BatchSampler(new SequentialSampler(3), 0, false));
  }

  @Test
  void partitionSamplerDependsOnSeedEpochAndPartition() {
    PartitionSampler p0 = new PartitionSampler(100, 0, 11);
    PartitionSampler p1 = new PartitionSampler(100, 1, 11);
    int[] a = p0.indices(0);
    assertTrue(isPermutation(a, 100));
    assertArrayEquals(a, new PartitionSampler(100, 0, 11).indices(0), "deterministic");
    assertFalse(Arrays.equals(a, p0.indices(1)), "differs per epoch");
    assertFalse(Arrays.equals(a, p1.indices(0)), "differs per partition");
    assertFalse(Arrays.equals(a, new PartitionSampler(100, 0, 12).indices(0)), "differs per seed");
    assertArrayEquals(p1.indices(3), new PartitionSampler(100, 1, 11).indices(3));
    int[] rows = {5, 6, 7, 100};
    int[] v = new PartitionSampler(rows, 2, 11).indices(0);
    int[] sorted = v.clone();
    Arrays.sort(sorted);
    assertArrayEquals(rows, sorted);
    assertThrows(IllegalArgumentException.class, () -> new PartitionSampler(3, -1, 1));
  }
}
