package dev.ember.estimators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.InvalidRowException;
import dev.ember.spark.testing.SparkSessionExtension;
import dev.ember.spec.Network;
import dev.ember.testdata.FashionMnist;
import dev.ember.transformers.NeuralNetClassificationModel;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.functions;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The classifier as a Spark user meets it: fit, transform, pipelines, tuning, errors. */
@ExtendWith(SparkSessionExtension.class)
class NeuralNetClassifierTest {
  private static final Network MLP =
      Network.sequential().linear(784, 64).relu().linear(64, 10);

  private static Dataset<Row> train;
  private static Dataset<Row> test;

  @BeforeAll
  static void data(SparkSession spark) {
    train = Frames.fashion(spark, FashionMnist.trainSubset(), 6000, 2).cache();
    test = Frames.fashion(spark, FashionMnist.testSubset(), 1000, 2).cache();
  }

  private static NeuralNetClassifier mlp() {
    return new NeuralNetClassifier().setNetwork(MLP).setMaxEpochs(2).setBatchSize(64)
        .setLearningRate(2e-3).setSeed(7);
  }

  @Test
  void learnsFashionMnistAndTransformsLikeASparkClassifier() {
    NeuralNetClassificationModel model = mlp().fit(train);
    assertEquals(10, model.numClasses());
    assertEquals(784, model.numFeatures());
    assertEquals(2, model.summary().epochs().size());
    Dataset<Row> out = model.transform(test);
    assertEquals(List.of("features", "label", "rawPrediction", "probability", "prediction"),
        List.of(out.columns()));
    double accuracy = Frames.accuracy(out);
    assertTrue(accuracy > 0.75, "test accuracy " + accuracy);
    Row first = out.first();
    Vector p = first.getAs("probability");
    double sum = 0;
    for (double x : p.toArray()) {
      sum += x;
    }
    assertEquals(1.0, sum, 1e-5);
    assertEquals(p.argmax(), first.<Double>getAs("prediction"), 0.0);
    assertEquals(accuracy, new MulticlassClassificationEvaluator().setMetricName("accuracy")
        .evaluate(out), 1e-12);
  }

  @Test
  void sameSeedSameModelOtherSeedOtherModel() {
    Dataset<Row> small = train.limit(600);
    NeuralNetClassifier clf = mlp().setMaxEpochs(1);
    byte[] a = clf.fit(small).weightsSafetensors();
    byte[] b = clf.fit(small).weightsSafetensors();
    assertArrayEquals(a, b);
    assertNotEquals(java.util.Arrays.hashCode(a),
        java.util.Arrays.hashCode(clf.copy(ParamMap.empty()).setSeed(8).fit(small)
            .weightsSafetensors()));
  }

  @Test
  void convolutionOverArrayFeaturesWithAnInputShape() {
    Dataset<Row> arrays = train.limit(1500).select(
        functions.vector_to_array(train.col("features"), "float32").as("pixels"),
        train.col("label"));
    NeuralNetClassificationModel model = new NeuralNetClassifier()
        .setNetwork(Network.sequential().conv2d(1, 8, 3, 1, 1).relu().maxPool2d(2).flatten()
            .linear(8 * 14 * 14, 10))
        .setInputShape(1, 28, 28).setFeaturesCol("pixels").setMaxEpochs(1).setBatchSize(32)
        .setSeed(3).fit(arrays);
    assertArrayEquals(new int[] {1, 28, 28}, model.getInputShape());
    Dataset<Row> testArrays = test.select(
        functions.vector_to_array(test.col("features"), "float32").as("pixels"),
        test.col("label"));
    double accuracy = Frames.accuracy(model.transform(testArrays));
    assertTrue(accuracy > 0.6, "test accuracy " + accuracy);
  }

  @Test
  void pipelineSavesAndLoadsUnfittedAndFitted(@TempDir Path dir) throws Exception {
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {mlp().setMaxEpochs(1)});
    pipeline.write().save(dir.resolve("pipeline").toString());
    Pipeline loadedPipeline = Pipeline.load(dir.resolve("pipeline").toString());
    NeuralNetClassifier loadedClf = (NeuralNetClassifier) loadedPipeline.getStages()[0];
    assertEquals(MLP.toJson(), loadedClf.getNetwork());
    assertEquals(2e-3, loadedClf.getLearningRate());

    Dataset<Row> small = train.limit(600);
    PipelineModel fitted = pipeline.fit(small);
    fitted.write().save(dir.resolve("model").toString());
    PipelineModel loaded = PipelineModel.load(dir.resolve("model").toString());
    List<Row> before = fitted.transform(test.limit(50)).select("prediction", "probability")
        .collectAsList();
    List<Row> after = loaded.transform(test.limit(50)).select("prediction", "probability")
        .collectAsList();
    assertEquals(before, after);
    assertTrue(((NeuralNetClassificationModel) fitted.stages()[0]).hasSummary());
    assertFalse(((NeuralNetClassificationModel) loaded.stages()[0]).hasSummary());
  }

  @Test
  void crossValidatorAndTrainValidationSplitTuneLearningRateAndBatchSize() {
    Dataset<Row> small = train.limit(800);
    NeuralNetClassifier clf = mlp().setMaxEpochs(1);
    ParamMap[] grid = new ParamGridBuilder()
        .addGrid(clf.learningRate(), new double[] {1e-4, 3e-3})
        .addGrid(clf.batchSize(), new int[] {32, 64})
        .build();
    MulticlassClassificationEvaluator accuracy =
        new MulticlassClassificationEvaluator().setMetricName("accuracy");
    CrossValidatorModel cv = new CrossValidator().setEstimator(clf).setEstimatorParamMaps(grid)
        .setEvaluator(accuracy).setNumFolds(2).setSeed(1).fit(small);
    assertEquals(4, cv.avgMetrics().length);
    NeuralNetClassificationModel best = (NeuralNetClassificationModel) cv.bestModel();
    // One epoch at lr 1e-4 barely moves; 3e-3 learns: the search must see that.
    assertEquals(3e-3, best.getLearningRate());
    TrainValidationSplitModel tvs = new TrainValidationSplit().setEstimator(clf)
        .setEstimatorParamMaps(grid).setEvaluator(accuracy).setTrainRatio(0.75).setSeed(1)
        .fit(small);
    assertEquals(3e-3, ((NeuralNetClassificationModel) tvs.bestModel()).getLearningRate());
  }

  @Test
  void mismatchesAndBadColumnsAreClearErrors() {
    Dataset<Row> small = train.limit(100);
    IllegalArgumentException noNetwork = assertThrows(IllegalArgumentException.class,
        () -> new NeuralNetClassifier().fit(small));
    assertTrue(noNetwork.getMessage().contains("network param is not set"),
        noNetwork.getMessage());

    IllegalArgumentException input = assertThrows(IllegalArgumentException.class,
        () -> mlp().setNetwork(Network.sequential().linear(100, 10)).fit(small));
    assertTrue(input.getMessage().contains("layer 0 (linear 100->10)"), input.getMessage());

    IllegalArgumentException classes = assertThrows(IllegalArgumentException.class,
        () -> mlp().setNetwork(Network.sequential().linear(784, 10)).setInputShape(1, 28, 28)
            .fit(small));
    assertTrue(classes.getMessage().contains("layer 0"), classes.getMessage());

    InvalidRowException label = assertThrows(InvalidRowException.class,
        () -> mlp().setNetwork(Network.sequential().linear(784, 4)).fit(small));
    assertTrue(label.getMessage().startsWith("column 'label':"), label.getMessage());
    assertTrue(label.getMessage().contains("not a class index in 0..3"), label.getMessage());

    Dataset<Row> strings = small.selectExpr("cast(label as string) as features", "label");
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
        () -> mlp().fit(strings));
    assertTrue(type.getMessage().contains("column 'features' has type string"),
        type.getMessage());

    Dataset<Row> stringLabel = small.selectExpr("features", "cast(label as string) as label");
    IllegalArgumentException labelType = assertThrows(IllegalArgumentException.class,
        () -> mlp().fit(stringLabel));
    assertTrue(labelType.getMessage().contains("labelCol column 'label' has type string"),
        labelType.getMessage());

    IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
        () -> mlp().setValidationFraction(0.1).setValidationIndicatorCol("v")
            .fit(small.withColumn("v", small.col("label").gt(5))));
    assertTrue(both.getMessage().contains("not both"), both.getMessage());
  }

  @Test
  void aGpuRequestWithoutAGpuFailsInsteadOfRunningOnTheCpu() {
    Dataset<Row> small = train.limit(200);
    IllegalStateException training = assertThrows(IllegalStateException.class,
        () -> mlp().setMaxEpochs(1).setDevice("cuda").fit(small));
    assertTrue(training.getMessage().contains(
        "device 'cuda' requested but this executor has no cuda device"), training.getMessage());
    NeuralNetClassificationModel model = mlp().setMaxEpochs(1).setDevice("cpu").fit(small);
    NeuralNetClassificationModel onGpu =
        model.copy(new ParamMap().put(model.device(), "cuda"));
    // The device is chosen on the executor, like training's: the job fails there.
    Exception inference = assertThrows(Exception.class, () -> onGpu.transform(small).collect());
    Throwable root = inference;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    assertTrue(root instanceof IllegalStateException && root.getMessage().contains(
        "device 'cuda' requested but this executor has no cuda device"), root.toString());
  }

  @Test
  void validationFractionFillsTheSummaryAndEarlyStoppingKeepsTheBestEpoch() {
    NeuralNetClassificationModel model = mlp().setMaxEpochs(3).setValidationFraction(0.2)
        .setEarlyStoppingPatience(1).fit(train.limit(2000));
    assertTrue(model.summary().epochs().size() >= 2);
    double metric = model.summary().epochs().get(model.summary().bestEpoch() - 1)
        .validationMetric();
    assertTrue(metric > 0.5, "best validation accuracy " + metric);
  }
}
