package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.nn.Sequential;
import dev.ember.spark.testing.SparkSessionExtension;
import dev.ember.spec.Network;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import dev.ember.testdata.FashionMnist;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distributed fits on the shared {@code local[2]} session: real learning, bit-for-bit
 * determinism (also across a retried task), averaging identical replicas, checkpoint resume,
 * early stopping, the optimizer-state policies and the errors.
 */
@ExtendWith(SparkSessionExtension.class)
class DistributedTrainerTest {
  private static final int FEATURES = 6;
  private static final int CLASSES = 3;
  private static final String SMALL_NET = Network.sequential().linear(FEATURES, 16).relu()
      .dropout(0.2).linear(16, CLASSES).toJson();

  private final JavaSparkContext sc;

  DistributedTrainerTest(SparkSession spark) {
    this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  /** Packs rows into one block per {@code blockRows} rows, {@code partitions} partitions. */
  private JavaRDD<Block> blocks(float[] x, float[] y, float[] w, int featureSize, int partitions,
      int blockRows) {
    int rows = y.length;
    List<Block> list = new ArrayList<>();
    for (int from = 0; from < rows; from += blockRows) {
      int n = Math.min(blockRows, rows - from);
      float[] f = new float[n * featureSize];
      System.arraycopy(x, from * featureSize, f, 0, f.length);
      float[] l = new float[n];
      System.arraycopy(y, from, l, 0, n);
      float[] wb = null;
      if (w != null) {
        wb = new float[n];
        System.arraycopy(w, from, wb, 0, n);
      }
      list.add(new Block(n, featureSize, 1, f, l, wb));
    }
    return sc.parallelize(list, partitions);
  }

  /** Three Gaussian classes in {@link #FEATURES} dimensions, with weights in [0.5, 1.5). */
  private static float[][] synthetic(int rows, long seed, boolean flipLabels) {
    Random r = new Random(seed);
    float[] x = new float[rows * FEATURES];
    float[] y = new float[rows];
    float[] w = new float[rows];
    for (int i = 0; i < rows; i++) {
      int c = r.nextInt(CLASSES);
      for (int j = 0; j < FEATURES; j++) {
        x[i * FEATURES + j] = (float) (r.nextGaussian() * 0.7 + (j % CLASSES == c ? 1.5 : 0));
      }
      y[i] = flipLabels ? (c + 1) % CLASSES : c;
      w[i] = 0.5f + r.nextFloat();
    }
    return new float[][] {x, y, w};
  }

  private JavaRDD<Block> syntheticBlocks(int rows, long seed, int partitions) {
    float[][] d = synthetic(rows, seed, false);
    return blocks(d[0], d[1], d[2], FEATURES, partitions, 50);
  }

  private static TrainConfig.Builder small() {
    return TrainConfig.builder().network(SMALL_NET).numClasses(CLASSES).optimizer("adam")
        .learningRate(0.01).batchSize(16).maxEpochs(2).seed(11).syncEvery(3);
  }

  private static void assertSameState(Map<String, Tensor> a, Map<String, Tensor> b) {
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) {
      assertArrayEquals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray(), k);
    }
  }

  private static boolean sameState(Map<String, Tensor> a, Map<String, Tensor> b) {
    for (String k : a.keySet()) {
      if (!java.util.Arrays.equals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray())) {
        return false;
      }
    }
    return true;
  }

  private static List<Double> losses(TrainingSummary s) {
    return s.epochs().stream().flatMap(e -> Stream.of(e.trainLoss(), e.validationLoss(),
        e.validationMetric())).collect(Collectors.toList());
  }

  @Test
  void mlpLearnsFashionMnistOnTwoPartitions() {
    float[][] train = pack(FashionMnist.trainSubset());
    float[][] test = pack(FashionMnist.testSubset());
    String net = Network.sequential().linear(784, 128).relu().linear(128, 10).toJson();
    TrainConfig config = TrainConfig.builder().network(net).numClasses(10).optimizer("adam")
        .learningRate(2e-3).batchSize(64).maxEpochs(2).seed(3).syncEvery(8).build();
    TrainResult r = DistributedTrainer.fit(blocks(train[0], train[1], null, 784, 2, 1000),
        blocks(test[0], test[1], null, 784, 2, 500), null, config);
    TrainingSummary s = r.summary();
    assertEquals(2, s.totalEpochs());
    assertTrue(s.epochs().get(1).trainLoss() < s.epochs().get(0).trainLoss(), s.toJson());
    double accuracy = s.epochs().get(1).validationMetric();
    assertTrue(accuracy > 0.7, "validation accuracy " + accuracy);
    assertTrue(s.epochs().get(1).samplesPerSecond() > 0);
    // The returned state is the model the summary measured.
    Sequential model = Network.fromJson(net).build();
    model.loadStateDict(r.stateDict());
    model.eval();
    int correct = 0;
    try (Scope scope = Tensor.scope(); GradMode g = Autograd.noGrad()) {
      long[] predicted = model.forward(Tensor.of(test[0], 1000, 784)).argmax(1, false)
          .toLongArray();
      for (int i = 0; i < 1000; i++) {
        correct += predicted[i] == (long) test[1][i] ? 1 : 0;
      }
    }
    assertEquals(accuracy, correct / 1000.0, 0.0015);
  }

  private static float[][] pack(FashionMnist.Split split) {
    float[] x = split.images().toFloatArray();
    long[] labels = split.labels().toLongArray();
    float[] y = new float[labels.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = labels[i];
    }
    return new float[][] {x, y};
  }

  @Test
  void sameSeedSameModelBitForBitAlsoWhenATaskIsRetried() {
    // Four partitions on two cores: the aggregate's combine order varies from run to run.
    JavaRDD<Block> data = syntheticBlocks(600, 1, 4);
    TrainConfig config = small().sampling("balanced").classWeights(new float[] {1, 2, 0.5f})
        .gradClipNorm(1.0).schedule("{\"type\":\"step\",\"stepSize\":1,\"gamma\":0.5}").build();
    TrainResult first = DistributedTrainer.fit(data, null, null, config);
    TrainResult second = DistributedTrainer.fit(data, null, null, config);
    assertSameState(first.stateDict(), second.stateDict());
    assertSameState(first.optimizerState(), second.optimizerState());
    assertEquals(losses(first.summary()), losses(second.summary()));
    int injected = DistributedTrainer.INJECTED_FAILURES.get();
    DistributedTrainer.failRound = 1;
    DistributedTrainer.failPartition = 0;
    TrainResult retried;
    try {
      retried = DistributedTrainer.fit(data, null, null, config);
    } finally {
      DistributedTrainer.failRound = -1;
    }
    assertEquals(injected + 1, DistributedTrainer.INJECTED_FAILURES.get());
    assertSameState(first.stateDict(), retried.stateDict());
    assertEquals(losses(first.summary()), losses(retried.summary()));
    TrainResult otherSeed = DistributedTrainer.fit(data, null, null,
        config.toBuilder().seed(12).build());
    assertFalse(sameState(first.stateDict(), otherSeed.stateDict()));
  }

  @Test
  void twoIdenticalPartitionsGiveTheModelOfOne() {
    // The partitions shuffle with different streams, so "identical data" must mean rows for
    // which every order gives the same batches: copies of one row. What is left to differ is
    // the averaging itself, which must be the identity on identical replicas.
    int rows = 40;
    float[] x = new float[rows * FEATURES];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < FEATURES; j++) {
        x[i * FEATURES + j] = 0.1f * (j + 1);
      }
      y[i] = 2;
    }
    float[] x2 = new float[2 * x.length];
    System.arraycopy(x, 0, x2, 0, x.length);
    System.arraycopy(x, 0, x2, x.length, x.length);
    float[] y2 = new float[2 * rows];
    System.arraycopy(y, 0, y2, 0, rows);
    System.arraycopy(y, 0, y2, rows, rows);
    String net = Network.sequential().linear(FEATURES, 8).tanh().linear(8, CLASSES).toJson();
    TrainConfig config = small().network(net).batchSize(8).syncEvery(2).build();
    TrainResult one = DistributedTrainer.fit(blocks(x, y, null, FEATURES, 1, rows), null, null,
        config);
    TrainResult two = DistributedTrainer.fit(blocks(x2, y2, null, FEATURES, 2, rows), null, null,
        config);
    assertSameState(one.stateDict(), two.stateDict());
    assertSameState(one.optimizerState(), two.optimizerState());
    assertEquals(losses(one.summary()), losses(two.summary()));
    assertFalse(one.optimizerState().isEmpty());
  }

  @Test
  void resumingFromACheckpointEndsWithTheUninterruptedModel(@TempDir Path tmp) throws IOException {
    JavaRDD<Block> data = syntheticBlocks(300, 2, 2);
    JavaRDD<Block> validation = syntheticBlocks(90, 3, 2);
    TrainConfig.Builder base = small().maxEpochs(3)
        .schedule("{\"type\":\"step\",\"stepSize\":2,\"gamma\":0.3}");
    TrainResult whole = DistributedTrainer.fit(data, validation, null,
        base.checkpointDir(tmp.resolve("a").toUri().toString()).build());
    String dir = tmp.resolve("b").toUri().toString();
    TrainResult firstPart = DistributedTrainer.fit(data, validation, null,
        base.checkpointDir(dir).maxEpochs(2).build());
    assertEquals(2, firstPart.summary().totalEpochs());
    // A temporary file (a write that never finished) is not a checkpoint.
    Files.write(tmp.resolve("b").resolve(".epoch-000003.safetensors.abc.tmp"), new byte[10]);
    TrainResult resumed = DistributedTrainer.fit(data, validation, null,
        base.checkpointDir(dir).maxEpochs(3).build());
    assertSameState(whole.stateDict(), resumed.stateDict());
    assertSameState(whole.optimizerState(), resumed.optimizerState());
    assertEquals(losses(whole.summary()), losses(resumed.summary()));
    assertEquals(3, resumed.summary().totalEpochs());
    try (Stream<Path> files = Files.list(tmp.resolve("b"))) {
      assertEquals(List.of("epoch-000001.safetensors", "epoch-000002.safetensors",
          "epoch-000003.safetensors"), files.map(p -> p.getFileName().toString())
              .filter(n -> n.startsWith("epoch-")).sorted().collect(Collectors.toList()));
    }
    // A damaged checkpoint is an error naming it.
    Path last = tmp.resolve("b").resolve("epoch-000003.safetensors");
    byte[] bytes = Files.readAllBytes(last);
    Files.write(last, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    Files.deleteIfExists(tmp.resolve("b").resolve(".epoch-000003.safetensors.crc"));
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> DistributedTrainer.fit(data, validation, null,
            base.checkpointDir(dir).maxEpochs(4).build()));
    assertTrue(e.getMessage().contains("epoch-000003.safetensors"), e.getMessage());
    // Another network refuses the directory.
    IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
        () -> DistributedTrainer.fit(data, validation, null, base.checkpointDir(
            tmp.resolve("a").toUri().toString()).network(Network.sequential()
                .linear(FEATURES, CLASSES).toJson()).build()));
    assertTrue(other.getMessage().contains("was written for another network"),
        other.getMessage());
  }

  @Test
  void earlyStoppingReturnsTheBestEpoch() {
    // Validation labels are a permutation of the training ones: the better the model fits the
    // training data, the worse its validation loss, so epoch 1 is the best.
    float[][] v = synthetic(90, 5, true);
    JavaRDD<Block> validation = blocks(v[0], v[1], v[2], FEATURES, 2, 45);
    JavaRDD<Block> data = syntheticBlocks(300, 2, 2);
    TrainConfig config = small().maxEpochs(5).earlyStoppingPatience(1).build();
    TrainResult stopped = DistributedTrainer.fit(data, validation, null, config);
    TrainingSummary s = stopped.summary();
    assertTrue(s.stoppedEarly(), s.toJson());
    assertEquals(2, s.totalEpochs(), s.toJson());
    assertEquals(1, s.bestEpoch());
    assertEquals(1, stopped.epoch());
    TrainResult oneEpoch = DistributedTrainer.fit(data, validation, null,
        config.toBuilder().maxEpochs(1).earlyStoppingPatience(0).build());
    assertSameState(oneEpoch.stateDict(), stopped.stateDict());
  }

  @Test
  void optimizerStatePolicies() {
    JavaRDD<Block> data = syntheticBlocks(300, 4, 2);
    TrainResult average = DistributedTrainer.fit(data, null, null, small().build());
    TrainResult reset = DistributedTrainer.fit(data, null, null,
        small().optimizerStatePolicy("reset").build());
    TrainResult local = DistributedTrainer.fit(data, null, null,
        small().optimizerStatePolicy("keepLocal").build());
    TrainResult localAgain = DistributedTrainer.fit(data, null, null,
        small().optimizerStatePolicy("keepLocal").build());
    assertFalse(average.optimizerState().isEmpty());
    assertTrue(reset.optimizerState().isEmpty());
    assertTrue(local.optimizerState().isEmpty());
    assertFalse(sameState(average.stateDict(), reset.stateDict()));
    assertFalse(sameState(reset.stateDict(), local.stateDict()));
    assertFalse(sameState(average.stateDict(), local.stateDict()));
    assertSameState(local.stateDict(), localAgain.stateDict());
    for (TrainResult r : List.of(average, reset, local)) {
      assertTrue(r.summary().epochs().get(1).trainLoss() < r.summary().epochs().get(0)
          .trainLoss(), r.summary().toJson());
    }
  }

  @Test
  void badInputNamesWhatIsWrong() {
    float[][] d = synthetic(100, 6, false);
    d[1][73] = 3; // class 3 of 3
    IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
        () -> DistributedTrainer.fit(blocks(d[0], d[1], null, FEATURES, 2, 50), null, null,
            small().build()));
    assertEquals("label 3.0 of row 23 of partition 1 is not a class index in 0..2",
        label.getMessage());
    d[1][73] = 1;
    d[0][80 * FEATURES] = Float.NaN;
    IllegalStateException nan = assertThrows(IllegalStateException.class,
        () -> DistributedTrainer.fit(blocks(d[0], d[1], null, FEATURES, 2, 50), null, null,
            small().build()));
    assertTrue(nan.getMessage().startsWith(
        "Ember fit: the training loss is NaN in epoch 1, partition 1, batch "), nan.getMessage());
    JavaRDD<Block> good = syntheticBlocks(100, 6, 2);
    IllegalArgumentException classes = assertThrows(IllegalArgumentException.class,
        () -> DistributedTrainer.fit(good, null, null, small().numClasses(4).build()));
    assertEquals("the network outputs [3] per row but the fit has 4 classes: its last layer must"
        + " output 4 values", classes.getMessage());
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> DistributedTrainer.fit(good, null, null, small().inputShape(2, 2).build()));
    assertEquals("inputShape [2, 2] holds 4 values but the feature vectors have 6",
        shape.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> DistributedTrainer.fit(good, null, null, small().earlyStoppingPatience(2).build()));
    IllegalStateException device = assertThrows(IllegalStateException.class,
        () -> DistributedTrainer.fit(good, null, null, small().device("cuda").build()));
    assertTrue(device.getMessage().contains(
        "device 'cuda' requested but this executor has no cuda device"), device.getMessage());
    assertNotEquals(null, device.getCause());
  }
}
