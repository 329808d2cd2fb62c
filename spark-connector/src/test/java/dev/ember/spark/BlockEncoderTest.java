package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.BlockEncoder.Task;
import dev.ember.spark.testing.SparkSessionExtension;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The encoder on real DataFrames: blocks reproduce the rows, counts, repartitioning, both
 * validation splits, whole-frame errors, errors surfacing on the driver, schema errors before any
 * job. Row-level validation messages are covered without Spark by {@link PartitionEncoderTest}.
 */
@ExtendWith(SparkSessionExtension.class)
class BlockEncoderTest {
  private static final StructType SCHEMA = new StructType()
      .add("features", SQLDataTypes.VectorType())
      .add("label", DataTypes.IntegerType)
      .add("w", DataTypes.DoubleType)
      .add("isVal", DataTypes.BooleanType);

  private static SparkSession spark;
  private static JavaSparkContext sc;

  @BeforeAll
  static void session(SparkSession session) {
    spark = session;
    sc = JavaSparkContext.fromSparkContext(session.sparkContext());
  }

  /** Row i: features (i, i + 0.5, -i), label i % 3, weight (i % 4) / 4, validation when i % 4 == 0. */
  private static Row row(int i) {
    return RowFactory.create(Vectors.dense(i, i + 0.5, -i), i % 3, (i % 4) * 0.25, i % 4 == 0);
  }

  private static Dataset<Row> frame(int n) {
    return frame(n, BlockEncoderTest::row);
  }

  // A local list becomes min(n, 2) partitions holding contiguous slices, in order.
  private static Dataset<Row> frame(int n, IntFunction<Row> rows) {
    List<Row> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(rows.apply(i));
    }
    return spark.createDataFrame(list, SCHEMA);
  }

  private static BlockEncoder.Builder encoder() {
    return BlockEncoder.builder().weightCol("w").task(Task.classification(3)).featureSize(3);
  }

  private static List<Block> collect(EncodedData data) {
    return data.blocks().collect();
  }

  /** The first feature of every row, in block order: the row's index in these tests. */
  private static List<Integer> ids(List<Block> blocks) {
    List<Integer> ids = new ArrayList<>();
    for (Block b : blocks) {
      for (int j = 0; j < b.rows(); j++) {
        ids.add((int) b.features()[j * b.featureSize()]);
      }
    }
    return ids;
  }

  private static List<String> dump(EncodedData data) {
    List<String> out = new ArrayList<>();
    for (List<Block> partition : data.blocks().glom().collect()) {
      out.add("partition");
      for (Block b : partition) {
        out.add(b.rows() + Arrays.toString(b.features()) + Arrays.toString(b.labels())
            + Arrays.toString(b.weights()));
      }
    }
    return out;
  }

  private static void close(EncodedData[] parts) {
    for (EncodedData d : parts) {
      d.close();
    }
  }

  @Test
  void blocksReproduceEveryRowInPartitionOrder() {
    try (EncodedData data = encoder().rowsPerBlock(4).build().encode(frame(25))) {
      assertEquals(25, data.rows());
      assertEquals(0, data.skipped());
      assertEquals(2, data.numPartitions());
      assertEquals(3, data.featureSize());
      assertEquals(1, data.labelSize());
      assertArrayEquals(new long[] {9, 8, 8}, data.classCounts());

      List<List<Block>> partitions = data.blocks().glom().collect();
      assertEquals(2, partitions.size());
      List<Block> all = new ArrayList<>();
      for (List<Block> blocks : partitions) {
        for (int b = 0; b < blocks.size(); b++) {
          int rows = blocks.get(b).rows();
          assertTrue(b < blocks.size() - 1 ? rows == 4 : rows >= 1 && rows <= 4,
              "block " + b + " of " + blocks.size() + " has " + rows + " rows");
        }
        all.addAll(blocks);
      }
      int i = 0;
      for (Block b : all) {
        for (int j = 0; j < b.rows(); j++, i++) {
          assertArrayEquals(new float[] {i, i + 0.5f, -i},
              Arrays.copyOfRange(b.features(), 3 * j, 3 * j + 3), "row " + i);
          assertEquals(i % 3, b.labels()[j], "label of row " + i);
          assertEquals((i % 4) * 0.25f, b.weights()[j], "weight of row " + i);
        }
      }
      assertEquals(25, i);
    }
  }

  @Test
  void regressionReadsArrayFeaturesAndScalarOrVectorLabels() {
    StructType schema = new StructType()
        .add("x", DataTypes.createArrayType(DataTypes.FloatType))
        .add("y1", DataTypes.FloatType)
        .add("y2", DataTypes.createArrayType(DataTypes.DoubleType));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rows.add(RowFactory.create(new float[] {i, -i}, i * 1.5f, new double[] {i, 2.0 * i}));
    }
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    BlockEncoder.Builder b = BlockEncoder.builder().featuresCol("x").featureSize(2);
    try (EncodedData one = b.labelCol("y1").task(Task.regression(1)).build().encode(df);
        EncodedData two = b.labelCol("y2").task(Task.regression(2)).build().encode(df)) {
      assertEquals(1, one.labelSize());
      assertEquals(2, two.labelSize());
      assertThrows(IllegalStateException.class, one::classCounts);
      float[] x1 = new float[12];
      float[] y1 = new float[6];
      float[] y2 = new float[12];
      int r = 0;
      for (Block blk : collect(one)) {
        assertNull(blk.weights());
        System.arraycopy(blk.features(), 0, x1, 2 * r, 2 * blk.rows());
        System.arraycopy(blk.labels(), 0, y1, r, blk.rows());
        r += blk.rows();
      }
      r = 0;
      for (Block blk : collect(two)) {
        System.arraycopy(blk.labels(), 0, y2, 2 * r, 2 * blk.rows());
        r += blk.rows();
      }
      assertArrayEquals(new float[] {0, 0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5}, x1);
      assertArrayEquals(new float[] {0, 1.5f, 3, 4.5f, 6, 7.5f}, y1);
      assertArrayEquals(new float[] {0, 0, 1, 2, 2, 4, 3, 6, 4, 8, 5, 10}, y2);
    }
  }

  @Test
  void aBadRowFailsTheEncodeWithItsOwnExceptionOnTheDriver() {
    int cached = sc.getPersistentRDDs().size();
    BlockEncoder encoder = encoder().task(Task.classification(10)).build();
    Dataset<Row> df = frame(8, i -> i == 3
        ? RowFactory.create(Vectors.dense(0, 0, 0), 10, 1.0, false) : row(i));
    InvalidRowException e = assertThrows(InvalidRowException.class, () -> encoder.encode(df));
    assertEquals("column 'label': 10.0 is not a class index in 0..9 (row 3 of partition 0)",
        e.getMessage());
    assertEquals("label", e.column());
    assertInstanceOf(SparkException.class, e.getCause());
    assertEquals(cached, sc.getPersistentRDDs().size(), "the failed encode left a cached RDD");
  }

  @Test
  void skipDropsAndCountsBadRows() {
    Dataset<Row> df = frame(10, i -> switch (i) {
      case 2 -> RowFactory.create(null, 1, 1.0, false);
      case 5 -> RowFactory.create(Vectors.dense(5, 0, 0), null, 1.0, false);
      case 7 -> RowFactory.create(Vectors.dense(7, 0, 0), 1, -1.0, false);
      default -> row(i);
    });
    try (EncodedData data = encoder().handleInvalid("skip").rowsPerBlock(2).build().encode(df)) {
      assertEquals(3, data.skipped());
      assertEquals(7, data.rows());
      assertEquals(List.of(0, 1, 3, 4, 6, 8, 9), ids(collect(data)));
      assertArrayEquals(new long[] {4, 2, 1}, data.classCounts());
    }
  }

  @Test
  void skippingEveryRowIsAnError() {
    Dataset<Row> df = frame(2, i -> RowFactory.create(null, 1, 1.0, false));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> encoder().handleInvalid("skip").build().encode(df));
    assertEquals("no rows left to train on (columns 'features', 'label', 'w'): all 2 rows are"
        + " invalid and were skipped (handleInvalid=skip); the first: column 'features': null"
        + " features (row 0 of partition 0)", e.getMessage());
  }

  @Test
  void anEmptyFrameIsAnError() {
    int cached = sc.getPersistentRDDs().size();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> encoder().build().encode(frame(0)));
    assertEquals("no rows to train on (columns 'features', 'label', 'w'): the DataFrame is empty",
        e.getMessage());
    assertEquals(cached, sc.getPersistentRDDs().size());
  }

  @Test
  void fewerRowsThanWorkersIsAnError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> encoder().numWorkers(4).build().encode(frame(3)));
    assertEquals("3 training rows cannot be spread over 4 partitions (numWorkers = 4): every"
        + " worker needs at least one row; use fewer workers (numWorkers)", e.getMessage());
  }

  @Test
  void numWorkersRepartitions() {
    try (EncodedData data = encoder().numWorkers(3).build().encode(frame(20).coalesce(1))) {
      assertEquals(3, data.numPartitions());
      assertEquals(20, data.rows());
      List<List<Block>> partitions = data.blocks().glom().collect();
      assertEquals(3, partitions.size());
      List<Integer> ids = new ArrayList<>();
      for (List<Block> p : partitions) {
        List<Integer> local = ids(p);
        assertTrue(local.size() >= 6 && local.size() <= 7, "round robin gave " + local);
        ids.addAll(local);
      }
      ids.sort(null);
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        expected.add(i);
      }
      assertEquals(expected, ids);
    }
  }

  @Test
  void splitsByTheIndicatorColumnAndUnpersistsWhenBothPartsClose() {
    int cached = sc.getPersistentRDDs().size();
    EncodedData[] parts = encoder().build().encodeSplit(frame(12), "isVal");
    try {
      EncodedData train = parts[0];
      EncodedData validation = parts[1];
      assertEquals(9, train.rows());
      assertEquals(3, validation.rows());
      assertEquals(List.of(1, 2, 3, 5, 6, 7, 9, 10, 11), ids(collect(train)));
      assertEquals(List.of(0, 4, 8), ids(collect(validation)));
      assertArrayEquals(new long[] {3, 3, 3}, train.classCounts());
      assertArrayEquals(new long[] {1, 1, 1}, validation.classCounts());
      assertEquals(2, validation.numPartitions());
      assertEquals(cached + 1, sc.getPersistentRDDs().size());
      train.close();
      assertEquals(cached + 1, sc.getPersistentRDDs().size(), "validation still uses the cache");
      train.close();
      assertEquals(cached + 1, sc.getPersistentRDDs().size(), "close is idempotent");
    } finally {
      close(parts);
    }
    assertEquals(cached, sc.getPersistentRDDs().size());
  }

  @Test
  void aSplitWithAnEmptyPartIsAnError() {
    BlockEncoder encoder = encoder().build();
    Dataset<Row> none = frame(4, i -> RowFactory.create(Vectors.dense(i, 0, 0), 1, 1.0, false));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> encoder.encodeSplit(none, "isVal"));
    assertEquals("no validation rows: all 4 valid rows went to training by column 'isVal'",
        e.getMessage());
    Dataset<Row> all = frame(4, i -> RowFactory.create(Vectors.dense(i, 0, 0), 1, 1.0, true));
    e = assertThrows(IllegalArgumentException.class, () -> encoder.encodeSplit(all, "isVal"));
    assertEquals("no training rows (columns 'features', 'label', 'w'): all 4 valid rows went to"
        + " validation by column 'isVal'", e.getMessage());
  }

  @Test
  void splitsByAFractionDeterministicallyWhateverTheWorkers() {
    Dataset<Row> df = frame(200);
    BlockEncoder encoder = encoder().rowsPerBlock(16).build();
    EncodedData[] a = encoder.encodeSplit(df, 0.25, 11);
    EncodedData[] b = encoder.encodeSplit(df, 0.25, 11);
    EncodedData[] workers = encoder.toBuilder().numWorkers(3).build().encodeSplit(df, 0.25, 11);
    EncodedData[] otherSeed = encoder.encodeSplit(df, 0.25, 12);
    try {
      assertEquals(dump(a[0]), dump(b[0]));
      assertEquals(dump(a[1]), dump(b[1]));

      List<Integer> validation = ids(collect(a[1]));
      List<Integer> all = new ArrayList<>(ids(collect(a[0])));
      all.addAll(validation);
      all.sort(null);
      assertEquals(200, all.size());
      for (int i = 0; i < 200; i++) {
        assertEquals(i, all.get(i));
      }
      // Binomial(200, 0.25): mean 50, standard deviation 6.1.
      assertTrue(validation.size() > 25 && validation.size() < 75, "" + validation.size());
      assertEquals(validation.size(), a[1].rows());
      assertEquals(200 - validation.size(), a[0].rows());

      assertEquals(3, workers[1].numPartitions());
      List<Integer> repartitioned = ids(collect(workers[1]));
      repartitioned.sort(null);
      assertEquals(validation, repartitioned);

      assertNotEquals(validation, ids(collect(otherSeed[1])));
    } finally {
      close(a);
      close(b);
      close(workers);
      close(otherSeed);
    }
  }

  @Test
  void wrongColumnTypesFailOnTheDriverBeforeAnyJob() {
    StructType schema = SCHEMA
        .add("s", DataTypes.StringType)
        .add("v", SQLDataTypes.VectorType());
    Dataset<Row> df = spark.createDataFrame(List.of(), schema);
    String group = "ember-schema-test";
    sc.setJobGroup(group, "schema checks", false);
    try {
      assertEquals("column 's' has type string; features must be a Vector, array<float> or"
          + " array<double>", schemaError(() -> encoder().featuresCol("s").build().encode(df)));
      assertEquals("column 's' has type string; class-index labels (numClasses = 3) must be"
          + " numeric", schemaError(() -> encoder().labelCol("s").build().encode(df)));
      assertEquals("column 'label' has type int; labels with numTargets = 2 must be a Vector,"
          + " array<float> or array<double>",
          schemaError(() -> encoder().task(Task.regression(2)).build().encode(df)));
      assertEquals("column 'v' has type vector; regression labels (numTargets = 1) must be"
          + " numeric",
          schemaError(() -> encoder().labelCol("v").task(Task.regression(1)).build().encode(df)));
      assertEquals("column 's' has type string; weights must be numeric",
          schemaError(() -> encoder().weightCol("s").build().encode(df)));
      assertEquals("column 'label' has type int; a validation indicator must be boolean",
          schemaError(() -> encoder().build().encodeSplit(df, "label")));
      assertEquals("column 'nope' does not exist; the DataFrame has features, label, w, isVal,"
          + " s, v", schemaError(() -> encoder().labelCol("nope").build().encode(df)));
      assertEquals("validationFraction must be in (0, 1), got 1.0",
          schemaError(() -> encoder().build().encodeSplit(df, 1.0, 1)));
      assertEquals("column 's' has type string; features must be a Vector, array<float> or"
          + " array<double>", schemaError(() -> BlockEncoder.inferFeatureSize(df, "s")));
      assertEquals(0, sc.statusTracker().getJobIdsForGroup(group).length);
    } finally {
      sc.clearJobGroup();
    }
  }

  private static String schemaError(Runnable r) {
    return assertThrows(IllegalArgumentException.class, r::run).getMessage();
  }

  @Test
  void infersTheFeatureSizeFromTheFirstNonNullRow() {
    Dataset<Row> df = frame(3, i -> i == 0 ? RowFactory.create(null, 0, 1.0, false)
        : RowFactory.create(Vectors.dense(1, 2, 3, 4), 0, 1.0, false));
    assertEquals(4, BlockEncoder.inferFeatureSize(df, "features"));
    Dataset<Row> nulls = frame(2, i -> RowFactory.create(null, 0, 1.0, false));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BlockEncoder.inferFeatureSize(nulls, "features"));
    assertEquals("cannot infer the feature size from column 'features': it has no non-null value"
        + " (the DataFrame is empty or the column is null on every row)", e.getMessage());
  }

  @Test
  void builderRejectsBadSettings() {
    assertEquals("task is required: Task.classification(numClasses) or"
        + " Task.regression(numTargets)",
        schemaError(() -> BlockEncoder.builder().featureSize(3).build()));
    assertEquals("featureSize must be >= 1, got 0 (BlockEncoder.inferFeatureSize reads it from"
        + " the data)", schemaError(() -> encoder().featureSize(0).build()));
    assertEquals("rowsPerBlock must be >= 1, got 0",
        schemaError(() -> encoder().rowsPerBlock(0).build()));
    assertEquals("handleInvalid must be 'error' or 'skip', got 'keep'",
        schemaError(() -> encoder().handleInvalid("keep").build()));
    assertEquals("numWorkers must be >= 0 (0 keeps the DataFrame's partitions), got -1",
        schemaError(() -> encoder().numWorkers(-1).build()));
    assertEquals("a block of 1024 rows of 3000000 features holds 3072000000 floats, more than a"
        + " Java array can; lower rowsPerBlock",
        schemaError(() -> encoder().featureSize(3_000_000).build()));
    assertEquals("numClasses must be in 2..16777216, got 1",
        schemaError(() -> Task.classification(1)));
    assertEquals("numTargets must be >= 1, got 0", schemaError(() -> Task.regression(0)));
    assertEquals("featuresCol must be a column name, got ''",
        schemaError(() -> BlockEncoder.builder().featuresCol("")));
    BlockEncoder e = encoder().rowsPerBlock(7).numWorkers(2).handleInvalid("skip").build();
    assertEquals(e.toString(), e.toBuilder().build().toString());
    assertEquals("BlockEncoder(features=features, label=label, weight=w, classification(3),"
        + " featureSize=3, rowsPerBlock=7, handleInvalid=skip, numWorkers=2)", e.toString());
  }
}
