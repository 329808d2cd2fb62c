package dev.ember.transformers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.spark.testing.SparkSessionExtension;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The models saved by earlier versions (made by {@link GoldenModels}) still load and predict. */
@ExtendWith(SparkSessionExtension.class)
class GoldenModelTest {
  private static String golden(String name) throws URISyntaxException {
    return Path.of(GoldenModelTest.class.getResource("/golden/" + name).toURI()).toString();
  }

  @Test
  void classifierV1(SparkSession spark) throws URISyntaxException {
    NeuralNetClassificationModel model =
        NeuralNetClassificationModel.load(golden(GoldenModels.CLASSIFIER_V1));
    assertEquals("NeuralNetClassificationModel_golden1", model.uid());
    assertEquals(TinyNets.CLASSIFIER, model.networkSpec());
    assertEquals(3, model.numClasses());
    assertEquals(GoldenModels.CLASSIFIER_BATCH_SIZE, model.getBatchSize());
    assertArrayEquals(GoldenModels.THRESHOLDS, model.getThresholds());
    double[] t = GoldenModels.THRESHOLDS;
    for (double[] x : TinyNets.features(17)) {
      double[] logits = TinyNets.classifierLogits(x);
      assertArrayEquals(logits, model.predictRaw(Vectors.dense(x)).toArray(), 1e-5);
      double[] p = TinyNets.softmax(logits);
      int best = 0;
      for (int k = 1; k < 3; k++) {
        best = p[k] / t[k] > p[best] / t[best] ? k : best;
      }
      assertEquals(best, model.predict(Vectors.dense(x)));
    }
  }

  @Test
  void regressorV1(SparkSession spark) throws URISyntaxException {
    NeuralNetRegressionModel model =
        NeuralNetRegressionModel.load(golden(GoldenModels.REGRESSOR_V1));
    assertEquals(2, model.numOutputs());
    for (double[] x : TinyNets.features(9)) {
      assertArrayEquals(TinyNets.linear(TinyNets.WR2, TinyNets.BR2, x, 4),
          model.predictVector(Vectors.dense(x)).toArray(), 1e-5);
    }
  }
}
