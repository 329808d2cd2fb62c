package dev.ember.transformers.feature;

import static dev.ember.transformers.feature.Fixtures.assertMessage;
import static dev.ember.transformers.feature.Fixtures.floats;
import static dev.ember.transformers.feature.Fixtures.rowError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.spark.InvalidRowException;
import dev.ember.spark.testing.SparkSessionExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** VectorToTensor: dense and sparse vectors, normalization, sizes, nulls, persistence. */
@ExtendWith(SparkSessionExtension.class)
class VectorToTensorTest {
  private static final StructType SCHEMA = new StructType().add("id", DataTypes.IntegerType)
      .add("v", SQLDataTypes.VectorType(), true);

  private static Dataset<Row> vectors(SparkSession spark) {
    return spark.createDataFrame(List.of(
        RowFactory.create(0, Vectors.dense(0, 2, 4, 6, 8, 10)),
        RowFactory.create(1, Vectors.sparse(6, new int[] {1, 4}, new double[] {-3, 0.1}))),
        SCHEMA);
  }

  @Test
  void denseAndSparseVectorsAreScaledAndNormalizedPerChannel(SparkSession spark) {
    Dataset<Row> df = vectors(spark);
    Dataset<Row> result = new VectorToTensor().setInputCol("v").setOutputCol("t").setShape(2, 3)
        .setScale(0.5).setMean(1, 2).setStd(2, 4).transform(df);
    result = new VectorToTensor().setInputCol("v").setOutputCol("raw").setShape(6)
        .transform(result);
    assertArrayEquals(new int[] {2, 3}, TensorColumns.shapeOf(result.schema().apply("t")));
    assertArrayEquals(new int[] {6}, TensorColumns.shapeOf(result.schema().apply("raw")));
    for (Row row : result.collectAsList()) {
      if (row.getInt(0) == 0) {
        assertArrayEquals(new float[] {-0.5f, 0f, 0.5f, 0.25f, 0.5f, 0.75f}, floats(row, "t"));
        assertArrayEquals(new float[] {0, 2, 4, 6, 8, 10}, floats(row, "raw"));
      } else {
        // Missing elements are zeros: scaled to 0, then normalized like any other value.
        assertArrayEquals(new float[] {-0.5f, (-1.5f - 1) / 2, -0.5f, -0.5f,
            ((float) (0.1 * 0.5) - 2) / 4, -0.5f}, floats(row, "t"));
        assertArrayEquals(new float[] {0, -3, 0, 0, 0.1f, 0}, floats(row, "raw"));
      }
    }
  }

  @Test
  void aVectorOfAnotherSizeIsAnErrorNamingColumnSizeAndShape(SparkSession spark) {
    InvalidRowException e = rowError(() -> new VectorToTensor().setInputCol("v").setShape(1, 5)
        .transform(vectors(spark)).collectAsList());
    assertEquals("v", e.column());
    assertTrue(e.getMessage().contains("a row has a vector of size 6 (starting ")
        && e.getMessage().contains("shape [1, 5] needs 5"), e.getMessage());

    // A size recorded in the column's ML attributes is checked before any job runs.
    StructType withSize = new StructType().add(new AttributeGroup("v", 7).toStructField());
    assertMessage(() -> new VectorToTensor().setInputCol("v").setShape(2, 3)
        .transformSchema(withSize), "holds vectors of size 7 (its metadata says), but shape"
        + " [2, 3] needs 6");
    assertMessage(() -> new VectorToTensor().setInputCol("id").setShape(2, 3)
        .transformSchema(SCHEMA), "input column 'id' has type int; expected a Vector");
  }

  @Test
  void nullVectorsAreErrorsOrSkipped(SparkSession spark) {
    Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(0, Vectors.dense(1, 2)),
        RowFactory.create(1, null)), SCHEMA);
    VectorToTensor stage = new VectorToTensor().setInputCol("v").setOutputCol("t").setShape(2);
    InvalidRowException e = rowError(() -> stage.transform(df).collectAsList());
    assertTrue(e.getMessage().contains("null value") && e.getMessage().contains("skip"),
        e.getMessage());
    List<Row> kept = stage.setHandleInvalid("skip").transform(df).collectAsList();
    assertEquals(1, kept.size());
    assertEquals(0, kept.get(0).getInt(0));
  }

  @Test
  void savedAndLoadedGivesTheSameParamsAndOutput(SparkSession spark, @TempDir Path dir)
      throws IOException {
    VectorToTensor stage = new VectorToTensor().setInputCol("v").setOutputCol("t")
        .setShape(3, 1, 2).setScale(2).setMean(0.5).setStd(0.25, 0.5, 2);
    String path = dir.resolve("vector-to-tensor").toString();
    stage.save(path);
    VectorToTensor loaded = VectorToTensor.load(path);
    assertEquals(stage.uid(), loaded.uid());
    assertArrayEquals(new int[] {3, 1, 2}, loaded.getShape());
    assertEquals(2.0, loaded.getScale());
    assertArrayEquals(new double[] {0.5}, loaded.getMean());
    assertArrayEquals(new double[] {0.25, 0.5, 2}, loaded.getStd());
    assertEquals("error", loaded.getHandleInvalid());
    Dataset<Row> df = vectors(spark);
    assertEquals(stage.transform(df).collectAsList(), loaded.transform(df).collectAsList());
  }
}
