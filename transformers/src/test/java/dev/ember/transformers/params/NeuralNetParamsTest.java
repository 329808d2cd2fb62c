package dev.ember.transformers.params;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spec.Network;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.ml.param.JavaParams;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.junit.jupiter.api.Test;

class NeuralNetParamsTest {
  /** The smallest stage that carries the classifier params. */
  public static final class ClassifierStage extends JavaParams implements NeuralNetClassifierParams {
    private static final long serialVersionUID = 1L;
    private final String uid;

    public ClassifierStage(String uid) {
      this(PendingUid.of(uid));
    }

    private ClassifierStage(PendingUid pending) {
      this.uid = pending.take();
      NeuralNetClassifierParams.setDefaults(this);
    }

    @Override
    public String uid() {
      return uid != null ? uid : PendingUid.current();
    }

    @Override
    public ClassifierStage copy(ParamMap extra) {
      return defaultCopy(extra);
    }
  }

  /** The smallest stage that carries the regressor params. */
  public static final class RegressorStage extends JavaParams implements NeuralNetRegressorParams {
    private static final long serialVersionUID = 1L;
    private final String uid;

    public RegressorStage(String uid) {
      this.uid = uid;
      NeuralNetRegressorParams.setDefaults(this);
    }

    @Override
    public String uid() {
      return uid;
    }

    @Override
    public RegressorStage copy(ParamMap extra) {
      return defaultCopy(extra);
    }
  }

  private final ClassifierStage stage = new ClassifierStage("clf_1");

  /** Sets {@code value} and expects the validator to refuse it naming the param and the reason. */
  private static <T> void rejects(ClassifierStage s, Param<T> p, T value, String reason) {
    Object before = s.get(p);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> s.set(p, value));
    assertTrue(e.getMessage().startsWith("clf_1 param " + p.name() + " "), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertEquals(before, s.get(p), "a rejected value is not set");
  }

  private static <T> void accepts(ClassifierStage s, Param<T> p, T value) {
    s.set(p, value);
    assertEquals(value, s.getOrDefault(p));
    s.clear(p);
  }

  @Test
  void everyParamIsListedOnceWithADoc() {
    Set<String> names = new TreeSet<>();
    for (Param<?> p : stage.params()) {
      assertTrue(names.add(p.name()), "duplicate " + p.name());
      assertFalse(p.doc().isBlank(), p.name());
      assertEquals("clf_1", p.parent());
    }
    assertTrue(stage.explainParams().contains("batchSize: rows per batch, in training (per worker"
        + " step) and inference (>= 1) (default: 64)"), stage.explainParams());
    assertEquals(new TreeSet<>(Arrays.asList("aggregationDepth", "batchSize", "checkpointDir",
        "classWeights", "device", "earlyStoppingPatience", "gradClipNorm", "handleInvalid",
        "inputShape", "learningRate", "loss", "maxEpochs", "network", "numWorkers", "optimizer",
        "optimizerStatePolicy", "sampling", "schedule", "seed", "syncEvery",
        "validationFraction", "validationIndicatorCol", "weightCol")), names);
  }

  @Test
  void defaults() {
    assertArrayEquals(new int[0], stage.getInputShape());
    assertEquals("crossEntropy", stage.getLoss());
    assertEquals("adam", stage.getOptimizer());
    assertEquals(1e-3, stage.getLearningRate());
    assertEquals("constant", stage.getSchedule());
    assertEquals(0.0, stage.getGradClipNorm());
    assertEquals(64, stage.getBatchSize());
    assertEquals(10, stage.getMaxEpochs());
    assertEquals(ClassifierStage.class.getName().hashCode(), stage.getSeed());
    assertArrayEquals(new double[0], stage.getClassWeights());
    assertEquals("uniform", stage.getSampling());
    assertEquals(0.0, stage.getValidationFraction());
    assertEquals(0, stage.getEarlyStoppingPatience());
    assertEquals(0, stage.getNumWorkers());
    assertEquals(0, stage.getSyncEvery());
    assertEquals("average", stage.getOptimizerStatePolicy());
    assertEquals(2, stage.getAggregationDepth());
    assertEquals("auto", stage.getDevice());
    assertEquals("error", stage.getHandleInvalid());
    for (Param<?> p : new Param<?>[] {stage.network(), stage.weightCol(),
        stage.validationIndicatorCol(), stage.checkpointDir()}) {
      assertFalse(stage.isDefined(p), p.name() + " has no default");
    }
    RegressorStage reg = new RegressorStage("reg_1");
    assertEquals("mse", reg.getLoss());
    assertEquals(64, reg.getBatchSize());
    assertFalse(reg.hasParam("classWeights"));
  }

  @Test
  void networkIsValidatedByParsing() {
    String json = Network.sequential().linear(4, 3).relu().linear(3, 2).toJson();
    accepts(stage, stage.network(), json);
    rejects(stage, stage.network(), "{\"layers\":[{\"type\":\"linearr\"}]}",
        "is not a valid network");
    rejects(stage, stage.network(), "{\"layers\":[{\"type\":\"linearr\"}]}", "linearr");
    rejects(stage, stage.network(), "not json", "malformed");
  }

  @Test
  void lossOptimizerAndScheduleAreValidatedByParsing() {
    accepts(stage, stage.loss(), "nll");
    accepts(stage, stage.loss(), "{\"type\":\"huber\",\"delta\":0.5}");
    rejects(stage, stage.loss(), "hinge", "is not a valid loss: ");
    rejects(stage, stage.loss(), "hinge", "crossEntropy");
    rejects(stage, stage.loss(), "{\"type\":\"huber\",\"delta\":-1}", "delta");
    accepts(stage, stage.optimizer(), "sgd");
    accepts(stage, stage.optimizer(), "{\"type\":\"sgd\",\"momentum\":0.9}");
    rejects(stage, stage.optimizer(), "{\"type\":\"sgd\",\"momentum\":-0.9}",
        "is not a valid optimizer: ");
    rejects(stage, stage.optimizer(), "{\"type\":\"adam\",\"lr\":0.1}", "lr");
    accepts(stage, stage.schedule(), "cosine");
    accepts(stage, stage.schedule(), "{\"type\":\"step\",\"stepSize\":3}");
    rejects(stage, stage.schedule(), "{\"type\":\"step\"}", "is not a valid schedule: ");
    rejects(stage, stage.schedule(), "{\"type\":\"step\"}", "stepSize");
  }

  @Test
  void numericRanges() {
    accepts(stage, stage.learningRate(), 0.5);
    rejects(stage, stage.learningRate(), 0.0, "must be positive and finite; got 0.0");
    rejects(stage, stage.learningRate(), Double.NaN, "got NaN");
    rejects(stage, stage.learningRate(), Double.POSITIVE_INFINITY, "got Infinity");
    accepts(stage, stage.gradClipNorm(), 0.0);
    accepts(stage, stage.gradClipNorm(), 1.5);
    rejects(stage, stage.gradClipNorm(), -1.0, "must be non-negative and finite");
    accepts(stage, stage.validationFraction(), 0.2);
    rejects(stage, stage.validationFraction(), 1.0, "must be in [0, 1); got 1.0");
    rejects(stage, stage.validationFraction(), -0.1, "must be in [0, 1)");
    accepts(stage, stage.batchSize(), 1);
    rejects(stage, stage.batchSize(), 0, "must be at least 1; got 0");
    accepts(stage, stage.maxEpochs(), 3);
    rejects(stage, stage.maxEpochs(), 0, "must be at least 1");
    accepts(stage, stage.earlyStoppingPatience(), 0);
    rejects(stage, stage.earlyStoppingPatience(), -1, "must be at least 0");
    accepts(stage, stage.numWorkers(), 4);
    rejects(stage, stage.numWorkers(), -2, "must be at least 0; got -2");
    accepts(stage, stage.syncEvery(), 10);
    rejects(stage, stage.syncEvery(), -1, "must be at least 0");
    accepts(stage, stage.aggregationDepth(), 3);
    rejects(stage, stage.aggregationDepth(), 1, "must be at least 2; got 1");
    accepts(stage, stage.seed(), 42L);
  }

  @Test
  void arrays() {
    stage.set(stage.inputShape(), new int[] {1, 28, 28});
    assertArrayEquals(new int[] {1, 28, 28}, stage.getInputShape());
    rejects(stage, stage.inputShape(), new int[] {1, 0, 28},
        "must hold positive sizes; got [1, 0, 28] (0 at index 1)");
    stage.set(stage.classWeights(), new double[] {0.0, 2.5});
    assertArrayEquals(new double[] {0.0, 2.5}, stage.getClassWeights());
    rejects(stage, stage.classWeights(), new double[] {1, -1}, "(-1.0 at index 1)");
    rejects(stage, stage.classWeights(), new double[] {Double.NaN}, "non-negative finite");
    rejects(stage, stage.classWeights(), new double[] {0, 0}, "at least one positive");
  }

  @Test
  void choices() {
    accepts(stage, stage.sampling(), "balanced");
    rejects(stage, stage.sampling(), "Balanced",
        "must be one of uniform, balanced (case-sensitive); got 'Balanced'");
    accepts(stage, stage.optimizerStatePolicy(), "keepLocal");
    accepts(stage, stage.optimizerStatePolicy(), "reset");
    rejects(stage, stage.optimizerStatePolicy(), "sum", "must be one of average, reset, keepLocal");
    for (String d : new String[] {"auto", "cpu", "cuda", "opencl"}) {
      accepts(stage, stage.device(), d);
    }
    rejects(stage, stage.device(), "gpu", "must be one of auto, cpu, cuda, opencl");
    accepts(stage, stage.handleInvalid(), "skip");
    rejects(stage, stage.handleInvalid(), "keep", "must be one of error, skip");
  }

  @Test
  void columnsAndPaths() {
    accepts(stage, stage.weightCol(), "w");
    accepts(stage, stage.validationIndicatorCol(), "isVal");
    accepts(stage, stage.checkpointDir(), "hdfs:///tmp/ckpt");
    rejects(stage, stage.checkpointDir(), "  ", "must not be empty");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> stage.set(stage.checkpointDir(), null));
    assertEquals("clf_1 param checkpointDir must not be null", e.getMessage());
  }

  @Test
  void copyKeepsValuesAndOverridesExtra() {
    stage.set(stage.batchSize(), 7);
    stage.set(stage.device(), "cpu");
    ClassifierStage c = stage.copy(new ParamMap().put(stage.learningRate().w(0.25)));
    assertEquals("clf_1", c.uid());
    assertEquals(7, c.getBatchSize());
    assertEquals("cpu", c.getDevice());
    assertEquals(0.25, c.getLearningRate());
    assertEquals(1e-3, stage.getLearningRate());
  }

  @Test
  void stageWithSetParamsSerializes() throws IOException, ClassNotFoundException {
    stage.set(stage.sampling(), "balanced");
    stage.set(stage.classWeights(), new double[] {1, 3});
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(stage);
    }
    ClassifierStage back;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (ClassifierStage) in.readObject();
    }
    assertEquals("balanced", back.getSampling());
    assertArrayEquals(new double[] {1, 3}, back.getClassWeights());
    rejects(back, back.sampling(), "x", "must be one of");
  }

  @Test
  void pendingUidNeedsAConstructorInProgress() {
    assertThrows(IllegalStateException.class, PendingUid::current);
    assertThrows(IllegalArgumentException.class, () -> PendingUid.of(" "));
    assertEquals("u", PendingUid.of("u").take());
    assertThrows(IllegalStateException.class, PendingUid::current);
  }
}
