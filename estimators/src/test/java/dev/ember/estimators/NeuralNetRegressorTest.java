package dev.ember.estimators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.testing.SparkSessionExtension;
import dev.ember.spec.Network;
import dev.ember.transformers.NeuralNetRegressionModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The regressor recovers known linear maps, with a scalar label and with a vector label. */
@ExtendWith(SparkSessionExtension.class)
class NeuralNetRegressorTest {

  /** Rows x in [-1, 1]^2 with y = (2 x0 - x1 + 0.5, x0 + x1) and the scalar label y0. */
  private static Dataset<Row> linear(SparkSession spark, int n) {
    Random r = new Random(11);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double a = 2 * r.nextDouble() - 1;
      double b = 2 * r.nextDouble() - 1;
      rows.add(RowFactory.create(Vectors.dense(a, b), 2 * a - b + 0.5,
          Vectors.dense(2 * a - b + 0.5, a + b)));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("features", new VectorUDT(), false, Metadata.empty()),
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("targets", new VectorUDT(), false, Metadata.empty())});
    return spark.createDataFrame(new JavaSparkContext(spark.sparkContext()).parallelize(rows, 2),
        schema);
  }

  @Test
  void recoversAScalarLinearMap(SparkSession spark) {
    NeuralNetRegressionModel model = new NeuralNetRegressor()
        .setNetwork(Network.sequential().linear(2, 1)).setOptimizer("adam")
        .setLearningRate(0.05).setMaxEpochs(20).setBatchSize(32).setSeed(5)
        .fit(linear(spark, 1000));
    double p = model.predict(Vectors.dense(0.3, -0.2));
    assertEquals(2 * 0.3 + 0.2 + 0.5, p, 0.02);
    Dataset<Row> out = model.transform(linear(spark, 20));
    assertEquals(DataTypes.DoubleType, out.schema().apply("prediction").dataType());
    for (Row row : out.collectAsList()) {
      assertEquals(row.<Double>getAs("label"), row.<Double>getAs("prediction"), 0.05);
    }
  }

  @Test
  void vectorLabelsTrainSeveralTargets(SparkSession spark) {
    NeuralNetRegressionModel model = new NeuralNetRegressor()
        .setNetwork(Network.sequential().linear(2, 2)).setLabelCol("targets")
        .setLearningRate(0.05).setMaxEpochs(20).setBatchSize(32).setSeed(5)
        .fit(linear(spark, 1000));
    Vector p = model.predictVector(Vectors.dense(0.3, -0.2));
    assertEquals(1.3, p.apply(0), 0.02);
    assertEquals(0.1, p.apply(1), 0.02);
  }

  @Test
  void aScalarLabelNeedsOneOutput(SparkSession spark) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new NeuralNetRegressor().setNetwork(Network.sequential().linear(2, 3))
            .fit(linear(spark, 10)));
    assertTrue(e.getMessage().contains("outputs 3 values per row, but label column 'label'"),
        e.getMessage());
  }
}
