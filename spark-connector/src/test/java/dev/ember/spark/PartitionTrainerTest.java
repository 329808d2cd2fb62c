package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.nn.Sequential;
import dev.ember.spec.Network;
import dev.ember.tensor.Device;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** One partition's round without Spark: row orders, round slicing and the weighted loss. */
class PartitionTrainerTest {
  private static final String NET = Network.sequential().linear(4, 3).toJson();

  private static Block block(int rows, long seed, int class1Rows) {
    Random r = new Random(seed);
    float[] x = new float[rows * 4];
    float[] y = new float[rows];
    float[] w = new float[rows];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = (float) r.nextGaussian();
      }
      y[i] = class1Rows >= 0 ? (i < class1Rows ? 1 : 0) : r.nextInt(3);
      w[i] = 0.25f + 2 * r.nextFloat();
    }
    return new Block(rows, 4, 1, x, y, w);
  }

  private static TrainConfig.Builder config() {
    return TrainConfig.builder().network(NET).numClasses(3).optimizer("sgd").learningRate(0.1)
        .seed(5);
  }

  private static PartitionTrainer.RoundInput initialInput(TrainConfig config) {
    Sequential model = TaskModels.initial(config);
    StateLayout layout = StateLayout.of(model.stateDict());
    return new PartitionTrainer.RoundInput(layout, layout.flatten(model.stateDict()), null, null,
        List.of());
  }

  @Test
  void uniformOrderIsAPermutationFromItsOwnStream() {
    TrainConfig c = config().build();
    PartitionRows rows = new PartitionRows(List.of(block(30, 1, -1), block(20, 2, -1))
        .iterator(), 0);
    int[] a = PartitionTrainer.epochOrder(c, rows, 1, 0, null);
    int[] sorted = a.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < 50; i++) {
      assertEquals(i, sorted[i]);
    }
    assertArrayEquals(a, PartitionTrainer.epochOrder(c, rows, 1, 0, null));
    assertFalse(Arrays.equals(a, PartitionTrainer.epochOrder(c, rows, 2, 0, null)));
    assertFalse(Arrays.equals(a, PartitionTrainer.epochOrder(c, rows, 1, 1, null)));
    assertFalse(Arrays.equals(a, PartitionTrainer.epochOrder(c.toBuilder().seed(6).build(), rows,
        1, 0, null)));
  }

  @Test
  void balancedSamplingDrawsClassesEquallyOften() {
    TrainConfig c = config().numClasses(2).sampling("balanced").build();
    // 100 rows of class 1 among 1000: balanced draws take about half from them.
    PartitionRows rows = new PartitionRows(List.of(block(1000, 3, 100)).iterator(), 0);
    for (int epoch = 1; epoch <= 5; epoch++) {
      int[] order = PartitionTrainer.epochOrder(c, rows, epoch, 0,
          new double[] {1.0 / 900, 1.0 / 100});
      int ones = 0;
      for (int r : order) {
        ones += r < 100 ? 1 : 0;
      }
      assertEquals(1000, order.length);
      assertTrue(ones > 430 && ones < 570, "class 1 drawn " + ones + " times of 1000");
    }
  }

  @Test
  void batchLossIsTheWeightedMeanWithClassWeights() {
    float[] cw = {1f, 2f, 0.5f};
    TrainConfig c = config().classWeights(cw).batchSize(64).build();
    Block b = block(10, 4, -1);
    PartitionTrainer.RoundInput in = initialInput(c);
    RoundResult r = PartitionTrainer.train(c, in,
        new PartitionTrainer.RoundPlan(1, 0, 0, 1, "test", null), Device.CPU, 0,
        List.of(b).iterator());
    assertEquals(10, r.samples());
    assertEquals(1, r.batches());
    // Cross-entropy of the initial model, weighted by row weight times class weight.
    Sequential model = Network.fromJson(NET).build();
    double num = 0;
    double den = 0;
    try (Scope s = Tensor.scope(); GradMode g = Autograd.noGrad()) {
      model.loadStateDict(in.modelLayout().tensors(in.model(), false));
      float[] logits = model.forward(Tensor.of(b.features(), 10, 4)).toFloatArray();
      for (int i = 0; i < 10; i++) {
        double max = Math.max(logits[3 * i], Math.max(logits[3 * i + 1], logits[3 * i + 2]));
        double sum = 0;
        for (int k = 0; k < 3; k++) {
          sum += Math.exp(logits[3 * i + k] - max);
        }
        int y = (int) b.labels()[i];
        double ce = max + Math.log(sum) - logits[3 * i + y];
        double weight = (double) b.weights()[i] * cw[y];
        num += weight * ce;
        den += weight;
      }
    }
    assertEquals(num / den, r.meanLoss(), 1e-6 * num / den);
    assertEquals(den, r.weightSum(), 1e-9 * den);
  }

  @Test
  void roundsTakeTheirSliceOfTheEpoch() {
    // 50 rows in batches of 8: 7 batches, 3 per round, so rounds of 24, 24 and 2 rows.
    TrainConfig c = config().batchSize(8).syncEvery(3).build();
    PartitionTrainer.RoundInput in = initialInput(c);
    long[] samples = new long[4];
    for (int round = 0; round < 4; round++) {
      RoundResult r = PartitionTrainer.train(c, in,
          new PartitionTrainer.RoundPlan(1, round, round, 7, "test", null), Device.CPU, 0,
          List.of(block(50, 5, -1)).iterator());
      samples[round] = r.samples();
    }
    assertArrayEquals(new long[] {24, 24, 2, 0}, samples);
  }

  @Test
  void regressionLossIsTheWeightedMeanOverRowsAndTargets() {
    String net = Network.sequential().linear(4, 2).toJson();
    TrainConfig c = TrainConfig.builder().network(net).optimizer("sgd").learningRate(0.1)
        .batchSize(64).seed(2).build();
    Random r = new Random(8);
    float[] x = new float[12 * 4];
    float[] y = new float[12 * 2];
    float[] w = new float[12];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = 0.5f + r.nextFloat();
    }
    Block b = new Block(12, 4, 2, x, y, w);
    PartitionTrainer.RoundInput in = initialInput(c);
    RoundResult result = PartitionTrainer.train(c, in,
        new PartitionTrainer.RoundPlan(1, 0, 0, 1, "test", null), Device.CPU, 0,
        List.of(b).iterator());
    Sequential model = Network.fromJson(net).build();
    double num = 0;
    double den = 0;
    try (Scope s = Tensor.scope(); GradMode g = Autograd.noGrad()) {
      model.loadStateDict(in.modelLayout().tensors(in.model(), false));
      float[] out = model.forward(Tensor.of(x, 12, 4)).toFloatArray();
      for (int i = 0; i < 12; i++) {
        double se = 0;
        for (int j = 0; j < 2; j++) {
          double d = (double) out[2 * i + j] - y[2 * i + j];
          se += d * d;
        }
        num += w[i] * se / 2;
        den += w[i];
      }
    }
    assertEquals(num / den, result.meanLoss(), 1e-6 * num / den);
  }

  @Test
  void inputShapeFeedsConvolutions() {
    String net = Network.sequential().conv2d(1, 2, 3).relu().flatten().linear(4, 3).toJson();
    TrainConfig c = TrainConfig.builder().network(net).numClasses(3).inputShape(1, 4, 3)
        .optimizer("adam").batchSize(4).seed(1).build();
    Random r = new Random(9);
    float[] x = new float[10 * 12];
    float[] y = new float[10];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = r.nextInt(3);
    }
    RoundResult result = PartitionTrainer.train(c, initialInput(c),
        new PartitionTrainer.RoundPlan(1, 0, 0, 3, "test", null), Device.CPU, 0,
        List.of(new Block(10, 12, 1, x, y, null)).iterator());
    assertEquals(10, result.samples());
    assertEquals(3, result.batches());
    assertEquals(10, result.weightSum());
    assertTrue(Double.isFinite(result.meanLoss()) && result.meanLoss() > 0);
  }
}
