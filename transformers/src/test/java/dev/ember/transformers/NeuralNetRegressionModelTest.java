package dev.ember.transformers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.testing.SparkSessionExtension;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SparkSessionExtension.class)
class NeuralNetRegressionModelTest {
  private static final double TOL = 1e-5;

  static NeuralNetRegressionModel single(String uid) {
    return new NeuralNetRegressionModel(uid, TinyNets.REGRESSOR,
        TinyNets.linearWeights(TinyNets.WR, TinyNets.BR), 1, new int[0]);
  }

  static NeuralNetRegressionModel multi(String uid) {
    return new NeuralNetRegressionModel(uid, TinyNets.REGRESSOR2,
        TinyNets.linearWeights(TinyNets.WR2, TinyNets.BR2), 2, new int[0]);
  }

  @Test
  void oneOutputIsADoublePrediction(SparkSession spark) {
    double[][] x = TinyNets.features(25);
    NeuralNetRegressionModel model = single("reg_one").setBatchSize(4);
    Dataset<Row> out = model.transform(NeuralNetClassificationModelTest.frame(spark, x));
    assertEquals(List.of("id", "features", "note", "prediction"),
        Arrays.asList(out.schema().fieldNames()));
    assertEquals(DataTypes.DoubleType, out.schema().apply("prediction").dataType());
    List<Row> rows = out.collectAsList();
    assertEquals(25, rows.size());
    for (Row r : rows) {
      int id = (int) r.getLong(0);
      double expected = TinyNets.linear(TinyNets.WR, TinyNets.BR, x[id], 4)[0];
      assertEquals(expected, r.getDouble(3), TOL * Math.max(1, Math.abs(expected)), "row " + id);
      assertEquals(model.predict(Vectors.dense(x[id])), r.getDouble(3), 0.0);
      assertEquals("row " + id, r.getString(2));
    }
  }

  @Test
  void severalOutputsAreAVector(SparkSession spark) {
    double[][] x = TinyNets.features(9);
    NeuralNetRegressionModel model = multi("reg_two");
    Dataset<Row> out = model.transform(NeuralNetClassificationModelTest.frame(spark, x));
    assertEquals(new VectorUDT(), out.schema().apply("prediction").dataType());
    assertEquals(2, AttributeGroup.fromStructField(out.schema().apply("prediction")).size());
    for (Row r : out.collectAsList()) {
      int id = (int) r.getLong(0);
      double[] expected = TinyNets.linear(TinyNets.WR2, TinyNets.BR2, x[id], 4);
      double[] actual = ((Vector) r.getAs("prediction")).toArray();
      for (int k = 0; k < 2; k++) {
        assertEquals(expected[k], actual[k], TOL * Math.max(1, Math.abs(expected[k])));
      }
    }
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> model.predict(Vectors.dense(x[0])));
    assertTrue(e.getMessage().contains("use predictVector"), e.getMessage());
    assertEquals(2, model.predictVector(Vectors.dense(x[0])).size());
  }

  @Test
  void sqlFunction(SparkSession spark) {
    double[][] x = TinyNets.features(6);
    NeuralNetClassificationModelTest.frame(spark, x).createOrReplaceTempView("reg_udf_rows");
    spark.udf().register("regress", single("reg_udf1").udf());
    spark.udf().register("regress2", multi("reg_udf2").udf());
    Dataset<Row> out = spark.sql(
        "SELECT id, regress(features) AS y, regress2(features) AS v FROM reg_udf_rows");
    assertEquals(DataTypes.DoubleType, out.schema().apply("y").dataType());
    assertEquals(new VectorUDT(), out.schema().apply("v").dataType());
    for (Row r : out.collectAsList()) {
      int id = (int) r.getLong(0);
      assertEquals(TinyNets.linear(TinyNets.WR, TinyNets.BR, x[id], 4)[0], r.getDouble(1), TOL);
      double[] v = ((Vector) r.get(2)).toArray();
      assertEquals(TinyNets.linear(TinyNets.WR2, TinyNets.BR2, x[id], 4)[1], v[1], TOL);
    }
  }

  @Test
  void nullFeaturesFailOrGiveNullWithSkip(SparkSession spark) {
    NeuralNetRegressionModel model = single("reg_null");
    spark.udf().register("regress_err", model.udf());
    spark.udf().register("regress_skip", single("reg_null2").setHandleInvalid("skip").udf());
    Row r = spark.sql("SELECT regress_skip(CAST(NULL AS array<double>)) AS y").first();
    assertTrue(r.isNullAt(0));
    Exception e = assertThrows(Exception.class, () -> spark.sql(
        "SELECT regress_err(CAST(NULL AS array<double>)) AS y").collectAsList());
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t).append('\n');
    }
    assertTrue(b.toString().contains("column 'udf argument': null features"), b.toString());
  }

  @Test
  void constructorChecksOutputs() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new NeuralNetRegressionModel("reg_bad", TinyNets.REGRESSOR2,
            TinyNets.linearWeights(TinyNets.WR2, TinyNets.BR2), 1, new int[0]));
    assertTrue(e.getMessage().contains("output for input [4] is [2], expected [1]"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new NeuralNetRegressionModel("reg_conv", dev.ember.spec.Network.sequential()
            .conv2d(1, 1, 2).flatten().linear(4, 1), new byte[0], 1, new int[0]));
    assertTrue(e.getMessage().contains("starting with conv2d takes; give the model an inputShape"),
        e.getMessage());
  }
}
