package dev.ember.transformers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.nn.Sequential;
import dev.ember.spark.InvalidRowException;
import dev.ember.spark.testing.SparkSessionExtension;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SparkSessionExtension.class)
class NeuralNetClassificationModelTest {
  private static final double TOL = 1e-5;
  private static final int ROWS = 40;

  /** id, features (a Vector: sparse on every third row), note. */
  static Dataset<Row> frame(SparkSession spark, double[][] x) {
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < x.length; r++) {
      Vector v = r % 3 == 0 ? Vectors.dense(x[r]).toSparse() : Vectors.dense(x[r]);
      rows.add(RowFactory.create((long) r, v, "row " + r));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType)
        .add("features", new VectorUDT()).add("note", DataTypes.StringType);
    return spark.createDataFrame(rows, schema).repartition(2);
  }

  private static double[] values(Row r, String col) {
    return ((Vector) r.getAs(col)).toArray();
  }

  private static void assertClose(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], TOL * Math.max(1, Math.abs(expected[i])),
          what + " [" + i + "]: " + Arrays.toString(actual));
    }
  }

  @Test
  void transformAppendsLogitsSoftmaxAndClassKeepingEveryColumn(SparkSession spark) {
    double[][] x = TinyNets.features(ROWS);
    NeuralNetClassificationModel model = TinyNets.classifier("clf_transform").setBatchSize(3);
    Dataset<Row> in = frame(spark, x);
    Dataset<Row> out = model.transform(in);

    StructType schema = out.schema();
    assertEquals(List.of("id", "features", "note", "rawPrediction", "probability", "prediction"),
        Arrays.asList(schema.fieldNames()));
    assertEquals(new VectorUDT(), schema.apply("rawPrediction").dataType());
    assertEquals(new VectorUDT(), schema.apply("probability").dataType());
    assertEquals(DataTypes.DoubleType, schema.apply("prediction").dataType());
    assertEquals(3, AttributeGroup.fromStructField(schema.apply("probability")).size());
    assertEquals(3, AttributeGroup.fromStructField(schema.apply("rawPrediction")).size());
    assertEquals(3, ((NominalAttribute) NominalAttribute.fromStructField(
        schema.apply("prediction"))).getNumValues().get());
    assertEquals(model.transformSchema(in.schema()), schema);

    // The reference network, built and loaded directly.
    Sequential direct = TinyNets.CLASSIFIER.build();
    direct.loadStateDict(model.stateDict());
    direct.eval();

    List<Row> rows = out.collectAsList();
    assertEquals(ROWS, rows.size());
    boolean[] seen = new boolean[ROWS];
    int[] classes = new int[3];
    for (Row r : rows) {
      int id = (int) r.getLong(0);
      seen[id] = true;
      assertEquals("row " + id, r.getString(2));
      assertArrayEquals(x[id], values(r, "features"));
      double[] logits = TinyNets.classifierLogits(x[id]);
      assertClose(logits, values(r, "rawPrediction"), "logits of row " + id);
      try (Scope s = Tensor.scope(); GradMode g = Autograd.noGrad()) {
        float[] xf = new float[4];
        for (int j = 0; j < 4; j++) {
          xf[j] = (float) x[id][j];
        }
        float[] y = direct.forward(Tensor.of(xf, 1, 4)).toFloatArray();
        for (int k = 0; k < 3; k++) {
          assertEquals(y[k], values(r, "rawPrediction")[k], 0.0, "same as Module.forward");
        }
      }
      assertClose(TinyNets.softmax(logits), values(r, "probability"), "probability of " + id);
      int best = 0;
      for (int k = 1; k < 3; k++) {
        best = logits[k] > logits[best] ? k : best;
      }
      assertEquals(best, r.getDouble(5), "prediction of row " + id);
      classes[best]++;
    }
    for (boolean b : seen) {
      assertTrue(b, "every row comes out once");
    }
    assertTrue(Arrays.stream(classes).filter(c -> c > 0).count() >= 2,
        "the data exercises more than one class: " + Arrays.toString(classes));
  }

  @Test
  void thresholdsDivideProbabilitiesAsSpark(SparkSession spark) {
    double[][] x = TinyNets.features(ROWS);
    double[] t = {1.0, 0.05, 0.5};
    NeuralNetClassificationModel model = TinyNets.classifier("clf_thresholds");
    model.setThresholds(t);
    List<Row> rows = model.transform(frame(spark, x)).collectAsList();
    int changed = 0;
    for (Row r : rows) {
      int id = (int) r.getLong(0);
      double[] logits = TinyNets.classifierLogits(x[id]);
      double[] p = TinyNets.softmax(logits);
      int best = 0;
      for (int k = 1; k < 3; k++) {
        best = p[k] / t[k] > p[best] / t[best] ? k : best;
      }
      assertEquals(best, r.getDouble(5), "row " + id);
      // Spark's own ProbabilisticClassificationModel.predict path agrees.
      assertEquals(model.predict(r.getAs("features")), r.getDouble(5), "row " + id);
      int argmax = 0;
      for (int k = 1; k < 3; k++) {
        argmax = logits[k] > logits[argmax] ? k : argmax;
      }
      changed += argmax != best ? 1 : 0;
    }
    assertTrue(changed > 0 && changed < rows.size(), changed + " predictions changed");

    // As when copied from an estimator set up for another number of classes.
    model.set(model.thresholds(), new double[] {0.5, 0.5});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.transform(frame(spark, x)));
    assertTrue(e.getMessage().contains("thresholds has 2 values"), e.getMessage());
  }

  @Test
  void arrayFeaturesScoreAsVectors(SparkSession spark) {
    double[][] x = TinyNets.features(12);
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < x.length; r++) {
      Float[] f = new Float[4];
      Double[] d = new Double[4];
      for (int j = 0; j < 4; j++) {
        f[j] = (float) x[r][j];
        d[j] = x[r][j];
      }
      rows.add(RowFactory.create((long) r, f, d));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType)
        .add("f", DataTypes.createArrayType(DataTypes.FloatType))
        .add("d", DataTypes.createArrayType(DataTypes.DoubleType));
    Dataset<Row> in = spark.createDataFrame(rows, schema);
    NeuralNetClassificationModel model = TinyNets.classifier("clf_arrays");
    for (String col : new String[] {"f", "d"}) {
      model.setFeaturesCol(col);
      for (Row r : model.transform(in).collectAsList()) {
        int id = (int) r.getLong(0);
        assertClose(TinyNets.classifierLogits(x[id]), values(r, "rawPrediction"),
            col + " row " + id);
        assertEquals(model.predict(Vectors.dense(x[id])), r.getDouble(5));
      }
    }
  }

  @Test
  void inputShapeReshapesFlatFeatures(SparkSession spark) {
    NeuralNetClassificationModel model = new NeuralNetClassificationModel("clf_shaped",
        TinyNets.SHAPED, TinyNets.shapedWeights(), 3, new int[] {2, 2});
    assertEquals(4, model.numFeatures());
    assertArrayEquals(new int[] {2, 2}, model.getInputShape());
    double[][] x = TinyNets.features(10);
    for (Row r : model.transform(frame(spark, x)).collectAsList()) {
      int id = (int) r.getLong(0);
      assertClose(TinyNets.shapedLogits(x[id]), values(r, "rawPrediction"), "row " + id);
    }
  }

  @Test
  void schemaErrorsNameTheColumnAndType(SparkSession spark) {
    NeuralNetClassificationModel model = TinyNets.classifier("clf_schema");
    Dataset<Row> in = frame(spark, TinyNets.features(4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.setFeaturesCol("note").transform(in));
    assertEquals("column 'note' has type string; features must be a Vector, array<float> or"
        + " array<double>", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> model.setFeaturesCol("absent").transformSchema(in.schema()));
    assertTrue(e.getMessage().contains("column 'absent' does not exist"), e.getMessage());
    model.setFeaturesCol("features").setPredictionCol("note");
    e = assertThrows(IllegalArgumentException.class, () -> model.transform(in));
    assertTrue(e.getMessage().startsWith("output column 'note' already exists"), e.getMessage());
  }

  @Test
  void emptyOutputColumnsAreLeftOut(SparkSession spark) {
    NeuralNetClassificationModel model = TinyNets.classifier("clf_cols");
    model.setRawPredictionCol("").setProbabilityCol("");
    Dataset<Row> out = model.transform(frame(spark, TinyNets.features(5)));
    assertEquals(List.of("id", "features", "note", "prediction"),
        Arrays.asList(out.schema().fieldNames()));
    model.setPredictionCol("");
    assertEquals(List.of("id", "features", "note"),
        Arrays.asList(model.transform(frame(spark, TinyNets.features(5))).schema().fieldNames()));
  }

  @Test
  void invalidFeaturesFailTheJobOrAreSkipped(SparkSession spark) {
    double[][] x = TinyNets.features(8);
    x[5][2] = Double.NaN;
    NeuralNetClassificationModel model = TinyNets.classifier("clf_invalid");
    Exception e = assertThrows(Exception.class,
        () -> model.transform(frame(spark, x)).collectAsList());
    String all = chain(e);
    assertTrue(all.contains("column 'features': NaN at index 2"), all);

    model.setHandleInvalid("skip");
    List<Row> rows = model.transform(frame(spark, x)).collectAsList();
    assertEquals(7, rows.size());
    assertTrue(rows.stream().noneMatch(r -> r.getLong(0) == 5));
  }

  private static String chain(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (; t != null; t = t.getCause()) {
      b.append(t).append('\n');
    }
    return b.toString();
  }

  @Test
  void networkIsBuiltPerConcurrentTaskNotPerRowOrBatch(SparkSession spark) {
    // Weights no other test uses, so the pool starts empty for this model.
    float[] b2 = TinyNets.B2.clone();
    b2[0] += 0.5f;
    java.util.Map<String, Tensor> w = new java.util.LinkedHashMap<>();
    w.put("0.weight", Tensor.of(TinyNets.W1));
    w.put("0.bias", Tensor.of(TinyNets.B1));
    w.put("2.weight", Tensor.of(TinyNets.W2));
    w.put("2.bias", Tensor.of(b2));
    NeuralNetClassificationModel model = new NeuralNetClassificationModel("clf_builds",
        TinyNets.CLASSIFIER, dev.ember.io.SafeTensors.toBytes(w, java.util.Map.of()), 3,
        new int[0]);
    model.setBatchSize(2);
    long before = ModulePool.builds();
    assertEquals(60, model.transform(frame(spark, TinyNets.features(60))).count());
    assertEquals(60, model.transform(frame(spark, TinyNets.features(60)))
        .select("prediction").collectAsList().size());
    long built = ModulePool.builds() - before;
    // local[2]: at most two tasks run at once; the constructor's module is in the pool already.
    assertTrue(built <= 2, built + " networks built for 2 x 30 batches");
  }

  @Test
  void predictOneRow() {
    NeuralNetClassificationModel model = TinyNets.classifier("clf_predict");
    double[] x = {1.0, -2.0, 0.5, 3.0};
    double[] logits = TinyNets.classifierLogits(x);
    assertClose(logits, model.predictRaw(Vectors.dense(x)).toArray(), "predictRaw");
    assertClose(TinyNets.softmax(logits), model.predictProbability(Vectors.dense(x)).toArray(),
        "predictProbability");
    assertClose(logits, model.predictRaw(Vectors.dense(x).toSparse()).toArray(), "sparse");
    InvalidRowException e = assertThrows(InvalidRowException.class,
        () -> model.predict(Vectors.dense(1, 2, 3)));
    assertEquals("column 'features': 3 features, expected 4", e.getMessage());
    e = assertThrows(InvalidRowException.class,
        () -> model.predict(Vectors.dense(1, Double.POSITIVE_INFINITY, 3, 4)));
    assertEquals("column 'features': Infinity at index 1", e.getMessage());
  }

  @Test
  void predictIsThreadSafe() throws Exception {
    NeuralNetClassificationModel model = TinyNets.classifier("clf_threads");
    double[][] x = TinyNets.features(64);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<double[]>> results = new ArrayList<>();
      for (double[] row : x) {
        results.add(pool.submit(() -> model.predictRaw(Vectors.dense(row)).toArray()));
      }
      for (int r = 0; r < x.length; r++) {
        assertClose(TinyNets.classifierLogits(x[r]), results.get(r).get(), "row " + r);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sqlFunction(SparkSession spark) {
    double[][] x = TinyNets.features(20);
    NeuralNetClassificationModel model = TinyNets.classifier("clf_udf");
    model.setThresholds(new double[] {1.0, 0.05, 0.5});
    spark.udf().register("classify", model.udf());
    Dataset<Row> in = frame(spark, x);
    in.createOrReplaceTempView("clf_udf_rows");
    List<Row> rows = spark.sql("SELECT id, classify(features) AS c FROM clf_udf_rows")
        .collectAsList();
    assertEquals(20, rows.size());
    for (Row r : rows) {
      int id = (int) r.getLong(0);
      assertEquals(model.predict(Vectors.dense(x[id])), r.getDouble(1), "row " + id);
    }
    assertEquals(DataTypes.DoubleType,
        spark.sql("SELECT classify(features) FROM clf_udf_rows").schema().fields()[0].dataType());
    // Arrays too.
    List<Row> arr = spark.sql("SELECT classify(array(0.5D, -1D, 2D, 0.25D)) AS c").collectAsList();
    assertEquals(model.predict(Vectors.dense(0.5, -1, 2, 0.25)), arr.get(0).getDouble(0));
    Exception e = assertThrows(Exception.class,
        () -> spark.sql("SELECT classify(array(1D, 2D)) AS c").collectAsList());
    assertTrue(chain(e).contains("column 'udf argument': 2 features, expected 4"), chain(e));
  }

  @Test
  void constructorChecksWeightsAndShapes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new NeuralNetClassificationModel("bad_out", TinyNets.CLASSIFIER,
            TinyNets.classifierWeights(), 4, new int[0]));
    assertTrue(e.getMessage().contains("per-sample output for input [4] is [3], expected [4]"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new NeuralNetClassificationModel("bad_w", TinyNets.CLASSIFIER,
            TinyNets.linearWeights(TinyNets.WR, TinyNets.BR), 3, new int[0]));
    assertTrue(e.getMessage().contains("bad_w: the weights do not fit the network"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new NeuralNetClassificationModel("bad_bytes", TinyNets.CLASSIFIER,
            new byte[] {1, 2, 3}, 3, new int[0]));
    assertTrue(e.getMessage().contains("too short"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new NeuralNetClassificationModel("bad_shape", TinyNets.CLASSIFIER,
            TinyNets.classifierWeights(), 3, new int[] {5}));
    assertTrue(e.getMessage().contains("cannot take per-sample input [5]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new NeuralNetClassificationModel("one_class", TinyNets.CLASSIFIER,
            TinyNets.classifierWeights(), 1, new int[0]));
    assertTrue(e.getMessage().contains("at least 2 classes"), e.getMessage());
  }

  @Test
  void copySharesWeightsAndCopiesParams() {
    NeuralNetClassificationModel model = TinyNets.classifier("clf_copy").setBatchSize(5);
    NeuralNetClassificationModel copy = model.copy(
        new org.apache.spark.ml.param.ParamMap().put(model.thresholds().w(new double[] {1, 2, 3})));
    assertEquals("clf_copy", copy.uid());
    assertEquals(5, copy.getBatchSize());
    assertArrayEquals(new double[] {1, 2, 3}, copy.getThresholds());
    assertTrue(!model.isSet(model.thresholds()));
    assertEquals(model.networkSpec(), copy.networkSpec());
    assertArrayEquals(model.weightsSafetensors(), copy.weightsSafetensors());
    assertEquals(model.getNetwork(), copy.getNetwork());
    DenseVector v = (DenseVector) Vectors.dense(0.5, 0.5, -1, 2);
    assertArrayEquals(model.predictRaw(v).toArray(), copy.predictRaw(v).toArray());
    assertNotEquals(0, model.stateDict().size());
  }
}
