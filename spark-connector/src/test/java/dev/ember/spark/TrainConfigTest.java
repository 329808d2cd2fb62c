package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class TrainConfigTest {
  private static final String NET = "{\"layers\":[{\"type\":\"linear\",\"in\":4,\"out\":3}]}";

  private static String error(UnaryOperator<TrainConfig.Builder> change) {
    return assertThrows(IllegalArgumentException.class,
        () -> change.apply(TrainConfig.builder().network(NET)).build()).getMessage();
  }

  @Test
  void defaults() {
    TrainConfig c = TrainConfig.builder().network(NET).build();
    assertEquals("adam", c.optimizer());
    assertEquals(1e-3, c.learningRate());
    assertEquals(32, c.batchSize());
    assertEquals(10, c.maxEpochs());
    assertEquals(0, c.numClasses());
    assertEquals(TrainConfig.Sampling.UNIFORM, c.sampling());
    assertEquals(0, c.syncEvery());
    assertEquals(TrainConfig.OptimizerStatePolicy.AVERAGE, c.optimizerStatePolicy());
    assertEquals(2, c.aggregationDepth());
    assertEquals("auto", c.device());
    assertEquals(null, c.checkpointDir());
    assertEquals(0, c.earlyStoppingPatience());
  }

  @Test
  void namesParseAndCopiesAreIndependent() {
    float[] w = {1, 2, 3};
    TrainConfig c = TrainConfig.builder().network(NET).numClasses(3).classWeights(w)
        .sampling("Balanced").optimizerStatePolicy("keepLocal").inputShape(2, 2).build();
    w[0] = 9;
    assertArrayEquals(new float[] {1, 2, 3}, c.classWeights());
    assertEquals(TrainConfig.Sampling.BALANCED, c.sampling());
    assertEquals(TrainConfig.OptimizerStatePolicy.KEEP_LOCAL, c.optimizerStatePolicy());
    assertEquals("keepLocal", c.optimizerStatePolicy().paramValue());
    TrainConfig d = c.toBuilder().maxEpochs(3).build();
    assertEquals(3, d.maxEpochs());
    assertArrayEquals(new int[] {2, 2}, d.inputShape());
  }

  @Test
  void everySettingIsValidated() {
    assertEquals("network must be a network spec (JSON), got null",
        assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().build())
            .getMessage());
    assertEquals("inputShape dimensions must be >= 1, got [1, 0]",
        error(b -> b.inputShape(1, 0)));
    assertEquals("optimizer must be an optimizer name or JSON spec, got \" \"",
        error(b -> b.optimizer(" ")));
    assertEquals("learningRate must be finite and > 0, got 0.0", error(b -> b.learningRate(0)));
    assertEquals("learningRate must be finite and > 0, got NaN",
        error(b -> b.learningRate(Double.NaN)));
    assertEquals("gradClipNorm must be finite and >= 0 (0 = off), got -1.0",
        error(b -> b.gradClipNorm(-1)));
    assertEquals("batchSize must be >= 1, got 0", error(b -> b.batchSize(0)));
    assertEquals("maxEpochs must be >= 1, got 0", error(b -> b.maxEpochs(0)));
    assertEquals("numClasses must be >= 2 for classification or 0 for regression, got 1",
        error(b -> b.numClasses(1)));
    assertEquals("classWeights has 2 values but numClasses is 3",
        error(b -> b.numClasses(3).classWeights(new float[] {1, 1})));
    assertEquals("classWeights[1] must be finite and >= 0, got -1.0",
        error(b -> b.numClasses(2).classWeights(new float[] {1, -1})));
    assertEquals("classWeights are all 0: no row would count",
        error(b -> b.numClasses(2).classWeights(new float[] {0, 0})));
    assertEquals("classWeights need a classification fit (numClasses >= 2); this one is a"
        + " regression", error(b -> b.classWeights(new float[] {1})));
    assertEquals("sampling=balanced needs a classification fit (numClasses >= 2); this one is a"
        + " regression", error(b -> b.sampling("balanced")));
    assertEquals("sampling must be uniform or balanced, got \"stratified\"",
        error(b -> b.sampling("stratified")));
    assertEquals("syncEvery must be >= 0 (0 = one pass per round), got -2",
        error(b -> b.syncEvery(-2)));
    assertEquals("optimizerStatePolicy must be average, reset or keepLocal, got \"sum\"",
        error(b -> b.optimizerStatePolicy("sum")));
    assertEquals("aggregationDepth must be >= 1, got 0", error(b -> b.aggregationDepth(0)));
    assertEquals("device must be auto, cpu, cuda[:i] or opencl[:i], got \"tpu\"",
        error(b -> b.device("tpu")));
    assertEquals("checkpointDir must be a directory URI or null, got \"\"",
        error(b -> b.checkpointDir("")));
    assertEquals("earlyStoppingPatience must be >= 0 (0 = off), got -1",
        error(b -> b.earlyStoppingPatience(-1)));
  }
}
